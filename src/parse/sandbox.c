/* The extraction sandbox. Parent side: spawn (the zygote, or a one-shot child), read the JSON under
 * a deadline and a cap, decode the worker's fate. Child side: the zygote (forks a worker per
 * request, kills it at its deadline, reports how it ended) and the worker (rlimits, extraction,
 * JSON on stdout). Then the `parse` command on top. */
#include "parse/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <stddef.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "core/buf.h"
#include "core/str.h"
#include "parse/pdf.h"
#include "parse/structure.h"

extern char **environ;

#if defined(__SANITIZE_ADDRESS__)
#define IG_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IG_ASAN 1
#endif
#endif

#define CHILD_NOFILE 64
/* Output per byte of the text cap: the text with JSON escapes (at most doubling it), and the
 * structured resume, whose strings are pieces of the text (a line may stand in a bullet, a
 * description and a skill's raw form) wrapped in the JSON of their entries. */
#define OUTPUT_PER_TEXT_BYTE 8
/* Output beyond that: the links and the structure's fixed keys. */
#define OUTPUT_SLACK (1u << 20)
/* The zygote kills the worker at the deadline; the parent waits this much longer, as a backstop
 * for a zygote that stopped answering. */
#define BACKSTOP_MS 5000
#define ZYGOTE_FD 3
#define ZREQ_MAGIC 0x31584749u /* "IGX1" */

/* One request to the zygote; the path follows it in the same datagram, and SCM_RIGHTS carries
 * the worker's output pipe and the report pipe. */
typedef struct zreq {
    uint32_t magic;
    uint32_t max_pages, max_zip_entries, cpu_seconds, timeout_ms, ocr;
    uint64_t max_text_bytes, max_uncompressed, max_memory;
    uint32_t path_len, reserved;
} zreq;

/* The zygote's report: the worker's wait status, and whether the zygote killed it. */
typedef struct zrep {
    int32_t status;
    int32_t timed_out;
} zrep;

struct parse_sandbox {
    char *exe;
    pthread_mutex_t mu; /* guards ctrl and zygote: sends, starts, restarts */
    int ctrl;           /* our end of the zygote's socket; -1 when none runs */
    pid_t zygote;
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- parent side ---- */

/* The child's environment: ours, with OpenMP held to one thread. Tesseract is built with OpenMP,
 * whose idle threads spin: on a busy machine that multiplied OCR's CPU time by five. libgomp reads
 * the variable when it loads, before the child's main, so the parent must set it. Caller frees. */
static char **child_env(bool zygote)
{
    static char omp[] = "OMP_THREAD_LIMIT=1";
    /* the zygote resolves every symbol once, so its workers do not each redo lazy binding */
    static char bind_now[] = "LD_BIND_NOW=1";
    size_t n = 0;
    while (environ && environ[n])
        n++;
    char **env = malloc((n + 3) * sizeof *env);
    if (env == NULL)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "OMP_THREAD_LIMIT=", 17) != 0 && strncmp(environ[i], "LD_BIND_NOW=", 12) != 0)
            env[k++] = environ[i];
    env[k++] = omp;
    if (zygote)
        env[k++] = bind_now;
    env[k] = NULL;
    return env;
}

/* Starts exe with stdout on out_fd (or /dev/null when -1), extra_fd (if not -1) at descriptor 3,
 * stdin and stderr on /dev/null and every other descriptor closed; default signal dispositions
 * and an empty mask (the server ignores SIGPIPE and blocks signals in its threads; the child must
 * not inherit either). posix_spawn, not fork: no copy of a big multi-threaded server. */
