/* Tests of the questions and interviews services with a real SQLite file and the real offline
 * engine: generation from the resume as stored (edits included) with weak topics of earlier
 * reports, the state machine (active <-> paused -> completed | cancelled; every illegal transition
 * refused), answers only to the current question, adaptive follow-ups right after a poor answer (at
 * most one per question), skips, the report's overall score as the mean over answered questions
 * only, ownership, stats, and concurrent answers of which exactly one wins. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/local.h"
#include "services/interviews.h"
#include "services/questions.h"
#include "support/testdb.h"

typedef struct fixture {
    char dir[512];
    char path[600];
    ig_store *st;
    ai_engine *engine;
    questions_service qs;
    interviews_service is;
    int64_t alice, bob;
    int64_t resume;   /* alice's, parsed */
    int64_t pending;  /* alice's, not parsed yet */
    int64_t bob_resume;
} fixture;

static int64_t make_user(ig_store *st, const char *email)
{
    store_user u;
    ig_err err = {0};
    assert_int_equal(store_user_create(st, email, "$argon2id$hash", NULL, &u, &err), IG_OK);
    return u.id;
}

static int64_t make_resume(ig_store *st, int64_t user, int n, bool parsed)
{
    char sha[65], path[64];
    snprintf(sha, sizeof sha, "%064x", n);
    snprintf(path, sizeof path, "%lld/cv%d.pdf", (long long)user, n);
    store_resume_new in = {user, "cv.pdf", path, "application/pdf", 100, sha, 3};
    store_resume r;
    ig_err err = {0};
    assert_int_equal(store_resume_create(st, &in, &r, &err), IG_OK);
    if (!parsed)
        return r.id;
    json_t *basic = json_pack("{s:s, s:s, s:f}", "name", "Jonathan Whitfield", "email", "jw@example.com",
                              "years_of_experience", 6.0);
    json_t *skills = json_pack("[{s:s, s:s, s:[s], s:i}, {s:s, s:s, s:[s], s:i}, {s:s, s:s, s:[s], s:i}]", "name",
                               "Python", "category", "language", "sources", "experience", "count", 4, "name",
                               "PostgreSQL", "category", "database", "sources", "skills", "count", 2, "name", "Go",
                               "category", "language", "sources", "experience", "count", 2);
    json_t *exp = json_pack("[{s:s, s:s, s:s, s:s, s:[s], s:[s, s]}]", "company", "Stripe", "title",
                            "Senior Backend Engineer", "start", "2019-07", "end", "present", "bullets",
                            "Built payment reconciliation services in Python and Go.", "skills", "Python", "Go");
    json_t *projects = json_pack("[{s:s, s:[s, s], s:s}]", "name", "Ledger", "tech_stack", "PostgreSQL", "Python",
                                 "description", "A double-entry ledger service.");
    json_t *empty = json_array();
    store_parse_result pr = {basic, skills, exp, empty, projects, "Jonathan Whitfield ...", NULL, NULL, NULL, NULL,
                             NULL, NULL};
    assert_int_equal(store_resume_save_result(st, user, r.id, &pr, 0.9, &err), IG_OK);
    json_decref(basic);
    json_decref(skills);
    json_decref(exp);
    json_decref(projects);
    json_decref(empty);
    return r.id;
}

static int group_setup(void **state)
{
    ai_engine *e = NULL;
    ig_err err = {0};
    ig_status rc = ai_local_open(&e, &err);
    if (rc != IG_OK)
        print_error("engine: %s\n", err.msg);
    assert_int_equal(rc, IG_OK);
    *state = e;
    return 0;
}

static int group_teardown(void **state)
{
    ai_engine_close(*state);
    return 0;
}

static int setup(void **state)
{
    ai_engine *e = *state;
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->st = testdb_create("igsvciv", 6, f->dir, sizeof f->dir, f->path, sizeof f->path);
    f->engine = e;
    ig_err err = {0};
    assert_int_equal(questions_service_init(&f->qs, f->st, e, ai_local_bank(e), NULL, NULL, f->dir, &err), IG_OK);
    assert_int_equal(interviews_service_init(&f->is, f->st, e, &f->qs, NULL, &err), IG_OK);
    f->alice = make_user(f->st, "alice@example.com");
    f->bob = make_user(f->st, "bob@example.com");
    f->resume = make_resume(f->st, f->alice, 1, true);
    f->pending = make_resume(f->st, f->alice, 2, false);
    f->bob_resume = make_resume(f->st, f->bob, 3, true);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ai_engine *e = f->engine;
    store_close(f->st);
    testdb_remove(f->dir, f->path);
    free(f);
    *state = e;
    return 0;
}

