/* Audio decoding for live transcription: pcm16 by hand, WAV by its RIFF header and
 * libswresample, WebM by libavformat reading whole blocks from a growing buffer (the EBML scan
 * below decides how far it may read), libavcodec and libswresample. */
#include "ai/audio.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libavutil/mem.h>
#include <libswresample/swresample.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The AVIOContext's own buffer. */
#define WEBM_IO_BUF 4096

/* EBML IDs (with their length marker, as written). */
#define EBML_HEADER 0x1A45DFA3u
#define MKV_SEGMENT 0x18538067u
#define MKV_CLUSTER 0x1F43B675u
#define MKV_SIMPLEBLOCK 0xA3u
#define MKV_BLOCKGROUP 0xA0u
#define MKV_VOID 0xECu

/* Where the EBML scan stands. */
enum { SCAN_EBML, SCAN_SEGMENT, SCAN_BODY };

typedef struct webm {
    unsigned char *buf; /* stream bytes [base, base + len) */
    size_t len, cap;
    uint64_t base;
    uint64_t rpos;  /* what the demuxer has read */
    uint64_t scan;  /* the end of the last whole element (or entered master header) scanned */
    uint64_t ready; /* the demuxer may read up to here: the end of the last whole block */
    int state;
    bool eof; /* finish: the end of the data is the end of the stream */
    bool opened;
    unsigned char *iobuf; /* AVIOContext's; owned by pb once pb exists */
    AVIOContext *pb;
    AVFormatContext *fmt;
    AVCodecContext *codec;
    int stream;
    AVPacket *pkt;
    AVFrame *frame;
    /* what swr was set up for */
    int swr_rate, swr_format;
    AVChannelLayout swr_layout;
} webm;

typedef struct wav {
    unsigned char *hdr; /* the header so far, AUDIO_WAV_HEADER_MAX bytes */
    size_t hdr_n;
    bool ready;      /* header parsed: samples follow */
    int rate, channels;
    uint64_t data_left; /* bytes of the data chunk still to come; UINT64_MAX: to the end */
    unsigned char part[16]; /* a frame cut between two chunks */
    size_t part_n;
    int16_t *mono; /* mixed-down frames before resampling */
    size_t mono_cap;
} wav;

struct audio_decoder {
    audio_format fmt;
    bool finished;
    ig_err fail; /* sticky: status != IG_OK once failed */
    uint64_t max_samples, produced;
    int16_t *out; /* this call's samples */
    size_t out_n, out_cap;
    unsigned char carry; /* pcm16: the first byte of a cut sample */
    bool has_carry;
    SwrContext *swr; /* wav at another rate, and webm */
    wav w;
    webm m;
};

bool audio_format_parse(const char *s, size_t n, audio_format *out)
{
    static const struct {
        const char *name;
        audio_format f;
    } names[] = {{"pcm16", AUDIO_PCM16}, {"wav", AUDIO_WAV}, {"webm", AUDIO_WEBM}};
    if (n == 0) {
        *out = AUDIO_PCM16;
        return true;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strlen(names[i].name) == n && strncasecmp(names[i].name, s, n) == 0) {
            *out = names[i].f;
            return true;
        }
    }
    return false;
}

const char *audio_format_name(audio_format f)
{
    return f == AUDIO_WAV ? "wav" : f == AUDIO_WEBM ? "webm" : "pcm16";
}

void audio_quiet_library_logs(void)
{
    av_log_set_level(AV_LOG_QUIET);
}