static ig_status spawn(const char *exe, char *const argv[], int out_fd, int extra_fd, pid_t *pid, ig_err *err)
{
    ig_status st = IG_OK;
    char **envp = child_env(extra_fd >= 0);
    /* the sources must not sit on the descriptors they are copied to */
    int out = out_fd >= 0 && out_fd <= ZYGOTE_FD ? fcntl(out_fd, F_DUPFD_CLOEXEC, ZYGOTE_FD + 1) : out_fd;
    int extra = extra_fd >= 0 && extra_fd <= ZYGOTE_FD ? fcntl(extra_fd, F_DUPFD_CLOEXEC, ZYGOTE_FD + 1) : extra_fd;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    bool fa_ok = false, at_ok = false;
    if (envp == NULL || (out_fd >= 0 && out < 0) || (extra_fd >= 0 && extra < 0) ||
        !(fa_ok = posix_spawn_file_actions_init(&fa) == 0) || !(at_ok = posix_spawnattr_init(&at) == 0)) {
        st = status_errf(err, IG_EINTERNAL, "cannot prepare the extractor: %s", strerror(errno));
        goto out;
    }
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    int rc = out >= 0 ? posix_spawn_file_actions_adddup2(&fa, out, STDOUT_FILENO)
                      : posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    if (rc == 0 && extra >= 0)
        rc = posix_spawn_file_actions_adddup2(&fa, extra, ZYGOTE_FD);
    if (rc == 0)
        rc = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_addclosefrom_np(&fa, extra >= 0 ? ZYGOTE_FD + 1 : ZYGOTE_FD);
    if (rc == 0)
        rc = posix_spawnattr_setsigmask(&at, &none);
    if (rc == 0)
        rc = posix_spawnattr_setsigdefault(&at, &all);
    if (rc == 0)
        rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    if (rc == 0)
        rc = posix_spawn(pid, exe, &fa, &at, argv, envp);
    if (rc != 0)
        st = status_errf(err, IG_EINTERNAL, "cannot start the extractor %s: %s", exe, strerror(rc));
out:
    if (fa_ok)
        posix_spawn_file_actions_destroy(&fa);
    if (at_ok)
        posix_spawnattr_destroy(&at);
    if (out != out_fd && out >= 0)
        close(out);
    if (extra != extra_fd && extra >= 0)
        close(extra);
    free(envp);
    return st;
}

typedef enum read_end { READ_EOF, READ_TIMEOUT, READ_TOOBIG, READ_ERROR } read_end;

/* Reads fd until EOF, the deadline or out's cap. */
static read_end read_output(int fd, long long deadline, ig_buf *out)
{
    char chunk[65536];
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0)
            return READ_TIMEOUT;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return READ_ERROR;
        if (r == 0)
            continue;
        ssize_t k = read(fd, chunk, sizeof chunk);
        if (k < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (k < 0)
            return READ_ERROR;
        if (k == 0)
            return READ_EOF;
        ig_status st = buf_append(out, chunk, (size_t)k);
        if (st != IG_OK)
            return st == IG_ETOOBIG ? READ_TOOBIG : READ_ERROR;
    }
}

/* Reads exactly n bytes before the deadline. */
static bool read_exact(int fd, void *p, size_t n, long long deadline)
{
    ig_buf b;
    buf_init(&b, n);
    read_end how = read_output(fd, deadline, &b);
    bool ok = (how == READ_EOF || how == READ_TOOBIG) && b.len == n;
    if (ok)
        memcpy(p, b.p, n);
    buf_free(&b);
    return ok;
}

/* Waits for a spawned child until the deadline, then kills it. True when it exited by itself. */
static bool reap(pid_t pid, long long deadline, int *status)
{
    long delay_us = 50;
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return true;
        if (r < 0 && errno != EINTR)
            return true; /* nothing left to wait for */
        if (now_ms() >= deadline)
            break;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = delay_us * 1000};
        nanosleep(&ts, NULL);
        if (delay_us < 10000)
            delay_us *= 2;
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
    return false;
}

static ig_status status_from_name(const char *name)
{
    static const ig_status known[] = {IG_EINVAL, IG_ETOOBIG, IG_ENOMEM, IG_EIO, IG_EINTERNAL};
    for (size_t i = 0; name && i < sizeof known / sizeof known[0]; i++)
        if (strcmp(name, status_name(known[i])) == 0)
            return known[i];
    return IG_EINVAL;
}