static interviews_start_req spec(const fixture *f, const char *type, int count)
{
    interviews_start_req r = {{f->resume, type, "medium", count, "en", NULL, 7}, false, true};
    return r;
}

static store_interview start(fixture *f, interviews_start_req *req)
{
    store_interview iv;
    json_t *first = NULL;
    ig_err err = {0};
    ig_status rc = interviews_start(&f->is, f->alice, req, &iv, &first, &err);
    if (rc != IG_OK)
        print_error("start: %s\n", err.msg);
    assert_int_equal(rc, IG_OK);
    assert_non_null(first);
    assert_int_equal(json_integer_value(json_object_get(first, "position")), 0);
    json_decref(first);
    return iv;
}

/* The current question's id and its expected points, or 0 when there is none. */
static int64_t current(fixture *f, int64_t id, json_t **points)
{
    store_interview iv;
    json_t *q = NULL;
    ig_err err = {0};
    assert_int_equal(interviews_current(&f->is, f->alice, id, &iv, &q, &err), IG_OK);
    if (q == NULL)
        return 0;
    int64_t qid = json_integer_value(json_object_get(q, "id"));
    assert_int_equal(json_integer_value(json_object_get(q, "position")), iv.current_question_index);
    if (points != NULL)
        *points = json_incref(json_object_get(q, "expected_points"));
    json_decref(q);
    return qid;
}

/* A specific answer that explains every expected point with an example and a result. */
static char *good_answer(const json_t *points)
{
    static char buf[8192];
    size_t n = 0, i;
    json_t *p;
    n += (size_t)snprintf(buf + n, sizeof buf - n,
                          "In my role at Stripe I faced exactly this situation on the Ledger project. ");
    json_array_foreach(points, i, p)
    {
        n += (size_t)snprintf(buf + n, sizeof buf - n,
                              "First, %s: I did this deliberately because it mattered for the team, for example when "
                              "we migrated the PostgreSQL schema. ",
                              json_string_value(p));
        if (n >= sizeof buf - 512)
            break;
    }
    snprintf(buf + n, sizeof buf - n,
             "As a result, latency dropped by 40%% and we shipped two weeks early; I learned to measure first.");
    return buf;
}

static ig_status answer(fixture *f, int64_t id, int64_t qid, const char *text, interviews_step *s)
{
    interviews_answer_req req = {qid, text, NULL, 30, NULL};
    ig_err err = {0};
    return interviews_answer(&f->is, f->alice, id, &req, s, &err);
}

static void test_start_checks_the_resume(void **state)
{
    fixture *f = *state;
    store_interview iv;
    json_t *first = NULL;
    ig_err err = {0};
    interviews_start_req req = spec(f, "technical", 5);
    req.spec.resume_id = f->pending;
    assert_int_equal(interviews_start(&f->is, f->alice, &req, &iv, &first, &err), IG_ESTATE);
    req.spec.resume_id = f->bob_resume;
    assert_int_equal(interviews_start(&f->is, f->alice, &req, &iv, &first, &err), IG_ENOTFOUND);
    req.spec.resume_id = 999999;
    assert_int_equal(interviews_start(&f->is, f->alice, &req, &iv, &first, &err), IG_ENOTFOUND);
    assert_null(first);

    req = spec(f, "technical", 5);
    req.hints = true;
    assert_int_equal(interviews_start(&f->is, f->alice, &req, &iv, &first, &err), IG_OK);
    assert_string_equal(iv.status, "active");
    assert_int_equal(iv.total_questions, 5);
    assert_int_equal(strlen(iv.session_id), 36);
    assert_int_equal(iv.session_id[14], '4');
    assert_true(iv.started_at > 0);
    /* hints: the expected points come with the question */
    assert_true(json_equal(json_object_get(first, "hints"), json_object_get(first, "expected_points")));
    assert_true(json_array_size(json_object_get(first, "hints")) > 0);
    json_decref(first);
}

