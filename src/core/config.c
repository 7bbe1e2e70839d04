/* Configuration: defaults, then the .env file, then the environment, each value validated strictly;
 * the .env parser; secrets generated once into DATA_DIR; the masked dump. */
#include "core/config.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/str.h"

#define DOTENV_KEY_MAX 128
#define DOTENV_VALUE_MAX 4096
#define DOTENV_FILE_MAX (1024 * 1024)
#define SECRETS_FILE_MAX (64 * 1024)
#define SECRETS_FILE_NAME "secrets.env"
#define SECRET_MIN_LEN 32
#define SECRET_RANDOM_BYTES 32
#define DUMP_MAX (256 * 1024)
#define OPENAI_BASE_URL "https://api.openai.com/v1"
#define DEEPSEEK_BASE_URL "https://api.deepseek.com/v1"

/* The seed's constant defaults: anyone who copied its config would run with these. */
static const char *const placeholders[] = {"your-secret-key-here", "jwt-secret-string"};

static const char *const env_choices[] = {"development", "production", "test", NULL};
static const char *const level_choices[] = {"debug", "info", "warn", "warning", "error", NULL};
static const char *const ai_engine_choices[] = {"local", "openai", NULL};
static const char *const asr_engine_choices[] = {"pocketsphinx", "openai", NULL};
static const char *const storage_choices[] = {"local", "db", NULL};

enum var_kind { K_STR, K_INT, K_LONG, K_U64, K_ULL, K_SIZE, K_BOOL };

enum var_flag {
    F_SECRET = 1, /* masked by config_dump */
    F_URL = 2,    /* password in the userinfo masked by config_dump */
    F_LOWER = 4,  /* folded to lower case before the choices are checked */
};

typedef struct var_spec {
    const char *name;
    enum var_kind kind;
    size_t off;
    size_t size;
    unsigned long long min, max;
    unsigned flags;
    const char *const *choices; /* NULL-terminated allowed values, or NULL for any */
} var_spec;

#define FIELD(f) offsetof(ig_config, f), sizeof(((ig_config *)0)->f)
#define VSTR(name, f, flags, choices) {name, K_STR, FIELD(f), 0, 0, flags, choices}
#define VNUM(name, kind, f, lo, hi) {name, kind, FIELD(f), lo, hi, 0, NULL}