/* Turns what the worker left (its wait status and stdout) into the result. */
static ig_status decode(int status, const ig_buf *output, const parse_limits *lim, json_t **out, ig_err *err)
{
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        if (sig == SIGXCPU)
            return status_errf(err, IG_EINVAL, "extraction exceeded its CPU time limit (%u s)", lim->cpu_seconds);
        return status_errf(err, IG_EINVAL, "extractor crashed (signal %d)", sig);
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    json_error_t jerr;
    json_t *j = output->len ? json_loadb(output->p, output->len, 0, &jerr) : NULL;
    if (code == 0 && json_is_object(j) && json_is_string(json_object_get(j, "raw_text"))) {
        *out = j;
        return IG_OK;
    }
    const char *msg = json_string_value(json_object_get(j, "error"));
    ig_status st;
    if (code == 1 && msg)
        st = status_errf(err, status_from_name(json_string_value(json_object_get(j, "status"))), "%s", msg);
    else
        st = status_errf(err, IG_EINVAL, "extractor failed (exit %d)", code);
    json_decref(j);
    return st;
}

static void output_init(ig_buf *b, const parse_limits *lim)
{
    uint64_t cap = lim->max_text_bytes * OUTPUT_PER_TEXT_BYTE + OUTPUT_SLACK;
    buf_init(b, cap > SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)cap);
}

ig_status parse_extract_sandboxed(const char *exe, const char *path, const parse_limits *lim, json_t **out,
                                  ig_err *err)
{
    char a_pages[48], a_text[48], a_unc[48], a_zip[48], a_cpu[48], a_mem[48];
    snprintf(a_pages, sizeof a_pages, "--max-pages=%u", lim->max_pages);
    snprintf(a_text, sizeof a_text, "--max-text-bytes=%llu", (unsigned long long)lim->max_text_bytes);
    snprintf(a_unc, sizeof a_unc, "--max-uncompressed=%llu", (unsigned long long)lim->max_uncompressed);
    snprintf(a_zip, sizeof a_zip, "--max-zip-entries=%u", lim->max_zip_entries);
    snprintf(a_cpu, sizeof a_cpu, "--cpu-seconds=%u", lim->cpu_seconds);
    snprintf(a_mem, sizeof a_mem, "--max-memory=%llu", (unsigned long long)lim->max_memory);
    char *argv[] = {(char *)exe, "extract", a_pages, a_text, a_unc, a_zip, a_cpu, a_mem,
                    lim->ocr ? "--ocr" : "--no-ocr", "--", (char *)path, NULL};
    *out = NULL;
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return status_errf(err, IG_EINTERNAL, "cannot create a pipe: %s", strerror(errno));
    long long deadline = now_ms() + lim->timeout_ms;
    pid_t pid = -1;
    ig_status st = spawn(exe, argv, p[1], -1, &pid, err);
    close(p[1]);
    if (st != IG_OK) {
        close(p[0]);
        return st;
    }
    ig_buf output;
    output_init(&output, lim);
    read_end how = read_output(p[0], deadline, &output);
    close(p[0]);
    if (how != READ_EOF)
        kill(pid, SIGKILL);
    int status = 0;
    bool exited = reap(pid, deadline, &status);
    if (how == READ_TIMEOUT || (how == READ_EOF && !exited))
        st = status_errf(err, IG_EINVAL, "extraction timed out (after %u ms)", lim->timeout_ms);
    else if (how == READ_TOOBIG)
        st = status_errf(err, IG_EINVAL, "extractor output too large (over %zu bytes)", output.max);
    else if (how == READ_ERROR)
        st = status_errf(err, IG_EINTERNAL, "cannot read the extractor's output");
    else
        st = decode(status, &output, lim, out, err);
    buf_free(&output);
    return st;
}

