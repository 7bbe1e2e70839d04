/* Tests for services/answer_audio on a temporary store and DATA_DIR: a spoken answer stored with
 * its delivery metrics, its recording written as a 16 kHz WAV file whose URL lands on the answer,
 * opened again by its owner only (another user, another interview, a typed answer, a missing file:
 * not found), bad arguments, and account deletion removing the user's recordings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "services/answer_audio.h"
#include "support/testdb.h"

typedef struct fixture {
    char dir[512];
    char path[600];
    char data_dir[600];
    ig_store *st;
    int64_t alice, bob;
    store_interview iv;
    int64_t spoken, typed; /* answer ids */
} fixture;

static int64_t make_user(ig_store *st, const char *email)
{
    store_user u;
    ig_err err = {0};
    assert_int_equal(store_user_create(st, email, "$argon2id$hash", NULL, &u, &err), IG_OK);
    return u.id;
}

static int64_t make_resume(ig_store *st, int64_t user)
{
    char sha[65], path[64];
    snprintf(sha, sizeof sha, "%064x", 7);
    snprintf(path, sizeof path, "%lld/cv.pdf", (long long)user);
    store_resume_new in = {user, "cv.pdf", path, "application/pdf", 100, sha, 3};
    store_resume r;
    ig_err err = {0};
    assert_int_equal(store_resume_create(st, &in, &r, &err), IG_OK);
    return r.id;
}

/* Answers the current question of f->iv; its id. */
static int64_t answer(fixture *f, const json_t *delivery)
{
    json_t *q = NULL, *row = NULL;
    ig_err err = {0};
    assert_int_equal(store_interview_question(f->st, f->alice, f->iv.id, f->iv.current_question_index, &q, &err),
                     IG_OK);
    json_t *a = json_pack("{s:f, s:{}, s:s, s:s}", "score", 55.0, "dimensions", "feedback", "ok", "engine", "local");
    store_answer_new in = {f->alice, f->iv.id, json_integer_value(json_object_get(q, "id")), false, "my answer", NULL,
                           9, a, NULL, delivery};
    assert_int_equal(store_interview_record(f->st, &in, &f->iv, &row, NULL, &err), IG_OK);
    int64_t id = json_integer_value(json_object_get(row, "id"));
    json_decref(row);
    json_decref(a);
    json_decref(q);
    return id;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->st = testdb_create("igaa", 2, f->dir, sizeof f->dir, f->path, sizeof f->path);
    snprintf(f->data_dir, sizeof f->data_dir, "%s/data", f->dir);
    assert_int_equal(mkdir(f->data_dir, 0700), 0);
    f->alice = make_user(f->st, "alice@example.com");
    f->bob = make_user(f->st, "bob@example.com");
    json_t *qs = json_pack("[{s:s, s:s, s:s, s:[s]}, {s:s, s:s, s:s, s:[s]}, {s:s, s:s, s:s, s:[s]}]", "question_text",
                           "Tell me about a project.", "category", "behavioral", "difficulty", "medium",
                           "expected_points", "scope", "question_text", "讲讲你的一个项目。", "category", "project",
                           "difficulty", "medium", "expected_points", "范围", "question_text", "Why us?", "category",
                           "general", "difficulty", "easy", "expected_points", "motivation");
    store_interview_new in = {f->alice, make_resume(f->st, f->alice), "aaaaaaaa-2222-4333-8444-555555555555",
                              "mixed", "medium", "en", NULL, false, false, 1};
    ig_err err = {0};
    assert_int_equal(store_interview_create(f->st, &in, qs, &f->iv, &err), IG_OK);
    json_decref(qs);
    json_t *delivery = json_pack("{s:f, s:i, s:s}", "words_per_minute", 142.5, "filler_count", 3, "format", "webm");
    f->spoken = answer(f, delivery);
    json_decref(delivery);
    f->typed = answer(f, NULL);
    *state = f;
    return 0;
}

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL) {
        unlink(path);
        return;
    }
    struct dirent *e;
    char sub[1200];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            remove_tree(sub);
        }
    }
    closedir(d);
    rmdir(path);
}

