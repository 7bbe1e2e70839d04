/* Tests for ai/oaclient: the pure policies (circuit breaker with a fake clock, back-off, Retry-After,
 * redaction) and the client against a scripted loopback server: a good reply with usage and the
 * headers sent, 429 with Retry-After then success, 5xx retried then given up, a hang cut at the
 * deadline, a Retry-After longer than the deadline, response_format refused with a 400, the key
 * redacted from a server's message, a dead endpoint opening the breaker, the concurrency cap, and
 * a transcription upload. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "ai/oaclient.h"
#include "ai/fake_http.h"

#define KEY "sk-test-SECRET-0123456789"

static void test_breaker(void **state)
{
    (void)state;
    oaclient_breaker b = {.threshold = 3, .cooldown_ms = 1000};
    for (int i = 0; i < 2; i++) {
        assert_true(oaclient_breaker_allow(&b, 0));
        oaclient_breaker_record(&b, false, 0);
    }
    /* a success resets the count */
    oaclient_breaker_record(&b, true, 0);
    assert_int_equal(b.failures, 0);
    for (int i = 0; i < 3; i++) {
        assert_true(oaclient_breaker_allow(&b, 10));
        oaclient_breaker_record(&b, false, 10);
    }
    assert_true(b.open);
    assert_int_equal(b.opens, 1);
    assert_false(oaclient_breaker_allow(&b, 500));
    assert_false(oaclient_breaker_allow(&b, 1009));
    /* half-open: one probe, nobody else */
    assert_true(oaclient_breaker_allow(&b, 1010));
    assert_false(oaclient_breaker_allow(&b, 1011));
    /* the probe fails: open for another cool-down */
    oaclient_breaker_record(&b, false, 1020);
    assert_true(b.open);
    assert_false(oaclient_breaker_allow(&b, 2019));
    assert_true(oaclient_breaker_allow(&b, 2020));
    /* the probe succeeds: closed */
    oaclient_breaker_record(&b, true, 2030);
    assert_false(b.open);
    assert_true(oaclient_breaker_allow(&b, 2031));
    assert_true(oaclient_breaker_allow(&b, 2031));
    assert_int_equal(b.opens, 1);
}

static void test_backoff(void **state)
{
    (void)state;
    /* the server's word wins */
    assert_int_equal(oaclient_backoff_ms(1, 1500, 250, 4000, 7), 1500);
    assert_int_equal(oaclient_backoff_ms(3, 0, 250, 4000, 7), 0);
    /* equal jitter: d/2 + random % (d/2 + 1), d doubling from base up to the cap */
    assert_int_equal(oaclient_backoff_ms(1, -1, 250, 4000, 0), 125);
    assert_int_equal(oaclient_backoff_ms(1, -1, 250, 4000, 125), 250);
    assert_int_equal(oaclient_backoff_ms(1, -1, 250, 4000, 126), 125);
    assert_int_equal(oaclient_backoff_ms(2, -1, 250, 4000, 0), 250);
    assert_int_equal(oaclient_backoff_ms(3, -1, 250, 4000, 0), 500);
    assert_int_equal(oaclient_backoff_ms(10, -1, 250, 4000, 0), 2000);
    assert_int_equal(oaclient_backoff_ms(10, -1, 250, 4000, 2000), 4000);
    for (uint32_t r = 0; r < 5000; r += 7) {
        int64_t w = oaclient_backoff_ms(4, -1, 250, 4000, r);
        assert_true(w >= 1000 && w <= 2000);
    }
}

static void test_retry_after(void **state)
{
    (void)state;
    int64_t ms = -1;
    assert_true(oaclient_parse_retry_after("2", 1, 0, &ms));
    assert_int_equal(ms, 2000);
    assert_true(oaclient_parse_retry_after(" 0 ", 3, 0, &ms));
    assert_int_equal(ms, 0);
    /* an HTTP-date: Sun, 06 Nov 1994 08:49:37 GMT is 784111777 */
    const char *date = "Sun, 06 Nov 1994 08:49:37 GMT";
    assert_true(oaclient_parse_retry_after(date, strlen(date), 784111770, &ms));
    assert_int_equal(ms, 7000);
    assert_true(oaclient_parse_retry_after(date, strlen(date), 784111800, &ms));
    assert_int_equal(ms, 0);
    assert_false(oaclient_parse_retry_after("soon", 4, 0, &ms));
    assert_false(oaclient_parse_retry_after("-3", 2, 0, &ms));
    assert_false(oaclient_parse_retry_after("", 0, 0, &ms));
}