ig_status parse_sandbox_open(const char *exe, parse_sandbox **out, ig_err *err)
{
    *out = NULL;
    parse_sandbox *sb = calloc(1, sizeof *sb);
    if (sb == NULL || (sb->exe = strdup(exe)) == NULL) {
        free(sb);
        return status_errf(err, IG_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&sb->mu, NULL);
    sb->ctrl = -1;
    sb->zygote = -1;
    *out = sb;
    return IG_OK;
}

/* Closes the zygote's socket (it exits on EOF) and reaps it, killing it if it lingers. */
static void zygote_stop(parse_sandbox *sb)
{
    if (sb->ctrl >= 0)
        close(sb->ctrl);
    if (sb->zygote > 0) {
        int status;
        reap(sb->zygote, now_ms() + 2000, &status);
    }
    sb->ctrl = -1;
    sb->zygote = -1;
}

static ig_status zygote_start(parse_sandbox *sb, ig_err *err)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return status_errf(err, IG_EINTERNAL, "cannot create a socket pair: %s", strerror(errno));
    char *argv[] = {sb->exe, "extract", "--serve", NULL};
    ig_status st = spawn(sb->exe, argv, -1, sv[1], &sb->zygote, err);
    close(sv[1]);
    if (st != IG_OK) {
        close(sv[0]);
        sb->zygote = -1;
        return st;
    }
    sb->ctrl = sv[0];
    return IG_OK;
}

void parse_sandbox_close(parse_sandbox *sb)
{
    if (sb == NULL)
        return;
    zygote_stop(sb);
    pthread_mutex_destroy(&sb->mu);
    free(sb->exe);
    free(sb);
}