/* Records the first failure; every later call answers it. */
static ig_status fail(audio_decoder *d, ig_err *err, ig_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static ig_status fail(audio_decoder *d, ig_err *err, ig_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    d->fail.status = st;
    vsnprintf(d->fail.msg, sizeof d->fail.msg, fmt, ap);
    va_end(ap);
    return status_errf(err, st, "%s", d->fail.msg);
}

static ig_status av_fail(audio_decoder *d, ig_err *err, const char *what, int averr)
{
    char why[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(averr, why, sizeof why);
    if (averr == AVERROR(ENOMEM))
        return fail(d, err, IG_ENOMEM, "out of memory decoding audio");
    return fail(d, err, IG_EINVAL, "malformed %s audio: %s (%s)", audio_format_name(d->fmt), what, why);
}

/* ---- output ---- */

/* Room for n more output samples. */
static ig_status out_reserve(audio_decoder *d, size_t n, ig_err *err)
{
    if (d->out_n + n <= d->out_cap)
        return IG_OK;
    size_t cap = d->out_cap ? d->out_cap : 4096;
    while (cap < d->out_n + n)
        cap *= 2;
    int16_t *p = realloc(d->out, cap * sizeof *p);
    if (p == NULL)
        return fail(d, err, IG_ENOMEM, "out of memory decoding audio");
    d->out = p;
    d->out_cap = cap;
    return IG_OK;
}

/* The cap on decoded seconds, checked as output grows (a few bytes of Opus are a lot of audio). */
static ig_status out_check(audio_decoder *d, ig_err *err)
{
    if (d->produced + d->out_n > d->max_samples)
        return fail(d, err, IG_ETOOBIG, "more than %.0f seconds of audio", (double)d->max_samples / AUDIO_RATE);
    return IG_OK;
}

/* Runs in_n frames of in (NULL: flush) through swr into the output. */
static ig_status resample(audio_decoder *d, const uint8_t *const *in, int in_n, ig_err *err)
{
    int room = swr_get_out_samples(d->swr, in_n);
    if (room < 0)
        return av_fail(d, err, "resampler", room);
    ig_status st = out_reserve(d, (size_t)room + 16, err);
    if (st != IG_OK)
        return st;
    uint8_t *dst = (uint8_t *)(d->out + d->out_n);
    int got = swr_convert(d->swr, &dst, room + 16, (const uint8_t **)in, in_n);
    if (got < 0)
        return av_fail(d, err, "resampler", got);
    d->out_n += (size_t)got;
    return out_check(d, err);
}

static ig_status swr_setup(audio_decoder *d, AVChannelLayout *in_layout, int in_format, int in_rate,
                           ig_err *err)
{
    AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
    swr_free(&d->swr);
    int rc = swr_alloc_set_opts2(&d->swr, &mono, AV_SAMPLE_FMT_S16, AUDIO_RATE, in_layout, in_format, in_rate, 0,
                                 NULL);
    if (rc >= 0)
        rc = swr_init(d->swr);
    if (rc < 0) {
        swr_free(&d->swr);
        return av_fail(d, err, "cannot convert its sample format", rc);
    }
    return IG_OK;
}

/* ---- pcm16 ---- */

static ig_status pcm16_feed(audio_decoder *d, const unsigned char *p, size_t n, ig_err *err)
{
    size_t total = (n + d->has_carry) / 2;
    ig_status st = out_reserve(d, total, err);
    if (st != IG_OK)
        return st;
    size_t i = 0;
    if (d->has_carry && n > 0) {
        d->out[d->out_n++] = (int16_t)(uint16_t)(d->carry | (unsigned)p[0] << 8);
        d->has_carry = false;
        i = 1;
    }
    for (; i + 1 < n; i += 2)
        d->out[d->out_n++] = (int16_t)(uint16_t)(p[i] | (unsigned)p[i + 1] << 8);
    if (i < n) {
        d->carry = p[i];
        d->has_carry = true;
    }
    return out_check(d, err);
}

/* ---- wav ---- */

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned le16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* Parses the header in w->hdr: IG_OK with *hlen (the bytes before the samples), IG_AGAIN when
 * more bytes are needed, or the failure. */
static ig_status wav_parse(audio_decoder *d, size_t *hlen, ig_err *err)
{
    wav *w = &d->w;
    const unsigned char *h = w->hdr;
    size_t n = w->hdr_n;
    if (n < 12)
        return memcmp(h, "RIFF", n < 4 ? n : 4) == 0 ? IG_AGAIN
                                                     : fail(d, err, IG_EINVAL, "not a WAV stream (no RIFF header)");
    if (memcmp(h, "RIFF", 4) != 0 || memcmp(h + 8, "WAVE", 4) != 0)
        return fail(d, err, IG_EINVAL, "not a WAV stream (no RIFF/WAVE header)");
    bool have_fmt = false;
    uint64_t pos = 12;
    for (;;) {
        if (pos + 8 > AUDIO_WAV_HEADER_MAX)
            return fail(d, err, IG_EINVAL, "WAV header longer than %u bytes", AUDIO_WAV_HEADER_MAX);
        if (pos + 8 > n)
            return IG_AGAIN;
        const unsigned char *c = h + pos;
        uint32_t size = le32(c + 4);
        if (memcmp(c, "data", 4) == 0) {
            if (!have_fmt)
                return fail(d, err, IG_EINVAL, "WAV data chunk before its fmt chunk");
            w->data_left = size == 0 || size == 0xFFFFFFFFu ? UINT64_MAX : size;
            *hlen = (size_t)pos + 8;
            return IG_OK;
        }
        if (memcmp(c, "fmt ", 4) == 0) {
            if (size < 16 || size > 1024)
                return fail(d, err, IG_EINVAL, "WAV fmt chunk of %u bytes", size);
            if (pos + 8 + size > AUDIO_WAV_HEADER_MAX)
                return fail(d, err, IG_EINVAL, "WAV header longer than %u bytes", AUDIO_WAV_HEADER_MAX);
            if (pos + 8 + size > n)
                return IG_AGAIN;
            const unsigned char *f = c + 8;
            unsigned tag = le16(f), channels = le16(f + 2), align = le16(f + 12), bits = le16(f + 14);
            uint32_t rate = le32(f + 4);
            if (tag == 0xFFFE && size >= 40)
                tag = le16(f + 24); /* WAVE_FORMAT_EXTENSIBLE: the sub-format GUID's first two bytes */
            if (tag != 1 || bits != 16)
                return fail(d, err, IG_EINVAL, "WAV encoding %u with %u-bit samples: only 16-bit PCM is supported",
                            tag, bits);
            if (channels < 1 || channels > 8)
                return fail(d, err, IG_EINVAL, "WAV with %u channels (1 to 8 supported)", channels);
            if (rate < 8000 || rate > 192000)
                return fail(d, err, IG_EINVAL, "WAV sample rate %u Hz (8000 to 192000 supported)", rate);
            if (align != channels * 2)
                return fail(d, err, IG_EINVAL, "WAV block align %u does not match %u 16-bit channels", align,
                            channels);
            w->rate = (int)rate;
            w->channels = (int)channels;
            have_fmt = true;
        }
        pos += 8 + (uint64_t)size + (size & 1);
    }
}

/* Mixes down and emits whole frames of p[0..n) (n a multiple of the frame size). */
static ig_status wav_frames(audio_decoder *d, const unsigned char *p, size_t n, ig_err *err)
{
    wav *w = &d->w;
    size_t fsz = (size_t)w->channels * 2, frames = n / fsz;
    if (frames == 0)
        return IG_OK;
    int16_t *dst;
    if (w->rate == AUDIO_RATE) {
        ig_status st = out_reserve(d, frames, err);
        if (st != IG_OK)
            return st;
        dst = d->out + d->out_n;
    } else {
        if (frames > w->mono_cap) {
            int16_t *m = realloc(w->mono, frames * sizeof *m);
            if (m == NULL)
                return fail(d, err, IG_ENOMEM, "out of memory decoding audio");
            w->mono = m;
            w->mono_cap = frames;
        }
        dst = w->mono;
    }
    for (size_t i = 0; i < frames; i++) {
        int32_t sum = 0;
        for (int c = 0; c < w->channels; c++)
            sum += (int16_t)(uint16_t)le16(p + i * fsz + (size_t)c * 2);
        dst[i] = (int16_t)(sum / w->channels);
    }
    if (w->rate == AUDIO_RATE) {
        d->out_n += frames;
        return out_check(d, err);
    }
    const uint8_t *in = (const uint8_t *)w->mono;
    return resample(d, &in, (int)frames, err);
}

/* Samples after the header: whole frames, the data chunk's size respected, a cut frame kept. */
static ig_status wav_samples(audio_decoder *d, const unsigned char *p, size_t n, ig_err *err)
{
    wav *w = &d->w;
    if ((uint64_t)n > w->data_left)
        n = (size_t)w->data_left;
    if (w->data_left != UINT64_MAX)
        w->data_left -= n;
    size_t fsz = (size_t)w->channels * 2;
    if (w->part_n > 0) {
        size_t take = fsz - w->part_n < n ? fsz - w->part_n : n;
        memcpy(w->part + w->part_n, p, take);
        w->part_n += take;
        p += take;
        n -= take;
        if (w->part_n < fsz)
            return IG_OK;
        w->part_n = 0;
        ig_status st = wav_frames(d, w->part, fsz, err);
        if (st != IG_OK)
            return st;
    }
    /* at most a second at a time, so the mixing buffer stays small */
    size_t step = fsz * (size_t)w->rate;
    while (n >= fsz) {
        size_t k = n < step ? n - n % fsz : step;
        ig_status st = wav_frames(d, p, k, err);
        if (st != IG_OK)
            return st;
        p += k;
        n -= k;
    }
    memcpy(w->part, p, n);
    w->part_n = n;
    return IG_OK;
}

static ig_status wav_feed(audio_decoder *d, const unsigned char *p, size_t n, ig_err *err)
{
    wav *w = &d->w;
    if (w->ready)
        return wav_samples(d, p, n, err);
    if (w->hdr == NULL && (w->hdr = malloc(AUDIO_WAV_HEADER_MAX)) == NULL)
        return fail(d, err, IG_ENOMEM, "out of memory decoding audio");
    size_t take = AUDIO_WAV_HEADER_MAX - w->hdr_n < n ? AUDIO_WAV_HEADER_MAX - w->hdr_n : n;
    memcpy(w->hdr + w->hdr_n, p, take);
    w->hdr_n += take;
    size_t hlen = 0;
    ig_status st = wav_parse(d, &hlen, err);
    if (st == IG_AGAIN)
        return IG_OK;
    if (st != IG_OK)
        return st;
    w->ready = true;
    if (w->rate != AUDIO_RATE) {
        AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
        st = swr_setup(d, &mono, AV_SAMPLE_FMT_S16, w->rate, err);
        if (st != IG_OK)
            return st;
    }
    /* the samples that came with the header, then the rest of this chunk */
    st = wav_samples(d, w->hdr + hlen, w->hdr_n - hlen, err);
    free(w->hdr);
    w->hdr = NULL;
    if (st != IG_OK)
        return st;
    return wav_samples(d, p + take, n - take, err);
}

static ig_status wav_finish(audio_decoder *d, ig_err *err)
{
    wav *w = &d->w;
    if (!w->ready) {
        if (w->hdr_n == 0)
            return fail(d, err, IG_EINVAL, "empty WAV stream");
        return fail(d, err, IG_EINVAL, "WAV stream cut inside its header (%zu bytes)", w->hdr_n);
    }
    if (d->swr != NULL)
        return resample(d, NULL, 0, err);
    return IG_OK;
}

/* ---- webm ---- */

/* The AVIOContext's read callback: whole blocks only, until the end of the stream is known. */
static int webm_read(void *opaque, uint8_t *buf, int size)
{
    webm *m = opaque;
    if (m->rpos >= m->ready)
        return m->eof ? AVERROR_EOF : AVERROR(EAGAIN);
    uint64_t avail = m->ready - m->rpos;
    size_t n = avail < (uint64_t)size ? (size_t)avail : (size_t)size;
    memcpy(buf, m->buf + (m->rpos - m->base), n);
    m->rpos += n;
    return (int)n;
}

/* Appends bytes, first dropping what the demuxer has read. */
static ig_status webm_append(audio_decoder *d, const unsigned char *p, size_t n, ig_err *err)
{
    webm *m = &d->m;
    size_t gone = (size_t)(m->rpos - m->base);
    if (gone > 0) {
        memmove(m->buf, m->buf + gone, m->len - gone);
        m->len -= gone;
        m->base = m->rpos;
    }
    if (m->base + m->len + n - m->ready > AUDIO_MAX_PENDING)
        return fail(d, err, IG_ETOOBIG, "more than %u bytes of WebM without a whole audio block",
                    AUDIO_MAX_PENDING);
    if (m->len + n > m->cap) {
        size_t cap = m->cap ? m->cap : 16384;
        while (cap < m->len + n)
            cap *= 2;
        unsigned char *q = realloc(m->buf, cap);
        if (q == NULL)
            return fail(d, err, IG_ENOMEM, "out of memory decoding audio");
        m->buf = q;
        m->cap = cap;
    }
    memcpy(m->buf + m->len, p, n);
    m->len += n;
    return IG_OK;
}

/* Reads an EBML variable-length number at p (avail bytes): its length, or 0 when more bytes are
 * needed, or -1 when malformed. keep_marker: element IDs are written with their length marker. */
static int ebml_vint(const unsigned char *p, size_t avail, bool keep_marker, int max_len, uint64_t *v, bool *unknown)
{
    if (avail == 0)
        return 0;
    if (p[0] == 0)
        return -1;
    int len = 1;
    while (!(p[0] & (0x80 >> (len - 1))))
        len++;
    if (len > max_len)
        return -1;
    if ((size_t)len > avail)
        return 0;
    uint64_t x = keep_marker ? p[0] : p[0] & (0xFFu >> len);
    bool ones = (p[0] & (0xFFu >> len)) == (0xFFu >> len);
    for (int i = 1; i < len; i++) {
        x = x << 8 | p[i];
        ones = ones && p[i] == 0xFF;
    }
    *v = x;
    if (unknown != NULL)
        *unknown = ones;
    return len;
}

/* Scans the EBML structure from m->scan as far as whole elements go: master elements that hold
 * the audio (Segment, Cluster) are entered, everything else skipped whole, and m->ready follows
 * the end of each whole block. */
static ig_status webm_scan(audio_decoder *d, ig_err *err)
{
    webm *m = &d->m;
    for (;;) {
        size_t off = (size_t)(m->scan - m->base), avail = m->len - off;
        const unsigned char *p = m->buf + off;
        uint64_t id, size;
        bool unknown;
        int il = ebml_vint(p, avail, true, 4, &id, NULL);
        if (il < 0)
            return fail(d, err, IG_EINVAL, "malformed WebM: bad element ID at byte %llu",
                        (unsigned long long)m->scan);
        if (il == 0)
            return IG_OK;
        int sl = ebml_vint(p + il, avail - (size_t)il, false, 8, &size, &unknown);
        if (sl < 0)
            return fail(d, err, IG_EINVAL, "malformed WebM: bad element size at byte %llu",
                        (unsigned long long)m->scan);
        if (sl == 0)
            return IG_OK;
        size_t hl = (size_t)il + (size_t)sl;
        if (m->state == SCAN_EBML && id != EBML_HEADER)
            return fail(d, err, IG_EINVAL, "not a WebM stream (no EBML header)");
        if (m->state == SCAN_SEGMENT && id != MKV_SEGMENT && id != MKV_VOID)
            return fail(d, err, IG_EINVAL, "malformed WebM: no Segment after the EBML header");
        if ((m->state == SCAN_SEGMENT && id == MKV_SEGMENT) || (m->state == SCAN_BODY && id == MKV_CLUSTER)) {
            m->scan += hl;
            m->state = SCAN_BODY;
            continue;
        }
        if (m->state == SCAN_BODY && id == MKV_SEGMENT)
            return fail(d, err, IG_EINVAL, "chained WebM (a second Segment) is not supported");
        if (unknown)
            return fail(d, err, IG_EINVAL, "malformed WebM: element 0x%llX of unknown size", (unsigned long long)id);
        if (size > AUDIO_MAX_PENDING)
            return fail(d, err, IG_ETOOBIG, "WebM element of %llu bytes (at most %u)", (unsigned long long)size,
                        AUDIO_MAX_PENDING);
        if (hl + size > avail)
            return IG_OK;
        m->scan += hl + size;
        if (m->state == SCAN_EBML)
            m->state = SCAN_SEGMENT;
        else if (id == MKV_SIMPLEBLOCK || id == MKV_BLOCKGROUP)
            m->ready = m->scan;
    }
}

/* Opens the demuxer on the header and the first block, and the audio track's decoder. */
static ig_status webm_open(audio_decoder *d, ig_err *err)
{
    webm *m = &d->m;
    m->iobuf = av_malloc(WEBM_IO_BUF);
    if (m->iobuf == NULL)
        return fail(d, err, IG_ENOMEM, "out of memory decoding audio");
    m->pb = avio_alloc_context(m->iobuf, WEBM_IO_BUF, 0, m, webm_read, NULL, NULL);
    if (m->pb == NULL)
        return fail(d, err, IG_ENOMEM, "out of memory decoding audio");
    m->iobuf = NULL;
    m->fmt = avformat_alloc_context();
    if (m->fmt == NULL)
        return fail(d, err, IG_ENOMEM, "out of memory decoding audio");
    m->fmt->pb = m->pb;
    m->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
    int rc = avformat_open_input(&m->fmt, NULL, av_find_input_format("matroska"), NULL);
    if (rc < 0) /* avformat_open_input freed the context */
        return av_fail(d, err, "cannot read its header", rc);
    m->opened = true;
    m->stream = -1;
    for (unsigned i = 0; i < m->fmt->nb_streams && m->stream < 0; i++)
        if (m->fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO)
            m->stream = (int)i;
    if (m->stream < 0)
        return fail(d, err, IG_EINVAL, "WebM stream without an audio track");
    const AVCodecParameters *par = m->fmt->streams[m->stream]->codecpar;
    if (par->codec_id != AV_CODEC_ID_OPUS && par->codec_id != AV_CODEC_ID_VORBIS)
        return fail(d, err, IG_EINVAL, "WebM audio in %s: only Opus and Vorbis are supported",
                    avcodec_get_name(par->codec_id));
    const AVCodec *codec = avcodec_find_decoder(par->codec_id);
    if (codec == NULL)
        return fail(d, err, IG_EINTERNAL, "no %s decoder in this libavcodec", avcodec_get_name(par->codec_id));
    m->codec = avcodec_alloc_context3(codec);
    m->pkt = av_packet_alloc();
    m->frame = av_frame_alloc();
    if (m->codec == NULL || m->pkt == NULL || m->frame == NULL)
        return fail(d, err, IG_ENOMEM, "out of memory decoding audio");
    rc = avcodec_parameters_to_context(m->codec, par);
    if (rc >= 0)
        rc = avcodec_open2(m->codec, codec, NULL);
    if (rc < 0)
        return av_fail(d, err, "cannot open its decoder", rc);
    return IG_OK;
}

/* Converts one decoded frame, setting the resampler up for its layout. */
static ig_status webm_frame(audio_decoder *d, ig_err *err)
{
    webm *m = &d->m;
    AVFrame *f = m->frame;
    if (f->nb_samples <= 0)
        return IG_OK;
    if (d->swr == NULL || f->sample_rate != m->swr_rate || f->format != m->swr_format ||
        av_channel_layout_compare(&f->ch_layout, &m->swr_layout) != 0) {
        if (f->sample_rate <= 0 || f->ch_layout.nb_channels <= 0)
            return fail(d, err, IG_EINVAL, "malformed webm audio: a frame without rate or channels");
        if (d->swr != NULL) {
            ig_status st = resample(d, NULL, 0, err);
            if (st != IG_OK)
                return st;
        }
        ig_status st = swr_setup(d, &f->ch_layout, f->format, f->sample_rate, err);
        if (st != IG_OK)
            return st;
        av_channel_layout_uninit(&m->swr_layout);
        if (av_channel_layout_copy(&m->swr_layout, &f->ch_layout) < 0)
            return fail(d, err, IG_ENOMEM, "out of memory decoding audio");
        m->swr_rate = f->sample_rate;
        m->swr_format = f->format;
    }
    return resample(d, (const uint8_t *const *)f->extended_data, f->nb_samples, err);
}

/* Sends pkt (NULL: flush) to the decoder and converts every frame it gives back. */
static ig_status webm_decode(audio_decoder *d, const AVPacket *pkt, ig_err *err)
{
    webm *m = &d->m;
    int rc = avcodec_send_packet(m->codec, pkt);
    if (rc < 0 && rc != AVERROR_EOF)
        return av_fail(d, err, "bad audio packet", rc);
    for (;;) {
        rc = avcodec_receive_frame(m->codec, m->frame);
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
            return IG_OK;
        if (rc < 0)
            return av_fail(d, err, "bad audio packet", rc);
        ig_status st = webm_frame(d, err);
        av_frame_unref(m->frame);
        if (st != IG_OK)
            return st;
    }
}

/* Demuxes and decodes every whole block the demuxer may read (all, at the end of the stream). */
static ig_status webm_drain(audio_decoder *d, ig_err *err)
{
    webm *m = &d->m;
    if (!m->opened) {
        if (m->ready == 0)
            return IG_OK;
        ig_status st = webm_open(d, err);
        if (st != IG_OK)
            return st;
    }
    while (m->eof || (uint64_t)avio_tell(m->pb) < m->ready) {
        int rc = av_read_frame(m->fmt, m->pkt);
        if (rc == AVERROR_EOF && m->eof)
            return IG_OK;
        if (rc < 0)
            return av_fail(d, err, "cannot demux it", rc);
        ig_status st = IG_OK;
        if (m->pkt->stream_index == m->stream)
            st = webm_decode(d, m->pkt, err);
        av_packet_unref(m->pkt);
        if (st != IG_OK)
            return st;
    }
    return IG_OK;
}

static ig_status webm_feed(audio_decoder *d, const unsigned char *p, size_t n, ig_err *err)
{
    ig_status st = webm_append(d, p, n, err);
    if (st == IG_OK)
        st = webm_scan(d, err);
    if (st == IG_OK)
        st = webm_drain(d, err);
    return st;
}

static ig_status webm_finish(audio_decoder *d, ig_err *err)
{
    webm *m = &d->m;
    uint64_t total = m->base + m->len;
    if (total == 0)
        return fail(d, err, IG_EINVAL, "empty WebM stream");
    /* everything whole, trailing elements included; not a cut element */
    m->ready = m->scan;
    m->eof = true;
    if (!m->opened && m->state != SCAN_BODY)
        return fail(d, err, IG_EINVAL, "WebM stream cut inside its header (%llu bytes)", (unsigned long long)total);
    ig_status st = webm_drain(d, err);
    if (st == IG_OK && m->opened)
        st = webm_decode(d, NULL, err);
    if (st == IG_OK && d->swr != NULL)
        st = resample(d, NULL, 0, err);
    if (st == IG_OK && m->scan < total)
        return fail(d, err, IG_EINVAL, "WebM stream cut inside an element (%llu bytes at its end)",
                    (unsigned long long)(total - m->scan));
    return st;
}

static void webm_free(webm *m)
{
    if (m->opened)
        avformat_close_input(&m->fmt);
    else
        avformat_free_context(m->fmt);
    if (m->pb != NULL)
        av_freep(&m->pb->buffer);
    avio_context_free(&m->pb);
    av_free(m->iobuf);
    avcodec_free_context(&m->codec);
    av_packet_free(&m->pkt);
    av_frame_free(&m->frame);
    av_channel_layout_uninit(&m->swr_layout);
    free(m->buf);
}

/* ---- the decoder ---- */

ig_status audio_decoder_open(audio_format f, double max_seconds, audio_decoder **out, ig_err *err)
{
    *out = NULL;
    if (!(max_seconds > 0) || max_seconds > 86400)
        return status_errf(err, IG_EINVAL, "audio cap of %g seconds", max_seconds);
    audio_decoder *d = calloc(1, sizeof *d);
    if (d == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory opening an audio decoder");
    d->fmt = f;
    d->max_samples = (uint64_t)(max_seconds * AUDIO_RATE);
    *out = d;
    return IG_OK;
}

void audio_decoder_close(audio_decoder *d)
{
    if (d == NULL)
        return;
    webm_free(&d->m);
    free(d->w.hdr);
    free(d->w.mono);
    swr_free(&d->swr);
    free(d->out);
    free(d);
}

/* The common entry of feed and finish: the sticky error, and this call's output reset. */
static ig_status begin(audio_decoder *d, const int16_t **pcm, size_t *samples, ig_err *err)
{
    *pcm = NULL;
    *samples = 0;
    d->out_n = 0;
    if (d->fail.status != IG_OK)
        return status_errf(err, d->fail.status, "%s", d->fail.msg);
    if (d->finished)
        return status_errf(err, IG_ESTATE, "the audio stream has ended");
    return IG_OK;
}

static void end(audio_decoder *d, const int16_t **pcm, size_t *samples)
{
    *pcm = d->out;
    *samples = d->out_n;
    d->produced += d->out_n;
}

ig_status audio_decoder_feed(audio_decoder *d, const void *bytes, size_t n, const int16_t **pcm, size_t *samples,
                             ig_err *err)
{
    ig_status st = begin(d, pcm, samples, err);
    if (st != IG_OK || n == 0)
        return st;
    const unsigned char *p = bytes;
    switch (d->fmt) {
    case AUDIO_PCM16:
        st = pcm16_feed(d, p, n, err);
        break;
    case AUDIO_WAV:
        st = wav_feed(d, p, n, err);
        break;
    case AUDIO_WEBM:
        st = webm_feed(d, p, n, err);
        break;
    }
    if (st == IG_OK)
        end(d, pcm, samples);
    return st;
}

ig_status audio_decoder_finish(audio_decoder *d, const int16_t **pcm, size_t *samples, ig_err *err)
{
    ig_status st = begin(d, pcm, samples, err);
    if (st != IG_OK)
        return st;
    d->finished = true;
    if (d->fmt == AUDIO_WAV)
        st = wav_finish(d, err);
    else if (d->fmt == AUDIO_WEBM)
        st = webm_finish(d, err);
    end(d, pcm, samples);
    return st;
}

double audio_decoder_seconds(const audio_decoder *d)
{
    return (double)d->produced / AUDIO_RATE;
}