static void test_questions_generate_and_weak_topics(void **state)
{
    fixture *f = *state;
    questions_spec s = {f->resume, "technical", "hard", 6, "zh", "We need Kubernetes and PostgreSQL", 11};
    json_t *made = NULL, *again = NULL;
    ig_err err = {0};
    assert_int_equal(questions_generate(&f->qs, f->alice, &s, &made, &err), IG_OK);
    assert_int_equal(json_array_size(made), 6);
    size_t i;
    json_t *q;
    json_array_foreach(made, i, q)
    {
        assert_string_equal(json_string_value(json_object_get(q, "language")), "zh");
        assert_int_equal(json_integer_value(json_object_get(q, "resume_id")), f->resume);
        assert_true(json_is_false(json_object_get(q, "locked")));
    }
    /* deterministic for a seed */
    assert_int_equal(questions_draft(&f->qs, f->alice, &s, &again, &err), IG_OK);
    json_array_foreach(made, i, q)
    {
        assert_string_equal(json_string_value(json_object_get(q, "question_text")),
                            json_string_value(json_object_get(json_array_get(again, i), "question_text")));
    }
    json_decref(again);
    json_decref(made);
    int64_t total = 0;
    assert_int_equal(questions_list(&f->qs, f->alice, f->resume, 1, 50, &made, &total, &err), IG_OK);
    assert_int_equal(total, 6);
    json_decref(made);
    assert_int_equal(questions_list(&f->qs, f->alice, f->bob_resume, 1, 50, &made, &total, &err), IG_ENOTFOUND);
    s.resume_id = f->pending;
    assert_int_equal(questions_generate(&f->qs, f->alice, &s, &made, &err), IG_ESTATE);

    /* a poorly answered interview's weak topics come back in the next generation */
    interviews_start_req req = spec(f, "behavioral", 3);
    req.adaptive = false;
    store_interview iv = start(f, &req), done;
    for (int64_t qid; (qid = current(f, iv.id, NULL)) != 0;) {
        interviews_step st;
        assert_int_equal(answer(f, iv.id, qid, "I don't know.", &st), IG_OK);
        interviews_step_free(&st);
    }
    json_t *fb = NULL;
    assert_int_equal(interviews_end(&f->is, f->alice, iv.id, &done, &fb, &err), IG_OK);
    json_t *weak = json_object_get(fb, "weakest_topics");
    assert_true(json_array_size(weak) > 0);
    s = (questions_spec){f->resume, "behavioral", "medium", 5, "en", NULL, 3};
    assert_int_equal(questions_draft(&f->qs, f->alice, &s, &again, &err), IG_OK);
    bool came_back = false;
    json_array_foreach(again, i, q)
    {
        const char *topic = json_string_value(json_object_get(q, "topic"));
        size_t k;
        json_t *w;
        json_array_foreach(weak, k, w) came_back = came_back || (topic && strcmp(topic, json_string_value(w)) == 0);
    }
    assert_true(came_back);
    json_decref(again);
    json_decref(fb);
}

