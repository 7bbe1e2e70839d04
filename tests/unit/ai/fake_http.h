/* A scripted HTTP/1.1 server on loopback for the model-client tests: one thread, one connection at
 * a time ("Connection: close"), each request answered with the next scripted reply (status, extra
 * headers, body, a delay before answering that ends early when the client hangs up, or a dropped
 * connection), then a default reply. Every request (head and body) is kept for assertions.
 * Header-only (static inline), like fixtures.h. */
#ifndef IG_TESTS_AI_FAKE_HTTP_H
#define IG_TESTS_AI_FAKE_HTTP_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FAKE_SCRIPT_MAX 32
#define FAKE_REQUESTS_MAX 64
#define FAKE_REQUEST_MAX (1 << 20)

typedef struct fake_reply {
    int status;           /* 0: close the connection without answering */
    char headers[256];    /* extra "Name: value\r\n" lines */
    char *body;           /* owned */
    int delay_ms;
} fake_reply;

typedef struct fake_http {
    int fd;
    int port;
    pthread_t thread;
    pthread_mutex_t lock;
    fake_reply script[FAKE_SCRIPT_MAX];
    size_t nscript, next;
    fake_reply dflt;
    char *requests[FAKE_REQUESTS_MAX];
    size_t lens[FAKE_REQUESTS_MAX];
    size_t nrequests;
    volatile bool stop;
} fake_http;

static inline void fake_set(fake_reply *r, int status, const char *headers, const char *body, int delay_ms)
{
    free(r->body);
    r->status = status;
    snprintf(r->headers, sizeof r->headers, "%s", headers != NULL ? headers : "");
    r->body = strdup(body != NULL ? body : "");
    r->delay_ms = delay_ms;
}

/* Queues a reply for the next request not yet answered. */
static inline void fake_push(fake_http *f, int status, const char *headers, const char *body, int delay_ms)
{
    pthread_mutex_lock(&f->lock);
    if (f->nscript < FAKE_SCRIPT_MAX)
        fake_set(&f->script[f->nscript++], status, headers, body, delay_ms);
    pthread_mutex_unlock(&f->lock);
}

/* The reply once the script is used up. */
static inline void fake_default(fake_http *f, int status, const char *headers, const char *body)
{
    pthread_mutex_lock(&f->lock);
    fake_set(&f->dflt, status, headers, body, 0);
    pthread_mutex_unlock(&f->lock);
}

static inline size_t fake_count(fake_http *f)
{
    pthread_mutex_lock(&f->lock);
    size_t n = f->nrequests;
    pthread_mutex_unlock(&f->lock);
    return n;
}

/* Request i (0-based) as received, or "" when there is none. Borrowed until fake_stop. */
static inline const char *fake_request(fake_http *f, size_t i)
{
    pthread_mutex_lock(&f->lock);
    const char *r = i < f->nrequests ? f->requests[i] : "";
    pthread_mutex_unlock(&f->lock);
    return r;
}

/* Whether request i holds needle anywhere, NUL bytes (a WAV upload) included. */
static inline bool fake_contains(fake_http *f, size_t i, const char *needle)
{
    pthread_mutex_lock(&f->lock);
    bool found = i < f->nrequests && memmem(f->requests[i], f->lens[i], needle, strlen(needle)) != NULL;
    pthread_mutex_unlock(&f->lock);
    return found;
}

/* Reads one request into a malloc'd buffer (NUL-terminated, *n bytes); NULL when the peer closed
 * first. */
static inline char *fake_read_request(int fd, size_t *n_out)
{
    char *buf = malloc(FAKE_REQUEST_MAX + 1);
    size_t len = 0, need = 0;
    while (buf != NULL && len < FAKE_REQUEST_MAX) {
        ssize_t n = read(fd, buf + len, FAKE_REQUEST_MAX - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        buf[len] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (end == NULL)
            continue;
        if (need == 0) {
            need = (size_t)(end + 4 - buf);
            for (char *p = buf; p < end; p++)
                if (strncasecmp(p, "\r\nContent-Length:", 17) == 0)
                    need += strtoul(p + 17, NULL, 10);
        }
        if (len >= need) {
            *n_out = len;
            return buf;
        }
    }
    free(buf);
    return NULL;
}

/* Waits ms, or less when the client hangs up (a hang's client gives up at its deadline). */
static inline void fake_delay(fake_http *f, int fd, int ms)
{
    for (int waited = 0; waited < ms && !f->stop; waited += 10) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 10) > 0) {
            char c;
            if (recv(fd, &c, 1, MSG_PEEK) <= 0)
                return;
        }
    }
}

