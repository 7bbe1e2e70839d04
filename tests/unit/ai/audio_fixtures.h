/* Audio fixtures for the ai/ tests, made at test time: tones, WAV files of any rate and channel
 * count, and WebM/Opus encoded by libavcodec's libopus and muxed by libavformat the way a browser's
 * MediaRecorder sends it (optionally with the Segment and Clusters of unknown size that Chrome
 * writes). Header-only (static inline) so each test binary takes what it uses; aborts on failure. */
#ifndef IG_TESTS_AI_AUDIO_FIXTURES_H
#define IG_TESTS_AI_AUDIO_FIXTURES_H

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* n frames of a sine at hz, amplitude amp, interleaved over channels (all alike). */
static inline int16_t *afx_tone(size_t n, int rate, int channels, double hz, double amp)
{
    int16_t *p = malloc(n * (size_t)channels * sizeof *p + 1);
    if (p == NULL)
        abort();
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < channels; c++)
            p[i * (size_t)channels + (size_t)c] = (int16_t)lrint(amp * sin(2 * M_PI * hz * (double)i / rate));
    return p;
}

static inline void afx_le(unsigned char *p, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* A WAV file of n frames: 16-bit PCM (bits and tag as given, for malformed variants), extra bytes
 * of a LIST chunk before the data (0: none), data_size as written (UINT32_MAX-1: the real one). */
static inline unsigned char *afx_wav(const int16_t *pcm, size_t n, int rate, int channels, unsigned tag, unsigned bits,
                                     size_t list_bytes, uint32_t data_size, size_t *len)
{
    size_t data = n * (size_t)channels * 2, list = list_bytes ? 8 + list_bytes + (list_bytes & 1) : 0;
    *len = 12 + 24 + list + 8 + data;
    unsigned char *w = calloc(1, *len);
    if (w == NULL)
        abort();
    memcpy(w, "RIFF", 4);
    afx_le(w + 4, (uint32_t)(*len - 8), 4);
    memcpy(w + 8, "WAVEfmt ", 8);
    afx_le(w + 16, 16, 4);
    afx_le(w + 20, tag, 2);
    afx_le(w + 22, (uint32_t)channels, 2);
    afx_le(w + 24, (uint32_t)rate, 4);
    afx_le(w + 28, (uint32_t)(rate * channels * 2), 4);
    afx_le(w + 32, (uint32_t)(channels * 2), 2);
    afx_le(w + 34, bits, 2);
    size_t p = 36;
    if (list_bytes) {
        memcpy(w + p, "LIST", 4);
        afx_le(w + p + 4, (uint32_t)list_bytes, 4);
        memset(w + p + 8, 'x', list_bytes);
        p += list;
    }
    memcpy(w + p, "data", 4);
    afx_le(w + p + 4, data_size == UINT32_MAX - 1 ? (uint32_t)data : data_size, 4);
    for (size_t i = 0; i < n * (size_t)channels; i++)
        afx_le(w + p + 8 + 2 * i, (uint16_t)pcm[i], 2);
    return w;
}

static inline void afx_check(int rc, const char *what)
{
    if (rc < 0) {
        char buf[128];
        av_strerror(rc, buf, sizeof buf);
        fprintf(stderr, "audio fixture: %s: %s\n", what, buf);
        abort();
    }
}

static inline void afx_drain(AVCodecContext *enc, AVFormatContext *oc, AVStream *st, AVPacket *pkt)
{
    for (;;) {
        int rc = avcodec_receive_packet(enc, pkt);
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
            return;
        afx_check(rc, "receive packet");
        av_packet_rescale_ts(pkt, enc->time_base, st->time_base);
        pkt->stream_index = st->index;
        afx_check(av_interleaved_write_frame(oc, pkt), "write frame");
    }
}

/* Rewrites the size of every Segment and Cluster as "unknown" (all ones, same length), as
 * Chrome's live muxer writes them. */
static inline void afx_unknown_sizes(unsigned char *b, size_t n)
{
    static const unsigned char seg[4] = {0x18, 0x53, 0x80, 0x67}, clu[4] = {0x1F, 0x43, 0xB6, 0x75};
    for (size_t i = 0; i + 5 <= n; i++) {
        if (memcmp(b + i, seg, 4) != 0 && memcmp(b + i, clu, 4) != 0)
            continue;
        unsigned char s0 = b[i + 4];
        int len = 1;
        while (len <= 8 && !(s0 & (0x80 >> (len - 1))))
            len++;
        if (len > 8 || i + 4 + (size_t)len > n)
            continue;
        b[i + 4] = (unsigned char)(s0 | (0xFF >> len));
        memset(b + i + 5, 0xFF, (size_t)len - 1);
    }
}

/* WebM/Opus of n frames of interleaved pcm at rate (8/12/16/24/48 kHz) with channels (1, 2).
 * malloc'd (*len bytes). */
static inline unsigned char *afx_webm(const int16_t *pcm, size_t n, int rate, int channels, bool unknown_sizes,
                                      size_t *len)
{
    AVFormatContext *oc = NULL;
    afx_check(avformat_alloc_output_context2(&oc, NULL, "webm", NULL), "output context");
    const AVCodec *codec = avcodec_find_encoder_by_name("libopus");
    if (codec == NULL) {
        fprintf(stderr, "audio fixture: no libopus encoder\n");
        abort();
    }
    AVStream *st = avformat_new_stream(oc, NULL);
    AVCodecContext *enc = avcodec_alloc_context3(codec);
    if (st == NULL || enc == NULL)
        abort();
    enc->sample_rate = rate;
    enc->sample_fmt = AV_SAMPLE_FMT_S16;
    enc->bit_rate = 32000;
    av_channel_layout_default(&enc->ch_layout, channels);
    enc->time_base = (AVRational){1, rate};
    afx_check(avcodec_open2(enc, codec, NULL), "open encoder");
    afx_check(avcodec_parameters_from_context(st->codecpar, enc), "parameters");
    st->time_base = enc->time_base;
    afx_check(avio_open_dyn_buf(&oc->pb), "dyn buf");
    afx_check(avformat_write_header(oc, NULL), "write header");
    AVFrame *f = av_frame_alloc();
    AVPacket *pkt = av_packet_alloc();
    if (f == NULL || pkt == NULL)
        abort();
    int fs = enc->frame_size;
    for (size_t at = 0; at < n; at += (size_t)fs) {
        f->nb_samples = fs;
        f->format = AV_SAMPLE_FMT_S16;
        f->sample_rate = rate;
        afx_check(av_channel_layout_copy(&f->ch_layout, &enc->ch_layout), "layout");
        afx_check(av_frame_get_buffer(f, 0), "frame buffer");
        size_t k = n - at < (size_t)fs ? n - at : (size_t)fs;
        memset(f->data[0], 0, (size_t)fs * (size_t)channels * 2);
        memcpy(f->data[0], pcm + at * (size_t)channels, k * (size_t)channels * 2);
        f->pts = (int64_t)at;
        afx_check(avcodec_send_frame(enc, f), "send frame");
        av_frame_unref(f);
        afx_drain(enc, oc, st, pkt);
    }
    afx_check(avcodec_send_frame(enc, NULL), "flush");
    afx_drain(enc, oc, st, pkt);
    afx_check(av_write_trailer(oc), "trailer");
    uint8_t *bytes = NULL;
    int blen = avio_close_dyn_buf(oc->pb, &bytes);
    oc->pb = NULL;
    unsigned char *out = malloc((size_t)blen);
    if (out == NULL)
        abort();
    memcpy(out, bytes, (size_t)blen);
    av_free(bytes);
    av_frame_free(&f);
    av_packet_free(&pkt);
    avcodec_free_context(&enc);
    avformat_free_context(oc);
    if (unknown_sizes)
        afx_unknown_sizes(out, (size_t)blen);
    *len = (size_t)blen;
    return out;
}

/* Positive-going zero crossings per second over the middle half of p (n samples at rate). */
static inline double afx_frequency(const int16_t *p, size_t n, int rate)
{
    size_t a = n / 4, b = 3 * n / 4, k = 0;
    for (size_t i = a + 1; i < b; i++)
        k += p[i - 1] < 0 && p[i] >= 0;
    return b > a ? (double)k * rate / (double)(b - a) : 0;
}

static inline int afx_peak(const int16_t *p, size_t n)
{
    int m = 0;
    for (size_t i = 0; i < n; i++)
        m = abs(p[i]) > m ? abs(p[i]) : m;
    return m;
}

#endif