static void test_redact(void **state)
{
    (void)state;
    char out[64];
    const char *msg = "Incorrect API key provided: " KEY ".";
    oaclient_redact(msg, strlen(msg), KEY, out, sizeof out);
    assert_string_equal(out, "Incorrect API key provided: ***.");
    oaclient_redact(KEY KEY, 2 * strlen(KEY), KEY, out, sizeof out);
    assert_string_equal(out, "******");
    oaclient_redact("no key here", 11, NULL, out, sizeof out);
    assert_string_equal(out, "no key here");
    oaclient_redact("abcdef", 6, "", out, 4);
    assert_string_equal(out, "abc");
}

/* ---- against the scripted server ---- */

typedef struct ctx {
    fake_http f;
    oaclient *c;
} ctx;

static int setup_with(void **state, int concurrency, int breaker_threshold, const char *key, int port_override)
{
    ctx *x = calloc(1, sizeof *x);
    if (x == NULL || fake_start(&x->f) != 0)
        return -1;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/", port_override > 0 ? port_override : x->f.port);
    oaclient_config cfg = {.base_url = url, .api_key = key, .max_concurrency = concurrency,
                           .breaker_threshold = breaker_threshold, .breaker_cooldown_ms = 60000,
                           .backoff_base_ms = 20, .backoff_max_ms = 80};
    ig_err err = {0};
    if (oaclient_new(&cfg, &x->c, &err) != IG_OK) {
        fprintf(stderr, "oaclient_new: %s\n", err.msg);
        return -1;
    }
    *state = x;
    return 0;
}

static int setup(void **state)
{
    return setup_with(state, 2, 5, KEY, 0);
}

static int teardown(void **state)
{
    ctx *x = *state;
    oaclient_free(x->c);
    fake_stop(&x->f);
    free(x);
    return 0;
}

static const oaclient_msg MSGS[] = {{"system", "Reply in JSON."}, {"user", "Say hi in JSON."}};

static ig_status chat(ctx *x, int timeout_ms, oaclient_reply *r, ig_err *err)
{
    oaclient_chat_req req = {.model = "gpt-4o-mini", .messages = MSGS, .nmessages = 2, .json_mode = true,
                             .temperature = 0.2, .has_seed = true, .seed = 42};
    return oaclient_chat(x->c, &req, oaclient_now_ms() + timeout_ms, r, err);
}

static void test_good_reply(void **state)
{
    ctx *x = *state;
    char *body = fake_chat_body("\"{\\\"hi\\\": \\\"你好\\\"}\"", "stop", 31, 7);
    fake_push(&x->f, 200, NULL, body, 0);
    free(body);
    oaclient_reply r;
    ig_err err = {0};
    assert_int_equal(chat(x, 5000, &r, &err), IG_OK);
    assert_int_equal(r.fail, OAC_OK);
    assert_string_equal(r.content, "{\"hi\": \"你好\"}");
    assert_false(r.truncated);
    assert_int_equal(r.prompt_tokens, 31);
    assert_int_equal(r.completion_tokens, 7);
    assert_int_equal(r.attempts, 1);
    oaclient_reply_free(&r);
    const char *sent = fake_request(&x->f, 0);
    assert_non_null(strstr(sent, "POST /v1/chat/completions HTTP/1.1\r\n"));
    assert_non_null(strstr(sent, "\r\nAuthorization: Bearer " KEY "\r\n"));
    assert_non_null(strstr(sent, "\"response_format\":{\"type\":\"json_object\"}"));
    assert_non_null(strstr(sent, "\"model\":\"gpt-4o-mini\""));
    assert_non_null(strstr(sent, "\"seed\":42"));
    assert_non_null(strstr(sent, "{\"role\":\"user\",\"content\":\"Say hi in JSON.\"}"));
}

