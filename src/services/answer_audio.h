/* The recordings of spoken answers: the audio a candidate streamed for an answer (over Socket.IO)
 * is kept as one WAV file, DATA_DIR/answers/<user id>/<answer id>.wav (16 kHz mono 16-bit), and
 * the answer's answer_audio_url names the route that replays it to its owner,
 * /api/v1/interviews/<interview id>/answers/<answer id>/audio. Files are written whole (a
 * temporary file renamed), so a reader never sees half a recording. Every function blocks: worker
 * threads only. */
#ifndef IG_SERVICES_ANSWER_AUDIO_H
#define IG_SERVICES_ANSWER_AUDIO_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "store/store.h"

/* Room for any answer_audio_url this module makes, NUL included. */
#define ANSWER_AUDIO_URL_CAP 96

/* The replay URL of answer_id in interview_id into out (cap bytes, ANSWER_AUDIO_URL_CAP is enough). */
void answer_audio_url(int64_t interview_id, int64_t answer_id, char *out, size_t cap);

/* Writes samples (16 kHz mono) as the recording of answer_id, an answer of the user's interview,
 * then sets its answer_audio_url; url (may be NULL) gets that URL (cap bytes). The directories are
 * made (0700) as needed. IG_EINVAL for no samples, IG_EIO when the file cannot be written,
 * IG_ENOTFOUND when the answer is not the user's (the file is then removed again). */
ig_status answer_audio_save(ig_store *st, const char *data_dir, int64_t user_id, int64_t interview_id,
                            int64_t answer_id, const int16_t *pcm, size_t samples, char *url, size_t cap,
                            ig_err *err);

/* Opens the recording of answer_id for its owner: *fd (the caller closes it) and *size in bytes.
 * IG_ENOTFOUND when the interview is not the user's, holds no such answer, or the answer has no
 * recording. */
ig_status answer_audio_open(ig_store *st, const char *data_dir, int64_t user_id, int64_t interview_id,
                            int64_t answer_id, int *fd, uint64_t *size, ig_err *err);

/* Removes every recording of the user (account deletion). A user without any is fine. */
ig_status answer_audio_remove_user(const char *data_dir, int64_t user_id, ig_err *err);

#endif
