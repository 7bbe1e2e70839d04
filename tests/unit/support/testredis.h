/* Test support for the Redis tests: a throwaway redis-server (no persistence) in a fresh temporary
 * directory, on a free loopback port and a Unix socket there, that a test can stop and start again
 * on the same addresses. Header-only (static inline) because each test file is its own program.
 * Tests skip when Debian's redis-server is not installed. */
#ifndef IG_TESTS_SUPPORT_TESTREDIS_H
#define IG_TESTS_SUPPORT_TESTREDIS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct testredis {
    pid_t pid;          /* 0 while stopped */
    int port;
    char dir[256];
    char sock[320];
    char password[64];  /* requirepass, "" for none */
} testredis;

/* The redis-server binary, or NULL when it is not installed. */
static inline const char *testredis_binary(void)
{
    static const char *const paths[] = {"/usr/bin/redis-server", "/usr/local/bin/redis-server",
                                        "/usr/sbin/redis-server"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (access(paths[i], X_OK) == 0)
            return paths[i];
    return NULL;
}

static inline int testredis_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static inline bool testredis_ready(const testredis *r)
{
    struct timeval tv = {1, 0};
    redisContext *c = redisConnectUnixWithTimeout(r->sock, tv);
    bool ok = false;
    if (c != NULL && c->err == 0) {
        redisReply *rep = r->password[0] ? redisCommand(c, "AUTH %s", r->password) : NULL;
        if (rep)
            freeReplyObject(rep);
        rep = redisCommand(c, "PING");
        ok = rep != NULL && rep->type == REDIS_REPLY_STATUS;
        if (rep)
            freeReplyObject(rep);
    }
    if (c)
        redisFree(c);
    return ok;
}

/* Starts (or starts again, on the same port and socket) the server; password may be NULL. */
static inline void testredis_start(testredis *r, const char *password)
{
    const char *bin = testredis_binary();
    assert_non_null(bin);
    if (r->dir[0] == '\0') {
        const char *tmp = getenv("TMPDIR");
        snprintf(r->dir, sizeof r->dir, "%s/igredisXXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
        assert_non_null(mkdtemp(r->dir));
        snprintf(r->sock, sizeof r->sock, "%s/redis.sock", r->dir);
        r->port = testredis_free_port();
        snprintf(r->password, sizeof r->password, "%s", password ? password : "");
    }
    char port[16], log[320];
    snprintf(port, sizeof port, "%d", r->port);
    snprintf(log, sizeof log, "%s/server.log", r->dir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        const char *argv[24] = {bin, "--port", port, "--bind", "127.0.0.1", "--unixsocket", r->sock,
                                "--unixsocketperm", "700", "--save", "", "--appendonly", "no", "--dir", r->dir,
                                "--daemonize", "no", "--loglevel", "warning"};
        int n = 19;
        if (r->password[0]) {
            argv[n++] = "--requirepass";
            argv[n++] = r->password;
        }
        argv[n] = NULL;
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    r->pid = pid;
    for (int i = 0; i < 400; i++) {
        if (testredis_ready(r))
            return;
        int status;
        assert_int_equal(waitpid(pid, &status, WNOHANG), 0); /* exited: see server.log */
        usleep(25000);
    }
    fail_msg("redis-server did not start (see %s)", log);
}

/* Stops the server, keeping its directory for a start on the same addresses. */
static inline void testredis_halt(testredis *r)
{
    if (r->pid <= 0)
        return;
    kill(r->pid, SIGTERM);
    int status;
    waitpid(r->pid, &status, 0);
    r->pid = 0;
}

/* Stops the server and removes its directory. */
static inline void testredis_stop(testredis *r)
{
    testredis_halt(r);
    if (r->dir[0] == '\0')
        return;
    char path[400];
    snprintf(path, sizeof path, "%s/server.log", r->dir);
    unlink(path);
    unlink(r->sock);
    rmdir(r->dir);
    r->dir[0] = '\0';
}

/* redis://127.0.0.1:<port>/<db>, with the password when the server has one. */
static inline void testredis_url(const testredis *r, int db, char *out, size_t cap)
{
    if (r->password[0])
        snprintf(out, cap, "redis://:%s@127.0.0.1:%d/%d", r->password, r->port, db);
    else
        snprintf(out, cap, "redis://127.0.0.1:%d/%d", r->port, db);
}

/* A setup's first step: true when redis-server is installed; otherwise says the tests are skipped. */
static inline bool testredis_available(void)
{
    if (testredis_binary() != NULL)
        return true;
    print_message("redis-server is not installed (apt-get install redis-server): skipped\n");
    return false;
}

/* Starts r with no password and writes its URL for database 0 into url. */
static inline void testredis_start_url(testredis *r, char *url, size_t cap)
{
    testredis_start(r, NULL);
    testredis_url(r, 0, url, cap);
}

/* The fixture a setup left in *state, or the test skipped when it left none (no redis-server). */
static inline void *testredis_need(void **state)
{
    if (*state == NULL)
        skip();
    return *state;
}

/* Milliseconds on the monotonic clock. */
static inline int64_t testredis_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