static void test_truncated_and_bad_bodies(void **state)
{
    ctx *x = *state;
    char *body = fake_chat_body("\"{\\\"a\\\": [1, 2\"", "length", 10, 4096);
    fake_push(&x->f, 200, NULL, body, 0);
    free(body);
    fake_push(&x->f, 200, NULL, "<html>proxy</html>", 0);
    fake_push(&x->f, 200, NULL, "{\"choices\": [{\"message\": {\"content\": null}}]}", 0);
    oaclient_reply r;
    ig_err err = {0};
    assert_int_equal(chat(x, 5000, &r, &err), IG_OK);
    assert_true(r.truncated);
    assert_int_equal(r.completion_tokens, 4096);
    oaclient_reply_free(&r);
    assert_int_equal(chat(x, 5000, &r, &err), IG_EIO);
    assert_int_equal(r.fail, OAC_BAD_RESPONSE);
    assert_string_equal(err.msg, "model server bad_response: the reply is not JSON");
    oaclient_reply_free(&r);
    assert_int_equal(chat(x, 5000, &r, &err), IG_EIO);
    assert_int_equal(r.fail, OAC_BAD_RESPONSE);
    oaclient_reply_free(&r);
}

static void test_429_with_retry_after(void **state)
{
    ctx *x = *state;
    fake_push(&x->f, 429, "Retry-After: 1\r\n", "{\"error\": {\"message\": \"slow down\"}}", 0);
    fake_push(&x->f, 429, "retry-after-ms: 150\r\n", "{}", 0);
    char *body = fake_chat_body("\"{}\"", "stop", 1, 1);
    fake_push(&x->f, 200, NULL, body, 0);
    free(body);
    oaclient_reply r;
    ig_err err = {0};
    int64_t t0 = oaclient_now_ms();
    assert_int_equal(chat(x, 5000, &r, &err), IG_OK);
    int64_t took = oaclient_now_ms() - t0;
    assert_int_equal(r.attempts, 3);
    assert_true(took >= 1150);
    assert_true(took < 3000);
    oaclient_reply_free(&r);
    oaclient_stats s;
    oaclient_stats_get(x->c, &s);
    assert_int_equal(s.requests, 3);
    assert_int_equal(s.retries, 2);
}

static void test_retry_after_past_the_deadline_gives_up_now(void **state)
{
    ctx *x = *state;
    fake_push(&x->f, 429, "Retry-After: 30\r\n", "{\"error\": {\"message\": \"quota\"}}", 0);
    oaclient_reply r;
    ig_err err = {0};
    int64_t t0 = oaclient_now_ms();
    assert_int_equal(chat(x, 2000, &r, &err), IG_EIO);
    assert_true(oaclient_now_ms() - t0 < 1000);
    assert_int_equal(r.fail, OAC_HTTP_429);
    assert_int_equal(r.http_status, 429);
    assert_string_equal(err.msg, "model server http_429: HTTP 429: quota (no time left to retry)");
    oaclient_reply_free(&r);
}

static void test_5xx_retried_then_given_up(void **state)
{
    ctx *x = *state;
    fake_push(&x->f, 500, NULL, "{\"error\": {\"message\": \"boom\"}}", 0);
    char *body = fake_chat_body("\"{}\"", "stop", 1, 1);
    fake_push(&x->f, 200, NULL, body, 0);
    free(body);
    oaclient_reply r;
    ig_err err = {0};
    assert_int_equal(chat(x, 5000, &r, &err), IG_OK);
    assert_int_equal(r.attempts, 2);
    oaclient_reply_free(&r);
    /* the default reply is a 500: three attempts, then the failure */
    assert_int_equal(chat(x, 5000, &r, &err), IG_EIO);
    assert_int_equal(r.fail, OAC_HTTP_5XX);
    assert_int_equal(r.attempts, 3);
    assert_string_equal(err.msg, "model server http_5xx: HTTP 500: unscripted");
    oaclient_reply_free(&r);
    assert_int_equal(fake_count(&x->f), 5);
}

static void test_hang_is_cut_at_the_deadline(void **state)
{
    ctx *x = *state;
    fake_push(&x->f, 200, NULL, "{}", 5000);
    oaclient_reply r;
    ig_err err = {0};
    int64_t t0 = oaclient_now_ms();
    assert_int_equal(chat(x, 400, &r, &err), IG_EIO);
    int64_t took = oaclient_now_ms() - t0;
    assert_int_equal(r.fail, OAC_TIMEOUT);
    assert_true(took >= 380);
    assert_true(took < 1200);
    oaclient_reply_free(&r);
}

