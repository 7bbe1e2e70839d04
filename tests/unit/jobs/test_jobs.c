/* Unit tests of the job pool over a real SQLite store: dispatch by kind, retries with backoff and
 * final failure, immediate wake-up by jobs_notify, lease renewal while a job runs, cancellation on
 * a lost lease, and stopping with jobs running (finished, abandoned, or waited for). Handlers are
 * fakes registered by the tests. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jobs/jobs.h"
#include "support/testdb.h"

typedef struct fixture {
    char dir[512];
    char path[600];
    ig_store *st;
    ig_log log;
    int devnull;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->st = testdb_create("igjobs", 8, f->dir, sizeof f->dir, f->path, sizeof f->path);
    ig_err err = {0};
    /* the tests provoke failures on purpose: their log lines go nowhere */
    f->devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    assert_true(f->devnull >= 0);
    assert_int_equal(log_init(&f->log, f->devnull, "debug", &err), IG_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    store_close(f->st);
    close(f->devnull);
    testdb_remove(f->dir, f->path);
    free(f);
    return 0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static store_job job_of(fixture *f, int64_t id)
{
    store_job j;
    ig_err err = {0};
    assert_int_equal(store_job_get(f->st, id, &j, &err), IG_OK);
    return j;
}

/* Polls until the job reaches status or timeout_ms passes; true when it did. */
static bool wait_status(fixture *f, int64_t id, const char *status, int timeout_ms)
{
    double until = now_ms() + timeout_ms;
    while (now_ms() < until) {
        if (strcmp(job_of(f, id).status, status) == 0)
            return true;
        sleep_ms(5);
    }
    return false;
}

static int64_t enqueue(fixture *f, const char *kind, const char *payload, int64_t resume_id, int max_attempts)
{
    int64_t id = 0;
    ig_err err = {0};
    assert_int_equal(store_job_enqueue(f->st, kind, payload, resume_id, max_attempts, (int64_t)time(NULL), &id, &err),
                     IG_OK);
    return id;
}

static jobs_config fast_config(int workers)
{
    jobs_config c;
    jobs_config_default(&c);
    c.workers = workers;
    c.poll_ms = 10;
    c.backoff_base_s = 0; /* retry at once */
    return c;
}

static jobs_pool *new_pool(fixture *f, const jobs_config *c)
{
    jobs_pool *p = NULL;
    ig_err err = {0};
    assert_int_equal(jobs_new(f->st, &f->log, c, "test", &p, &err), IG_OK);
    return p;
}

/* ---- fake handlers ---- */

typedef struct fake {
    atomic_int calls;
    int fail_first;          /* flaky: fail this many calls, then succeed */
    bool permanent;
    atomic_bool release;     /* blocking: returns once set */
    atomic_bool saw_cancel;  /* blocking: saw jobs_task_cancelled */
    bool honour_cancel;      /* blocking: return IG_AGAIN when cancelled */
    atomic_int seen[64];     /* counting: calls per payload "n" */
    int64_t last_lease_until;
} fake;

static ig_status h_flaky(jobs_task *t, void *arg, ig_err *err)
{
    fake *fk = arg;
    int n = atomic_fetch_add(&fk->calls, 1);
    if (n < fk->fail_first) {
        t->permanent = fk->permanent;
        snprintf(t->fail_code, sizeof t->fail_code, "flaky_code");
        return status_errf(err, IG_EIO, "flaky failure %d", n + 1);
    }
    return IG_OK;
}

static ig_status h_blocking(jobs_task *t, void *arg, ig_err *err)
{
    fake *fk = arg;
    atomic_fetch_add(&fk->calls, 1);
    while (!atomic_load(&fk->release)) {
        if (jobs_task_cancelled(t)) {
            atomic_store(&fk->saw_cancel, true);
            if (fk->honour_cancel)
                return status_errf(err, IG_AGAIN, "cancelled");
        }
        sleep_ms(2);
    }
    return IG_OK;
}

static ig_status h_counting(jobs_task *t, void *arg, ig_err *err)
{
    fake *fk = arg;
    json_t *doc = json_loads(t->job.payload, 0, NULL);
    json_int_t n = json_integer_value(json_object_get(doc, "n"));
    json_decref(doc);
    if (n < 0 || n >= 64)
        return status_errf(err, IG_EINVAL, "bad payload");
    atomic_fetch_add(&fk->seen[n], 1);
    atomic_fetch_add(&fk->calls, 1);
    return IG_OK;
}

/* ---- tests ---- */

static void test_config_and_register(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    jobs_pool *p = NULL;
    jobs_config c = fast_config(2);
    c.workers = 0;
    assert_int_equal(jobs_new(f->st, NULL, &c, NULL, &p, &err), IG_EINVAL);
    assert_null(p);
    c = fast_config(2);
    c.lease_seconds = 0;
    assert_int_equal(jobs_new(f->st, NULL, &c, NULL, &p, &err), IG_EINVAL);
    c = fast_config(2);
    c.backoff_max_s = -1;
    assert_int_equal(jobs_new(f->st, NULL, &c, NULL, &p, &err), IG_EINVAL);
    assert_int_equal(jobs_new(NULL, NULL, &c, NULL, &p, &err), IG_EINVAL);

    /* from the configuration */
    ig_config conf;
    memset(&conf, 0, sizeof conf);
    conf.job_workers = 3;
    conf.job_poll_ms = 250;
    conf.job_lease_seconds = 9;
    jobs_config_load(&c, &conf);
    assert_int_equal(c.workers, 3);
    assert_int_equal(c.poll_ms, 250);
    assert_int_equal(c.lease_seconds, 9);
    assert_int_equal(c.backoff_base_s, 1);
    assert_int_equal(c.backoff_max_s, 300);
    conf.job_workers = 0;
    jobs_config_load(&c, &conf);
    assert_int_equal(jobs_new(f->st, NULL, &c, NULL, &p, &err), IG_EINVAL);

    c = fast_config(1);
    assert_int_equal(jobs_new(f->st, NULL, &c, NULL, &p, &err), IG_OK); /* hostname:pid owners */
    fake fk = {0};
    assert_int_equal(jobs_register(p, "a", h_flaky, &fk, &err), IG_OK);
    assert_int_equal(jobs_register(p, "a", h_flaky, &fk, &err), IG_ECONFLICT);
    assert_int_equal(jobs_register(p, "", h_flaky, &fk, &err), IG_EINVAL);
    assert_int_equal(jobs_register(p, "a-kind-name-longer-than-32-bytes!", h_flaky, &fk, &err), IG_EINVAL);
    assert_int_equal(jobs_register(p, "b", NULL, &fk, &err), IG_EINVAL);
    assert_int_equal(jobs_start(p, &err), IG_OK);
    assert_int_equal(jobs_start(p, &err), IG_ESTATE);
    assert_int_equal(jobs_register(p, "c", h_flaky, &fk, &err), IG_ESTATE);
    /* the owner names this process */
    int64_t id = enqueue(f, "a", NULL, 0, 3);
    assert_true(wait_status(f, id, "done", 5000));
    char host[64] = "";
    gethostname(host, sizeof host);
    char prefix[128];
    snprintf(prefix, sizeof prefix, "%.30s:%ld:0", host, (long)getpid());
    assert_string_equal(job_of(f, id).lease_owner, prefix);
    assert_int_equal(jobs_stop(p, 5000), IG_OK);
    assert_int_equal(jobs_stop(p, 5000), IG_OK);
    jobs_free(p);
    jobs_free(NULL);
    jobs_notify(NULL);
}

static void test_run_once_dispatch(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    jobs_config c = fast_config(1);
    c.backoff_base_s = 1;
    jobs_pool *p = new_pool(f, &c);
    fake ok = {0}, bad = {.fail_first = 100};
    assert_int_equal(jobs_register(p, "ok", h_flaky, &ok, &err), IG_OK);
    assert_int_equal(jobs_register(p, "bad", h_flaky, &bad, &err), IG_OK);
    assert_int_equal(jobs_run_once(p, "me", &err), IG_ENOTFOUND);

    int64_t a = enqueue(f, "ok", NULL, 0, 3);
    assert_int_equal(jobs_run_once(p, "me", &err), IG_OK);
    assert_int_equal(atomic_load(&ok.calls), 1);
    assert_string_equal(job_of(f, a).status, "done");

    /* a failure is retried after a backoff of 2^attempts seconds */
    int64_t b = enqueue(f, "bad", NULL, 0, 3);
    int64_t before = (int64_t)time(NULL);
    assert_int_equal(jobs_run_once(p, "me", &err), IG_EIO);
    assert_non_null(strstr(err.msg, "flaky failure 1"));
    store_job j = job_of(f, b);
    assert_string_equal(j.status, "queued");
    assert_string_equal(j.last_error, "flaky failure 1");
    assert_true(j.run_after >= before + 2 && j.run_after <= (int64_t)time(NULL) + 2);
    assert_int_equal(jobs_run_once(p, "me", &err), IG_ENOTFOUND); /* not due yet */

    /* a kind nobody handles fails like any other attempt, with a reason */
    int64_t u = enqueue(f, "unknown", NULL, 0, 1);
    assert_int_equal(jobs_run_once(p, "me", &err), IG_EINVAL);
    j = job_of(f, u);
    assert_string_equal(j.status, "failed");
    assert_non_null(strstr(j.last_error, "no handler for job kind 'unknown'"));
    jobs_free(p);
}

static void test_flaky_then_succeeds(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    jobs_config c = fast_config(2);
    jobs_pool *p = new_pool(f, &c);
    fake fk = {.fail_first = 2};
    assert_int_equal(jobs_register(p, "flaky", h_flaky, &fk, &err), IG_OK);
    assert_int_equal(jobs_start(p, &err), IG_OK);
    int64_t id = enqueue(f, "flaky", NULL, 0, 3);
    assert_true(wait_status(f, id, "done", 5000));
    store_job j = job_of(f, id);
    assert_int_equal(j.attempts, 3);
    assert_int_equal(atomic_load(&fk.calls), 3);
    assert_string_equal(j.last_error, "flaky failure 2"); /* the history of the last failure stays */
    assert_int_equal(jobs_stop(p, 5000), IG_OK);
    jobs_free(p);
}

/* A resume whose job the test controls. */
static store_resume make_resume(fixture *f)
{
    store_user u;
    store_resume r;
    ig_err err = {0};
    assert_int_equal(store_user_create(f->st, "jobs@example.com", "h", NULL, &u, &err), IG_OK);
    store_resume_new in = {u.id, "cv.pdf", "1/x.pdf", "application/pdf", 10,
                           "00000000000000000000000000000000000000000000000000000000000000aa", 2};
    assert_int_equal(store_resume_create(f->st, &in, &r, &err), IG_OK);
    return r;
}

static int64_t resume_job(fixture *f, int64_t resume_id)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT max(id) FROM jobs WHERE resume_id = ?1", -1, &q, NULL), SQLITE_OK);
    sqlite3_bind_int64(q, 1, resume_id);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int64_t id = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return id;
}

