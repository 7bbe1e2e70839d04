/* Configuration: the environment, then an optional .env file (the environment wins), then defaults.
 * Names follow the seed (SECRET_KEY, DATABASE_URL, JWT_*, UPLOAD_FOLDER, ...). One config struct,
 * owned by main, read-only after config_load. */
#ifndef IG_CORE_CONFIG_H
#define IG_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

typedef struct ig_config {
    char env[32];            /* ENV: development | production | test */
    char host[64];           /* HOST, default 0.0.0.0 */
    int port;                /* PORT, default 5000 */
    char data_dir[512];      /* DATA_DIR, default ./var */
    char database_url[1024]; /* DATABASE_URL, default sqlite:///<DATA_DIR>/interviewgenius.db */
    char redis_url[512];     /* REDIS_URL, optional */
    char secret_key[256];    /* SECRET_KEY; generated into DATA_DIR when unset outside production */
    char jwt_secret_key[256];/* JWT_SECRET_KEY; idem */
    long jwt_access_expires; /* JWT_ACCESS_TOKEN_EXPIRES seconds, default 86400 */
    long jwt_refresh_expires;/* JWT_REFRESH_TOKEN_EXPIRES seconds, default 2592000 */
    char upload_folder[512]; /* UPLOAD_FOLDER, default <DATA_DIR>/uploads */
    char storage[8];         /* STORAGE: where uploads are kept: local (UPLOAD_FOLDER, default) | db (the
                                database, so any instance serves any file) */
    uint64_t max_content_length; /* MAX_CONTENT_LENGTH bytes, default 100 MiB (uploads) */
    uint64_t max_json_body;  /* MAX_JSON_BODY bytes, default 1 MiB */
    char openai_api_key[256];   /* OPENAI_API_KEY, optional */
    char deepseek_api_key[256]; /* DEEPSEEK_API_KEY, optional */
    int workers;             /* WORKERS: request thread pool size, default 4 */
    int hash_workers;        /* HASH_WORKERS: password-hashing pool size, default 2 */
    char log_level[16];      /* LOG_LEVEL: debug | info | warn | error, default info */
    bool ratelimit_enabled;  /* RATELIMIT_ENABLED, default true */
    char ratelimit_default[64]; /* RATELIMIT_DEFAULT, default "100 per hour" (per client IP) */
    char ratelimit_auth[64];    /* RATELIMIT_AUTH, default "10 per minute" (register/login, per IP and per email) */
    char trusted_proxies[1024]; /* TRUSTED_PROXIES: comma-separated IPs or CIDRs of the proxies whose
                                   X-Forwarded-For names the client, default "" (none) */
    char cors_origins[1024]; /* CORS_ORIGINS: comma-separated origins or "*", default "*" */
    int password_min_length; /* PASSWORD_MIN_LENGTH, default 8 */
    unsigned long long pwhash_opslimit; /* PWHASH_OPSLIMIT, default libsodium's interactive */
    size_t pwhash_memlimit;  /* PWHASH_MEMLIMIT bytes, default libsodium's interactive (64 MiB) */
    int max_connections;     /* MAX_CONNECTIONS, default 10000 */
    int max_header_size;     /* MAX_HEADER_SIZE bytes, default 16384 -> 431 */
    int max_headers;         /* MAX_HEADERS count, default 100 -> 431 */
    int header_timeout;      /* HEADER_TIMEOUT ms, default 10000 */
    int body_timeout;        /* BODY_TIMEOUT ms: grace before BODY_MIN_RATE applies, default 30000 */
    int body_idle_timeout;   /* BODY_IDLE_TIMEOUT ms, default 15000 */
    long body_min_rate;      /* BODY_MIN_RATE bytes/s averaged, default 1024 */
    int keepalive_timeout;   /* KEEPALIVE_TIMEOUT ms, default 5000 */
    int shutdown_timeout;    /* SHUTDOWN_TIMEOUT ms to finish in-flight requests, default 30000 */
    int db_pool_size;        /* DB_POOL_SIZE, default WORKERS + JOB_WORKERS + 3 */
    int db_busy_timeout;     /* DB_BUSY_TIMEOUT ms, default 5000 */
    int db_statement_timeout; /* DB_STATEMENT_TIMEOUT ms (PostgreSQL/MySQL), default 30000; 0: none */
    int job_workers;         /* JOB_WORKERS: background job threads in serve and worker, default 2; 0 in
                                serve leaves the jobs to `interviewgenius worker` processes */
    int job_poll_ms;         /* JOB_POLL_MS: how often idle job threads look for due jobs, default 1000 */
    int job_lease_seconds;   /* JOB_LEASE_SECONDS: a job whose worker stops renewing this long is retried, default 60 */
    int job_max_attempts;    /* JOB_MAX_ATTEMPTS: tries before a job (and its resume) fails, default 3 */
    int rt_ping_interval;    /* RT_PING_INTERVAL ms: Socket.IO heartbeat period (pingInterval), default 25000 */
    int rt_ping_timeout;     /* RT_PING_TIMEOUT ms: an unanswered ping closes the connection, default 20000 */
    uint64_t rt_max_payload; /* RT_MAX_PAYLOAD bytes of one Socket.IO message or polling POST, default 1000000 */
    int rt_max_streams_per_user; /* RT_MAX_STREAMS_PER_USER: live audio streams one user may have at once, default 2 */
    int asr_decoders;        /* ASR_DECODERS: PocketSphinx decoders (~100 MB each) shared by all live streams, default 2 */
    int asr_max_utterance_seconds; /* ASR_MAX_UTTERANCE_SECONDS: audio of one utterance past this is refused, default 120 */
    char ai_engine[16];      /* AI_ENGINE: local | openai (any OpenAI-compatible server), default local */
    char ai_base_url[512];   /* AI_BASE_URL with the version (/v1), default https://api.openai.com/v1, or
                                https://api.deepseek.com/v1 when DEEPSEEK_API_KEY is the only key */
    char ai_model[128];      /* AI_MODEL, default gpt-4o-mini (deepseek-chat with DeepSeek's default URL) */
    int ai_timeout;          /* AI_TIMEOUT seconds one AI call may take, retries included, default 30 */
    int ai_max_concurrency;  /* AI_MAX_CONCURRENCY: requests to the model server at once, default 4 */
    char asr_engine[16];     /* ASR_ENGINE: pocketsphinx | openai (AI_BASE_URL's /audio/transcriptions),
                                default pocketsphinx */
    char asr_model[128];     /* ASR_MODEL for ASR_ENGINE=openai, default whisper-1 */
    char web_root[512];      /* WEB_ROOT: the web UI's files, served at /, default ./web (relative to the
                                working directory); a missing directory serves no UI */
} ig_config;

