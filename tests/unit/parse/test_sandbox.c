/* Tests for parse/sandbox, each run twice: through the zygote (parse_sandbox) and one-shot
 * (parse_extract_sandboxed). Results and errors cross the process boundary intact; a worker that
 * hangs, burns CPU, crashes or floods its output is killed and reported; no descriptor leaks into
 * it; a dead zygote is replaced; threads share one sandbox; no zombie is left. The child is this
 * test binary: main() runs parse_child_main when called as `test_sandbox extract ...`, as
 * interviewgenius does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>

#include "parse/fixtures.h"
#include "parse/sandbox.h"
#include "parse/structure.h"

#define SELF "/proc/self/exe"

typedef struct fx {
    bool zygote; /* through parse_sandbox, else one-shot */
    parse_sandbox *sb;
    char *dir;
    const char *html;
    parse_limits lim;
    json_t *out;
    ig_err err;
} fx;

static int setup_mode(void **state, bool zygote)
{
    fx *f = calloc(1, sizeof *f);
    f->zygote = zygote;
    ig_err err = {IG_OK, ""};
    if (parse_sandbox_open(SELF, &f->sb, &err) != IG_OK)
        return -1;
    f->dir = fx_tmpdir();
    parse_limits_default(&f->lim);
    f->html = strdup(fx_path(f->dir, "cv.doc"));
    const char *html = "<html><body><h1>Ada Lovelace</h1><p>github.com/ada</p></body></html>";
    fx_write(f->html, html, strlen(html));
    *state = f;
    return 0;
}

static int setup_zygote(void **state)
{
    return setup_mode(state, true);
}

static int setup_oneshot(void **state)
{
    return setup_mode(state, false);
}

static int teardown(void **state)
{
    fx *f = *state;
    parse_sandbox_close(f->sb);
    json_decref(f->out);
    free((char *)f->html);
    fx_rmdir(f->dir);
    free(f);
    unsetenv("IG_EXTRACT_TEST_HANG");
    unsetenv("IG_EXTRACT_TEST_CRASH");
    unsetenv("IG_EXTRACT_TEST_FLOOD");
    unsetenv("IG_EXTRACT_TEST_SOCKET");
    unsetenv("IG_TEST_CHECK_FDS");
    return 0;
}