static void test_response_format_refused(void **state)
{
    ctx *x = *state;
    fake_push(&x->f, 400, NULL, "{\"error\": {\"message\": \"response_format is not supported\"}}", 0);
    char *body = fake_chat_body("\"ok {\\\"a\\\": 1}\"", "stop", 1, 1);
    fake_push(&x->f, 200, NULL, body, 0);
    fake_push(&x->f, 200, NULL, body, 0);
    free(body);
    oaclient_reply r;
    ig_err err = {0};
    assert_int_equal(chat(x, 5000, &r, &err), IG_OK);
    oaclient_reply_free(&r);
    assert_non_null(strstr(fake_request(&x->f, 0), "response_format"));
    assert_null(strstr(fake_request(&x->f, 1), "response_format"));
    oaclient_stats s;
    oaclient_stats_get(x->c, &s);
    assert_false(s.json_mode);
    /* remembered: the next call does not ask again */
    assert_int_equal(chat(x, 5000, &r, &err), IG_OK);
    oaclient_reply_free(&r);
    assert_null(strstr(fake_request(&x->f, 2), "response_format"));
}

static void test_key_never_in_errors(void **state)
{
    ctx *x = *state;
    fake_push(&x->f, 401, NULL, "{\"error\": {\"message\": \"Incorrect API key provided: " KEY "\"}}", 0);
    fake_push(&x->f, 403, NULL, "plain text mentioning " KEY " twice " KEY, 0);
    oaclient_reply r;
    ig_err err = {0};
    assert_int_equal(chat(x, 5000, &r, &err), IG_EIO);
    assert_int_equal(r.fail, OAC_HTTP_4XX);
    assert_int_equal(r.attempts, 1); /* a 401 is not retried */
    assert_string_equal(err.msg, "model server http_4xx: HTTP 401: Incorrect API key provided: ***");
    oaclient_reply_free(&r);
    assert_int_equal(chat(x, 5000, &r, &err), IG_EIO);
    assert_null(strstr(err.msg, "SECRET"));
    assert_non_null(strstr(err.msg, "*** twice ***"));
    oaclient_reply_free(&r);
}

static void test_dead_endpoint_opens_the_breaker(void **state)
{
    (void)state;
    void *st = NULL;
    assert_int_equal(setup_with(&st, 1, 2, NULL, fake_dead_port()), 0);
    ctx *x = st;
    oaclient_reply r;
    ig_err err = {0};
    assert_int_equal(chat(x, 5000, &r, &err), IG_EIO);
    assert_int_equal(r.fail, OAC_CONNECT);
    assert_int_equal(r.attempts, 2); /* the breaker opened after the second */
    oaclient_reply_free(&r);
    /* the next call is not even tried */
    int64_t t0 = oaclient_now_ms();
    assert_int_equal(chat(x, 5000, &r, &err), IG_EIO);
    assert_int_equal(r.fail, OAC_CIRCUIT_OPEN);
    assert_int_equal(r.attempts, 0);
    assert_true(oaclient_now_ms() - t0 < 100);
    assert_string_equal(err.msg, "model server circuit_open: the circuit breaker is open after repeated failures");
    oaclient_reply_free(&r);
    oaclient_stats s;
    oaclient_stats_get(x->c, &s);
    assert_true(s.breaker_open);
    assert_int_equal(s.breaker_opens, 1);
    assert_int_equal(fake_count(&x->f), 0);
    teardown(&st);
}

typedef struct slow_call {
    ctx *x;
    ig_status rc;
} slow_call;

static void *slow_thread(void *arg)
{
    slow_call *s = arg;
    oaclient_reply r;
    ig_err err = {0};
    s->rc = chat(s->x, 5000, &r, &err);
    oaclient_reply_free(&r);
    return NULL;
}

static void test_concurrency_cap(void **state)
{
    (void)state;
    void *st = NULL;
    assert_int_equal(setup_with(&st, 1, 5, NULL, 0), 0);
    ctx *x = st;
    char *body = fake_chat_body("\"{}\"", "stop", 1, 1);
    fake_push(&x->f, 200, NULL, body, 700);
    fake_push(&x->f, 200, NULL, body, 0);
    free(body);
    slow_call s = {x, IG_EINTERNAL};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, slow_thread, &s), 0);
    while (fake_count(&x->f) == 0)
        usleep(5000);
    /* the one slot is taken: a call that cannot wait long enough times out without a request */
    oaclient_reply r;
    ig_err err = {0};
    assert_int_equal(chat(x, 200, &r, &err), IG_EIO);
    assert_int_equal(r.fail, OAC_TIMEOUT);
    assert_int_equal(r.attempts, 0);
    oaclient_reply_free(&r);
    /* one that can wait gets the slot when it is freed */
    assert_int_equal(chat(x, 5000, &r, &err), IG_OK);
    oaclient_reply_free(&r);
    pthread_join(t, NULL);
    assert_int_equal(s.rc, IG_OK);
    assert_int_equal(fake_count(&x->f), 2);
    teardown(&st);
}