/* Every variable, in the struct's order (which is also config_dump's order). */
static const var_spec vars[] = {
    VSTR("ENV", env, F_LOWER, env_choices),
    VSTR("HOST", host, 0, NULL),
    VNUM("PORT", K_INT, port, 1, 65535),
    VSTR("DATA_DIR", data_dir, 0, NULL),
    VSTR("DATABASE_URL", database_url, F_URL, NULL),
    VSTR("REDIS_URL", redis_url, F_URL, NULL),
    VSTR("SECRET_KEY", secret_key, F_SECRET, NULL),
    VSTR("JWT_SECRET_KEY", jwt_secret_key, F_SECRET, NULL),
    VNUM("JWT_ACCESS_TOKEN_EXPIRES", K_LONG, jwt_access_expires, 1, 315360000),
    VNUM("JWT_REFRESH_TOKEN_EXPIRES", K_LONG, jwt_refresh_expires, 1, 315360000),
    VSTR("UPLOAD_FOLDER", upload_folder, 0, NULL),
    VSTR("STORAGE", storage, F_LOWER, storage_choices),
    VNUM("MAX_CONTENT_LENGTH", K_U64, max_content_length, 1, 1ULL << 40),
    VNUM("MAX_JSON_BODY", K_U64, max_json_body, 1, 1ULL << 30),
    VSTR("OPENAI_API_KEY", openai_api_key, F_SECRET, NULL),
    VSTR("DEEPSEEK_API_KEY", deepseek_api_key, F_SECRET, NULL),
    VNUM("WORKERS", K_INT, workers, 1, 256),
    VNUM("HASH_WORKERS", K_INT, hash_workers, 1, 64),
    VSTR("LOG_LEVEL", log_level, F_LOWER, level_choices),
    VNUM("RATELIMIT_ENABLED", K_BOOL, ratelimit_enabled, 0, 1),
    VSTR("RATELIMIT_DEFAULT", ratelimit_default, 0, NULL),
    VSTR("RATELIMIT_AUTH", ratelimit_auth, 0, NULL),
    VSTR("TRUSTED_PROXIES", trusted_proxies, 0, NULL),
    VSTR("CORS_ORIGINS", cors_origins, 0, NULL),
    VNUM("PASSWORD_MIN_LENGTH", K_INT, password_min_length, 1, 1024),
    VNUM("PWHASH_OPSLIMIT", K_ULL, pwhash_opslimit, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_OPSLIMIT_MAX),
    VNUM("PWHASH_MEMLIMIT", K_SIZE, pwhash_memlimit, crypto_pwhash_MEMLIMIT_MIN, crypto_pwhash_MEMLIMIT_MAX),
    VNUM("MAX_CONNECTIONS", K_INT, max_connections, 1, 1000000),
    VNUM("MAX_HEADER_SIZE", K_INT, max_header_size, 1024, 1048576),
    VNUM("MAX_HEADERS", K_INT, max_headers, 1, 10000),
    VNUM("HEADER_TIMEOUT", K_INT, header_timeout, 1, 3600000),
    VNUM("BODY_TIMEOUT", K_INT, body_timeout, 1, 3600000),
    VNUM("BODY_IDLE_TIMEOUT", K_INT, body_idle_timeout, 1, 3600000),
    VNUM("BODY_MIN_RATE", K_LONG, body_min_rate, 0, 1ULL << 30),
    VNUM("KEEPALIVE_TIMEOUT", K_INT, keepalive_timeout, 0, 3600000),
    VNUM("SHUTDOWN_TIMEOUT", K_INT, shutdown_timeout, 0, 3600000),
    VNUM("DB_POOL_SIZE", K_INT, db_pool_size, 1, 1024),
    VNUM("DB_BUSY_TIMEOUT", K_INT, db_busy_timeout, 0, 3600000),
    VNUM("DB_STATEMENT_TIMEOUT", K_INT, db_statement_timeout, 0, 3600000),
    VNUM("JOB_WORKERS", K_INT, job_workers, 0, 64),
    VNUM("JOB_POLL_MS", K_INT, job_poll_ms, 10, 60000),
    VNUM("JOB_LEASE_SECONDS", K_INT, job_lease_seconds, 1, 86400),
    VNUM("JOB_MAX_ATTEMPTS", K_INT, job_max_attempts, 1, 100),
    VNUM("RT_PING_INTERVAL", K_INT, rt_ping_interval, 100, 3600000),
    VNUM("RT_PING_TIMEOUT", K_INT, rt_ping_timeout, 100, 3600000),
    VNUM("RT_MAX_PAYLOAD", K_U64, rt_max_payload, 1024, 1ULL << 30),
    VNUM("RT_MAX_STREAMS_PER_USER", K_INT, rt_max_streams_per_user, 1, 64),
    VNUM("ASR_DECODERS", K_INT, asr_decoders, 1, 64),
    VNUM("ASR_MAX_UTTERANCE_SECONDS", K_INT, asr_max_utterance_seconds, 1, 3600),
    VSTR("AI_ENGINE", ai_engine, F_LOWER, ai_engine_choices),
    VSTR("AI_BASE_URL", ai_base_url, F_URL, NULL),
    VSTR("AI_MODEL", ai_model, 0, NULL),
    VNUM("AI_TIMEOUT", K_INT, ai_timeout, 1, 600),
    VNUM("AI_MAX_CONCURRENCY", K_INT, ai_max_concurrency, 1, 256),
    VSTR("ASR_ENGINE", asr_engine, F_LOWER, asr_engine_choices),
    VSTR("ASR_MODEL", asr_model, 0, NULL),
    VSTR("WEB_ROOT", web_root, 0, NULL),
};

#define NVARS (sizeof vars / sizeof vars[0])

static int var_index(const char *name)
{
    for (size_t i = 0; i < NVARS; i++) {
        if (strcmp(vars[i].name, name) == 0)
            return (int)i;
    }
    return -1;
}

static void set_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
}

