/* Unit tests of the store's questions and interviews on a temporary SQLite file: ownership of every
 * call, the order of an interview's questions, answers only to the current question of an active
 * interview, a follow-up inserted right after the current question, pause / resume / cancel with
 * pauses kept out of the duration, the report guarded by the interview's version, stats and weak
 * topics, locked questions, and concurrent answers to one question of which exactly one wins. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "support/testdb.h"

typedef struct fixture {
    char dir[512];
    char path[600];
    ig_store *st;
    int64_t alice, bob;
    int64_t alice_resume, bob_resume;
} fixture;

static int64_t make_user(ig_store *st, const char *email)
{
    store_user u;
    ig_err err = {0};
    assert_int_equal(store_user_create(st, email, "$argon2id$hash", NULL, &u, &err), IG_OK);
    return u.id;
}

static int64_t make_resume(ig_store *st, int64_t user, int n)
{
    char sha[65], path[64];
    snprintf(sha, sizeof sha, "%064x", n);
    snprintf(path, sizeof path, "%lld/cv%d.pdf", (long long)user, n);
    store_resume_new in = {user, "cv.pdf", path, "application/pdf", 100, sha, 3};
    store_resume r;
    ig_err err = {0};
    assert_int_equal(store_resume_create(st, &in, &r, &err), IG_OK);
    return r.id;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->st = testdb_create("igiv", 6, f->dir, sizeof f->dir, f->path, sizeof f->path);
    f->alice = make_user(f->st, "alice@example.com");
    f->bob = make_user(f->st, "bob@example.com");
    f->alice_resume = make_resume(f->st, f->alice, 1);
    f->bob_resume = make_resume(f->st, f->bob, 2);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    store_close(f->st);
    testdb_remove(f->dir, f->path);
    free(f);
    return 0;
}

/* n question objects as the engine makes them; texts "<prefix> question i". */
static json_t *questions(const char *prefix, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        char text[64];
        snprintf(text, sizeof text, "%s question %d", prefix, i);
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s, s], s:[s], s:s, s:s, s:s}", "question_text",
                                           text, "category", "technical", "topic", i % 2 ? "sql" : "python", "skill",
                                           "Python", "difficulty", "medium", "expected_points", "point a", "point b",
                                           "follow_ups", "and then?", "model_answer", "an outline", "bank_id", "b-1",
                                           "language", "en"));
    }
    return a;
}

static json_t *analysis(double score)
{
    return json_pack("{s:f, s:{s:f, s:f, s:f, s:f, s:f}, s:s, s:[], s:[], s:[], s:[], s:s}", "score", score,
                     "dimensions", "relevance", score, "coverage", score, "depth", score, "structure", score,
                     "clarity", score, "feedback", "fine", "strengths", "improvements", "covered_points",
                     "missing_points", "engine", "local");
}

static store_interview start(fixture *f, int n)
{
    json_t *qs = questions("iv", n);
    store_interview_new in = {f->alice, f->alice_resume, "11111111-2222-4333-8444-555555555555", "technical",
                              "medium", "en", "We need Python", false, true, 42};
    char sid[37];
    snprintf(sid, sizeof sid, "%08x-2222-4333-8444-555555555555", (unsigned)rand());
    in.session_id = sid;
    store_interview iv;
    ig_err err = {0};
    ig_status rc = store_interview_create(f->st, &in, qs, &iv, &err);
    if (rc != IG_OK)
        print_error("create: %s\n", err.msg);
    assert_int_equal(rc, IG_OK);
    json_decref(qs);
    return iv;
}

/* The id of the question at position of interview iv. */
static int64_t question_id_at(fixture *f, const store_interview *iv, int position)
{
    json_t *q = NULL;
    ig_err err = {0};
    assert_int_equal(store_interview_question(f->st, f->alice, iv->id, position, &q, &err), IG_OK);
    assert_int_equal(json_integer_value(json_object_get(q, "position")), position);
    int64_t id = json_integer_value(json_object_get(q, "id"));
    json_decref(q);
    return id;
}

static ig_status answer(fixture *f, const store_interview *iv, int64_t qid, double score, const json_t *follow,
                        store_interview *out)
{
    json_t *a = analysis(score), *row = NULL, *fu = NULL;
    store_answer_new in = {f->alice, iv->id, qid, false, "my answer", NULL, 12, a, follow, NULL};
    ig_err err = {0};
    ig_status rc = store_interview_record(f->st, &in, out, &row, &fu, &err);
    if (rc == IG_OK) {
        assert_int_equal(json_integer_value(json_object_get(row, "question_id")), qid);
        assert_string_equal(json_string_value(json_object_get(row, "status")), "answered");
        assert_true(json_is_object(json_object_get(row, "analysis")));
        assert_string_equal(json_string_value(json_object_get(row, "feedback")), "fine");
        assert_int_equal(json_integer_value(json_object_get(row, "response_time")), 12);
        assert_true(follow == NULL ? fu == NULL : json_is_object(fu));
    }
    json_decref(a);
    json_decref(row);
    json_decref(fu);
    return rc;
}