static void test_final_failure_fails_resume(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    jobs_config c = fast_config(2);
    jobs_pool *p = new_pool(f, &c);
    fake fk = {.fail_first = 100};
    assert_int_equal(jobs_register(p, STORE_JOB_PARSE_RESUME, h_flaky, &fk, &err), IG_OK);
    assert_int_equal(jobs_start(p, &err), IG_OK);
    store_resume r = make_resume(f); /* its job allows 2 attempts */
    int64_t id = resume_job(f, r.id);
    jobs_notify(p);
    assert_true(wait_status(f, id, "failed", 5000));
    assert_int_equal(job_of(f, id).attempts, 2);
    assert_int_equal(atomic_load(&fk.calls), 2);
    store_resume got;
    assert_int_equal(store_resume_get(f->st, r.user_id, r.id, &got, &err), IG_OK);
    assert_string_equal(got.status, "failed");
    assert_string_equal(got.error_code, "flaky_code");
    assert_string_equal(got.error, "flaky failure 2");
    assert_int_equal(jobs_stop(p, 5000), IG_OK);
    jobs_free(p);
}

static void test_permanent_failure_not_retried(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    jobs_config c = fast_config(1);
    jobs_pool *p = new_pool(f, &c);
    fake fk = {.fail_first = 100, .permanent = true};
    assert_int_equal(jobs_register(p, "doomed", h_flaky, &fk, &err), IG_OK);
    int64_t id = enqueue(f, "doomed", NULL, 0, 5);
    assert_int_equal(jobs_run_once(p, "me", &err), IG_EIO);
    store_job j = job_of(f, id);
    assert_string_equal(j.status, "failed");
    assert_int_equal(j.attempts, 1);
    jobs_free(p);
}