static void test_full_interview_and_report(void **state)
{
    fixture *f = *state;
    interviews_start_req req = spec(f, "mixed", 4);
    store_interview iv = start(f, &req), done;
    ig_err err = {0};
    int answered = 0, follow_ups = 0;
    json_t *points = NULL;
    for (int64_t qid; (qid = current(f, iv.id, &points)) != 0;) {
        interviews_step st;
        assert_int_equal(answer(f, iv.id, qid, good_answer(points), &st), IG_OK);
        json_decref(points);
        points = NULL;
        json_t *a = json_object_get(st.answer, "analysis");
        assert_true(json_is_number(json_object_get(a, "score")));
        assert_string_equal(json_string_value(json_object_get(a, "engine")), "local");
        assert_int_equal(st.interview.current_question_index, answered + 1);
        follow_ups += st.follow_up != NULL;
        answered++;
        interviews_step_free(&st);
        assert_true(answered <= 8);
    }
    assert_int_equal(answered, 4 + follow_ups);
    json_t *answers = NULL, *fb = NULL;
    assert_int_equal(interviews_answers(&f->is, f->alice, iv.id, &answers, &err), IG_OK);
    assert_int_equal(json_array_size(answers), (size_t)answered);
    double sum = 0;
    size_t i;
    json_t *a;
    json_array_foreach(answers, i, a) sum += json_number_value(json_object_get(a, "score"));
    json_decref(answers);
    assert_int_equal(interviews_feedback(&f->is, f->alice, iv.id, &fb, &err), IG_ESTATE);
    assert_int_equal(interviews_end(&f->is, f->alice, iv.id, &done, &fb, &err), IG_OK);
    assert_string_equal(done.status, "completed");
    assert_true(done.has_score);
    assert_true(fabs(done.overall_score - sum / answered) <= 0.051);
    assert_true(fabs(json_number_value(json_object_get(fb, "overall_score")) - done.overall_score) < 1e-9);
    assert_int_equal(json_integer_value(json_object_get(fb, "answered")), answered);
    assert_int_equal(json_array_size(json_object_get(fb, "questions")), (size_t)answered);
    assert_true(json_array_size(json_object_get(fb, "suggestions")) <= 3);
    assert_true(json_is_object(json_object_get(fb, "dimension_scores")));
    assert_true(done.duration >= 0);
    json_decref(fb);

    json_t *stats = NULL;
    assert_int_equal(interviews_stats(&f->is, f->alice, &stats, &err), IG_OK);
    assert_int_equal(json_integer_value(json_object_get(stats, "completed")), 1);
    assert_int_equal(json_array_size(json_object_get(stats, "scores_over_time")), 1);
    assert_true(json_is_number(json_object_get(json_object_get(stats, "dimensions"), "relevance")));
    assert_true(fabs(json_number_value(json_object_get(stats, "average_score")) - done.overall_score) < 1e-9);
    json_decref(stats);
    assert_int_equal(interviews_stats(&f->is, f->bob, &stats, &err), IG_OK);
    assert_int_equal(json_integer_value(json_object_get(stats, "total_interviews")), 0);
    assert_true(json_is_null(json_object_get(stats, "average_score")));
    json_decref(stats);
}

static void test_follow_up_after_poor_answer(void **state)
{
    fixture *f = *state;
    interviews_start_req req = spec(f, "technical", 3);
    store_interview iv = start(f, &req);
    int64_t q0 = current(f, iv.id, NULL);
    interviews_step st;
    assert_int_equal(answer(f, iv.id, q0, "I am not sure, maybe it depends.", &st), IG_OK);
    assert_non_null(st.follow_up);
    assert_int_equal(json_integer_value(json_object_get(st.follow_up, "parent_question_id")), q0);
    assert_int_equal(json_integer_value(json_object_get(st.follow_up, "position")), 1);
    assert_int_equal(st.interview.total_questions, 4);
    /* the follow-up is asked next */
    assert_int_equal(json_integer_value(json_object_get(st.next, "id")),
                     json_integer_value(json_object_get(st.follow_up, "id")));
    int64_t fid = json_integer_value(json_object_get(st.follow_up, "id"));
    interviews_step_free(&st);
    /* a poor answer to the follow-up brings no second one */
    assert_int_equal(answer(f, iv.id, fid, "No idea.", &st), IG_OK);
    assert_null(st.follow_up);
    assert_int_equal(st.interview.total_questions, 4);
    interviews_step_free(&st);

    /* not adaptive: no follow-up */
    req.adaptive = false;
    store_interview plain = start(f, &req);
    assert_int_equal(answer(f, plain.id, current(f, plain.id, NULL), "No idea.", &st), IG_OK);
    assert_null(st.follow_up);
    assert_int_equal(st.interview.total_questions, 3);
    interviews_step_free(&st);
}