static void test_questions_add_and_read(void **state)
{
    fixture *f = *state;
    json_t *qs = questions("set", 3), *out = NULL, *one = NULL, *list = NULL;
    ig_err err = {0};
    assert_int_equal(store_questions_add(f->st, f->alice, f->alice_resume, "technical", qs, &out, &err), IG_OK);
    assert_int_equal(json_array_size(out), 3);
    json_t *first = json_array_get(out, 0);
    int64_t id = json_integer_value(json_object_get(first, "id"));
    assert_string_equal(json_string_value(json_object_get(first, "question_text")), "set question 0");
    assert_string_equal(json_string_value(json_object_get(first, "topic")), "python");
    assert_int_equal(json_array_size(json_object_get(first, "expected_points")), 2);
    assert_true(json_is_false(json_object_get(first, "locked")));
    assert_true(json_is_null(json_object_get(first, "parent_question_id")));

    assert_int_equal(store_question_get(f->st, f->alice, id, &one, &err), IG_OK);
    assert_true(json_equal(one, first));
    json_decref(one);
    /* another user's question, another user's resume */
    assert_int_equal(store_question_get(f->st, f->bob, id, &one, &err), IG_ENOTFOUND);
    assert_int_equal(store_questions_add(f->st, f->alice, f->bob_resume, "technical", qs, &list, &err), IG_ENOTFOUND);
    assert_null(list);

    int64_t total = 0;
    assert_int_equal(store_question_list(f->st, f->alice, f->alice_resume, 1, 2, &list, &total, &err), IG_OK);
    assert_int_equal(total, 3);
    assert_int_equal(json_array_size(list), 2);
    /* newest first */
    assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "id")), id + 2);
    json_decref(list);
    assert_int_equal(store_question_list(f->st, f->alice, f->alice_resume, 2, 2, &list, &total, &err), IG_OK);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    assert_int_equal(store_question_list(f->st, f->bob, 0, 1, 20, &list, &total, &err), IG_OK);
    assert_int_equal(total, 0);
    json_decref(list);

    /* a question without text is refused before any SQL */
    json_t *bad = json_pack("[{s:s}]", "topic", "x");
    assert_int_equal(store_questions_add(f->st, f->alice, f->alice_resume, "technical", bad, &list, &err), IG_EINVAL);
    json_decref(bad);
    json_decref(out);
    json_decref(qs);
}

static void test_interview_order_and_ownership(void **state)
{
    fixture *f = *state;
    store_interview iv = start(f, 3), got;
    ig_err err = {0};
    assert_string_equal(iv.status, "active");
    assert_int_equal(iv.total_questions, 3);
    assert_int_equal(iv.current_question_index, 0);
    assert_true(iv.started_at > 0);
    assert_int_equal(iv.duration, -1);
    assert_false(iv.has_score);
    assert_true(iv.adaptive);
    assert_int_equal(iv.seed, 42);

    json_t *q = NULL;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(store_interview_question(f->st, f->alice, iv.id, i, &q, &err), IG_OK);
        char want[64];
        snprintf(want, sizeof want, "iv question %d", i);
        assert_string_equal(json_string_value(json_object_get(q, "question_text")), want);
        /* asked by an active interview, unanswered: locked */
        assert_true(json_is_true(json_object_get(q, "locked")));
        json_decref(q);
    }
    assert_int_equal(store_interview_question(f->st, f->alice, iv.id, 3, &q, &err), IG_ENOTFOUND);
    assert_int_equal(store_interview_question(f->st, f->bob, iv.id, 0, &q, &err), IG_ENOTFOUND);
    assert_int_equal(store_interview_get(f->st, f->bob, iv.id, &got, &err), IG_ENOTFOUND);
    assert_int_equal(store_interview_items(f->st, f->bob, iv.id, &q, &err), IG_ENOTFOUND);
    assert_int_equal(store_interview_answers(f->st, f->bob, iv.id, &q, &err), IG_ENOTFOUND);
    assert_int_equal(store_interview_transition(f->st, f->bob, iv.id, STORE_PAUSE, time(NULL), &got, &err),
                     IG_ENOTFOUND);

    /* starting on another user's resume writes nothing */
    json_t *qs = questions("x", 1);
    store_interview_new in = {f->alice, f->bob_resume, "aaaaaaaa-2222-4333-8444-555555555555", "general", "easy",
                              "zh", NULL, false, true, 1};
    assert_int_equal(store_interview_create(f->st, &in, qs, &got, &err), IG_ENOTFOUND);
    json_decref(qs);
    int64_t total = 0;
    store_interview *items = NULL;
    size_t n = 0;
    assert_int_equal(store_interview_list(f->st, f->alice, 1, 10, &items, &n, &total, &err), IG_OK);
    assert_int_equal(total, 1);
    assert_int_equal(items[0].id, iv.id);
    free(items);
    assert_int_equal(store_interview_list(f->st, f->bob, 1, 10, &items, &n, &total, &err), IG_OK);
    assert_int_equal(total, 0);
    assert_null(items);
}