static int teardown(void **state)
{
    fixture *f = *state;
    store_close(f->st);
    remove_tree(f->data_dir);
    testdb_remove(f->dir, f->path);
    free(f);
    return 0;
}

/* The answers of f->iv as the API lists them. */
static json_t *answers(fixture *f)
{
    json_t *rows = NULL;
    ig_err err = {0};
    assert_int_equal(store_interview_answers(f->st, f->alice, f->iv.id, &rows, &err), IG_OK);
    return rows;
}

static void test_delivery_is_stored(void **state)
{
    fixture *f = *state;
    json_t *rows = answers(f);
    json_t *d = json_object_get(json_array_get(rows, 0), "delivery");
    assert_true(json_is_object(d));
    assert_float_equal(json_real_value(json_object_get(d, "words_per_minute")), 142.5, 1e-9);
    assert_int_equal(json_integer_value(json_object_get(d, "filler_count")), 3);
    assert_true(json_is_null(json_object_get(json_array_get(rows, 1), "delivery")));
    json_decref(rows);
    /* a delivery that is not an object is refused before anything is written */
    json_t *bad = json_string("fast");
    store_answer_new in = {f->alice, f->iv.id, 1, false, "x", NULL, -1, NULL, NULL, bad};
    store_interview iv;
    ig_err err = {0};
    json_t *a = json_pack("{s:f}", "score", 1.0);
    in.analysis = a;
    assert_int_equal(store_interview_record(f->st, &in, &iv, NULL, NULL, &err), IG_EINVAL);
    json_decref(a);
    json_decref(bad);
}

static void test_save_and_open(void **state)
{
    fixture *f = *state;
    int16_t pcm[16000];
    for (size_t i = 0; i < 16000; i++)
        pcm[i] = (int16_t)((int)(i % 200) * 300 - 30000);
    char url[ANSWER_AUDIO_URL_CAP], want[ANSWER_AUDIO_URL_CAP];
    ig_err err = {0};
    assert_int_equal(answer_audio_save(f->st, f->data_dir, f->alice, f->iv.id, f->spoken, pcm, 16000, url, sizeof url,
                                       &err),
                     IG_OK);
    answer_audio_url(f->iv.id, f->spoken, want, sizeof want);
    assert_string_equal(url, want);
    char expect[96];
    snprintf(expect, sizeof expect, "/api/v1/interviews/%lld/answers/%lld/audio", (long long)f->iv.id,
             (long long)f->spoken);
    assert_string_equal(url, expect);
    json_t *rows = answers(f);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 0), "answer_audio_url")), url);
    assert_true(json_is_null(json_object_get(json_array_get(rows, 1), "answer_audio_url")));
    json_decref(rows);

    int fd = -1;
    uint64_t size = 0;
    assert_int_equal(answer_audio_open(f->st, f->data_dir, f->alice, f->iv.id, f->spoken, &fd, &size, &err), IG_OK);
    assert_int_equal(size, 44 + 32000);
    unsigned char *wav = malloc(size);
    assert_non_null(wav);
    assert_int_equal(read(fd, wav, size), (ssize_t)size);
    close(fd);
    assert_memory_equal(wav, "RIFF", 4);
    assert_memory_equal(wav + 8, "WAVEfmt ", 8);
    assert_int_equal(wav[22] | wav[23] << 8, 1);                               /* mono */
    assert_int_equal(wav[24] | wav[25] << 8 | wav[26] << 16 | wav[27] << 24, 16000); /* Hz */
    assert_int_equal(wav[34], 16);                                             /* bits */
    assert_memory_equal(wav + 36, "data", 4);
    for (size_t i = 0; i < 16000; i++)
        assert_int_equal((int16_t)(wav[44 + 2 * i] | wav[45 + 2 * i] << 8), pcm[i]);
    free(wav);
    /* the owner only, that interview only, answers with a recording only */
    assert_int_equal(answer_audio_open(f->st, f->data_dir, f->bob, f->iv.id, f->spoken, &fd, &size, &err),
                     IG_ENOTFOUND);
    assert_int_equal(fd, -1);
    assert_int_equal(answer_audio_open(f->st, f->data_dir, f->alice, f->iv.id + 1, f->spoken, &fd, &size, &err),
                     IG_ENOTFOUND);
    assert_int_equal(answer_audio_open(f->st, f->data_dir, f->alice, f->iv.id, f->typed, &fd, &size, &err),
                     IG_ENOTFOUND);
    assert_int_equal(answer_audio_open(f->st, f->data_dir, f->alice, f->iv.id, 999999, &fd, &size, &err),
                     IG_ENOTFOUND);
    /* another user's answer is not saved, and leaves no file behind */
    assert_int_equal(answer_audio_save(f->st, f->data_dir, f->bob, f->iv.id, f->typed, pcm, 10, NULL, 0, &err),
                     IG_ENOTFOUND);
    char bob_file[1200];
    snprintf(bob_file, sizeof bob_file, "%s/answers/%lld/%lld.wav", f->data_dir, (long long)f->bob,
             (long long)f->typed);
    assert_int_equal(access(bob_file, F_OK), -1);
}