static bool send_request(int ctrl, const zreq *rq, const char *path, int out_fd, int rep_fd)
{
    struct iovec iov[2] = {{(void *)rq, sizeof *rq}, {(void *)path, rq->path_len}};
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(2 * sizeof(int))];
    } cm;
    memset(&cm, 0, sizeof cm);
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2, .msg_control = cm.buf, .msg_controllen = sizeof cm.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(2 * sizeof(int));
    int fds[2] = {out_fd, rep_fd};
    memcpy(CMSG_DATA(c), fds, sizeof fds);
    ssize_t n;
    while ((n = sendmsg(ctrl, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    return n == (ssize_t)(sizeof *rq + rq->path_len);
}

/* Hands the request to the zygote, starting or restarting it as needed. */
static ig_status submit(parse_sandbox *sb, const zreq *rq, const char *path, int out_fd, int rep_fd, ig_err *err)
{
    ig_status st = IG_EINTERNAL;
    pthread_mutex_lock(&sb->mu);
    for (int attempt = 0; attempt < 2; attempt++) {
        if (sb->ctrl < 0 && (st = zygote_start(sb, err)) != IG_OK)
            break;
        if (send_request(sb->ctrl, rq, path, out_fd, rep_fd)) {
            st = IG_OK;
            break;
        }
        zygote_stop(sb); /* dead or wedged: a fresh one */
        st = status_errf(err, IG_EINTERNAL, "the extractor is not answering");
    }
    pthread_mutex_unlock(&sb->mu);
    return st;
}

ig_status parse_sandbox_extract(parse_sandbox *sb, const char *path, const parse_limits *lim, json_t **out,
                                ig_err *err)
{
    *out = NULL;
    size_t plen = strlen(path);
    if (plen == 0 || plen > PATH_MAX)
        return status_errf(err, IG_EINVAL, "bad path");
    zreq rq = {.magic = ZREQ_MAGIC,
               .max_pages = lim->max_pages,
               .max_zip_entries = lim->max_zip_entries,
               .cpu_seconds = lim->cpu_seconds,
               .timeout_ms = lim->timeout_ms,
               .ocr = lim->ocr,
               .max_text_bytes = lim->max_text_bytes,
               .max_uncompressed = lim->max_uncompressed,
               .max_memory = lim->max_memory,
               .path_len = (uint32_t)plen};
    int p[2] = {-1, -1}, q[2] = {-1, -1};
    if (pipe2(p, O_CLOEXEC) != 0 || pipe2(q, O_CLOEXEC) != 0) {
        ig_status st = status_errf(err, IG_EINTERNAL, "cannot create a pipe: %s", strerror(errno));
        for (int i = 0; i < 2; i++) {
            if (p[i] >= 0)
                close(p[i]);
            if (q[i] >= 0)
                close(q[i]);
        }
        return st;
    }
    ig_status st = submit(sb, &rq, path, p[1], q[1], err);
    close(p[1]);
    close(q[1]);
    if (st != IG_OK) {
        close(p[0]);
        close(q[0]);
        return st;
    }
    long long backstop = now_ms() + lim->timeout_ms + BACKSTOP_MS;
    ig_buf output;
    output_init(&output, lim);
    read_end how = read_output(p[0], backstop, &output);
    close(p[0]); /* past the cap, the worker's next write fails and it dies of SIGPIPE */
    zrep rep;
    bool reported = read_exact(q[0], &rep, sizeof rep, backstop);
    close(q[0]);
    if (how == READ_TOOBIG)
        st = status_errf(err, IG_EINVAL, "extractor output too large (over %zu bytes)", output.max);
    else if ((reported && rep.timed_out) || how == READ_TIMEOUT || (!reported && now_ms() >= backstop))
        st = status_errf(err, IG_EINVAL, "extraction timed out (after %u ms)", lim->timeout_ms);
    else if (how == READ_ERROR || !reported)
        st = status_errf(err, IG_EINTERNAL, "the extractor vanished without a report");
    else
        st = decode(rep.status, &output, lim, out, err);
    buf_free(&output);
    return st;
}

/* ---- child side ---- */

static bool opt_u64(const char *arg, const char *name, unsigned long long *v)
{
    size_t k = strlen(name);
    if (strncmp(arg, name, k) != 0 || arg[k] != '=')
        return false;
    return str_to_u64(str_cstr(arg + k + 1), v);
}

static int child_fail(ig_status st, const char *msg, int code)
{
    json_t *j = json_pack("{s:s, s:s}", "error", msg, "status", status_name(st));
    if (j) {
        json_dumpf(j, stdout, JSON_COMPACT);
        json_decref(j);
    }
    fflush(stdout);
    return code;
}

/* Lowers a limit (never raises: the hard limit may already be lower). */
static void limit(int resource, rlim_t soft, rlim_t hard)
{
    struct rlimit rl;
    if (getrlimit(resource, &rl) != 0)
        return;
    if (rl.rlim_max != RLIM_INFINITY && hard > rl.rlim_max)
        hard = rl.rlim_max;
    if (soft > hard)
        soft = hard;
    rl.rlim_cur = soft;
    rl.rlim_max = hard;
    setrlimit(resource, &rl);
}

#if defined(__x86_64__)
#define IG_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define IG_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

/* No network: a seccomp filter fails socket(2) with EACCES (x32 system calls too). Nothing a
 * parsing library legitimately does needs a socket; fetching a remote image or font would. */
static void deny_network(void)
{
#ifdef IG_AUDIT_ARCH
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IG_AUDIT_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 1, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
#endif
}

static void confine(const parse_limits *lim)
{
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    deny_network();
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    /* soft limit: SIGXCPU, reported as such; the kernel's SIGKILL a second later if ignored */
    limit(RLIMIT_CPU, lim->cpu_seconds, (rlim_t)lim->cpu_seconds + 1);
#ifndef IG_ASAN
    limit(RLIMIT_AS, lim->max_memory, lim->max_memory);
#endif
    /* writing any file fails with EFBIG instead of killing the worker (font caches try) */
    signal(SIGXFSZ, SIG_IGN);
    limit(RLIMIT_FSIZE, 0, 0);
    limit(RLIMIT_CORE, 0, 0);
    limit(RLIMIT_NOFILE, CHILD_NOFILE, CHILD_NOFILE);
}

static bool hook(const char *name)
{
    const char *v = getenv(name);
    return v && strcmp(v, "1") == 0;
}

static void run_test_hooks(void)
{
    if (hook("IG_EXTRACT_TEST_HANG"))
        for (volatile unsigned long spin = 0;; spin++)
            ;
    if (hook("IG_EXTRACT_TEST_CRASH")) {
        signal(SIGSEGV, SIG_DFL); /* past any sanitizer's handler: a real signal death */
        raise(SIGSEGV);
    }
    if (hook("IG_EXTRACT_TEST_SOCKET")) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        int e = errno;
        exit(child_fail(IG_EINVAL, fd >= 0 ? "socket: allowed" : e == EACCES ? "socket: denied" : "socket: failed", 1));
    }
    if (hook("IG_EXTRACT_TEST_FLOOD")) {
        static const char junk[4096] = {0};
        while (write(STDOUT_FILENO, junk, sizeof junk) > 0)
            ;
    }
}

/* Extracts path (parse_extract_file) and adds the structured resume's keys (parse/structure.h) to
 * the result: the structurer reads text as untrusted as the file, so it runs where extraction does.
 * ctx: the lexicons, loaded once by the caller; NULL loads them for this file. */
static ig_status extract_structured(const structure_ctx *ctx, const char *path, const parse_limits *lim,
                                    json_t **out, ig_err *err)
{
    json_t *res = NULL, *doc = NULL;
    ig_status st = parse_extract_file(path, lim, &res, err);
    if (st != IG_OK)
        return st;
    json_t *text = json_object_get(res, "raw_text");
    const char *t = json_string_value(text);
    size_t n = t ? json_string_length(text) : 0;
    json_t *links = json_object_get(res, "links");
    st = ctx != NULL ? structure_resume_ctx(ctx, t ? t : "", n, links, (long long)time(NULL), &doc, err)
                     : structure_resume(t ? t : "", n, links, &doc, err);
    if (st == IG_OK && json_object_update(res, doc) != 0)
        st = status_errf(err, IG_ENOMEM, "out of memory adding the structured resume");
    json_decref(doc);
    if (st != IG_OK) {
        json_decref(res);
        return st;
    }
    *out = res;
    return IG_OK;
}

/* Confines this process, extracts path and writes the result (or the error) to stdout. ctx as for
 * extract_structured. */
static int worker(const parse_limits *lim, const char *path, const structure_ctx *ctx)
{
    confine(lim);
    run_test_hooks();
    json_t *res = NULL;
    ig_err err = {IG_OK, ""};
    ig_status st = extract_structured(ctx, path, lim, &res, &err);
    if (st != IG_OK)
        return child_fail(st, err.msg[0] ? err.msg : status_name(st), 1);
    int rc = json_dumpf(res, stdout, JSON_COMPACT);
    json_decref(res);
    return fflush(stdout) != 0 || rc != 0 ? 1 : 0;
}

/* A worker in flight: the zygote reports its end on rep and kills it at the deadline. */
typedef struct zjob {
    pid_t pid;
    int rep;
    long long deadline;
    bool killed;
} zjob;

#define ZYGOTE_MAX_JOBS 256

static parse_limits limits_of(const zreq *rq)
{
    return (parse_limits){.max_pages = rq->max_pages,
                          .max_text_bytes = rq->max_text_bytes,
                          .max_uncompressed = rq->max_uncompressed,
                          .max_zip_entries = rq->max_zip_entries,
                          .cpu_seconds = rq->cpu_seconds,
                          .max_memory = rq->max_memory,
                          .timeout_ms = rq->timeout_ms,
                          .ocr = rq->ocr != 0};
}

/* Receives one request; false when the parent is gone. *ok tells whether it is well-formed;
 * fds[0..1] are the worker's output pipe and the report pipe (closed here when not ok). */
static bool receive(zreq *rq, char *path, int fds[2], bool *ok)
{
    struct iovec iov[2] = {{rq, sizeof *rq}, {path, PATH_MAX}};
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(4 * sizeof(int))];
    } cm;
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2, .msg_control = cm.buf, .msg_controllen = sizeof cm.buf};
    *ok = false;
    ssize_t n = recvmsg(ZYGOTE_FD, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n == 0)
        return false;
    if (n < 0)
        return errno == EINTR || errno == EAGAIN;
    int got[4], nfds = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k && nfds < 4; i++)
            memcpy(&got[nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
    }
    *ok = nfds == 2 && !(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) && (size_t)n > sizeof *rq &&
          rq->magic == ZREQ_MAGIC && rq->path_len == (size_t)n - sizeof *rq;
    if (*ok) {
        path[rq->path_len] = '\0';
        *ok = memchr(path, '\0', rq->path_len) == NULL;
    }
    if (*ok) {
        fds[0] = got[0];
        fds[1] = got[1];
    } else {
        for (int i = 0; i < nfds; i++)
            close(got[i]);
    }
    return true;
}

