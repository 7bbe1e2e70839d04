/* Incremental decoding of the audio a client streams for live transcription into what the
 * recogniser takes: 16 kHz mono signed 16-bit samples. Three formats (the `format` of the
 * Socket.IO `audio_stream` event):
 *   pcm16  raw 16 kHz mono little-endian samples (the default); a chunk may end mid-sample.
 *   wav    a RIFF/WAVE stream: 16-bit PCM at any rate (8..192 kHz) and 1..8 channels, mixed down
 *          to mono and resampled (libswresample). The header may arrive over several chunks; a
 *          data chunk whose size is 0 or 0xFFFFFFFF (a recorder that could not seek back) runs to
 *          the end of the stream.
 *   webm   WebM (Matroska) with Opus or Vorbis audio, as a browser's MediaRecorder emits it in
 *          timeslice chunks that cut elements anywhere. libavformat reads from a growing buffer
 *          through a custom AVIOContext; a light EBML scan of our own lets the demuxer see only
 *          whole blocks, so it never meets the end of the data in the middle of an element and
 *          never has to be restarted. libavcodec decodes, libswresample converts.
 * Malformed input is IG_EINVAL with a clear reason, never a crash; after an error the decoder
 * answers every call with that error. Bytes waiting for the rest of a header or element are
 * capped (AUDIO_MAX_PENDING), and so are the decoded seconds (the open's max_seconds), which
 * bounds what a small compressed stream can expand to.
 *
 * A decoder belongs to one stream and is used by one thread at a time. Calls block only for the
 * decoding itself (WebM/Opus decodes at a few hundred times real time): call them from worker
 * threads, never the event loop. */
#ifndef IG_AI_AUDIO_H
#define IG_AI_AUDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

/* The output: samples per second, one channel. */
#define AUDIO_RATE 16000
/* Bytes buffered for an unfinished header or element: more is IG_ETOOBIG. */
#define AUDIO_MAX_PENDING (1u << 20)
/* Bytes of a WAV header (everything before the samples). */
#define AUDIO_WAV_HEADER_MAX 65536

typedef enum audio_format {
    AUDIO_PCM16,
    AUDIO_WAV,
    AUDIO_WEBM,
} audio_format;

typedef struct audio_decoder audio_decoder;

/* "pcm16", "wav" or "webm" (ASCII case-insensitive) into *out; n == 0 (absent) is pcm16. false for
 * anything else. */
bool audio_format_parse(const char *s, size_t n, audio_format *out);
const char *audio_format_name(audio_format f);

/* Silences FFmpeg's own messages on stderr (malformed WebM would otherwise print there): a
 * process-wide library setting, so main (or a test) calls it once before any thread decodes. */
void audio_quiet_library_logs(void);

/* A decoder for one stream of format f. max_seconds (> 0) caps the decoded audio: past it a call is
 * IG_ETOOBIG. *out is the caller's to audio_decoder_close. */
ig_status audio_decoder_open(audio_format f, double max_seconds, audio_decoder **out, ig_err *err);
void audio_decoder_close(audio_decoder *d);

/* Feeds the next n bytes of the stream (any cut). *pcm and *samples: the samples this call decoded
 * (possibly none: a header or an element is not complete yet), owned by d and valid until its next
 * call. IG_EINVAL for malformed input, IG_ETOOBIG past a cap, IG_ENOMEM. */
ig_status audio_decoder_feed(audio_decoder *d, const void *bytes, size_t n, const int16_t **pcm, size_t *samples,
                             ig_err *err);

/* The end of the stream: decodes and flushes what remains into *pcm / *samples as above. A stream
 * that ends inside a header or an element (truncated, or nothing at all for wav and webm) is
 * IG_EINVAL naming what was cut; the samples decoded before the cut are in *pcm all the same. A
 * stray last byte of pcm16 (half a sample) is dropped. Feeding after finish is IG_ESTATE. */
ig_status audio_decoder_finish(audio_decoder *d, const int16_t **pcm, size_t *samples, ig_err *err);

/* Seconds of audio this decoder has produced so far. */
double audio_decoder_seconds(const audio_decoder *d);

#endif