static void set_defaults(ig_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    set_str(cfg->env, sizeof cfg->env, "development");
    set_str(cfg->host, sizeof cfg->host, "0.0.0.0");
    cfg->port = 5000;
    set_str(cfg->data_dir, sizeof cfg->data_dir, "./var");
    cfg->jwt_access_expires = 86400;
    cfg->jwt_refresh_expires = 2592000;
    set_str(cfg->storage, sizeof cfg->storage, "local");
    cfg->max_content_length = 100ULL * 1024 * 1024;
    cfg->max_json_body = 1024 * 1024;
    cfg->workers = 4;
    cfg->hash_workers = 2;
    set_str(cfg->log_level, sizeof cfg->log_level, "info");
    cfg->ratelimit_enabled = true;
    set_str(cfg->ratelimit_default, sizeof cfg->ratelimit_default, "100 per hour");
    set_str(cfg->ratelimit_auth, sizeof cfg->ratelimit_auth, "10 per minute");
    set_str(cfg->cors_origins, sizeof cfg->cors_origins, "*");
    cfg->password_min_length = 8;
    cfg->pwhash_opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    cfg->pwhash_memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    cfg->max_connections = 10000;
    cfg->max_header_size = 16384;
    cfg->max_headers = 100;
    cfg->header_timeout = 10000;
    cfg->body_timeout = 30000;
    cfg->body_idle_timeout = 15000;
    cfg->body_min_rate = 1024;
    cfg->keepalive_timeout = 5000;
    cfg->shutdown_timeout = 30000;
    cfg->db_busy_timeout = 5000;
    cfg->db_statement_timeout = 30000;
    cfg->job_workers = 2;
    cfg->job_poll_ms = 1000;
    cfg->job_lease_seconds = 60;
    cfg->job_max_attempts = 3;
    cfg->rt_ping_interval = 25000;
    cfg->rt_ping_timeout = 20000;
    cfg->rt_max_payload = 1000000;
    cfg->rt_max_streams_per_user = 2;
    cfg->asr_decoders = 2;
    cfg->asr_max_utterance_seconds = 120;
    set_str(cfg->ai_engine, sizeof cfg->ai_engine, "local");
    set_str(cfg->ai_base_url, sizeof cfg->ai_base_url, OPENAI_BASE_URL);
    set_str(cfg->ai_model, sizeof cfg->ai_model, "gpt-4o-mini");
    cfg->ai_timeout = 30;
    cfg->ai_max_concurrency = 4;
    set_str(cfg->asr_engine, sizeof cfg->asr_engine, "pocketsphinx");
    set_str(cfg->asr_model, sizeof cfg->asr_model, "whisper-1");
    set_str(cfg->web_root, sizeof cfg->web_root, "./web");
}

static bool parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

static ig_status set_var(ig_config *cfg, const var_spec *vs, const char *v, const char *source, ig_err *err)
{
    char *field = (char *)cfg + vs->off;
    if (vs->kind == K_STR) {
        size_t n = strlen(v);
        if (n >= vs->size)
            return status_errf(err, IG_EINVAL, "%s (from %s) is longer than %zu bytes", vs->name, source,
                               vs->size - 1);
        memcpy(field, v, n + 1);
        if (vs->flags & F_LOWER) {
            for (char *p = field; *p; p++) {
                if (*p >= 'A' && *p <= 'Z')
                    *p = (char)(*p - 'A' + 'a');
            }
        }
        if (vs->choices != NULL) {
            for (const char *const *c = vs->choices; *c; c++) {
                if (strcmp(field, *c) == 0)
                    return IG_OK;
            }
            char list[128] = "";
            for (const char *const *c = vs->choices; *c; c++) {
                size_t used = strlen(list);
                snprintf(list + used, sizeof list - used, "%s%s", c == vs->choices ? "" : ", ", *c);
            }
            return status_errf(err, IG_EINVAL, "%s (from %s) must be one of %s (got '%.40s')", vs->name,
                               source, list, v);
        }
        return IG_OK;
    }
    if (vs->kind == K_BOOL) {
        if (!parse_bool(v, (bool *)field))
            return status_errf(err, IG_EINVAL,
                               "%s (from %s) must be one of 1/0, true/false, yes/no, on/off (got '%.40s')",
                               vs->name, source, v);
        return IG_OK;
    }
    unsigned long long n;
    if (!str_to_u64(str_cstr(v), &n) || n < vs->min || n > vs->max)
        return status_errf(err, IG_EINVAL, "%s (from %s) must be a whole number from %llu to %llu (got '%.40s')",
                           vs->name, source, vs->min, vs->max, v);
    switch (vs->kind) {
    case K_INT: *(int *)field = (int)n; break;
    case K_LONG: *(long *)field = (long)n; break;
    case K_U64: *(uint64_t *)field = (uint64_t)n; break;
    case K_ULL: *(unsigned long long *)field = n; break;
    case K_SIZE: *(size_t *)field = (size_t)n; break;
    case K_STR:
    case K_BOOL: break;
    }
    return IG_OK;
}

/* Values gathered from the .env file and the environment, before validation. */
typedef struct load_ctx {
    char *vals[NVARS];
    const char *source[NVARS];
    ig_status st;
} load_ctx;

static ig_status ctx_put(load_ctx *ctx, int idx, const char *value, const char *source)
{
    char *dup = strdup(value);
    if (dup == NULL)
        return IG_ENOMEM;
    if (ctx->vals[idx] != NULL) {
        sodium_memzero(ctx->vals[idx], strlen(ctx->vals[idx]));
        free(ctx->vals[idx]);
    }
    ctx->vals[idx] = dup;
    ctx->source[idx] = source;
    return IG_OK;
}

static void dotenv_pair(const char *key, const char *value, void *arg)
{
    load_ctx *ctx = arg;
    int idx = var_index(key);
    if (idx >= 0 && ctx->st == IG_OK)
        ctx->st = ctx_put(ctx, idx, value, "the .env file");
}

