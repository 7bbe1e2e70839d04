/* Tests for core/config: the .env grammar (good, bad, arbitrary bytes), layering and strict
 * validation in config_load, generated and refused secrets, and the masked dump. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"

static const char *const all_vars[] = {
    "ENV", "HOST", "PORT", "DATA_DIR", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "JWT_SECRET_KEY",
    "JWT_ACCESS_TOKEN_EXPIRES", "JWT_REFRESH_TOKEN_EXPIRES", "UPLOAD_FOLDER", "STORAGE", "MAX_CONTENT_LENGTH",
    "MAX_JSON_BODY", "OPENAI_API_KEY", "DEEPSEEK_API_KEY", "WORKERS", "HASH_WORKERS", "LOG_LEVEL",
    "RATELIMIT_ENABLED", "RATELIMIT_DEFAULT", "RATELIMIT_AUTH", "TRUSTED_PROXIES", "CORS_ORIGINS", "PASSWORD_MIN_LENGTH",
    "PWHASH_OPSLIMIT", "PWHASH_MEMLIMIT", "MAX_CONNECTIONS", "MAX_HEADER_SIZE", "MAX_HEADERS",
    "HEADER_TIMEOUT", "BODY_TIMEOUT", "BODY_IDLE_TIMEOUT", "BODY_MIN_RATE", "KEEPALIVE_TIMEOUT",
    "SHUTDOWN_TIMEOUT", "DB_POOL_SIZE", "DB_BUSY_TIMEOUT", "DB_STATEMENT_TIMEOUT", "JOB_WORKERS", "JOB_POLL_MS", "JOB_LEASE_SECONDS",
    "JOB_MAX_ATTEMPTS", "RT_PING_INTERVAL", "RT_PING_TIMEOUT", "RT_MAX_PAYLOAD", "RT_MAX_STREAMS_PER_USER",
    "ASR_DECODERS", "ASR_MAX_UTTERANCE_SECONDS",
    "AI_ENGINE", "AI_BASE_URL", "AI_MODEL", "AI_TIMEOUT", "AI_MAX_CONCURRENCY", "ASR_ENGINE", "ASR_MODEL",
    "WEB_ROOT",
};

#define NO_ENV_FILE "/nonexistent/ig-test/.env"

/* A scratch directory per test, removed (with what the test left in it) afterwards. */
typedef struct fixture {
    char dir[64];
} fixture;

static int setup(void **state)
{
    for (size_t i = 0; i < sizeof all_vars / sizeof all_vars[0]; i++)
        unsetenv(all_vars[i]);
    fixture *f = malloc(sizeof *f);
    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/ig_test_config.XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    *state = f;
    return 0;
}

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d != NULL) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            char sub[1024];
            snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
            remove_tree(sub);
        }
        closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static int teardown(void **state)
{
    fixture *f = *state;
    remove_tree(f->dir);
    free(f);
    for (size_t i = 0; i < sizeof all_vars / sizeof all_vars[0]; i++)
        unsetenv(all_vars[i]);
    return 0;
}

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

/* Reads a whole small file into a static-free caller buffer. */
static size_t read_small(const char *path, char *buf, size_t cap)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    size_t n = fread(buf, 1, cap - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return n;
}

/* ---- .env parsing ---- */

typedef struct pairs {
    int n;
    char key[8][160];
    char val[8][4200];
} pairs;

static void collect(const char *key, const char *value, void *arg)
{
    pairs *p = arg;
    assert_true(p->n < 8);
    snprintf(p->key[p->n], sizeof p->key[0], "%s", key);
    snprintf(p->val[p->n], sizeof p->val[0], "%s", value);
    p->n++;
}

/* Parses an exactly-sized heap copy, so ASan catches any read past len. */
static ig_status parse_exact(const char *text, size_t len, pairs *p, ig_err *err)
{
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, text, len);
    memset(p, 0, sizeof *p);
    ig_status st = config_parse_dotenv(copy, len, collect, p, err);
    free(copy);
    return st;
}