static void test_notify_wakes_idle_worker(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    jobs_config c = fast_config(2);
    c.poll_ms = 60000; /* without the notification the job would wait a minute */
    jobs_pool *p = new_pool(f, &c);
    fake fk = {0};
    assert_int_equal(jobs_register(p, "quick", h_flaky, &fk, &err), IG_OK);
    assert_int_equal(jobs_start(p, &err), IG_OK);
    sleep_ms(50); /* both workers found nothing and are idle */
    for (int round = 0; round < 3; round++) {
        int64_t id = enqueue(f, "quick", NULL, 0, 3);
        double t0 = now_ms();
        jobs_notify(p);
        assert_true(wait_status(f, id, "done", 3000));
        assert_true(now_ms() - t0 < 3000);
    }
    assert_int_equal(atomic_load(&fk.calls), 3);
    double t0 = now_ms();
    assert_int_equal(jobs_stop(p, 5000), IG_OK); /* idle workers leave at once */
    assert_true(now_ms() - t0 < 1000);
    jobs_free(p);
}

static void test_many_jobs_each_once(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    jobs_config c = fast_config(4);
    jobs_pool *p = new_pool(f, &c);
    fake fk = {0};
    assert_int_equal(jobs_register(p, "count", h_counting, &fk, &err), IG_OK);
    int64_t ids[64];
    for (int i = 0; i < 64; i++) {
        char payload[32];
        snprintf(payload, sizeof payload, "{\"n\":%d}", i);
        ids[i] = enqueue(f, "count", payload, 0, 3);
    }
    assert_int_equal(jobs_start(p, &err), IG_OK);
    for (int i = 0; i < 64; i++)
        assert_true(wait_status(f, ids[i], "done", 10000));
    assert_int_equal(jobs_stop(p, 5000), IG_OK);
    for (int i = 0; i < 64; i++)
        assert_int_equal(atomic_load(&fk.seen[i]), 1);
    assert_int_equal(atomic_load(&fk.calls), 64);
    jobs_free(p);
}