static void test_answers_only_current(void **state)
{
    fixture *f = *state;
    store_interview iv = start(f, 3), now;
    int64_t q0 = question_id_at(f, &iv, 0), q1 = question_id_at(f, &iv, 1), q2 = question_id_at(f, &iv, 2);
    ig_err err = {0};
    /* not the current question */
    assert_int_equal(answer(f, &iv, q2, 50, NULL, &now), IG_ECONFLICT);
    assert_int_equal(answer(f, &iv, q0, 80, NULL, &now), IG_OK);
    assert_int_equal(now.current_question_index, 1);
    assert_int_equal(now.version, iv.version + 1);
    /* answered already: no longer current */
    assert_int_equal(answer(f, &iv, q0, 80, NULL, &now), IG_ECONFLICT);

    /* a skip: a row without a score */
    json_t *row = NULL, *fu = NULL;
    store_answer_new skip = {f->alice, iv.id, q1, true, NULL, NULL, -1, NULL, NULL, NULL};
    assert_int_equal(store_interview_record(f->st, &skip, &now, &row, &fu, &err), IG_OK);
    assert_string_equal(json_string_value(json_object_get(row, "status")), "skipped");
    assert_true(json_is_null(json_object_get(row, "score")));
    assert_null(fu);
    json_decref(row);
    assert_int_equal(now.current_question_index, 2);

    /* the answered question is no longer locked; the current one still is */
    json_t *q = NULL;
    assert_int_equal(store_question_get(f->st, f->alice, q0, &q, &err), IG_OK);
    assert_true(json_is_false(json_object_get(q, "locked")));
    json_decref(q);
    assert_int_equal(store_question_get(f->st, f->alice, q2, &q, &err), IG_OK);
    assert_true(json_is_true(json_object_get(q, "locked")));
    json_decref(q);

    assert_int_equal(answer(f, &iv, q2, 60, NULL, &now), IG_OK);
    assert_int_equal(now.current_question_index, 3);
    /* nothing left to answer */
    assert_int_equal(answer(f, &iv, q2, 60, NULL, &now), IG_ECONFLICT);

    json_t *items = NULL;
    assert_int_equal(store_interview_items(f->st, f->alice, iv.id, &items, &err), IG_OK);
    assert_int_equal(json_array_size(items), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "answer_status")), "answered");
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 1), "answer_status")), "skipped");
    assert_true(json_is_number(json_object_get(json_array_get(items, 2), "score")));
    json_decref(items);

    json_t *answers = NULL;
    assert_int_equal(store_interview_answers(f->st, f->alice, iv.id, &answers, &err), IG_OK);
    assert_int_equal(json_array_size(answers), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(answers, 1), "position")), 1);
    json_decref(answers);
}

static void test_follow_up_inserted_after_current(void **state)
{
    fixture *f = *state;
    store_interview iv = start(f, 3), now;
    int64_t q0 = question_id_at(f, &iv, 0), q1 = question_id_at(f, &iv, 1), q2 = question_id_at(f, &iv, 2);
    json_t *follow = json_pack("{s:s, s:[s], s:s, s:s}", "question_text", "What about indexes?", "expected_points",
                               "b-tree", "category", "technical", "topic", "python");
    assert_int_equal(answer(f, &iv, q0, 30, follow, &now), IG_OK);
    json_decref(follow);
    assert_int_equal(now.total_questions, 4);
    assert_int_equal(now.current_question_index, 1);

    json_t *q = NULL;
    ig_err err = {0};
    assert_int_equal(store_interview_question(f->st, f->alice, iv.id, 1, &q, &err), IG_OK);
    assert_string_equal(json_string_value(json_object_get(q, "question_text")), "What about indexes?");
    assert_int_equal(json_integer_value(json_object_get(q, "parent_question_id")), q0);
    /* it inherits what its object does not say */
    assert_string_equal(json_string_value(json_object_get(q, "difficulty")), "medium");
    assert_string_equal(json_string_value(json_object_get(q, "language")), "en");
    json_decref(q);
    assert_int_equal(question_id_at(f, &iv, 2), q1);
    assert_int_equal(question_id_at(f, &iv, 3), q2);
}