/* Reads a whole regular file of at most cap bytes into out; a missing file is IG_OK, *exists false. */
static ig_status read_file_capped(const char *path, size_t cap, ig_buf *out, bool *exists, ig_err *err)
{
    ig_status st = IG_OK;
    char chunk[4096];
    *exists = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT)
            return IG_OK;
        return status_errf(err, IG_EIO, "cannot open %s: %s", path, strerror(errno));
    }
    *exists = true;
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        st = status_errf(err, IG_EIO, "cannot stat %s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(sb.st_mode)) {
        st = status_errf(err, IG_EINVAL, "%s is not a regular file", path);
        goto out;
    }
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            st = status_errf(err, IG_EIO, "cannot read %s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        st = buf_append(out, chunk, (size_t)n);
        if (st == IG_ETOOBIG) {
            st = status_errf(err, IG_ETOOBIG, "%s is larger than %zu bytes", path, cap);
            goto out;
        }
        if (st != IG_OK) {
            st = status_errf(err, st, "out of memory reading %s", path);
            goto out;
        }
    }
out:
    sodium_memzero(chunk, sizeof chunk);
    close(fd);
    return st;
}

static void wipe_buf(ig_buf *b)
{
    if (b->p != NULL)
        sodium_memzero(b->p, b->len);
    buf_free(b);
}

/* Fills the defaults that depend on other variables, unless they were given. */
static ig_status derive(ig_config *cfg, const bool *given, ig_err *err)
{
    size_t n = strlen(cfg->data_dir);
    while (n > 1 && cfg->data_dir[n - 1] == '/')
        cfg->data_dir[--n] = '\0';
    if (!given[var_index("DATABASE_URL")]) {
        int w = snprintf(cfg->database_url, sizeof cfg->database_url, "sqlite:///%s/interviewgenius.db",
                         cfg->data_dir);
        if (w < 0 || (size_t)w >= sizeof cfg->database_url)
            return status_errf(err, IG_EINVAL, "DATA_DIR is too long to derive DATABASE_URL; set DATABASE_URL");
    }
    if (!given[var_index("UPLOAD_FOLDER")]) {
        int w = snprintf(cfg->upload_folder, sizeof cfg->upload_folder, "%s/uploads", cfg->data_dir);
        if (w < 0 || (size_t)w >= sizeof cfg->upload_folder)
            return status_errf(err, IG_EINVAL, "DATA_DIR is too long to derive UPLOAD_FOLDER; set UPLOAD_FOLDER");
    }
    if (!given[var_index("DB_POOL_SIZE")])
        cfg->db_pool_size = cfg->workers + cfg->job_workers + 3; /* + the jobs' lease renewer */
    /* a DeepSeek key alone means DeepSeek, as the seed used it */
    if (!given[var_index("AI_BASE_URL")] && cfg->openai_api_key[0] == '\0' && cfg->deepseek_api_key[0] != '\0') {
        set_str(cfg->ai_base_url, sizeof cfg->ai_base_url, DEEPSEEK_BASE_URL);
        if (!given[var_index("AI_MODEL")])
            set_str(cfg->ai_model, sizeof cfg->ai_model, "deepseek-chat");
    }
    return IG_OK;
}

const char *config_ai_api_key(const ig_config *cfg)
{
    const char *h = strstr(cfg->ai_base_url, "://");
    h = h != NULL ? h + 3 : cfg->ai_base_url;
    size_t n = strcspn(h, ":/?#");
    if (n == 16 && strncasecmp(h, "api.deepseek.com", n) == 0 && cfg->deepseek_api_key[0] != '\0')
        return cfg->deepseek_api_key;
    return cfg->openai_api_key;
}

ig_status config_load(ig_config *cfg, const char *env_path, ig_err *err)
{
    ig_status st = IG_OK;
    load_ctx ctx = {.st = IG_OK};
    bool given[NVARS] = {false};
    ig_buf text;
    buf_init(&text, DOTENV_FILE_MAX);
    set_defaults(cfg);

    if (env_path != NULL) {
        bool exists;
        st = read_file_capped(env_path, DOTENV_FILE_MAX, &text, &exists, err);
        if (st != IG_OK)
            goto out;
        if (exists) {
            ig_err perr = {.status = IG_OK, .msg = ""};
            st = config_parse_dotenv(text.p, text.len, dotenv_pair, &ctx, &perr);
            if (st != IG_OK) {
                status_errf(err, st, "%s: %s", env_path, perr.msg);
                goto out;
            }
            if (ctx.st != IG_OK) {
                st = status_errf(err, ctx.st, "out of memory reading %s", env_path);
                goto out;
            }
        }
    }
    for (size_t i = 0; i < NVARS; i++) {
        const char *v = getenv(vars[i].name);
        if (v != NULL && (st = ctx_put(&ctx, (int)i, v, "the environment")) != IG_OK) {
            st = status_errf(err, st, "out of memory reading the environment");
            goto out;
        }
    }
    /* An empty value means "unset", as the seed's `os.environ.get(X) or default` did. */
    for (size_t i = 0; i < NVARS; i++) {
        if (ctx.vals[i] == NULL || ctx.vals[i][0] == '\0')
            continue;
        st = set_var(cfg, &vars[i], ctx.vals[i], ctx.source[i], err);
        if (st != IG_OK)
            goto out;
        given[i] = true;
    }
    st = derive(cfg, given, err);
out:
    for (size_t i = 0; i < NVARS; i++) {
        if (ctx.vals[i] != NULL) {
            sodium_memzero(ctx.vals[i], strlen(ctx.vals[i]));
            free(ctx.vals[i]);
        }
    }
    wipe_buf(&text);
    return st;
}