static void test_skips_and_scores(void **state)
{
    fixture *f = *state;
    interviews_start_req req = spec(f, "behavioral", 3);
    req.adaptive = false;
    store_interview iv = start(f, &req), done;
    ig_err err = {0};
    interviews_step st;
    json_t *points = NULL;
    int64_t q0 = current(f, iv.id, &points);
    /* skipping another question than the current one */
    assert_int_equal(interviews_skip(&f->is, f->alice, iv.id, q0 + 1, &st, &err), IG_ECONFLICT);
    assert_int_equal(answer(f, iv.id, q0, good_answer(points), &st), IG_OK);
    json_decref(points);
    double score = json_number_value(json_object_get(st.answer, "score"));
    interviews_step_free(&st);
    assert_int_equal(interviews_skip(&f->is, f->alice, iv.id, 0, &st, &err), IG_OK);
    assert_string_equal(json_string_value(json_object_get(st.answer, "status")), "skipped");
    assert_true(json_is_null(json_object_get(st.answer, "score")));
    interviews_step_free(&st);
    /* the third is never answered: ending lists it, the mean is over the one answer */
    json_t *fb = NULL;
    assert_int_equal(interviews_end(&f->is, f->alice, iv.id, &done, &fb, &err), IG_OK);
    assert_true(fabs(done.overall_score - floor(score * 10 + 0.5) / 10) < 1e-9);
    assert_int_equal(json_integer_value(json_object_get(fb, "answered")), 1);
    assert_int_equal(json_integer_value(json_object_get(fb, "skipped")), 1);
    assert_int_equal(json_integer_value(json_object_get(fb, "unanswered")), 1);
    json_decref(fb);

    /* no answers at all: no score */
    store_interview none = start(f, &req);
    assert_int_equal(interviews_skip(&f->is, f->alice, none.id, 0, &st, &err), IG_OK);
    interviews_step_free(&st);
    assert_int_equal(interviews_end(&f->is, f->alice, none.id, &done, &fb, &err), IG_OK);
    assert_false(done.has_score);
    assert_true(json_is_null(json_object_get(fb, "overall_score")));
    json_decref(fb);
}

static void test_state_machine(void **state)
{
    fixture *f = *state;
    interviews_start_req req = spec(f, "general", 3);
    store_interview iv = start(f, &req), out;
    ig_err err = {0};
    interviews_step st;
    int64_t q0 = current(f, iv.id, NULL);
    assert_int_equal(interviews_transition(&f->is, f->alice, iv.id, STORE_RESUME, &out, &err), IG_ESTATE);
    assert_int_equal(interviews_transition(&f->is, f->alice, iv.id, STORE_PAUSE, &out, &err), IG_OK);
    assert_string_equal(out.status, "paused");
    assert_int_equal(interviews_transition(&f->is, f->alice, iv.id, STORE_PAUSE, &out, &err), IG_ESTATE);
    assert_int_equal(answer(f, iv.id, q0, "An answer while paused.", &st), IG_ESTATE);
    assert_int_equal(interviews_skip(&f->is, f->alice, iv.id, 0, &st, &err), IG_ESTATE);
    /* the question stays visible while paused */
    assert_int_equal(current(f, iv.id, NULL), q0);
    assert_int_equal(interviews_transition(&f->is, f->alice, iv.id, STORE_RESUME, &out, &err), IG_OK);
    assert_string_equal(out.status, "active");
    assert_int_equal(answer(f, iv.id, q0, "Now I answer: we used Python.", &st), IG_OK);
    interviews_step_free(&st);
    assert_int_equal(interviews_transition(&f->is, f->alice, iv.id, STORE_PAUSE, &out, &err), IG_OK);
    /* a paused interview can be ended */
    assert_int_equal(interviews_end(&f->is, f->alice, iv.id, &out, NULL, &err), IG_OK);
    assert_string_equal(out.status, "completed");
    assert_int_equal(current(f, iv.id, NULL), 0);
    for (int t = STORE_PAUSE; t <= STORE_CANCEL; t++)
        assert_int_equal(interviews_transition(&f->is, f->alice, iv.id, (store_transition)t, &out, &err), IG_ESTATE);
    assert_int_equal(interviews_end(&f->is, f->alice, iv.id, &out, NULL, &err), IG_ESTATE);

    /* cancelled from paused; then nothing more */
    store_interview c = start(f, &req);
    int64_t qc = current(f, c.id, NULL);
    assert_int_equal(interviews_transition(&f->is, f->alice, c.id, STORE_PAUSE, &out, &err), IG_OK);
    assert_int_equal(interviews_transition(&f->is, f->alice, c.id, STORE_CANCEL, &out, &err), IG_OK);
    assert_string_equal(out.status, "cancelled");
    assert_true(out.duration >= 0);
    assert_int_equal(interviews_end(&f->is, f->alice, c.id, &out, NULL, &err), IG_ESTATE);
    assert_int_equal(answer(f, c.id, qc, "late", &st), IG_ESTATE);
    assert_int_equal(current(f, c.id, NULL), 0);
    json_t *fb = NULL;
    assert_int_equal(interviews_feedback(&f->is, f->alice, c.id, &fb, &err), IG_ESTATE);
}