static void test_dotenv_good(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int n;
        const char *kv[6]; /* key, value, key, value, ... */
    } cases[] = {
        {"A=1\nB=2", 2, {"A", "1", "B", "2"}},
        {"export FOO=bar\r\n", 1, {"FOO", "bar"}},
        {"export\tFOO=bar", 1, {"FOO", "bar"}},
        {"# comment\n\n   \n\t# indented comment\nX = y  # trailing\n", 1, {"X", "y"}},
        {"P=pa#ss", 1, {"P", "pa#ss"}},
        {"P=#notacomment", 1, {"P", "#notacomment"}},
        {"E=\nF= \t\nG= # only a comment", 3, {"E", "", "F", "", "G", ""}},
        {"S='lit \\n $x # kept'  # comment", 1, {"S", "lit \\n $x # kept"}},
        {"D=\"a\\nb\\\"c\\\\d\\t\"", 1, {"D", "a\nb\"c\\d\\t"}},
        {"M=\"line1\nline2\"\nN=2", 2, {"M", "line1\nline2", "N", "2"}},
        {"M='l1\r\nl2'\r\nN=2\r\n", 2, {"M", "l1\nl2", "N", "2"}},
        {"\xEF\xBB\xBFK=v", 1, {"K", "v"}},
        {"exportX=1", 1, {"exportX", "1"}},
        {"_a9=x y z", 1, {"_a9", "x y z"}},
        {"Q=\"\"", 1, {"Q", ""}},
        {"U=\xe4\xbd\xa0\xe5\xa5\xbd", 1, {"U", "\xe4\xbd\xa0\xe5\xa5\xbd"}},
        {"A=1\nA=2", 2, {"A", "1", "A", "2"}},
        {"URL=postgres://u:p@h/db?x=1&y=2", 1, {"URL", "postgres://u:p@h/db?x=1&y=2"}},
        {"", 0, {NULL}},
        {"\n\n# only comments\r\n", 0, {NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pairs p;
        ig_err err = {IG_OK, ""};
        ig_status st = parse_exact(cases[i].text, strlen(cases[i].text), &p, &err);
        if (st != IG_OK)
            fail_msg("case %zu rejected: %s", i, err.msg);
        assert_int_equal(p.n, cases[i].n);
        for (int k = 0; k < p.n; k++) {
            assert_string_equal(p.key[k], cases[i].kv[2 * k]);
            assert_string_equal(p.val[k], cases[i].kv[2 * k + 1]);
        }
    }
}

static void test_dotenv_explicit_length(void **state)
{
    (void)state;
    pairs p;
    /* The buffer goes on, but only len bytes are the text. */
    assert_int_equal(parse_exact("A=12345", 4, &p, NULL), IG_OK);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.val[0], "12");
    assert_int_equal(parse_exact("A='12345'", 5, &p, NULL), IG_EINVAL); /* the quote is not closed within len */
    assert_int_equal(config_parse_dotenv(NULL, 0, collect, &p, NULL), IG_OK);
}

static void test_dotenv_bad(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *want; /* expected in the message */
    } cases[] = {
        {"=1", "line 1"},
        {"A\n", "line 1"},
        {"A B=1", "line 1"},
        {"1A=2", "line 1"},
        {"A=1\n\nB='unterminated\nmore\n", "line 3"},
        {"A=1\nB=\"unterminated\\\"", "line 2"},
        {"A=\"abc\\", "line 1"},
        {"A=\"x\" y", "line 1"},
        {"A='x'y", "line 1"},
        {"A-B=1", "line 1"},
        {"export =1", "line 1"},
        {"\xff=1", "line 1"},
        {"ok=1\r\nbad line\r\n", "line 2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pairs p;
        ig_err err = {IG_OK, ""};
        if (parse_exact(cases[i].text, strlen(cases[i].text), &p, &err) != IG_EINVAL)
            fail_msg("case %zu accepted", i);
        if (strstr(err.msg, cases[i].want) == NULL)
            fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, cases[i].want);
    }
    /* NUL bytes in values, quoted or not. */
    static const char nul1[] = "A=x\0y", nul2[] = "A='x\0y'", nul3[] = "A=\"\0\"";
    pairs p;
    assert_int_equal(parse_exact(nul1, sizeof nul1 - 1, &p, NULL), IG_EINVAL);
    assert_int_equal(parse_exact(nul2, sizeof nul2 - 1, &p, NULL), IG_EINVAL);
    assert_int_equal(parse_exact(nul3, sizeof nul3 - 1, &p, NULL), IG_EINVAL);
}

static void test_dotenv_caps(void **state)
{
    (void)state;
    char *text = malloc(8192);
    assert_non_null(text);
    pairs *p = malloc(sizeof *p);
    assert_non_null(p);
    ig_err err = {IG_OK, ""};

    /* Keys: 128 bytes is the most. */
    memset(text, 'K', 128);
    memcpy(text + 128, "=v", 2);
    assert_int_equal(parse_exact(text, 130, p, &err), IG_OK);
    assert_int_equal(strlen(p->key[0]), 128);
    memset(text, 'K', 129);
    memcpy(text + 129, "=v", 2);
    assert_int_equal(parse_exact(text, 131, p, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "line 1"));

    /* Values: 4096 bytes, bare or quoted; one more is refused with the line number. */
    for (int quoted = 0; quoted < 2; quoted++) {
        for (int extra = 0; extra < 2; extra++) {
            size_t n = 0;
            memcpy(text, "A=1\nV=", 6);
            n = 6;
            if (quoted)
                text[n++] = '"';
            memset(text + n, 'v', 4096 + (size_t)extra);
            n += 4096 + (size_t)extra;
            if (quoted)
                text[n++] = '"';
            ig_status st = parse_exact(text, n, p, &err);
            if (extra) {
                assert_int_equal(st, IG_EINVAL);
                assert_non_null(strstr(err.msg, "line 2"));
            } else {
                assert_int_equal(st, IG_OK);
                assert_int_equal(strlen(p->val[1]), 4096);
            }
        }
    }
    free(p);
    free(text);
}