static bool is_hspace(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static bool is_key_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_key_char(char c)
{
    return is_key_start(c) || (c >= '0' && c <= '9');
}

/* Appends one byte of a quoted value: a NUL byte or a value past the cap is IG_EINVAL. A NUL cannot
 * reach fn (values are C strings), so it would silently truncate. */
static ig_status value_put(char *val, size_t *vn, char c, size_t line, const char *key, ig_err *err)
{
    if (c == '\0')
        return status_errf(err, IG_EINVAL, "line %zu: NUL byte in the value of %s", line, key);
    if (*vn == DOTENV_VALUE_MAX)
        return status_errf(err, IG_EINVAL, "line %zu: value of %s longer than %d bytes", line, key,
                           DOTENV_VALUE_MAX);
    val[(*vn)++] = c;
    return IG_OK;
}

ig_status config_parse_dotenv(const char *text, size_t len, config_pair_fn fn, void *arg, ig_err *err)
{
    char key[DOTENV_KEY_MAX + 1];
    char val[DOTENV_VALUE_MAX + 1];
    size_t i = 0, line = 1;
    ig_status st = IG_OK;
    if (text == NULL)
        return IG_OK;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len) {
        size_t at = line;
        while (i < len && is_hspace(text[i]))
            i++;
        if (i == len)
            break;
        if (text[i] == '\n') {
            line++;
            i++;
            continue;
        }
        if (text[i] == '#') {
            while (i < len && text[i] != '\n')
                i++;
            continue;
        }
        if (len - i > 6 && memcmp(text + i, "export", 6) == 0 &&
            (text[i + 6] == ' ' || text[i + 6] == '\t')) {
            i += 6;
            while (i < len && is_hspace(text[i]))
                i++;
        }
        if (i == len || !is_key_start(text[i])) {
            st = status_errf(err, IG_EINVAL, "line %zu: expected a variable name", at);
            goto out;
        }
        size_t kn = 0;
        while (i < len && is_key_char(text[i])) {
            if (kn == DOTENV_KEY_MAX) {
                st = status_errf(err, IG_EINVAL, "line %zu: variable name longer than %d bytes", at,
                                 DOTENV_KEY_MAX);
                goto out;
            }
            key[kn++] = text[i++];
        }
        key[kn] = '\0';
        while (i < len && is_hspace(text[i]))
            i++;
        if (i == len || text[i] != '=') {
            st = status_errf(err, IG_EINVAL, "line %zu: expected '=' after %s", at, key);
            goto out;
        }
        i++;
        size_t raw = i;
        while (i < len && (text[i] == ' ' || text[i] == '\t'))
            i++;
        size_t vn = 0;
        if (i < len && (text[i] == '\'' || text[i] == '"')) {
            char q = text[i++];
            bool closed = false;
            while (i < len) {
                char c = text[i++];
                char second = '\0';
                if (c == q) {
                    closed = true;
                    break;
                }
                if (c == '\r' && i < len && text[i] == '\n')
                    continue; /* CRLF inside a multi-line value becomes LF */
                if (c == '\n')
                    line++;
                if (c == '\\' && q == '"') {
                    if (i == len)
                        break;
                    char e = text[i++];
                    if (e == 'n') {
                        c = '\n';
                    } else if (e == '"' || e == '\\') {
                        c = e;
                    } else {
                        /* Unknown escapes stay as written, backslash included. */
                        second = e;
                        if (e == '\n')
                            line++;
                    }
                }
                st = value_put(val, &vn, c, at, key, err);
                if (st == IG_OK && second != '\0')
                    st = value_put(val, &vn, second, at, key, err);
                if (st != IG_OK)
                    goto out;
            }
            if (!closed) {
                st = status_errf(err, IG_EINVAL, "line %zu: unterminated quoted value for %s", at, key);
                goto out;
            }
            while (i < len && is_hspace(text[i]))
                i++;
            if (i < len && text[i] == '#') {
                while (i < len && text[i] != '\n')
                    i++;
            }
            if (i < len && text[i] != '\n') {
                st = status_errf(err, IG_EINVAL, "line %zu: unexpected text after the closing quote of %s",
                                 line, key);
                goto out;
            }
        } else {
            size_t end = i;
            while (end < len && text[end] != '\n')
                end++;
            size_t cut = end;
            for (size_t j = raw + 1; j < end; j++) {
                if (text[j] == '#' && (text[j - 1] == ' ' || text[j - 1] == '\t')) {
                    cut = j;
                    break;
                }
            }
            while (cut > i && is_hspace(text[cut - 1]))
                cut--;
            if (cut - i > DOTENV_VALUE_MAX) {
                st = status_errf(err, IG_EINVAL, "line %zu: value of %s longer than %d bytes", at, key,
                                 DOTENV_VALUE_MAX);
                goto out;
            }
            if (memchr(text + i, '\0', cut - i) != NULL) {
                st = status_errf(err, IG_EINVAL, "line %zu: NUL byte in the value of %s", at, key);
                goto out;
            }
            memcpy(val, text + i, cut - i);
            vn = cut - i;
            i = end;
        }
        val[vn] = '\0';
        if (fn != NULL)
            fn(key, val, arg);
    }
out:
    /* The value may have been a secret. */
    sodium_memzero(val, sizeof val);
    return st;
}