static void test_lease_renewed_while_running(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    jobs_config c = fast_config(1);
    c.lease_seconds = 3; /* renewed every second: two seconds of slack on a loaded machine */
    jobs_pool *p = new_pool(f, &c);
    fake fk = {0};
    assert_int_equal(jobs_register(p, "slow", h_blocking, &fk, &err), IG_OK);
    assert_int_equal(jobs_start(p, &err), IG_OK);
    int64_t id = enqueue(f, "slow", NULL, 0, 3);
    jobs_notify(p);
    assert_true(wait_status(f, id, "running", 3000));
    /* for one and a half lease lengths, nobody else can take the job: its lease keeps being renewed */
    double until = now_ms() + 4500;
    while (now_ms() < until) {
        store_job j;
        assert_int_equal(store_job_lease(f->st, "thief", (int64_t)time(NULL), 60, &j, &err), IG_ENOTFOUND);
        sleep_ms(100);
    }
    atomic_store(&fk.release, true);
    assert_true(wait_status(f, id, "done", 3000));
    assert_int_equal(job_of(f, id).attempts, 1);
    assert_int_equal(atomic_load(&fk.calls), 1);
    assert_false(atomic_load(&fk.saw_cancel));
    assert_int_equal(jobs_stop(p, 5000), IG_OK);
    jobs_free(p);
}