static inline void *fake_main(void *arg)
{
    fake_http *f = arg;
    while (!f->stop) {
        struct pollfd p = {f->fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int c = accept(f->fd, NULL, NULL);
        if (c < 0)
            continue;
        size_t rlen = 0;
        char *req = fake_read_request(c, &rlen);
        if (req == NULL) {
            close(c);
            continue;
        }
        fake_reply r;
        pthread_mutex_lock(&f->lock);
        if (f->nrequests < FAKE_REQUESTS_MAX) {
            f->lens[f->nrequests] = rlen;
            f->requests[f->nrequests++] = req;
        } else
            free(req);
        const fake_reply *src = f->next < f->nscript ? &f->script[f->next++] : &f->dflt;
        r = *src;
        r.body = strdup(src->body != NULL ? src->body : "");
        pthread_mutex_unlock(&f->lock);
        fake_delay(f, c, r.delay_ms);
        if (r.status > 0) {
            char head[512];
            size_t blen = strlen(r.body);
            int n = snprintf(head, sizeof head,
                             "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                             "Connection: close\r\n%s\r\n",
                             r.status, blen, r.headers);
            /* the client may have given up: no SIGPIPE for that */
            if (send(c, head, (size_t)n, MSG_NOSIGNAL) == n && blen > 0)
                send(c, r.body, blen, MSG_NOSIGNAL);
        }
        free(r.body);
        close(c);
    }
    return NULL;
}

/* Listens on 127.0.0.1, an ephemeral port (f->port); the default reply is a 500. */
static inline int fake_start(fake_http *f)
{
    memset(f, 0, sizeof *f);
    pthread_mutex_init(&f->lock, NULL);
    fake_set(&f->dflt, 500, NULL, "{\"error\": {\"message\": \"unscripted\"}}", 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    f->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (f->fd < 0 || bind(f->fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(f->fd, 16) != 0 ||
        getsockname(f->fd, (struct sockaddr *)&a, &alen) != 0)
        return -1;
    f->port = ntohs(a.sin_port);
    return pthread_create(&f->thread, NULL, fake_main, f) == 0 ? 0 : -1;
}

static inline void fake_stop(fake_http *f)
{
    f->stop = true;
    pthread_join(f->thread, NULL);
    close(f->fd);
    for (size_t i = 0; i < f->nscript; i++)
        free(f->script[i].body);
    free(f->dflt.body);
    for (size_t i = 0; i < f->nrequests; i++)
        free(f->requests[i]);
    pthread_mutex_destroy(&f->lock);
}

/* A port nothing listens on (bound, then closed). */
static inline int fake_dead_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* A chat completion body whose message content is content (a JSON string literal, quotes
 * included), with usage and finish_reason. Malloc'd. */
static inline char *fake_chat_body(const char *content_literal, const char *finish, int prompt_tokens,
                                   int completion_tokens)
{
    size_t n = strlen(content_literal) + 512;
    char *b = malloc(n);
    if (b != NULL)
        snprintf(b, n,
                 "{\"id\": \"chatcmpl-1\", \"object\": \"chat.completion\", \"choices\": [{\"index\": 0, "
                 "\"message\": {\"role\": \"assistant\", \"content\": %s}, \"finish_reason\": \"%s\"}], "
                 "\"usage\": {\"prompt_tokens\": %d, \"completion_tokens\": %d, \"total_tokens\": %d}}",
                 content_literal, finish, prompt_tokens, completion_tokens, prompt_tokens + completion_tokens);
    return b;
}

#endif