static ig_status run(fx *f, const char *path)
{
    json_decref(f->out);
    f->out = NULL;
    f->err = (ig_err){IG_OK, ""};
    return f->zygote ? parse_sandbox_extract(f->sb, path, &f->lim, &f->out, &f->err)
                     : parse_extract_sandboxed(SELF, path, &f->lim, &f->out, &f->err);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_same_as_in_process(void **state)
{
    fx *f = *state;
    assert_int_equal(run(f, f->html), IG_OK);
    json_t *local = NULL;
    ig_err err = {IG_OK, ""};
    assert_int_equal(parse_extract_file(f->html, &f->lim, &local, &err), IG_OK);
    /* the child adds the structured resume to what it extracted */
    json_t *text = json_object_get(local, "raw_text"), *doc = NULL;
    assert_int_equal(structure_resume(json_string_value(text), json_string_length(text),
                                      json_object_get(local, "links"), &doc, &err),
                     IG_OK);
    assert_int_equal(json_object_update(local, doc), 0);
    json_decref(doc);
    assert_true(json_equal(f->out, local));
    assert_string_equal(json_string_value(json_object_get(f->out, "raw_text")), "Ada Lovelace\ngithub.com/ada");
    json_decref(local);
}

static void test_errors_cross_over(void **state)
{
    fx *f = *state;
    const char *junk = fx_path(f->dir, "junk.pdf");
    fx_write(junk, "\x01\x02\x03 not a resume", 17);
    assert_int_equal(run(f, junk), IG_EINVAL);
    assert_string_equal(f->err.msg, "unsupported file format");
    assert_null(f->out);

    const char *bomb = fx_path(f->dir, "bomb.docx");
    assert_true(fx_docx_bomb(bomb, 96ull << 20));
    assert_int_equal(run(f, bomb), IG_ETOOBIG);
    assert_non_null(strstr(f->err.msg, "zip bomb"));

    assert_int_equal(run(f, fx_path(f->dir, "missing.pdf")), IG_EIO);
}

static void test_timeout(void **state)
{
    fx *f = *state;
    setenv("IG_EXTRACT_TEST_HANG", "1", 1);
    f->lim.timeout_ms = 1000;
    double t0 = now_s();
    assert_int_equal(run(f, f->html), IG_EINVAL);
    double took = now_s() - t0;
    assert_string_equal(f->err.msg, "extraction timed out (after 1000 ms)");
    assert_true(took >= 0.9 && took < 5);
}

static void test_cpu_limit(void **state)
{
    fx *f = *state;
    setenv("IG_EXTRACT_TEST_HANG", "1", 1);
    f->lim.cpu_seconds = 1;
    f->lim.timeout_ms = 20000;
    double t0 = now_s();
    assert_int_equal(run(f, f->html), IG_EINVAL);
    assert_string_equal(f->err.msg, "extraction exceeded its CPU time limit (1 s)");
    assert_true(now_s() - t0 < 10);
}

static void test_crash(void **state)
{
    fx *f = *state;
    setenv("IG_EXTRACT_TEST_CRASH", "1", 1);
    assert_int_equal(run(f, f->html), IG_EINVAL);
    assert_string_equal(f->err.msg, "extractor crashed (signal 11)");
}

static void test_flood(void **state)
{
    fx *f = *state;
    setenv("IG_EXTRACT_TEST_FLOOD", "1", 1);
    f->lim.max_text_bytes = 1000;
    assert_int_equal(run(f, f->html), IG_EINVAL);
    assert_non_null(strstr(f->err.msg, "extractor output too large"));
}

static void test_no_network(void **state)
{
    fx *f = *state;
    setenv("IG_EXTRACT_TEST_SOCKET", "1", 1);
    assert_int_equal(run(f, f->html), IG_EINVAL);
    assert_string_equal(f->err.msg, "socket: denied");
}

static void test_no_descriptor_leaks(void **state)
{
    fx *f = *state;
    /* an inheritable descriptor in the parent (no O_CLOEXEC), as a careless library leaves */
    int leak = open("/dev/null", O_RDONLY);
    assert_true(leak > 2);
    setenv("IG_TEST_CHECK_FDS", "1", 1);
    ig_status st = run(f, f->html);
    close(leak);
    if (st != IG_OK)
        fail_msg("child: %s", f->err.msg);
}

static void test_cannot_start(void **state)
{
    fx *f = *state;
    assert_int_equal(parse_extract_sandboxed("/nonexistent/interviewgenius", f->html, &f->lim, &f->out, &f->err),
                     IG_EINTERNAL);
    assert_non_null(strstr(f->err.msg, "cannot start the extractor"));
    parse_sandbox *sb = NULL;
    assert_int_equal(parse_sandbox_open("/nonexistent/interviewgenius", &sb, &f->err), IG_OK);
    assert_int_equal(parse_sandbox_extract(sb, f->html, &f->lim, &f->out, &f->err), IG_EINTERNAL);
    assert_non_null(strstr(f->err.msg, "cannot start the extractor"));
    parse_sandbox_close(sb);
    /* the child refuses bad usage before confining anything */
    char *bad[] = {"--max-pages=abc", "x", NULL};
    int saved = dup(STDOUT_FILENO);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, STDOUT_FILENO);
    int rc1 = parse_child_main(2, bad);
    int rc2 = parse_child_main(0, bad + 2);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    close(devnull);
    assert_int_equal(rc1, 2);
    assert_int_equal(rc2, 2);
}

static void test_cli(void **state)
{
    fx *f = *state;
    const char *outp = fx_path(f->dir, "out.json");
    int saved = dup(STDOUT_FILENO), saved_err = dup(STDERR_FILENO);
    int fd = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int devnull = open("/dev/null", O_WRONLY);
    assert_true(fd >= 0 && devnull >= 0);
    fflush(stdout);
    dup2(fd, STDOUT_FILENO);
    dup2(devnull, STDERR_FILENO);
    char *one[] = {(char *)f->html, NULL};
    int rc_one = parse_cli_main(SELF, 1, one);
    char *usage[] = {"--bogus", NULL};
    int rc_usage = parse_cli_main(SELF, 1, usage);
    int rc_none = parse_cli_main(SELF, 0, usage + 1);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    dup2(saved_err, STDERR_FILENO);
    close(saved);
    close(saved_err);
    close(fd);
    close(devnull);
    assert_int_equal(rc_one, 0);
    assert_int_equal(rc_usage, 2);
    assert_int_equal(rc_none, 2);
    json_t *j = json_load_file(outp, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "format")), "html");
    json_decref(j);

    /* several files: one line each, the failure with its reason, exit 1 */
    fd = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    saved = dup(STDOUT_FILENO);
    saved_err = dup(STDERR_FILENO);
    devnull = open("/dev/null", O_WRONLY);
    dup2(fd, STDOUT_FILENO);
    dup2(devnull, STDERR_FILENO);
    char *two[] = {"--in-process", (char *)f->html, "/nonexistent.pdf", NULL};
    int rc_two = parse_cli_main(SELF, 3, two);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    dup2(saved_err, STDERR_FILENO);
    close(saved);
    close(saved_err);
    close(fd);
    close(devnull);
    assert_int_equal(rc_two, 1);
    size_t n = 0;
    char *lines = fx_read(outp, &n);
    assert_non_null(lines);
    char *nl = strchr(lines, '\n');
    assert_non_null(nl);
    json_t *a = json_loadb(lines, (size_t)(nl - lines), 0, NULL);
    json_t *b = json_loads(nl + 1, JSON_DISABLE_EOF_CHECK, NULL);
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(json_string_value(json_object_get(a, "file")), f->html);
    assert_string_equal(json_string_value(json_object_get(a, "format")), "html");
    assert_non_null(strstr(json_string_value(json_object_get(b, "error")), "cannot open"));
    json_decref(a);
    json_decref(b);
    free(lines);
}