/* Fills cfg from env_path (.env; may not exist; NULL skips it) and the environment. An empty value
 * counts as unset (the default applies), as with the seed's `os.environ.get(X) or default`.
 * Invalid values are IG_EINVAL naming the variable: numbers are plain decimals within their range,
 * booleans are 1/0, true/false, yes/no, on/off; strings must fit their field; ENV and LOG_LEVEL
 * must be one of the listed names (folded to lower case). A .env over 1 MiB is IG_ETOOBIG.
 * DATA_DIR loses trailing slashes before the paths derived from it are built.
 * RATELIMIT_DEFAULT and RATELIMIT_AUTH are stored unchecked: main validates them with
 * ratelimit_parse (core may not depend on http/), TRUSTED_PROXIES likewise with proxy_list_parse. */
ig_status config_load(ig_config *cfg, const char *env_path, ig_err *err);

/* Parses one .env text (KEY=VALUE lines, # comments, optional `export `, single or double quotes)
 * and calls fn for each pair. Lengths are explicit; values are NUL-terminated copies valid only
 * during the call. Single quotes are literal; double quotes understand \n, \" and \\; both may span
 * lines. Unquoted values end at a '#' that follows a space or tab and are trimmed. Keys are
 * [A-Za-z_][A-Za-z0-9_]* of at most 128 bytes, values at most 4096 bytes, no NUL bytes.
 * Returns IG_EINVAL with the line number on a malformed line (pairs before it were delivered). */
typedef void (*config_pair_fn)(const char *key, const char *value, void *arg);
ig_status config_parse_dotenv(const char *text, size_t len, config_pair_fn fn, void *arg, ig_err *err);

/* Makes sure SECRET_KEY and JWT_SECRET_KEY are real: in production, missing or weak (< 32 bytes)
 * secrets are an error; otherwise missing ones are generated once into <DATA_DIR>/secrets.env
 * (mode 0600) and reused on every start. The seed's placeholders ("your-secret-key-here",
 * "jwt-secret-string") are refused in every ENV. Generated secrets are 32 random bytes, hex. */
ig_status config_ensure_secrets(ig_config *cfg, ig_err *err);

/* The API key to send to AI_BASE_URL: DEEPSEEK_API_KEY for DeepSeek's API (else OPENAI_API_KEY),
 * OPENAI_API_KEY for any other server; "" when none (a local server needs none). Borrowed. */
const char *config_ai_api_key(const ig_config *cfg);

/* Writes the configuration as KEY=value lines (for `interviewgenius config`): secrets and API keys
 * as "***" when set ("" when not), URL passwords as "***"; values are quoted where needed so the
 * output reads back as a .env. */
void config_dump(const ig_config *cfg, int fd);

#endif
