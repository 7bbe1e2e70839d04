/* Spoken answers' recordings on disk: one WAV file per answer under DATA_DIR/answers/<user id>/,
 * written through a temporary file, the URL set on the answer once the file is in place. */
#include "services/answer_audio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fsdir.h"

#define RATE 16000
#define WAV_HEADER 44
/* The most samples one WAV file can hold (its sizes are 32-bit). */
#define SAMPLES_MAX ((UINT32_MAX - WAV_HEADER) / 2)
#define CHUNK 4096

void answer_audio_url(int64_t interview_id, int64_t answer_id, char *out, size_t cap)
{
    snprintf(out, cap, "/api/v1/interviews/%lld/answers/%lld/audio", (long long)interview_id, (long long)answer_id);
}

/* DATA_DIR/answers/<user id> into out; with answer_id > 0, the recording's path inside it. */
static ig_status path_of(const char *data_dir, int64_t user_id, int64_t answer_id, char *out, size_t cap,
                         ig_err *err)
{
    int n = answer_id > 0 ? snprintf(out, cap, "%s/answers/%lld/%lld.wav", data_dir, (long long)user_id,
                                     (long long)answer_id)
                          : snprintf(out, cap, "%s/answers/%lld", data_dir, (long long)user_id);
    if (n < 0 || (size_t)n >= cap)
        return status_errf(err, IG_EINVAL, "DATA_DIR is too long for the answers' recordings");
    return IG_OK;
}

static ig_status make_dir(const char *path, ig_err *err)
{
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return status_errf(err, IG_EIO, "cannot create %s: %s", path, strerror(errno));
    return IG_OK;
}

static void le(unsigned char *p, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static bool write_all(int fd, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        len -= (size_t)w;
    }
    return true;
}

/* The WAV file (RIFF/WAVE, PCM 16-bit mono, RATE Hz) of samples on fd. */
static bool write_wav(int fd, const int16_t *pcm, size_t samples)
{
    unsigned char h[WAV_HEADER];
    uint32_t data = (uint32_t)(samples * 2);
    memcpy(h, "RIFF", 4);
    le(h + 4, data + WAV_HEADER - 8, 4);
    memcpy(h + 8, "WAVEfmt ", 8);
    le(h + 16, 16, 4);
    le(h + 20, 1, 2);
    le(h + 22, 1, 2);
    le(h + 24, RATE, 4);
    le(h + 28, RATE * 2, 4);
    le(h + 32, 2, 2);
    le(h + 34, 16, 2);
    memcpy(h + 36, "data", 4);
    le(h + 40, data, 4);
    if (!write_all(fd, h, sizeof h))
        return false;
    unsigned char buf[CHUNK * 2];
    for (size_t at = 0; at < samples; at += CHUNK) {
        size_t k = samples - at < CHUNK ? samples - at : CHUNK;
        for (size_t i = 0; i < k; i++)
            le(buf + 2 * i, (uint16_t)pcm[at + i], 2);
        if (!write_all(fd, buf, k * 2))
            return false;
    }
    return true;
}

ig_status answer_audio_save(ig_store *st, const char *data_dir, int64_t user_id, int64_t interview_id,
                            int64_t answer_id, const int16_t *pcm, size_t samples, char *url, size_t cap,
                            ig_err *err)
{
    char dir[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX + 16], link[ANSWER_AUDIO_URL_CAP];
    if (pcm == NULL || samples == 0)
        return status_errf(err, IG_EINVAL, "a recording needs samples");
    if (samples > SAMPLES_MAX)
        return status_errf(err, IG_ETOOBIG, "a recording of %zu samples does not fit a WAV file", samples);
    if (user_id <= 0 || answer_id <= 0)
        return status_errf(err, IG_EINVAL, "a recording needs its user and answer");
    int n = snprintf(dir, sizeof dir, "%s/answers", data_dir);
    ig_status rc = n < 0 || (size_t)n >= sizeof dir ? status_errf(err, IG_EINVAL, "DATA_DIR is too long") : IG_OK;
    if (rc == IG_OK)
        rc = make_dir(dir, err);
    if (rc == IG_OK)
        rc = path_of(data_dir, user_id, 0, dir, sizeof dir, err);
    if (rc == IG_OK)
        rc = make_dir(dir, err);
    if (rc == IG_OK)
        rc = path_of(data_dir, user_id, answer_id, path, sizeof path, err);
    if (rc != IG_OK)
        return rc;
    snprintf(tmp, sizeof tmp, "%s.%08x.tmp", path, randombytes_random());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return status_errf(err, IG_EIO, "cannot write %s: %s", tmp, strerror(errno));
    bool ok = write_wav(fd, pcm, samples) && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        rc = status_errf(err, IG_EIO, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return rc;
    }
    answer_audio_url(interview_id, answer_id, link, sizeof link);
    rc = store_answer_set_audio(st, user_id, interview_id, answer_id, link, err);
    if (rc != IG_OK) {
        unlink(path);
        return rc;
    }
    if (url != NULL)
        snprintf(url, cap, "%s", link);
    return IG_OK;
}

ig_status answer_audio_open(ig_store *st, const char *data_dir, int64_t user_id, int64_t interview_id,
                            int64_t answer_id, int *fd, uint64_t *size, ig_err *err)
{
    json_t *answers = NULL;
    char path[PATH_MAX];
    struct stat sb;
    *fd = -1;
    *size = 0;
    ig_status rc = store_interview_answers(st, user_id, interview_id, &answers, err);
    if (rc != IG_OK)
        return rc;
    const json_t *found = NULL, *a;
    size_t i;
    json_array_foreach(answers, i, a)
    {
        if (json_integer_value(json_object_get(a, "id")) == answer_id)
            found = a;
    }
    if (found == NULL || !json_is_string(json_object_get(found, "answer_audio_url")))
        rc = status_errf(err, IG_ENOTFOUND, "answer %lld has no recording", (long long)answer_id);
    json_decref(answers);
    if (rc == IG_OK)
        rc = path_of(data_dir, user_id, answer_id, path, sizeof path, err);
    if (rc != IG_OK)
        return rc;
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0)
        return status_errf(err, errno == ENOENT ? IG_ENOTFOUND : IG_EIO, "cannot open %s: %s", path, strerror(errno));
    if (fstat(*fd, &sb) != 0 || sb.st_size < WAV_HEADER) {
        close(*fd);
        *fd = -1;
        return status_errf(err, IG_EIO, "the recording %s is unreadable", path);
    }
    *size = (uint64_t)sb.st_size;
    return IG_OK;
}

ig_status answer_audio_remove_user(const char *data_dir, int64_t user_id, ig_err *err)
{
    char dir[PATH_MAX];
    ig_status rc = path_of(data_dir, user_id, 0, dir, sizeof dir, err);
    if (rc != IG_OK)
        return rc;
    /* only recordings (and a save's temporary file) live there */
    return fsdir_remove_flat(dir, err);
}