/* Kills every child of this process (the zygote, when it runs). */
static int kill_children(void)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
    FILE *fp = fopen(path, "r");
    int killed = 0, pid;
    while (fp && fscanf(fp, "%d", &pid) == 1)
        killed += kill(pid, SIGKILL) == 0;
    if (fp)
        fclose(fp);
    return killed;
}

static void test_zygote_restarts(void **state)
{
    fx *f = *state;
    assert_int_equal(run(f, f->html), IG_OK);
    assert_int_equal(kill_children(), 1);
    usleep(20000);
    assert_int_equal(run(f, f->html), IG_OK);
    assert_string_equal(json_string_value(json_object_get(f->out, "format")), "html");
}

typedef struct job {
    parse_sandbox *sb;
    const char *path;
    int ok;
} job;

static void *thread_main(void *arg)
{
    job *j = arg;
    parse_limits lim;
    parse_limits_default(&lim);
    for (int i = 0; i < 10; i++) {
        json_t *out = NULL;
        ig_err err = {IG_OK, ""};
        if (parse_sandbox_extract(j->sb, j->path, &lim, &out, &err) == IG_OK &&
            strcmp(json_string_value(json_object_get(out, "raw_text")), "Ada Lovelace\ngithub.com/ada") == 0)
            j->ok++;
        json_decref(out);
    }
    return NULL;
}

static void test_threads_share_one_sandbox(void **state)
{
    fx *f = *state;
    pthread_t t[4];
    job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (job){f->sb, f->html, 0};
        assert_int_equal(pthread_create(&t[i], NULL, thread_main, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(jobs[i].ok, 10);
    }
}

static void test_no_zombies(void **state)
{
    (void)state;
    errno = 0;
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
}

/* Child side of IG_TEST_CHECK_FDS: every descriptor above `last` (stderr, or the zygote's
 * socket) must be closed. */
static int check_fds(int last)
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return 0;
    int bad = -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] != '.' && fd > last && fd != dirfd(d))
            bad = fd;
    }
    closedir(d);
    if (bad >= 0)
        printf("{\"error\": \"descriptor %d leaked into the child\", \"status\": \"EINVAL\"}", bad);
    return bad >= 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "extract") == 0) {
        const char *chk = getenv("IG_TEST_CHECK_FDS");
        bool zygote = argc == 3 && strcmp(argv[2], "--serve") == 0;
        if (chk && strcmp(chk, "1") == 0 && check_fds(zygote ? 3 : 2))
            return 1;
        return parse_child_main(argc - 2, argv + 2);
    }
#define BOTH(t) cmocka_unit_test_setup_teardown(t, setup_zygote, teardown), \
                cmocka_unit_test_setup_teardown(t, setup_oneshot, teardown)
    const struct CMUnitTest tests[] = {
        BOTH(test_same_as_in_process),
        BOTH(test_errors_cross_over),
        BOTH(test_timeout),
        BOTH(test_cpu_limit),
        BOTH(test_crash),
        BOTH(test_flood),
        BOTH(test_no_network),
        BOTH(test_no_descriptor_leaks),
        cmocka_unit_test_setup_teardown(test_cannot_start, setup_oneshot, teardown),
        cmocka_unit_test_setup_teardown(test_cli, setup_oneshot, teardown),
        cmocka_unit_test_setup_teardown(test_zygote_restarts, setup_zygote, teardown),
        cmocka_unit_test_setup_teardown(test_threads_share_one_sandbox, setup_zygote, teardown),
        cmocka_unit_test(test_no_zombies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