static void test_transitions_and_duration(void **state)
{
    fixture *f = *state;
    store_interview iv = start(f, 2), now;
    int64_t q0 = question_id_at(f, &iv, 0);
    int64_t t0 = iv.started_at;
    ig_err err = {0};
    assert_int_equal(store_interview_transition(f->st, f->alice, iv.id, STORE_RESUME, t0 + 1, &now, &err), IG_ESTATE);
    assert_int_equal(store_interview_transition(f->st, f->alice, iv.id, STORE_PAUSE, t0 + 10, &now, &err), IG_OK);
    assert_string_equal(now.status, "paused");
    assert_int_equal(now.paused_at, t0 + 10);
    assert_int_equal(store_interview_transition(f->st, f->alice, iv.id, STORE_PAUSE, t0 + 11, &now, &err), IG_ESTATE);
    /* no answers while paused */
    assert_int_equal(answer(f, &iv, q0, 70, NULL, &now), IG_ESTATE);
    assert_int_equal(store_interview_transition(f->st, f->alice, iv.id, STORE_RESUME, t0 + 70, &now, &err), IG_OK);
    assert_string_equal(now.status, "active");
    assert_int_equal(now.paused_seconds, 60);
    assert_int_equal(now.paused_at, 0);
    assert_int_equal(answer(f, &iv, q0, 70, NULL, &now), IG_OK);
    assert_int_equal(store_interview_transition(f->st, f->alice, iv.id, STORE_PAUSE, t0 + 80, &now, &err), IG_OK);
    /* cancelled while paused: 100 s elapsed, 60 + 20 of them paused */
    assert_int_equal(store_interview_transition(f->st, f->alice, iv.id, STORE_CANCEL, t0 + 100, &now, &err), IG_OK);
    assert_string_equal(now.status, "cancelled");
    assert_int_equal(now.duration, 20);
    assert_int_equal(now.ended_at, t0 + 100);
    for (int t = STORE_PAUSE; t <= STORE_CANCEL; t++)
        assert_int_equal(store_interview_transition(f->st, f->alice, iv.id, (store_transition)t, t0 + 200, &now, &err),
                         IG_ESTATE);
    json_t *report = json_pack("{s:n}", "overall_score");
    store_interview_end end = {now.version, t0 + 300, 10, false, 0, report};
    assert_int_equal(store_interview_finish(f->st, f->alice, iv.id, &end, &now, &err), IG_ESTATE);
    json_decref(report);
}

static void test_finish_report_stats(void **state)
{
    fixture *f = *state;
    store_interview iv = start(f, 2), now;
    int64_t q0 = question_id_at(f, &iv, 0);
    ig_err err = {0};
    assert_int_equal(answer(f, &iv, q0, 64, NULL, &now), IG_OK);
    json_t *report = json_pack("{s:f, s:{s:f}, s:[s], s:[s], s:[s], s:[s, s], s:[], s:s}", "overall_score", 64.0,
                               "dimension_scores", "relevance", 64.0, "strengths", "clear", "weaknesses", "vague",
                               "suggestions", "add numbers", "weakest_topics", "sql", "python", "questions", "engine",
                               "local");
    /* computed from the interview before the answer: stale */
    store_interview_end stale = {iv.version, time(NULL), 5, true, 64.0, report};
    assert_int_equal(store_interview_finish(f->st, f->alice, iv.id, &stale, &now, &err), IG_ECONFLICT);
    assert_int_equal(store_interview_finish(f->st, f->bob, iv.id, &stale, &now, &err), IG_ENOTFOUND);
    store_interview cur;
    assert_int_equal(store_interview_get(f->st, f->alice, iv.id, &cur, &err), IG_OK);
    store_interview_end end = {cur.version, time(NULL), 5, true, 64.0, report};
    json_t *fb = NULL;
    assert_int_equal(store_interview_feedback(f->st, f->alice, iv.id, &fb, &err), IG_ENOTFOUND);
    assert_int_equal(store_interview_finish(f->st, f->alice, iv.id, &end, &now, &err), IG_OK);
    assert_string_equal(now.status, "completed");
    assert_true(now.has_score);
    assert_true(now.overall_score > 63.9 && now.overall_score < 64.1);
    assert_int_equal(now.duration, 5);
    assert_int_equal(store_interview_finish(f->st, f->alice, iv.id, &end, &now, &err), IG_ESTATE);

    assert_int_equal(store_interview_feedback(f->st, f->alice, iv.id, &fb, &err), IG_OK);
    assert_string_equal(json_string_value(json_array_get(json_object_get(fb, "suggestions"), 0)), "add numbers");
    assert_string_equal(json_string_value(json_object_get(fb, "engine")), "local");
    assert_true(json_is_object(json_object_get(fb, "report")));
    json_decref(fb);
    assert_int_equal(store_interview_feedback(f->st, f->bob, iv.id, &fb, &err), IG_ENOTFOUND);

    json_t *weak = NULL;
    assert_int_equal(store_weak_topics(f->st, f->alice, 3, &weak, &err), IG_OK);
    assert_int_equal(json_array_size(weak), 1);
    assert_string_equal(json_string_value(json_array_get(json_array_get(weak, 0), 0)), "sql");
    json_decref(weak);
    assert_int_equal(store_weak_topics(f->st, f->bob, 3, &weak, &err), IG_OK);
    assert_int_equal(json_array_size(weak), 0);
    json_decref(weak);

    json_t *stats = NULL;
    assert_int_equal(store_interview_stats(f->st, f->alice, &stats, &err), IG_OK);
    json_t *completed = json_object_get(stats, "completed");
    assert_int_equal(json_array_size(completed), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(completed, 0), "answered")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(completed, 0), "skipped")), 0);
    json_t *topics = json_object_get(stats, "topics");
    assert_int_equal(json_array_size(topics), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(topics, 0), "topic")), "python");
    json_decref(stats);
    json_decref(report);
}