static void test_lost_lease_cancels(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    jobs_config c = fast_config(1);
    c.lease_seconds = 1;
    jobs_pool *p = new_pool(f, &c);
    fake fk = {.honour_cancel = true};
    assert_int_equal(jobs_register(p, "slow", h_blocking, &fk, &err), IG_OK);
    assert_int_equal(jobs_start(p, &err), IG_OK);
    int64_t id = enqueue(f, "slow", NULL, 0, 3);
    jobs_notify(p);
    assert_true(wait_status(f, id, "running", 3000));
    /* the job disappears under the worker (its resume was deleted) */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db, "DELETE FROM jobs", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    double until = now_ms() + 3000;
    while (!atomic_load(&fk.saw_cancel) && now_ms() < until)
        sleep_ms(5);
    assert_true(atomic_load(&fk.saw_cancel));
    assert_int_equal(jobs_stop(p, 5000), IG_OK);
    jobs_free(p);
}

static void test_stop_cancels_running_job(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    jobs_config c = fast_config(2);
    c.lease_seconds = 5;
    jobs_pool *p = new_pool(f, &c);
    fake fk = {.honour_cancel = true};
    assert_int_equal(jobs_register(p, "slow", h_blocking, &fk, &err), IG_OK);
    assert_int_equal(jobs_start(p, &err), IG_OK);
    int64_t id = enqueue(f, "slow", NULL, 0, 3);
    jobs_notify(p);
    assert_true(wait_status(f, id, "running", 3000));
    double t0 = now_ms();
    assert_int_equal(jobs_stop(p, 5000), IG_OK);
    assert_true(now_ms() - t0 < 2000);
    assert_true(atomic_load(&fk.saw_cancel));
    /* abandoned, not failed: it stays leased, and once the lease runs out another worker takes it */
    store_job j = job_of(f, id);
    assert_string_equal(j.status, "running");
    assert_int_equal(j.attempts, 1);
    assert_string_equal(j.last_error, "");
    assert_int_equal(store_job_lease(f->st, "next", (int64_t)time(NULL), 60, &j, &err), IG_ENOTFOUND);
    assert_int_equal(store_job_lease(f->st, "next", (int64_t)time(NULL) + 6, 60, &j, &err), IG_OK);
    assert_int_equal(j.id, id);
    assert_int_equal(j.attempts, 2);
    jobs_free(p);
}

typedef struct releaser {
    fake *fk;
    int after_ms;
} releaser;

static void *release_later(void *arg)
{
    releaser *r = arg;
    sleep_ms(r->after_ms);
    atomic_store(&r->fk->release, true);
    return NULL;
}

static void test_stop_times_out_then_free_waits(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    jobs_config c = fast_config(1);
    jobs_pool *p = new_pool(f, &c);
    fake fk = {.honour_cancel = false}; /* a handler that cannot be interrupted */
    assert_int_equal(jobs_register(p, "stubborn", h_blocking, &fk, &err), IG_OK);
    assert_int_equal(jobs_start(p, &err), IG_OK);
    int64_t id = enqueue(f, "stubborn", NULL, 0, 3);
    jobs_notify(p);
    assert_true(wait_status(f, id, "running", 3000));
    double t0 = now_ms();
    assert_int_equal(jobs_stop(p, 100), IG_AGAIN); /* bounded: does not wait for the handler */
    double waited = now_ms() - t0;
    assert_true(waited >= 90 && waited < 1000);
    assert_true(atomic_load(&fk.saw_cancel));
    /* the handler finishes later; jobs_free waits for it, and its outcome is still recorded */
    pthread_t th;
    releaser r = {&fk, 200};
    assert_int_equal(pthread_create(&th, NULL, release_later, &r), 0);
    jobs_free(p);
    pthread_join(th, NULL);
    assert_string_equal(job_of(f, id).status, "done");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_config_and_register, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_once_dispatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flaky_then_succeeds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_final_failure_fails_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_permanent_failure_not_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notify_wakes_idle_worker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_jobs_each_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lease_renewed_while_running, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_lease_cancels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_cancels_running_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_times_out_then_free_waits, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