static void test_transcription(void **state)
{
    ctx *x = *state;
    fake_push(&x->f, 200, NULL,
              "{\"text\": \"I led the migration to Kubernetes.\", \"segments\": [{\"avg_logprob\": -0.1}, "
              "{\"avg_logprob\": -0.3}]}",
              0);
    /* no NUL bytes, so the recorded request reads as one string */
    static const unsigned char wav[] = {'R', 'I', 'F', 'F', 0x24, 1, 1, 1, 'W', 'A', 'V', 'E'};
    oaclient_reply r;
    ig_err err = {0};
    assert_int_equal(
        oaclient_transcribe(x->c, "whisper-1", "en", true, wav, sizeof wav, oaclient_now_ms() + 5000, &r, &err), IG_OK);
    assert_string_equal(r.content, "I led the migration to Kubernetes.");
    assert_true(fabs(r.confidence - exp(-0.2)) < 1e-9);
    oaclient_reply_free(&r);
    const char *sent = fake_request(&x->f, 0);
    assert_non_null(strstr(sent, "POST /v1/audio/transcriptions HTTP/1.1\r\n"));
    assert_non_null(strstr(sent, "multipart/form-data; boundary="));
    assert_non_null(strstr(sent, "name=\"file\"; filename=\"audio.wav\""));
    assert_non_null(strstr(sent, "Content-Type: audio/wav"));
    assert_non_null(strstr(sent, "RIFF"));
    assert_non_null(strstr(sent, "name=\"model\"\r\n\r\nwhisper-1"));
    assert_non_null(strstr(sent, "name=\"language\"\r\n\r\nen"));
    assert_non_null(strstr(sent, "name=\"response_format\"\r\n\r\nverbose_json"));
    fake_push(&x->f, 200, NULL, "{\"text\": \"\u4f60\u597d\"}", 0);
    assert_int_equal(
        oaclient_transcribe(x->c, "gpt-4o-transcribe", "zh", false, wav, sizeof wav, oaclient_now_ms() + 5000, &r, &err),
        IG_OK);
    assert_string_equal(r.content, "你好");
    assert_true(r.confidence < 0);
    oaclient_reply_free(&r);
    assert_non_null(strstr(fake_request(&x->f, 1), "name=\"response_format\"\r\n\r\njson\r\n"));
    fake_push(&x->f, 200, NULL, "{\"segments\": []}", 0);
    assert_int_equal(
        oaclient_transcribe(x->c, "whisper-1", NULL, true, wav, sizeof wav, oaclient_now_ms() + 5000, &r, &err), IG_EIO);
    assert_int_equal(r.fail, OAC_BAD_RESPONSE);
    oaclient_reply_free(&r);
    assert_null(strstr(fake_request(&x->f, 2), "name=\"language\""));
}

static void test_bad_config(void **state)
{
    (void)state;
    oaclient *c = NULL;
    ig_err err = {0};
    oaclient_config cfg = {.base_url = "ftp://x", .max_concurrency = 1};
    assert_int_equal(oaclient_new(&cfg, &c, &err), IG_EINVAL);
    cfg.base_url = "http://x/v1";
    cfg.max_concurrency = 0;
    assert_int_equal(oaclient_new(&cfg, &c, &err), IG_EINVAL);
    assert_string_equal(oaclient_fail_name(OAC_CIRCUIT_OPEN), "circuit_open");
    assert_string_equal(oaclient_fail_name(OAC_HTTP_429), "http_429");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_breaker),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_redact),
        cmocka_unit_test_setup_teardown(test_good_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_and_bad_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_429_with_retry_after, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_after_past_the_deadline_gives_up_now, setup, teardown),
        cmocka_unit_test_setup_teardown(test_5xx_retried_then_given_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hang_is_cut_at_the_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_response_format_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_never_in_errors, setup, teardown),
        cmocka_unit_test(test_dead_endpoint_opens_the_breaker),
        cmocka_unit_test(test_concurrency_cap),
        cmocka_unit_test_setup_teardown(test_transcription, setup, teardown),
        cmocka_unit_test(test_bad_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