typedef struct racer {
    fixture *f;
    store_interview iv;
    int64_t qid;
    ig_status rc;
} racer;

/* Language-model tokens add up on the interview, in any state, and only on the owner's. */
static void test_ai_usage(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    store_interview iv = start(f, 2), got;
    assert_int_equal(iv.ai_prompt_tokens, 0);
    assert_int_equal(iv.ai_completion_tokens, 0);
    assert_int_equal(store_interview_add_usage(f->st, f->alice, iv.id, 120, 30, &err), IG_OK);
    assert_int_equal(store_interview_add_usage(f->st, f->alice, iv.id, 80, 20, &err), IG_OK);
    assert_int_equal(store_interview_add_usage(f->st, f->bob, iv.id, 1, 1, &err), IG_ENOTFOUND);
    assert_int_equal(store_interview_add_usage(f->st, f->alice, iv.id, -1, 0, &err), IG_EINVAL);
    assert_int_equal(store_interview_transition(f->st, f->alice, iv.id, STORE_CANCEL, 1, &got, &err), IG_OK);
    assert_int_equal(got.ai_prompt_tokens, 200);
    assert_int_equal(store_interview_add_usage(f->st, f->alice, iv.id, 0, 5, &err), IG_OK);
    assert_int_equal(store_interview_get(f->st, f->alice, iv.id, &got, &err), IG_OK);
    assert_int_equal(got.ai_prompt_tokens, 200);
    assert_int_equal(got.ai_completion_tokens, 55);
}

static void *race(void *arg)
{
    racer *r = arg;
    store_interview out;
    r->rc = answer(r->f, &r->iv, r->qid, 50, NULL, &out);
    return NULL;
}

static void test_concurrent_answers_one_wins(void **state)
{
    fixture *f = *state;
    enum { N = 6 };
    store_interview iv = start(f, 2);
    int64_t q0 = question_id_at(f, &iv, 0);
    racer r[N];
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        r[i] = (racer){f, iv, q0, IG_OK};
        assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
    }
    int won = 0, lost = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        won += r[i].rc == IG_OK;
        lost += r[i].rc == IG_ECONFLICT;
    }
    assert_int_equal(won, 1);
    assert_int_equal(lost, N - 1);
    store_interview now;
    ig_err err = {0};
    assert_int_equal(store_interview_get(f->st, f->alice, iv.id, &now, &err), IG_OK);
    assert_int_equal(now.current_question_index, 1);
    sqlite3 *db = testdb_raw_open(f->path);
    assert_int_equal(testdb_raw_int(db, "SELECT count(*) FROM interview_answers WHERE interview_id = ?1", iv.id), 1);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_questions_add_and_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interview_order_and_ownership, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answers_only_current, setup, teardown),
        cmocka_unit_test_setup_teardown(test_follow_up_inserted_after_current, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transitions_and_duration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_finish_report_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_answers_one_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ai_usage, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