static void test_bad_arguments_and_lost_files(void **state)
{
    fixture *f = *state;
    int16_t pcm[4] = {1, 2, 3, 4};
    ig_err err = {0};
    assert_int_equal(answer_audio_save(f->st, f->data_dir, f->alice, f->iv.id, f->spoken, pcm, 0, NULL, 0, &err),
                     IG_EINVAL);
    assert_int_equal(answer_audio_save(f->st, f->data_dir, f->alice, f->iv.id, 0, pcm, 4, NULL, 0, &err), IG_EINVAL);
    assert_int_equal(
        answer_audio_save(f->st, "/proc/no-such-dir", f->alice, f->iv.id, f->spoken, pcm, 4, NULL, 0, &err), IG_EIO);
    assert_int_equal(store_answer_set_audio(f->st, f->alice, f->iv.id, f->spoken, NULL, &err), IG_EINVAL);
    assert_int_equal(store_answer_set_audio(f->st, f->bob, f->iv.id, f->spoken, "/x", &err), IG_ENOTFOUND);
    /* a URL on the answer but its file gone: not found, not an error */
    assert_int_equal(store_answer_set_audio(f->st, f->alice, f->iv.id, f->typed, "/x", &err), IG_OK);
    int fd = -1;
    uint64_t size = 0;
    assert_int_equal(answer_audio_open(f->st, f->data_dir, f->alice, f->iv.id, f->typed, &fd, &size, &err),
                     IG_ENOTFOUND);
}

static void test_remove_user(void **state)
{
    fixture *f = *state;
    int16_t pcm[100] = {0};
    ig_err err = {0};
    assert_int_equal(answer_audio_remove_user(f->data_dir, f->alice, &err), IG_OK); /* none yet */
    assert_int_equal(answer_audio_save(f->st, f->data_dir, f->alice, f->iv.id, f->spoken, pcm, 100, NULL, 0, &err),
                     IG_OK);
    assert_int_equal(answer_audio_save(f->st, f->data_dir, f->alice, f->iv.id, f->typed, pcm, 100, NULL, 0, &err),
                     IG_OK);
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/answers/%lld", f->data_dir, (long long)f->alice);
    assert_int_equal(access(dir, F_OK), 0);
    assert_int_equal(answer_audio_remove_user(f->data_dir, f->alice, &err), IG_OK);
    assert_int_equal(access(dir, F_OK), -1);
    int fd = -1;
    uint64_t size = 0;
    assert_int_equal(answer_audio_open(f->st, f->data_dir, f->alice, f->iv.id, f->spoken, &fd, &size, &err),
                     IG_ENOTFOUND);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_delivery_is_stored),
        T(test_save_and_open),
        T(test_bad_arguments_and_lost_files),
        T(test_remove_user),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