/* Forks the worker for one request; in the zygote, registers it. */
static void start_worker(const zreq *rq, const char *path, const int fds[2], int sfd, const structure_ctx *ctx,
                         zjob *jobs, int *njobs)
{
    parse_limits lim = limits_of(rq);
    pid_t w = fork();
    if (w == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        close(sfd);
        close(fds[1]);
        if (fds[0] != STDOUT_FILENO) {
            dup2(fds[0], STDOUT_FILENO);
            close(fds[0]);
        }
        close_range(STDERR_FILENO + 1, ~0u, 0);
        _exit(worker(&lim, path, ctx));
    }
    close(fds[0]);
    if (w < 0) {
        zrep r = {.status = -1, .timed_out = 0};
        if (write(fds[1], &r, sizeof r) < 0)
            r.status = -1; /* the parent will report the missing answer */
        close(fds[1]);
        return;
    }
    jobs[(*njobs)++] = (zjob){.pid = w, .rep = fds[1], .deadline = now_ms() + rq->timeout_ms, .killed = false};
}

/* Reports every worker that ended. */
static void reap_workers(zjob *jobs, int *njobs)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (int i = 0; i < *njobs; i++) {
            if (jobs[i].pid != pid)
                continue;
            zrep r = {.status = status, .timed_out = jobs[i].killed};
            if (write(jobs[i].rep, &r, sizeof r) < 0)
                r.status = -1; /* the parent gave up waiting: nothing to tell */
            close(jobs[i].rep);
            jobs[i] = jobs[--*njobs];
            break;
        }
    }
}