/* Appends value as a .env value: bare when that reads back the same, else double-quoted with the
 * escapes config_parse_dotenv understands. */
static ig_status append_dotenv_value(ig_buf *b, const char *v)
{
    bool plain = true;
    size_t n = strlen(v);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c <= ' ' || c == 0x7F || c == '#' || c == '"' || c == '\'' || c == '\\')
            plain = false;
    }
    if (plain)
        return buf_append(b, v, n);
    ig_status st = buf_append(b, "\"", 1);
    for (size_t i = 0; i < n && st == IG_OK; i++) {
        if (v[i] == '\\')
            st = buf_append(b, "\\\\", 2);
        else if (v[i] == '"')
            st = buf_append(b, "\\\"", 2);
        else if (v[i] == '\n')
            st = buf_append(b, "\\n", 2);
        else
            st = buf_append(b, v + i, 1);
    }
    return st == IG_OK ? buf_append(b, "\"", 1) : st;
}

static bool is_placeholder(const char *s)
{
    for (size_t i = 0; i < sizeof placeholders / sizeof placeholders[0]; i++) {
        if (strcmp(s, placeholders[i]) == 0)
            return true;
    }
    return false;
}

static ig_status check_secret(const char *name, const char *value, bool production, ig_err *err)
{
    if (is_placeholder(value))
        return status_errf(err, IG_EINVAL,
                           "%s is the sample placeholder '%s'; set %s to a random string of at least %d "
                           "bytes (e.g. the output of `openssl rand -hex 32`)",
                           name, value, name, SECRET_MIN_LEN);
    if (!production)
        return IG_OK;
    if (value[0] == '\0')
        return status_errf(err, IG_EINVAL,
                           "%s is not set; ENV=production requires %s to be a random string of at least %d "
                           "bytes (e.g. the output of `openssl rand -hex 32`)",
                           name, name, SECRET_MIN_LEN);
    if (strlen(value) < SECRET_MIN_LEN)
        return status_errf(err, IG_EINVAL,
                           "%s is shorter than %d bytes; ENV=production requires a random string of at least "
                           "%d bytes (e.g. the output of `openssl rand -hex 32`)",
                           name, SECRET_MIN_LEN, SECRET_MIN_LEN);
    return IG_OK;
}

static ig_status check_secrets(const ig_config *cfg, ig_err *err)
{
    bool production = strcmp(cfg->env, "production") == 0;
    ig_status st = check_secret("SECRET_KEY", cfg->secret_key, production, err);
    return st != IG_OK ? st : check_secret("JWT_SECRET_KEY", cfg->jwt_secret_key, production, err);
}

/* The two secrets as stored in <DATA_DIR>/secrets.env. */
typedef struct secrets_pair {
    char secret_key[sizeof((ig_config *)0)->secret_key];
    char jwt_secret_key[sizeof((ig_config *)0)->jwt_secret_key];
    bool too_long;
} secrets_pair;

static void secrets_pair_cb(const char *key, const char *value, void *arg)
{
    secrets_pair *sp = arg;
    char *dst;
    if (strcmp(key, "SECRET_KEY") == 0)
        dst = sp->secret_key;
    else if (strcmp(key, "JWT_SECRET_KEY") == 0)
        dst = sp->jwt_secret_key;
    else
        return;
    size_t n = strlen(value);
    if (n >= sizeof sp->secret_key) {
        sp->too_long = true;
        return;
    }
    memcpy(dst, value, n + 1);
}

