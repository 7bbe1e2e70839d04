/* Text to speech with espeak-ng's C library: a question read aloud as a whole WAV file (RIFF, PCM
 * 16-bit mono at espeak-ng's rate, 22050 Hz). espeak-ng keeps process-wide state and is not
 * thread-safe, so one tts object serialises every call behind its mutex: a process opens one.
 * Calls block (about real time / 20) and run on worker threads, never the event loop. */
#ifndef IG_AI_TTS_H
#define IG_AI_TTS_H

#include <stddef.h>

#include "core/status.h"

/* The longest speech kept, in bytes of samples (about 6 minutes): a longer text is IG_ETOOBIG. */
#define TTS_MAX_BYTES (16u << 20)
/* The longest text spoken, in bytes. */
#define TTS_MAX_TEXT 8192
/* The size of the RIFF/WAVE header before the samples. */
#define TTS_WAV_HEADER 44

typedef struct tts tts;

/* data_path: the folder holding espeak-ng-data (NULL: the library's default). espeak-ng itself
 * starts on the first tts_wav, so a server without voice data starts and only audio fails. *out is
 * the caller's to tts_close. */
ig_status tts_open(tts **out, const char *data_path, ig_err *err);
void tts_close(tts *t);

/* Speaks text (UTF-8, len bytes, at most TTS_MAX_TEXT) in lang ("en" or "zh", spoken as Mandarin)
 * into *wav, a whole WAV file of *wav_len bytes (malloc'd; the caller frees). IG_EINVAL for an
 * unknown language or an empty text, IG_ETOOBIG past TTS_MAX_BYTES, IG_EIO when espeak-ng cannot
 * start or has no voice for the language. */
ig_status tts_wav(tts *t, const char *text, size_t len, const char *lang, unsigned char **wav, size_t *wav_len,
                  ig_err *err);

#endif