/* The zygote: one datagram per file on descriptor 3, one forked worker each, watched from a
 * single-threaded poll loop (SIGCHLD through a signalfd; the nearest deadline as the timeout).
 * Exits, killing its workers, when the parent closes its end. */
static int zygote_main(void)
{
    struct stat st;
    if (fstat(ZYGOTE_FD, &st) != 0 || !S_ISSOCK(st.st_mode))
        return child_fail(IG_EINVAL, "usage: extract --serve (with the request socket at descriptor 3)", 2);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0)
        return 1;
    /* process-wide set-up done once here, inherited warm by every worker */
    xmlInitParser();
    parse_pdf_warm_up();
    /* the structurer's lexicons too (a worker without them loads its own: same result, slower) */
    structure_ctx *ctx = NULL;
    ig_err cerr = {IG_OK, ""};
    if (structure_ctx_open(&ctx, &cerr) != IG_OK)
        ctx = NULL;
    static zjob jobs[ZYGOTE_MAX_JOBS];
    int njobs = 0;
    bool open_ = true;
    while (open_ || njobs > 0) {
        long long now = now_ms(), next = -1;
        for (int i = 0; i < njobs; i++) {
            if (!jobs[i].killed && jobs[i].deadline <= now) {
                kill(jobs[i].pid, SIGKILL);
                jobs[i].killed = true;
            }
            if (!jobs[i].killed && (next < 0 || jobs[i].deadline < next))
                next = jobs[i].deadline;
        }
        struct pollfd pfd[2] = {{.fd = sfd, .events = POLLIN},
                                {.fd = ZYGOTE_FD, .events = open_ && njobs < ZYGOTE_MAX_JOBS ? POLLIN : 0}};
        long long wait = next < 0 ? -1 : next - now;
        if (poll(pfd, 2, wait > INT_MAX ? INT_MAX : (int)wait) < 0 && errno != EINTR)
            break;
        if (pfd[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
                ;
            reap_workers(jobs, &njobs);
        }
        if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            zreq rq;
            char path[PATH_MAX + 1];
            int fds[2];
            bool ok;
            open_ = receive(&rq, path, fds, &ok);
            if (ok)
                start_worker(&rq, path, fds, sfd, ctx, jobs, &njobs);
            if (!open_) /* the parent is gone: nobody reads the results */
                for (int i = 0; i < njobs; i++)
                    kill(jobs[i].pid, SIGKILL);
        }
    }
    structure_ctx_close(ctx);
    close(sfd);
    return 0;
}