static void count_pair(const char *key, const char *value, void *arg)
{
    /* Values must be NUL-terminated and keys well-formed whatever the input. */
    size_t kn = strlen(key);
    assert_true(kn >= 1 && kn <= 128);
    assert_true(strlen(value) <= 4096);
    (*(int *)arg)++;
}

static void test_dotenv_random_bytes(void **state)
{
    (void)state;
    static const char alphabet[] = "AB_1= \t\r\n#'\"\\export\0\xff";
    uint32_t seed = 42;
    for (int iter = 0; iter < 30000; iter++) {
        seed = seed * 1103515245u + 12345u;
        size_t n = (seed >> 16) % 64;
        char *p = malloc(n ? n : 1);
        assert_non_null(p);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            p[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        int count = 0;
        ig_status st = config_parse_dotenv(p, n, count_pair, &count, NULL);
        assert_true(st == IG_OK || st == IG_EINVAL);
        free(p);
    }
}

/* ---- config_load ---- */

static void load_ok(ig_config *cfg, const char *env_path)
{
    ig_err err = {IG_OK, ""};
    ig_status st = config_load(cfg, env_path, &err);
    if (st != IG_OK)
        fail_msg("config_load failed: %s", err.msg);
}

static void test_defaults(void **state)
{
    (void)state;
    ig_config cfg;
    load_ok(&cfg, NO_ENV_FILE);
    assert_string_equal(cfg.env, "development");
    assert_string_equal(cfg.host, "0.0.0.0");
    assert_int_equal(cfg.port, 5000);
    assert_string_equal(cfg.data_dir, "./var");
    assert_string_equal(cfg.database_url, "sqlite:///./var/interviewgenius.db");
    assert_string_equal(cfg.redis_url, "");
    assert_string_equal(cfg.secret_key, "");
    assert_string_equal(cfg.jwt_secret_key, "");
    assert_int_equal(cfg.jwt_access_expires, 86400);
    assert_int_equal(cfg.jwt_refresh_expires, 2592000);
    assert_string_equal(cfg.upload_folder, "./var/uploads");
    assert_int_equal(cfg.max_content_length, 100 * 1024 * 1024);
    assert_int_equal(cfg.max_json_body, 1024 * 1024);
    assert_int_equal(cfg.workers, 4);
    assert_int_equal(cfg.hash_workers, 2);
    assert_string_equal(cfg.log_level, "info");
    assert_true(cfg.ratelimit_enabled);
    assert_string_equal(cfg.ratelimit_default, "100 per hour");
    assert_string_equal(cfg.ratelimit_auth, "10 per minute");
    assert_string_equal(cfg.cors_origins, "*");
    assert_string_equal(cfg.web_root, "./web");
    assert_int_equal(cfg.password_min_length, 8);
    assert_int_equal(cfg.pwhash_opslimit, crypto_pwhash_OPSLIMIT_INTERACTIVE);
    assert_int_equal(cfg.pwhash_memlimit, crypto_pwhash_MEMLIMIT_INTERACTIVE);
    assert_int_equal(cfg.max_connections, 10000);
    assert_int_equal(cfg.max_header_size, 16384);
    assert_int_equal(cfg.max_headers, 100);
    assert_int_equal(cfg.header_timeout, 10000);
    assert_int_equal(cfg.body_timeout, 30000);
    assert_int_equal(cfg.body_idle_timeout, 15000);
    assert_int_equal(cfg.body_min_rate, 1024);
    assert_int_equal(cfg.keepalive_timeout, 5000);
    assert_int_equal(cfg.shutdown_timeout, 30000);
    assert_int_equal(cfg.db_pool_size, 9);
    assert_int_equal(cfg.db_busy_timeout, 5000);
    assert_int_equal(cfg.job_workers, 2);
    assert_int_equal(cfg.job_poll_ms, 1000);
    assert_int_equal(cfg.job_lease_seconds, 60);
    assert_int_equal(cfg.job_max_attempts, 3);
    assert_int_equal(cfg.rt_ping_interval, 25000);
    assert_int_equal(cfg.rt_ping_timeout, 20000);
    assert_int_equal(cfg.rt_max_payload, 1000000);

    load_ok(&cfg, NULL); /* no .env at all */
    assert_int_equal(cfg.port, 5000);
}

static void test_layering(void **state)
{
    fixture *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/.env", f->dir);
    const char *text = "# local settings\n"
                       "PORT=8000\n"
                       "WORKERS=8\n"
                       "export DATA_DIR=/srv/ig//\n"
                       "LOG_LEVEL=DEBUG\n"
                       "ENV=Test\n"
                       "HOST=127.0.0.1\n"
                       "CORS_ORIGINS=\"https://a.example, https://b.example\"\n"
                       "RATELIMIT_ENABLED=off\n"
                       "UNRELATED_THING=ignored\n"
                       "MAX_CONTENT_LENGTH=1048576\n";
    write_file(path, text, strlen(text));
    setenv("PORT", "9000", 1);
    setenv("HOST", "", 1); /* empty means unset: back to the default, over the .env */

    ig_config cfg;
    load_ok(&cfg, path);
    assert_int_equal(cfg.port, 9000);
    assert_int_equal(cfg.workers, 8);
    assert_int_equal(cfg.db_pool_size, 13);
    assert_string_equal(cfg.data_dir, "/srv/ig");
    assert_string_equal(cfg.database_url, "sqlite:////srv/ig/interviewgenius.db");
    assert_string_equal(cfg.upload_folder, "/srv/ig/uploads");
    assert_string_equal(cfg.log_level, "debug");
    assert_string_equal(cfg.env, "test");
    assert_string_equal(cfg.host, "0.0.0.0");
    assert_string_equal(cfg.cors_origins, "https://a.example, https://b.example");
    assert_false(cfg.ratelimit_enabled);
    assert_int_equal(cfg.max_content_length, 1048576);

    /* Explicit values win over the derived defaults. */
    setenv("DATABASE_URL", "postgresql://ig:pw@db/ig", 1);
    setenv("UPLOAD_FOLDER", "/data/up", 1);
    setenv("DB_POOL_SIZE", "3", 1);
    setenv("WORKERS", "16", 1);
    load_ok(&cfg, path);
    assert_string_equal(cfg.database_url, "postgresql://ig:pw@db/ig");
    assert_string_equal(cfg.upload_folder, "/data/up");
    assert_int_equal(cfg.db_pool_size, 3);
    assert_int_equal(cfg.workers, 16);
}

static void expect_invalid(const char *name, const char *value)
{
    ig_config cfg;
    ig_err err = {IG_OK, ""};
    setenv(name, value, 1);
    if (config_load(&cfg, NO_ENV_FILE, &err) != IG_EINVAL)
        fail_msg("%s='%s' accepted", name, value);
    if (strstr(err.msg, name) == NULL)
        fail_msg("message for %s does not name it: %s", name, err.msg);
    unsetenv(name);
}

static void expect_valid(const char *name, const char *value)
{
    ig_config cfg;
    ig_err err = {IG_OK, ""};
    setenv(name, value, 1);
    if (config_load(&cfg, NO_ENV_FILE, &err) != IG_OK)
        fail_msg("%s='%s' rejected: %s", name, value, err.msg);
    unsetenv(name);
}

static void test_numbers_strict(void **state)
{
    (void)state;
    static const char *const bad[][2] = {
        {"PORT", "0"},          {"PORT", "65536"},         {"PORT", "80x"},
        {"PORT", "-1"},         {"PORT", " 80"},           {"PORT", "80 "},
        {"PORT", "+80"},        {"PORT", "0x50"},          {"PORT", "8.0"},
        {"PORT", "99999999999999999999999"},               {"WORKERS", "0"},
        {"WORKERS", "257"},     {"HASH_WORKERS", "65"},     {"DB_POOL_SIZE", "0"},
        {"PWHASH_MEMLIMIT", "8191"},                       {"PWHASH_OPSLIMIT", "0"},
        {"PWHASH_OPSLIMIT", "4294967296"},                 {"MAX_HEADER_SIZE", "1023"},
        {"JWT_ACCESS_TOKEN_EXPIRES", "0"},                 {"MAX_JSON_BODY", "0"},
        {"HEADER_TIMEOUT", "0"},                           {"MAX_CONNECTIONS", "1000001"},
        {"JOB_WORKERS", "65"},  {"JOB_WORKERS", "-1"},     {"JOB_POLL_MS", "9"},
        {"JOB_POLL_MS", "60001"},                          {"JOB_LEASE_SECONDS", "0"},
        {"JOB_LEASE_SECONDS", "86401"},                    {"JOB_MAX_ATTEMPTS", "0"},
        {"JOB_MAX_ATTEMPTS", "101"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_invalid(bad[i][0], bad[i][1]);
    static const char *const good[][2] = {
        {"PORT", "1"},           {"PORT", "65535"},          {"WORKERS", "256"},
        {"WORKERS", "1"},        {"PWHASH_MEMLIMIT", "8192"}, {"PWHASH_OPSLIMIT", "1"},
        {"BODY_MIN_RATE", "0"},  {"KEEPALIVE_TIMEOUT", "0"}, {"SHUTDOWN_TIMEOUT", "0"},
        {"PORT", "08080"},       {"JOB_WORKERS", "0"},       {"JOB_WORKERS", "64"},
        {"JOB_POLL_MS", "10"},   {"JOB_LEASE_SECONDS", "1"}, {"JOB_MAX_ATTEMPTS", "1"},
        {"JOB_MAX_ATTEMPTS", "100"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        expect_valid(good[i][0], good[i][1]);

    ig_config cfg;
    setenv("PWHASH_MEMLIMIT", "8192", 1);
    setenv("PWHASH_OPSLIMIT", "3", 1);
    load_ok(&cfg, NO_ENV_FILE);
    assert_int_equal(cfg.pwhash_memlimit, 8192);
    assert_int_equal(cfg.pwhash_opslimit, 3);

    setenv("JOB_WORKERS", "0", 1);
    setenv("JOB_POLL_MS", "50", 1);
    setenv("JOB_LEASE_SECONDS", "2", 1);
    setenv("JOB_MAX_ATTEMPTS", "5", 1);
    load_ok(&cfg, NO_ENV_FILE);
    assert_int_equal(cfg.job_workers, 0);
    assert_int_equal(cfg.job_poll_ms, 50);
    assert_int_equal(cfg.job_lease_seconds, 2);
    assert_int_equal(cfg.job_max_attempts, 5);

    expect_invalid("RT_PING_INTERVAL", "99");
    expect_invalid("RT_PING_TIMEOUT", "0");
    expect_invalid("RT_MAX_PAYLOAD", "1023");
    expect_invalid("RT_MAX_STREAMS_PER_USER", "0");
    load_ok(&cfg, NO_ENV_FILE);
    assert_int_equal(cfg.rt_max_streams_per_user, 2);
    setenv("RT_PING_INTERVAL", "300", 1);
    setenv("RT_PING_TIMEOUT", "200", 1);
    setenv("RT_MAX_PAYLOAD", "4096", 1);
    setenv("RT_MAX_STREAMS_PER_USER", "5", 1);
    load_ok(&cfg, NO_ENV_FILE);
    assert_int_equal(cfg.rt_ping_interval, 300);
    assert_int_equal(cfg.rt_ping_timeout, 200);
    assert_int_equal(cfg.rt_max_payload, 4096);
    assert_int_equal(cfg.rt_max_streams_per_user, 5);
}

static void test_booleans_and_choices(void **state)
{
    (void)state;
    static const struct {
        const char *v;
        bool want;
    } bools[] = {
        {"1", true},  {"0", false}, {"true", true}, {"false", false}, {"yes", true},  {"no", false},
        {"on", true}, {"off", false}, {"TRUE", true}, {"Off", false}, {"YeS", true},
    };
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) {
        ig_config cfg;
        setenv("RATELIMIT_ENABLED", bools[i].v, 1);
        load_ok(&cfg, NO_ENV_FILE);
        assert_int_equal(cfg.ratelimit_enabled, bools[i].want);
    }
    expect_invalid("RATELIMIT_ENABLED", "2");
    expect_invalid("RATELIMIT_ENABLED", "maybe");
    expect_invalid("RATELIMIT_ENABLED", "true ");
    expect_invalid("ENV", "staging");
    expect_invalid("LOG_LEVEL", "verbose");
    expect_invalid("STORAGE", "s3");

    ig_config cfg;
    load_ok(&cfg, NO_ENV_FILE);
    assert_string_equal(cfg.storage, "local");
    setenv("ENV", "PRODUCTION", 1);
    setenv("LOG_LEVEL", "Warning", 1);
    setenv("STORAGE", "DB", 1);
    load_ok(&cfg, NO_ENV_FILE);
    assert_string_equal(cfg.env, "production");
    assert_string_equal(cfg.log_level, "warning");
    assert_string_equal(cfg.storage, "db");
}

static void test_strings_must_fit(void **state)
{
    (void)state;
    char v[2048];
    memset(v, 'h', sizeof v);
    v[63] = '\0';
    expect_valid("HOST", v);
    v[63] = 'h';
    v[64] = '\0';
    expect_invalid("HOST", v);
    v[64] = 'h';
    v[256] = '\0';
    expect_invalid("SECRET_KEY", v);
    expect_invalid("OPENAI_API_KEY", v);
    v[256] = 'h';
    v[64] = '\0';
    expect_invalid("RATELIMIT_DEFAULT", v);

    /* The derived paths must fit too. */
    v[64] = 'h';
    v[0] = '/';
    v[511] = '\0';
    ig_config cfg;
    ig_err err = {IG_OK, ""};
    setenv("DATA_DIR", v, 1);
    assert_int_equal(config_load(&cfg, NO_ENV_FILE, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "UPLOAD_FOLDER"));
    setenv("UPLOAD_FOLDER", "/up", 1);
    load_ok(&cfg, NO_ENV_FILE);
    assert_int_equal(strlen(cfg.data_dir), 511);
}

static void test_env_file_errors(void **state)
{
    fixture *f = *state;
    char path[128];
    ig_config cfg;
    ig_err err = {IG_OK, ""};

    snprintf(path, sizeof path, "%s/bad.env", f->dir);
    const char *text = "PORT=1\nthis is not a pair\n";
    write_file(path, text, strlen(text));
    assert_int_equal(config_load(&cfg, path, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "line 2"));
    assert_non_null(strstr(err.msg, "bad.env"));

    text = "PORT=http\n";
    write_file(path, text, strlen(text));
    assert_int_equal(config_load(&cfg, path, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "PORT"));
    assert_non_null(strstr(err.msg, ".env"));

    /* A bad value in the .env is fine when the environment overrides it. */
    setenv("PORT", "7000", 1);
    load_ok(&cfg, path);
    assert_int_equal(cfg.port, 7000);

    /* Over 1 MiB. */
    size_t big = 1024 * 1024 + 1;
    char *blob = malloc(big);
    assert_non_null(blob);
    memset(blob, '#', big);
    write_file(path, blob, big);
    free(blob);
    assert_int_equal(config_load(&cfg, path, &err), IG_ETOOBIG);

    /* A directory is not a .env file. */
    assert_int_equal(config_load(&cfg, f->dir, &err), IG_EINVAL);
}

/* ---- secrets ---- */

static bool is_hex64(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (const char *p = s; *p; p++) {
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    }
    return true;
}

static void test_secrets_generated_once(void **state)
{
    fixture *f = *state;
    char data_dir[128], path[160];
    snprintf(data_dir, sizeof data_dir, "%s/nested/var", f->dir);
    snprintf(path, sizeof path, "%s/secrets.env", data_dir);
    setenv("DATA_DIR", data_dir, 1);

    ig_config a, b;
    ig_err err = {IG_OK, ""};
    load_ok(&a, NO_ENV_FILE);
    assert_int_equal(config_ensure_secrets(&a, &err), IG_OK);
    assert_true(is_hex64(a.secret_key));
    assert_true(is_hex64(a.jwt_secret_key));
    assert_string_not_equal(a.secret_key, a.jwt_secret_key);

    struct stat sb;
    assert_int_equal(stat(data_dir, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_int_equal(stat(path, &sb), 0);
    assert_true(S_ISREG(sb.st_mode));
    assert_int_equal(sb.st_mode & 0777, 0600);

    /* The file holds both lines, and nothing else is left in the directory. */
    char text[1024];
    read_small(path, text, sizeof text);
    char want[320];
    snprintf(want, sizeof want, "\nSECRET_KEY=%s\n", a.secret_key);
    assert_non_null(strstr(text, want));
    snprintf(want, sizeof want, "\nJWT_SECRET_KEY=%s\n", a.jwt_secret_key);
    assert_non_null(strstr(text, want));
    DIR *d = opendir(data_dir);
    assert_non_null(d);
    int entries = 0;
    for (struct dirent *de; (de = readdir(d)) != NULL;)
        entries += de->d_name[0] != '.' || strlen(de->d_name) > 2;
    closedir(d);
    assert_int_equal(entries, 1);

    /* Later starts read the same secrets back. */
    load_ok(&b, NO_ENV_FILE);
    assert_int_equal(config_ensure_secrets(&b, &err), IG_OK);
    assert_string_equal(a.secret_key, b.secret_key);
    assert_string_equal(a.jwt_secret_key, b.jwt_secret_key);

    /* A secret from the environment wins over the file, which is left alone. */
    setenv("SECRET_KEY", "from-the-environment", 1);
    load_ok(&b, NO_ENV_FILE);
    assert_int_equal(config_ensure_secrets(&b, &err), IG_OK);
    assert_string_equal(b.secret_key, "from-the-environment");
    assert_string_equal(b.jwt_secret_key, a.jwt_secret_key);
    char again[1024];
    read_small(path, again, sizeof again);
    assert_string_equal(text, again);
}

static void test_secrets_file_missing_one_key(void **state)
{
    fixture *f = *state;
    char path[160];
    snprintf(path, sizeof path, "%s/secrets.env", f->dir);
    const char *text = "SECRET_KEY=\"kept secret with spaces\"\n";
    write_file(path, text, strlen(text));
    setenv("DATA_DIR", f->dir, 1);

    ig_config cfg;
    ig_err err = {IG_OK, ""};
    load_ok(&cfg, NO_ENV_FILE);
    assert_int_equal(config_ensure_secrets(&cfg, &err), IG_OK);
    assert_string_equal(cfg.secret_key, "kept secret with spaces");
    assert_true(is_hex64(cfg.jwt_secret_key));

    /* The completed file reads back the same (the value with spaces quoted on rewrite). */
    ig_config again;
    load_ok(&again, NO_ENV_FILE);
    assert_int_equal(config_ensure_secrets(&again, &err), IG_OK);
    assert_string_equal(again.secret_key, "kept secret with spaces");
    assert_string_equal(again.jwt_secret_key, cfg.jwt_secret_key);

    /* A corrupt file is an error, not silently regenerated secrets. */
    text = "SECRET_KEY='broken\n";
    write_file(path, text, strlen(text));
    load_ok(&again, NO_ENV_FILE);
    assert_int_equal(config_ensure_secrets(&again, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "secrets.env"));
}

static void test_secrets_production(void **state)
{
    fixture *f = *state;
    char path[160];
    snprintf(path, sizeof path, "%s/secrets.env", f->dir);
    setenv("DATA_DIR", f->dir, 1);
    setenv("ENV", "production", 1);
    const char *strong = "0123456789abcdef0123456789abcdef";

    ig_config cfg;
    ig_err err = {IG_OK, ""};
    load_ok(&cfg, NO_ENV_FILE);
    assert_int_equal(config_ensure_secrets(&cfg, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "SECRET_KEY"));
    assert_non_null(strstr(err.msg, "production"));

    setenv("SECRET_KEY", strong, 1);
    load_ok(&cfg, NO_ENV_FILE);
    assert_int_equal(config_ensure_secrets(&cfg, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "JWT_SECRET_KEY"));

    setenv("JWT_SECRET_KEY", "0123456789abcdef0123456789abcde", 1); /* 31 bytes */
    load_ok(&cfg, NO_ENV_FILE);
    assert_int_equal(config_ensure_secrets(&cfg, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "32"));

    setenv("JWT_SECRET_KEY", strong, 1);
    load_ok(&cfg, NO_ENV_FILE);
    assert_int_equal(config_ensure_secrets(&cfg, &err), IG_OK);
    assert_string_equal(cfg.secret_key, strong);
    /* Production never writes a secrets file. */
    assert_int_equal(access(path, F_OK), -1);

    setenv("SECRET_KEY", "your-secret-key-here", 1);
    load_ok(&cfg, NO_ENV_FILE);
    assert_int_equal(config_ensure_secrets(&cfg, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "placeholder"));
}

static void test_secrets_placeholders_refused_everywhere(void **state)
{
    fixture *f = *state;
    setenv("DATA_DIR", f->dir, 1);
    static const char *const envs[] = {"development", "test"};
    for (size_t i = 0; i < 2; i++) {
        setenv("ENV", envs[i], 1);
        ig_config cfg;
        ig_err err = {IG_OK, ""};
        setenv("JWT_SECRET_KEY", "jwt-secret-string", 1);
        load_ok(&cfg, NO_ENV_FILE);
        assert_int_equal(config_ensure_secrets(&cfg, &err), IG_EINVAL);
        assert_non_null(strstr(err.msg, "JWT_SECRET_KEY"));
        unsetenv("JWT_SECRET_KEY");
        setenv("SECRET_KEY", "jwt-secret-string", 1);
        load_ok(&cfg, NO_ENV_FILE);
        assert_int_equal(config_ensure_secrets(&cfg, &err), IG_EINVAL);
        unsetenv("SECRET_KEY");
    }
    /* Short secrets are tolerated outside production. */
    setenv("ENV", "development", 1);
    setenv("SECRET_KEY", "short", 1);
    setenv("JWT_SECRET_KEY", "short2", 1);
    ig_config cfg;
    load_ok(&cfg, NO_ENV_FILE);
    assert_int_equal(config_ensure_secrets(&cfg, NULL), IG_OK);
    assert_string_equal(cfg.secret_key, "short");
}

/* ---- the AI engine ---- */

static void test_ai_engine(void **state)
{
    (void)state;
    ig_config cfg;
    load_ok(&cfg, NO_ENV_FILE);
    assert_string_equal(cfg.ai_engine, "local");
    assert_string_equal(cfg.ai_base_url, "https://api.openai.com/v1");
    assert_string_equal(cfg.ai_model, "gpt-4o-mini");
    assert_int_equal(cfg.ai_timeout, 30);
    assert_int_equal(cfg.ai_max_concurrency, 4);
    assert_string_equal(cfg.asr_engine, "pocketsphinx");
    assert_string_equal(cfg.asr_model, "whisper-1");
    assert_string_equal(config_ai_api_key(&cfg), "");

    /* DeepSeek's key alone: DeepSeek's URL and model, and its key */
    setenv("DEEPSEEK_API_KEY", "sk-deepseek", 1);
    load_ok(&cfg, NO_ENV_FILE);
    assert_string_equal(cfg.ai_base_url, "https://api.deepseek.com/v1");
    assert_string_equal(cfg.ai_model, "deepseek-chat");
    assert_string_equal(config_ai_api_key(&cfg), "sk-deepseek");
    setenv("AI_MODEL", "deepseek-reasoner", 1);
    load_ok(&cfg, NO_ENV_FILE);
    assert_string_equal(cfg.ai_model, "deepseek-reasoner");
    /* with an OpenAI key too, OpenAI stays the default; each server gets its own key */
    unsetenv("AI_MODEL");
    setenv("OPENAI_API_KEY", "sk-openai", 1);
    load_ok(&cfg, NO_ENV_FILE);
    assert_string_equal(cfg.ai_base_url, "https://api.openai.com/v1");
    assert_string_equal(cfg.ai_model, "gpt-4o-mini");
    assert_string_equal(config_ai_api_key(&cfg), "sk-openai");
    setenv("AI_BASE_URL", "https://api.deepseek.com/v1", 1);
    load_ok(&cfg, NO_ENV_FILE);
    assert_string_equal(config_ai_api_key(&cfg), "sk-deepseek");
    /* a local server: the OpenAI key only (never DeepSeek's) */
    setenv("AI_BASE_URL", "http://localhost:11434/v1", 1);
    setenv("AI_ENGINE", "OpenAI", 1);
    setenv("AI_MODEL", "qwen2.5:7b", 1);
    setenv("ASR_ENGINE", "openai", 1);
    setenv("AI_TIMEOUT", "5", 1);
    load_ok(&cfg, NO_ENV_FILE);
    assert_string_equal(cfg.ai_engine, "openai");
    assert_string_equal(cfg.ai_base_url, "http://localhost:11434/v1");
    assert_string_equal(cfg.ai_model, "qwen2.5:7b");
    assert_string_equal(cfg.asr_engine, "openai");
    assert_int_equal(cfg.ai_timeout, 5);
    assert_string_equal(config_ai_api_key(&cfg), "sk-openai");
    unsetenv("OPENAI_API_KEY");
    load_ok(&cfg, NO_ENV_FILE);
    assert_string_equal(config_ai_api_key(&cfg), "");

    ig_err err = {IG_OK, ""};
    setenv("AI_ENGINE", "claude", 1);
    assert_int_equal(config_load(&cfg, NO_ENV_FILE, &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "AI_ENGINE"));
    setenv("AI_ENGINE", "local", 1);
    setenv("ASR_ENGINE", "whisper", 1);
    assert_int_equal(config_load(&cfg, NO_ENV_FILE, &err), IG_EINVAL);
    setenv("ASR_ENGINE", "pocketsphinx", 1);
    setenv("AI_TIMEOUT", "0", 1);
    assert_int_equal(config_load(&cfg, NO_ENV_FILE, &err), IG_EINVAL);
    setenv("AI_TIMEOUT", "30", 1);
    setenv("AI_MAX_CONCURRENCY", "0", 1);
    assert_int_equal(config_load(&cfg, NO_ENV_FILE, &err), IG_EINVAL);
}

/* ---- dump ---- */

static void test_dump_masks_and_reads_back(void **state)
{
    fixture *f = *state;
    setenv("SECRET_KEY", "s3cr3t-value-that-must-not-leak", 1);
    setenv("OPENAI_API_KEY", "sk-not-to-be-printed", 1);
    setenv("AI_BASE_URL", "https://proxy:proxypass@llm.example/v1", 1);
    setenv("DATABASE_URL", "postgresql://ig:hunter2@db:5432/ig?sslmode=require", 1);
    setenv("REDIS_URL", "redis://:redispass@cache:6379/0", 1);
    setenv("CORS_ORIGINS", "https://a.example, \"weird\" #x", 1);
    ig_config cfg;
    load_ok(&cfg, NO_ENV_FILE);

    char path[128];
    snprintf(path, sizeof path, "%s/dump.txt", f->dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    config_dump(&cfg, fd);
    close(fd);
    char text[16384];
    size_t n = read_small(path, text, sizeof text);
    assert_true(n > 0 && n < sizeof text - 1);

    assert_null(strstr(text, "s3cr3t"));
    assert_null(strstr(text, "sk-not"));
    assert_null(strstr(text, "hunter2"));
    assert_null(strstr(text, "redispass"));
    assert_null(strstr(text, "proxypass"));
    assert_non_null(strstr(text, "\nAI_BASE_URL=https://proxy:***@llm.example/v1\n"));
    assert_non_null(strstr(text, "\nSECRET_KEY=***\n"));
    assert_non_null(strstr(text, "\nJWT_SECRET_KEY=\n"));
    assert_non_null(strstr(text, "\nOPENAI_API_KEY=***\n"));
    assert_non_null(strstr(text, "\nDEEPSEEK_API_KEY=\n"));
    assert_non_null(strstr(text, "\nDATABASE_URL=postgresql://ig:***@db:5432/ig?sslmode=require\n"));
    assert_non_null(strstr(text, "\nREDIS_URL=redis://:***@cache:6379/0\n"));
    assert_non_null(strstr(text, "\nPORT=5000\n"));
    assert_non_null(strstr(text, "\nRATELIMIT_ENABLED=true\n"));
    assert_non_null(strstr(text, "\nRATELIMIT_DEFAULT=\"100 per hour\"\n"));
    assert_true(strncmp(text, "ENV=development\n", 16) == 0);

    /* Every variable appears once, and the dump is itself a valid .env that reads back. */
    int lines = 0;
    for (const char *p = text; (p = strchr(p, '\n')) != NULL; p++)
        lines++;
    assert_int_equal(lines, (int)(sizeof all_vars / sizeof all_vars[0]));
    for (size_t i = 0; i < sizeof all_vars / sizeof all_vars[0]; i++)
        unsetenv(all_vars[i]);
    ig_config back;
    snprintf(path, sizeof path, "%s/dump.env", f->dir);
    write_file(path, text, n);
    ig_err err = {IG_OK, ""};
    /* "***" is not a valid value for nothing but the secrets, so it loads as plain strings. */
    assert_int_equal(config_load(&back, path, &err), IG_OK);
    assert_string_equal(back.cors_origins, "https://a.example, \"weird\" #x");
    assert_string_equal(back.ratelimit_default, "100 per hour");
    assert_int_equal(back.port, cfg.port);
    assert_int_equal(back.pwhash_memlimit, cfg.pwhash_memlimit);
    assert_string_equal(back.upload_folder, cfg.upload_folder);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dotenv_good),
        cmocka_unit_test(test_dotenv_explicit_length),
        cmocka_unit_test(test_dotenv_bad),
        cmocka_unit_test(test_dotenv_caps),
        cmocka_unit_test(test_dotenv_random_bytes),
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers_strict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_booleans_and_choices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strings_must_fit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_file_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secrets_generated_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secrets_file_missing_one_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secrets_production, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secrets_placeholders_refused_everywhere, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ai_engine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dump_masks_and_reads_back, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