static void test_ownership_and_conflicts(void **state)
{
    fixture *f = *state;
    interviews_start_req req = spec(f, "technical", 3);
    store_interview a = start(f, &req), b = start(f, &req), out;
    ig_err err = {0};
    interviews_step st;
    json_t *q = NULL;
    int64_t qa = current(f, a.id, NULL), qb = current(f, b.id, NULL);
    /* the next question of the same interview, and another interview's current one: 409 */
    assert_int_equal(store_interview_question(f->st, f->alice, a.id, 1, &q, &err), IG_OK);
    int64_t next = json_integer_value(json_object_get(q, "id"));
    json_decref(q);
    assert_int_equal(answer(f, a.id, next, "Answering ahead.", &st), IG_ECONFLICT);
    assert_int_equal(answer(f, a.id, qb, "Answering the other one.", &st), IG_ECONFLICT);
    /* bob sees none of it */
    interviews_answer_req req_b = {qa, "mine now", NULL, -1, NULL};
    assert_int_equal(interviews_answer(&f->is, f->bob, a.id, &req_b, &st, &err), IG_ENOTFOUND);
    assert_int_equal(interviews_skip(&f->is, f->bob, a.id, 0, &st, &err), IG_ENOTFOUND);
    assert_int_equal(interviews_get(&f->is, f->bob, a.id, &out, &err), IG_ENOTFOUND);
    assert_int_equal(interviews_current(&f->is, f->bob, a.id, &out, &q, &err), IG_ENOTFOUND);
    assert_int_equal(interviews_transition(&f->is, f->bob, a.id, STORE_CANCEL, &out, &err), IG_ENOTFOUND);
    assert_int_equal(interviews_end(&f->is, f->bob, a.id, &out, NULL, &err), IG_ENOTFOUND);
    assert_int_equal(interviews_answers(&f->is, f->bob, a.id, &q, &err), IG_ENOTFOUND);
    assert_int_equal(interviews_feedback(&f->is, f->bob, a.id, &q, &err), IG_ENOTFOUND);
    assert_int_equal(questions_get(&f->qs, f->bob, qa, &q, &err), IG_ENOTFOUND);
    /* still untouched */
    assert_int_equal(current(f, a.id, NULL), qa);
}

typedef struct racer {
    fixture *f;
    int64_t id, qid;
    ig_status rc;
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    interviews_step st;
    r->rc = answer(r->f, r->id, r->qid, "We used Python and PostgreSQL with careful indexing.", &st);
    if (r->rc == IG_OK)
        interviews_step_free(&st);
    return NULL;
}

static void test_concurrent_answers(void **state)
{
    fixture *f = *state;
    enum { N = 5 };
    interviews_start_req req = spec(f, "technical", 2);
    req.adaptive = false;
    store_interview iv = start(f, &req), now;
    int64_t q0 = current(f, iv.id, NULL);
    racer r[N];
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        r[i] = (racer){f, iv.id, q0, IG_OK};
        assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
    }
    int won = 0, conflicts = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        won += r[i].rc == IG_OK;
        conflicts += r[i].rc == IG_ECONFLICT;
    }
    assert_int_equal(won, 1);
    assert_int_equal(conflicts, N - 1);
    ig_err err = {0};
    assert_int_equal(interviews_get(&f->is, f->alice, iv.id, &now, &err), IG_OK);
    assert_int_equal(now.current_question_index, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_start_checks_the_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_questions_generate_and_weak_topics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_interview_and_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_follow_up_after_poor_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_skips_and_scores, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_machine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ownership_and_conflicts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_answers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