int parse_child_main(int argc, char **argv)
{
    static const char usage[] = "usage: extract [--limits...] [--] PATH | extract --serve";
    if (argc == 1 && strcmp(argv[0], "--serve") == 0)
        return zygote_main();
    parse_limits lim;
    parse_limits_default(&lim);
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        unsigned long long v;
        if (strcmp(a, "--") == 0) {
            path = i + 2 == argc ? argv[i + 1] : NULL;
            break;
        }
        if (strcmp(a, "--no-ocr") == 0)
            lim.ocr = false;
        else if (strcmp(a, "--ocr") == 0)
            lim.ocr = true;
        else if (opt_u64(a, "--max-pages", &v) && v > 0 && v <= UINT_MAX)
            lim.max_pages = (unsigned)v;
        else if (opt_u64(a, "--max-text-bytes", &v) && v > 0)
            lim.max_text_bytes = v;
        else if (opt_u64(a, "--max-uncompressed", &v) && v > 0)
            lim.max_uncompressed = v;
        else if (opt_u64(a, "--max-zip-entries", &v) && v > 0 && v <= UINT_MAX)
            lim.max_zip_entries = (unsigned)v;
        else if (opt_u64(a, "--cpu-seconds", &v) && v > 0 && v <= UINT_MAX)
            lim.cpu_seconds = (unsigned)v;
        else if (opt_u64(a, "--max-memory", &v) && v > 0)
            lim.max_memory = v;
        else if (a[0] != '-' && i + 1 == argc)
            path = a;
        else
            return child_fail(IG_EINVAL, usage, 2);
    }
    if (path == NULL)
        return child_fail(IG_EINVAL, usage, 2);
    return worker(&lim, path, NULL);
}

/* ---- the parse command ---- */

static const char CLI_USAGE[] = "usage: interviewgenius parse [--no-ocr] [--in-process] FILE...\n";

int parse_cli_main(const char *exe, int argc, char **argv)
{
    parse_limits lim;
    parse_limits_default(&lim);
    bool in_process = false;
    int i = 0;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (strcmp(argv[i], "--no-ocr") == 0) {
            lim.ocr = false;
        } else if (strcmp(argv[i], "--in-process") == 0) {
            in_process = true;
        } else {
            fputs(CLI_USAGE, stderr);
            return 2;
        }
    }
    int nfiles = argc - i;
    if (nfiles <= 0) {
        fputs(CLI_USAGE, stderr);
        return 2;
    }
    parse_sandbox *sb = NULL;
    structure_ctx *ctx = NULL;
    ig_err err = {IG_OK, ""};
    if (in_process ? structure_ctx_open(&ctx, &err) != IG_OK : parse_sandbox_open(exe, &sb, &err) != IG_OK) {
        fprintf(stderr, "interviewgenius: parse: %s\n", err.msg);
        return 1;
    }
    int rc = 0;
    for (; i < argc; i++) {
        json_t *res = NULL;
        err = (ig_err){IG_OK, ""};
        ig_status st = in_process ? extract_structured(ctx, argv[i], &lim, &res, &err)
                                  : parse_sandbox_extract(sb, argv[i], &lim, &res, &err);
        if (st != IG_OK) {
            fprintf(stderr, "interviewgenius: parse: %s: %s\n", argv[i], err.msg);
            rc = 1;
        }
        if (nfiles == 1) {
            if (res) {
                json_dumpf(res, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
                fputc('\n', stdout);
            }
        } else {
            json_t *line = res ? res : json_object();
            if (line) {
                json_object_set_new(line, "file", json_string(argv[i]));
                if (st != IG_OK)
                    json_object_set_new(line, "error", json_string(err.msg));
                json_dumpf(line, stdout, JSON_COMPACT | JSON_REAL_PRECISION(10));
                fputc('\n', stdout);
            }
            res = line;
        }
        json_decref(res);
    }
    parse_sandbox_close(sb);
    structure_ctx_close(ctx);
    if (fflush(stdout) != 0)
        rc = 1;
    return rc;
}