/* mkdir -p with mode 0700 for the directories it creates. */
static ig_status make_dirs(const char *dir, ig_err *err)
{
    char path[sizeof((ig_config *)0)->data_dir];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path)
        return status_errf(err, IG_EINVAL, "DATA_DIR is empty or too long");
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (i < n && path[i] != '/')
            continue;
        path[i] = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return status_errf(err, IG_EIO, "cannot create %s: %s", path, strerror(errno));
        path[i] = i < n ? '/' : '\0';
    }
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return status_errf(err, IG_EIO, "DATA_DIR %s is not a directory", dir);
    return IG_OK;
}

static void fill_random_secret(char *dst, size_t cap)
{
    unsigned char raw[SECRET_RANDOM_BYTES];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(dst, cap, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
}

/* Writes sp to path through a temporary file. When replace is false the file is created only if it
 * still does not exist (link(2) fails on an existing name): two processes starting at once then
 * agree on the first one's secrets; IG_ECONFLICT tells the loser to read them back. */
static ig_status write_secrets(const char *dir, const char *path, const secrets_pair *sp, bool replace, ig_err *err)
{
    ig_status st = IG_OK;
    ig_buf b;
    char tmp[sizeof((ig_config *)0)->data_dir + 32];
    int fd = -1;
    bool tmp_made = false;
    buf_init(&b, SECRETS_FILE_MAX);
    if ((size_t)snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, SECRETS_FILE_NAME) >= sizeof tmp) {
        st = status_errf(err, IG_EINVAL, "DATA_DIR is too long");
        goto out;
    }
    st = buf_appendf(&b, "# Generated by InterviewGenius on first start. Keep it private; deleting it rotates\n"
                         "# the secrets (which signs every user out).\nSECRET_KEY=");
    if (st == IG_OK)
        st = append_dotenv_value(&b, sp->secret_key);
    if (st == IG_OK)
        st = buf_appendf(&b, "\nJWT_SECRET_KEY=");
    if (st == IG_OK)
        st = append_dotenv_value(&b, sp->jwt_secret_key);
    if (st == IG_OK)
        st = buf_append(&b, "\n", 1);
    if (st != IG_OK) {
        st = status_errf(err, st, "out of memory writing %s", path);
        goto out;
    }
    fd = mkstemp(tmp);
    if (fd < 0) {
        st = status_errf(err, IG_EIO, "cannot create a file in %s: %s", dir, strerror(errno));
        goto out;
    }
    tmp_made = true;
    if (fchmod(fd, 0600) != 0) {
        st = status_errf(err, IG_EIO, "cannot chmod %s: %s", tmp, strerror(errno));
        goto out;
    }
    for (size_t off = 0; off < b.len;) {
        ssize_t w = write(fd, b.p + off, b.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            st = status_errf(err, IG_EIO, "cannot write %s: %s", tmp, strerror(errno));
            goto out;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0) {
        st = status_errf(err, IG_EIO, "cannot sync %s: %s", tmp, strerror(errno));
        goto out;
    }
    bool renamed = replace;
    int rc = replace ? rename(tmp, path) : link(tmp, path);
    if (rc != 0 && !replace && errno == EEXIST) {
        st = IG_ECONFLICT;
        goto out;
    }
    /* Filesystems without hard links: fall back to rename, losing only the race guard. */
    if (rc != 0 && !replace && (errno == EPERM || errno == ENOTSUP || errno == ENOSYS)) {
        rc = rename(tmp, path);
        renamed = true;
    }
    if (rc != 0) {
        st = status_errf(err, IG_EIO, "cannot create %s: %s", path, strerror(errno));
        goto out;
    }
    if (renamed)
        tmp_made = false;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
out:
    if (fd >= 0)
        close(fd);
    if (tmp_made)
        unlink(tmp);
    wipe_buf(&b);
    return st;
}

/* Outside production: takes missing secrets from <DATA_DIR>/secrets.env, generating the file (or the
 * keys it lacks) the first time. */
static ig_status secrets_from_file(ig_config *cfg, ig_err *err)
{
    ig_status st = IG_OK;
    char path[sizeof((ig_config *)0)->data_dir + 32];
    secrets_pair sp;
    ig_buf text;
    buf_init(&text, SECRETS_FILE_MAX);
    if ((size_t)snprintf(path, sizeof path, "%s/%s", cfg->data_dir, SECRETS_FILE_NAME) >= sizeof path)
        return status_errf(err, IG_EINVAL, "DATA_DIR is too long");
    if (sodium_init() < 0)
        return status_errf(err, IG_EINTERNAL, "libsodium failed to initialise");
    st = make_dirs(cfg->data_dir, err);
    if (st != IG_OK)
        return st;

    for (int attempt = 0;; attempt++) {
        bool exists;
        memset(&sp, 0, sizeof sp);
        wipe_buf(&text);
        buf_init(&text, SECRETS_FILE_MAX);
        st = read_file_capped(path, SECRETS_FILE_MAX, &text, &exists, err);
        if (st != IG_OK)
            goto out;
        ig_err perr = {.status = IG_OK, .msg = ""};
        st = config_parse_dotenv(text.p, text.len, secrets_pair_cb, &sp, &perr);
        if (st != IG_OK) {
            status_errf(err, st, "%s: %s", path, perr.msg);
            goto out;
        }
        if (sp.too_long) {
            st = status_errf(err, IG_EINVAL, "%s: a secret is longer than %zu bytes", path,
                             sizeof sp.secret_key - 1);
            goto out;
        }
        if (sp.secret_key[0] != '\0' && sp.jwt_secret_key[0] != '\0')
            break;
        if (attempt == 2) {
            st = status_errf(err, IG_EIO, "%s keeps changing while it is being created", path);
            goto out;
        }
        if (sp.secret_key[0] == '\0')
            fill_random_secret(sp.secret_key, sizeof sp.secret_key);
        if (sp.jwt_secret_key[0] == '\0')
            fill_random_secret(sp.jwt_secret_key, sizeof sp.jwt_secret_key);
        st = write_secrets(cfg->data_dir, path, &sp, exists, err);
        if (st == IG_OK)
            break;
        if (st != IG_ECONFLICT)
            goto out;
    }
    if (cfg->secret_key[0] == '\0')
        memcpy(cfg->secret_key, sp.secret_key, sizeof sp.secret_key);
    if (cfg->jwt_secret_key[0] == '\0')
        memcpy(cfg->jwt_secret_key, sp.jwt_secret_key, sizeof sp.jwt_secret_key);
    st = check_secrets(cfg, err);
out:
    sodium_memzero(&sp, sizeof sp);
    wipe_buf(&text);
    return st;
}

ig_status config_ensure_secrets(ig_config *cfg, ig_err *err)
{
    ig_status st = check_secrets(cfg, err);
    if (st != IG_OK)
        return st;
    if (strcmp(cfg->env, "production") == 0 || (cfg->secret_key[0] != '\0' && cfg->jwt_secret_key[0] != '\0'))
        return IG_OK;
    return secrets_from_file(cfg, err);
}

/* Copies url with the password of its userinfo replaced by "***" (scheme://user:***@host/...). */
static void mask_url(const char *url, char *out, size_t cap)
{
    const char *scheme_end = strstr(url, "://");
    const char *at = NULL;
    const char *colon = NULL;
    if (scheme_end != NULL) {
        const char *auth = scheme_end + 3;
        size_t alen = strcspn(auth, "/?#");
        for (const char *p = auth; p < auth + alen; p++) {
            if (*p == '@')
                at = p;
        }
        if (at != NULL)
            colon = memchr(auth, ':', (size_t)(at - auth));
    }
    if (colon == NULL)
        snprintf(out, cap, "%s", url);
    else
        snprintf(out, cap, "%.*s:***%s", (int)(colon - url), url, at);
}

void config_dump(const ig_config *cfg, int fd)
{
    ig_buf b;
    buf_init(&b, DUMP_MAX);
    ig_status st = IG_OK;
    for (size_t i = 0; i < NVARS && st == IG_OK; i++) {
        const var_spec *vs = &vars[i];
        const char *field = (const char *)cfg + vs->off;
        char num[32];
        char masked[sizeof((ig_config *)0)->database_url + 8];
        const char *v = num;
        switch (vs->kind) {
        case K_STR:
            v = field;
            if (vs->flags & F_SECRET) {
                v = field[0] ? "***" : "";
            } else if (vs->flags & F_URL) {
                mask_url(field, masked, sizeof masked);
                v = masked;
            }
            break;
        case K_INT: snprintf(num, sizeof num, "%d", *(const int *)field); break;
        case K_LONG: snprintf(num, sizeof num, "%ld", *(const long *)field); break;
        case K_U64: snprintf(num, sizeof num, "%llu", (unsigned long long)*(const uint64_t *)field); break;
        case K_ULL: snprintf(num, sizeof num, "%llu", *(const unsigned long long *)field); break;
        case K_SIZE: snprintf(num, sizeof num, "%zu", *(const size_t *)field); break;
        case K_BOOL: v = *(const bool *)field ? "true" : "false"; break;
        }
        st = buf_appendf(&b, "%s=", vs->name);
        if (st == IG_OK)
            st = append_dotenv_value(&b, v);
        if (st == IG_OK)
            st = buf_append(&b, "\n", 1);
    }
    for (size_t off = 0; st == IG_OK && off < b.len;) {
        ssize_t w = write(fd, b.p + off, b.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            break;
        off += (size_t)w;
    }
    buf_free(&b);
}
