/* interviewgenius: the one binary. Dispatches the commands (serve, migrate, user, version) and
 * owns every long-lived object of a serving process. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <sodium.h>
#include <uv.h>

#include "ai/asr_openai.h"
#include "ai/asr_sphinx.h"
#include "ai/audio.h"
#include "ai/live.h"
#include "ai/local.h"
#include "ai/openai.h"
#include "ai/score.h"
#include "ai/tts.h"
#include "api/api.h"
#include "http/proxy.h"
#include "jobs/jobs.h"
#include "jobs/wakeup.h"
#include "parse/sandbox.h"
#include "realtime/adapter.h"
#include "realtime/handlers.h"
#include "realtime/server.h"
#include "realtime/voice.h"
#include "parse/skills.h"
#include "services/resumes.h"
#include "core/config.h"
#include "core/log.h"
#include "services/auth.h"
#include "store/redis.h"
#include "store/redis_ratelimit.h"
#include "store/store.h"
#include "store/store_copy.h"

#define IG_VERSION "0.1.0"

static const char USAGE[] =
    "usage: interviewgenius [COMMAND] [ARGS]\n"
    "\n"
    "commands:\n"
    "  serve                 run the HTTP API (default)\n"
    "  migrate               apply pending database migrations\n"
    "  worker                run background jobs (resume parsing) without the HTTP server\n"
    "  parse FILE...         extract a resume's text (in the sandbox) and print it as JSON\n"
    "  score FILE|-          score one answer offline and print the analysis as JSON\n"
    "  user list             list accounts\n"
    "  user deactivate EMAIL block an account: no login, its tokens stop working\n"
    "  user activate EMAIL   unblock an account\n"
    "  config                print the effective configuration (secrets masked)\n"
    "  version               print the version\n"
    "\n"
    "Configuration comes from the environment and ./.env; see README.md.\n"
    "COMMAND --help prints the help of one command.\n";

static const char USAGE_SERVE[] =
    "usage: interviewgenius serve\n"
    "Applies migrations, then serves the API on HOST:PORT (default 0.0.0.0:5000) until SIGTERM or\n"
    "SIGINT, which stop accepting, finish in-flight requests and exit.\n";
static const char USAGE_WORKER[] =
    "usage: interviewgenius worker\n"
    "Runs JOB_WORKERS job threads against DATABASE_URL until SIGTERM or SIGINT (the serve command\n"
    "runs the same pool in-process; use this to scale parsing out).\n";
static const char USAGE_SCORE[] =
    "usage: interviewgenius score FILE|-\n"
    "Scores one answer with the offline scorer. FILE (- for standard input) holds one JSON object\n"
    "{question, key_points, type, skill, language (or lang), answer, difficulty}; prints the analysis\n"
    "{score, dimensions, feedback, strengths, improvements, covered_points, missing_points, engine}.\n"
    "Exits 1 with a message when the input is not such an object.\n";
static const char USAGE_PARSE[] =
    "usage: interviewgenius parse [--no-ocr] [--in-process] FILE...\n"
    "Extracts each file's text in a resource-limited child process and prints it as JSON\n"
    "({format, pages, raw_text, links, ocr}). Exits non-zero when a file fails.\n";
static const char USAGE_MIGRATE[] =
    "usage: interviewgenius migrate [--copy-from sqlite:///PATH [--upload-folder DIR]]\n"
    "Applies every pending migration to DATABASE_URL (default sqlite:///$DATA_DIR/interviewgenius.db).\n"
    "--copy-from copies an embedded installation (its SQLite database and the files of its resumes,\n"
    "from DIR, default the uploads folder beside the database file) into DATABASE_URL, which must be\n"
    "an empty PostgreSQL or MySQL database, in one transaction: ids are kept; the files go into the\n"
    "database with STORAGE=db, else into UPLOAD_FOLDER. Prints the rows copied per table.\n";
static const char USAGE_USER[] =
    "usage: interviewgenius user list | deactivate EMAIL | activate EMAIL\n";
static const char USAGE_VERSION[] = "usage: interviewgenius version\n";
static const char USAGE_CONFIG[] =
    "usage: interviewgenius config\n"
    "Prints every configuration variable as the server would see it, secrets masked.\n";

typedef struct serve_ctx {
    api_app app;
    rt_server *rt;
    adapter *adapter;  /* REDIS_URL: room emits across instances */
    voice_ctx *voice;
    uv_signal_t sigterm, sigint;
    uv_timer_t sweep;
    uv_work_t purge;
    bool purging;
    bool stopping;
} serve_ctx;

static bool wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

static int fail(const char *what, const ig_err *err)
{
    fprintf(stderr, "interviewgenius: %s: %s\n", what, err->msg);
    return 1;
}

/* mkdir -p with mode 0700 for the directories it creates. */
static int mkdir_p(const char *path)
{
    char tmp[512];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, path, n + 1);
    for (size_t i = 1; i < n; i++) {
        if (tmp[i] != '/')
            continue;
        tmp[i] = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return -1;
        tmp[i] = '/';
    }
    return mkdir(tmp, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

static ig_status prepare(ig_config *cfg, ig_log *lg, ig_err *err)
{
    ig_status st = config_load(cfg, ".env", err);
    if (st == IG_OK)
        st = log_init(lg, 2, cfg->log_level, err);
    if (st == IG_OK && mkdir_p(cfg->data_dir) != 0)
        st = status_errf(err, IG_EIO, "cannot create DATA_DIR %s: %s", cfg->data_dir, strerror(errno));
    return st;
}

static ig_status open_store(const ig_config *cfg, ig_store **store, ig_err *err)
{
    ig_status st = store_open(store, cfg->database_url, cfg->db_pool_size, cfg->db_busy_timeout,
                              cfg->db_statement_timeout, err);
    if (st != IG_OK)
        return st;
    int applied = 0;
    st = store_migrate(*store, &applied, err);
    if (st != IG_OK) {
        store_close(*store);
        *store = NULL;
    }
    return st;
}

/* REDIS_URL's pool for sessions, revoked tokens and rate limits: one connection per thread that may
 * use it at once. Redis being down at start-up is only a warning: the pool connects when it can. */
#define REDIS_TIMEOUT_MS 1000

static ig_status open_redis(const ig_config *cfg, const ig_log *lg, redis_pool **out, ig_err *err)
{
    int size = cfg->workers + cfg->hash_workers + 2;
    ig_status st = redis_pool_open(cfg->redis_url, size > 64 ? 64 : size, REDIS_TIMEOUT_MS, out, err);
    if (st != IG_OK)
        return st;
    ig_err perr = {0};
    if (redis_ping(*out, &perr) != IG_OK)
        log_printf(lg, IG_LOG_WARN, "redis_unavailable",
                   "%s; requests that need sessions answer 503 until it answers", perr.msg);
    return IG_OK;
}

/* The configured AI engine (AI_ENGINE): the offline one, or the language-model one wrapped around
 * it, which answers for it when the model cannot. *qbank (may be NULL) gets the offline engine's
 * question bank. *out is the caller's to ai_engine_close. */
static ig_status open_engine(const ig_config *cfg, const ig_log *lg, ai_engine **out, const bank **qbank,
                             ig_err *err)
{
    ai_engine *local = NULL;
    ig_status rc = ai_local_open(&local, err);
    if (rc != IG_OK)
        return rc;
    if (qbank != NULL)
        *qbank = ai_local_bank(local);
    if (strcmp(cfg->ai_engine, "openai") != 0) {
        *out = local;
        return IG_OK;
    }
    ai_openai_config oc = {
        .base_url = cfg->ai_base_url,
        .api_key = config_ai_api_key(cfg),
        .model = cfg->ai_model,
        .timeout_ms = cfg->ai_timeout * 1000,
        .max_concurrency = cfg->ai_max_concurrency,
    };
    rc = ai_openai_open(&oc, local, lg, out, err); /* takes local, even on failure */
    if (rc == IG_OK)
        log_emit(lg, IG_LOG_INFO, "ai_engine",
                 json_pack("{s:s, s:s, s:b}", "engine", "openai", "model", cfg->ai_model, "key", oc.api_key[0] != '\0'));
    return rc;
}

static void print_line(void *arg, const char *line)
{
    (void)arg;
    puts(line);
}

/* migrate --copy-from URL [--upload-folder DIR]: into the configured database (store_copy.h). */
static int cmd_copy_from(const char *source, const char *uploads)
{
    ig_config cfg;
    ig_log lg;
    ig_err err = {0};
    if (prepare(&cfg, &lg, &err) != IG_OK)
        return fail("configuration", &err);
    store_copy_opts o = {
        .source_url = source,
        .source_uploads = uploads,
        .target_url = cfg.database_url,
        .target_uploads = cfg.upload_folder,
        .files_in_db = strcmp(cfg.storage, "db") == 0,
        .busy_timeout_ms = cfg.db_busy_timeout,
    };
    if (store_copy_from(&o, print_line, NULL, &err) != IG_OK)
        return fail("migrate --copy-from", &err);
    return 0;
}

static int cmd_migrate(int argc, char **argv)
{
    const char *source = NULL, *uploads = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--copy-from") == 0 && i + 1 < argc && source == NULL) {
            source = argv[++i];
        } else if (strcmp(argv[i], "--upload-folder") == 0 && i + 1 < argc && uploads == NULL) {
            uploads = argv[++i];
        } else {
            fputs(USAGE_MIGRATE, stderr);
            return 2;
        }
    }
    if (uploads != NULL && source == NULL) {
        fputs(USAGE_MIGRATE, stderr);
        return 2;
    }
    if (source != NULL)
        return cmd_copy_from(source, uploads);

    ig_config cfg;
    ig_log lg;
    ig_err err = {0};
    ig_store *store = NULL;
    if (prepare(&cfg, &lg, &err) != IG_OK)
        return fail("configuration", &err);
    if (store_open(&store, cfg.database_url, 1, cfg.db_busy_timeout, cfg.db_statement_timeout, &err) != IG_OK)
        return fail("database", &err);
    int applied = 0, version = 0;
    ig_status st = store_migrate(store, &applied, &err);
    if (st == IG_OK)
        st = store_schema_version(store, &version, &err);
    store_close(store);
    if (st != IG_OK)
        return fail("migrate", &err);
    printf("applied %d migration(s); schema version %d\n", applied, version);
    return 0;
}

/* With REDIS_URL, the serve instances disconnect the Socket.IO sockets of a deactivated account
 * (without it this process cannot reach them; their next request is refused anyway). */
static void drop_user_sockets(const ig_config *cfg, const ig_log *lg, ig_store *store, const char *email)
{
    ig_err err = {0};
    store_user u;
    adapter_pub *pub = NULL;
    if (cfg->redis_url[0] == '\0')
        return;
    if (store_user_by_email(store, email, &u, &err) != IG_OK ||
        adapter_pub_open(cfg->redis_url, 1, lg, &pub, &err) != IG_OK ||
        adapter_pub_revoke(pub, &(rt_revoke){.user_id = u.id, .all = true}, &err) != IG_OK)
        fprintf(stderr, "interviewgenius: warning: open sockets of %s stay connected: %s\n", email, err.msg);
    adapter_pub_close(pub);
}

static int cmd_user(int argc, char **argv)
{
    ig_config cfg;
    ig_log lg;
    ig_err err = {0};
    ig_store *store = NULL;
    int rc = 1;
    if (argc < 1 || (strcmp(argv[0], "list") != 0 && argc < 2)) {
        fputs(USAGE_USER, stderr);
        return 2;
    }
    if (prepare(&cfg, &lg, &err) != IG_OK)
        return fail("configuration", &err);
    if (open_store(&cfg, &store, &err) != IG_OK)
        return fail("database", &err);
    if (strcmp(argv[0], "list") == 0) {
        json_t *users = NULL;
        if (store_user_list(store, &users, &err) != IG_OK) {
            rc = fail("user list", &err);
            goto out;
        }
        size_t i;
        json_t *u;
        json_array_foreach(users, i, u)
        {
            char *line = json_dumps(u, JSON_COMPACT);
            if (line)
                puts(line);
            free(line);
        }
        json_decref(users);
        rc = 0;
    } else if (strcmp(argv[0], "deactivate") == 0 || strcmp(argv[0], "activate") == 0) {
        char email[256];
        if (!auth_email_normalize(argv[1], strlen(argv[1]), email, sizeof email)) {
            fprintf(stderr, "interviewgenius: not an email address: %s\n", argv[1]);
            goto out;
        }
        bool active = strcmp(argv[0], "activate") == 0;
        if (store_user_set_active(store, email, active, &err) != IG_OK) {
            rc = fail(argv[0], &err);
            goto out;
        }
        printf("%s %s\n", email, active ? "activated" : "deactivated");
        if (!active)
            drop_user_sockets(&cfg, &lg, store, email);
        rc = 0;
    } else {
        fputs(USAGE_USER, stderr);
        rc = 2;
    }
out:
    store_close(store);
    return rc;
}

static int cmd_score(const char *path)
{
    ig_err err = {0};
    json_error_t je;
    skills_taxonomy *tax = NULL;
    score_ctx *ctx = NULL;
    json_t *out = NULL;
    int rc = 1;
    json_t *req = strcmp(path, "-") == 0 ? json_loadf(stdin, JSON_REJECT_DUPLICATES, &je)
                                         : json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (req == NULL) {
        fprintf(stderr, "interviewgenius: score: %s: %s\n", strcmp(path, "-") == 0 ? "<stdin>" : path, je.text);
        return 1;
    }
    if (skills_taxonomy_load(&tax, &err) != IG_OK || score_ctx_open(tax, &ctx, &err) != IG_OK) {
        rc = fail("score", &err);
        goto out;
    }
    if (score_answer(ctx, req, &out, &err) != IG_OK) {
        rc = fail("score", &err);
        goto out;
    }
    if (json_dumpf(out, stdout, JSON_INDENT(2)) == 0 && putchar('\n') != EOF && fflush(stdout) == 0)
        rc = 0;
out:
    json_decref(out);
    json_decref(req);
    score_ctx_close(ctx);
    skills_taxonomy_free(tax);
    return rc;
}

/* Hidden: every route the router serves, from the table api_init uses, as one JSON array of
 * {method, path, auth, json, upload, raw, rate_limited}; the OpenAPI test compares it with the
 * document. */
static int cmd_routes(void)
{
    size_t n = 0;
    router_route *all = api_route_table(true, true, &n);
    json_t *list = json_array();
    int rc = 1;
    for (size_t i = 0; all != NULL && list != NULL && i < n; i++) {
        int flags = ((const api_route *)all[i].handler)->flags;
        if (json_array_append_new(list, json_pack("{s:s, s:s, s:b, s:b, s:b, s:b, s:b}", "method", all[i].method,
                                                  "path", all[i].pattern, "auth", (flags & API_AUTH) != 0, "json",
                                                  (flags & API_JSON) != 0, "upload", (flags & API_UPLOAD) != 0,
                                                  "raw", (flags & API_RAW) != 0, "rate_limited",
                                                  (flags & API_NO_LIMIT) == 0)) != 0)
            goto out;
    }
    if (all != NULL && list != NULL && json_dumpf(list, stdout, JSON_INDENT(2)) == 0 && putchar('\n') != EOF &&
        fflush(stdout) == 0)
        rc = 0;
out:
    json_decref(list);
    free(all);
    return rc;
}

/* A wake-up from Redis (jobs/wakeup.h): a job was queued somewhere. */
static void wake_jobs(void *arg)
{
    jobs_notify(arg);
}

static int cmd_worker(void)
{
    ig_config cfg;
    ig_log lg;
    ig_err err = {0};
    ig_store *store = NULL;
    resumes_service resumes = {0};
    jobs_pool *jobs = NULL;
    ai_engine *engine = NULL;
    adapter_pub *pub = NULL;
    wakeup_listener *wake = NULL;
    int rc = 1;
    if (prepare(&cfg, &lg, &err) != IG_OK)
        return fail("configuration", &err);
    if (cfg.job_workers <= 0) {
        fputs("interviewgenius: worker: JOB_WORKERS must be at least 1\n", stderr);
        return 1;
    }
    /* signals are taken synchronously below, so block them before any thread starts */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (open_store(&cfg, &store, &err) != IG_OK) {
        rc = fail("database", &err);
        goto out;
    }
    /* the language model refines low-confidence resume fields; the offline engine has nothing to do here */
    if (strcmp(cfg.ai_engine, "openai") == 0 && open_engine(&cfg, &lg, &engine, NULL, &err) != IG_OK) {
        rc = fail("AI engine", &err);
        goto out;
    }
    jobs_config jc;
    jobs_config_load(&jc, &cfg);
    if (resumes_service_init(&resumes, store, &lg, cfg.upload_folder, NULL, cfg.job_max_attempts, &err) != IG_OK ||
        resumes_set_refiner(&resumes, engine, &err) != IG_OK || jobs_new(store, &lg, &jc, NULL, &jobs, &err) != IG_OK ||
        resumes_register_jobs(&resumes, jobs, &err) != IG_OK) {
        rc = fail("worker", &err);
        goto out;
    }
    /* resume_status reaches the owner's sockets, on whichever serve instance, through Redis */
    if (cfg.redis_url[0] != '\0') {
        if (adapter_pub_open(cfg.redis_url, jc.workers, &lg, &pub, &err) != IG_OK) {
            rc = fail("REDIS_URL", &err);
            goto out;
        }
        resumes_set_notifier(&resumes, handlers_resume_status_publish, pub);
    } else {
        log_printf(&lg, IG_LOG_WARN, "no_redis",
                   "REDIS_URL is not set: clients are not told when a parse ends (they poll its status)");
    }
    if (jobs_start(jobs, &err) != IG_OK) {
        rc = fail("worker", &err);
        goto out;
    }
    /* a job queued on any instance wakes the threads at once; the poll stays the fallback */
    if (cfg.redis_url[0] != '\0' && wakeup_listen(cfg.redis_url, wake_jobs, jobs, &lg, &wake, &err) != IG_OK) {
        rc = fail("REDIS_URL", &err);
        goto out;
    }
    log_emit(&lg, IG_LOG_INFO, "worker_started", json_pack("{s:i}", "threads", jc.workers));
    int sig = 0;
    sigwait(&set, &sig);
    wakeup_listener_stop(wake);
    wake = NULL;
    log_printf(&lg, IG_LOG_INFO, "shutdown", "signal %d: finishing running jobs", sig);
    if (jobs_stop(jobs, cfg.shutdown_timeout) != IG_OK)
        return 0; /* see cmd_serve: an abandoned job is retried; exit without closing under it */
    rc = 0;
out:
    wakeup_listener_stop(wake);
    jobs_free(jobs);
    adapter_pub_close(pub); /* after the job threads, which publish through it */
    resumes_service_close(&resumes);
    ai_engine_close(engine);
    store_close(store);
    return rc;
}

/* ---- serve ---- */

static void on_closed_noop(uv_handle_t *h)
{
    (void)h;
}

static void on_server_stopped(void *arg)
{
    serve_ctx *s = arg;
    log_printf(s->app.log, IG_LOG_INFO, "shutdown", "all connections closed");
    uv_close((uv_handle_t *)&s->sigterm, on_closed_noop);
    uv_close((uv_handle_t *)&s->sigint, on_closed_noop);
    uv_close((uv_handle_t *)&s->sweep, on_closed_noop);
    workpool_close(s->app.hash_pool);
    voice_shutdown(s->voice);
}

static void on_signal(uv_signal_t *sig, int signum)
{
    serve_ctx *s = sig->data;
    if (s->stopping)
        return;
    s->stopping = true;
    log_printf(s->app.log, IG_LOG_INFO, "shutdown", "signal %d: finishing in-flight requests", signum);
    rt_shutdown(s->rt); /* answers parked polls, so the HTTP side can finish */
    adapter_stop(s->adapter);
    http_server_shutdown(s->app.server, on_server_stopped, s);
}

static void purge_work(uv_work_t *w)
{
    serve_ctx *s = w->data;
    ig_err err = {0};
    if (store_purge_expired(s->app.store, time(NULL), &err) != IG_OK)
        log_printf(s->app.log, IG_LOG_WARN, "purge_failed", "%s", err.msg);
}

static void purge_done(uv_work_t *w, int status)
{
    (void)status;
    ((serve_ctx *)w->data)->purging = false;
}

static void on_sweep(uv_timer_t *t)
{
    serve_ctx *s = t->data;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ratelimit_sweep(&s->app.limiter, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    if (!s->purging) {
        s->purging = true;
        s->purge.data = s;
        if (uv_queue_work(t->loop, &s->purge, purge_work, purge_done) != 0)
            s->purging = false;
    }
}

/* The live-transcription engine (ASR_ENGINE) into *out. An offline model that cannot load leaves
 * *out NULL with a warning: the server runs, and spoken answers say transcription is unavailable.
 * A transcription endpoint that cannot be configured stops the start. */
static ig_status open_asr(const ig_config *cfg, const ig_log *lg, asr_engine **out, ig_err *err)
{
    *out = NULL;
    audio_quiet_library_logs();
    if (strcmp(cfg->asr_engine, "openai") == 0) {
        asr_openai_opts o = {
            .base_url = cfg->ai_base_url,
            .api_key = config_ai_api_key(cfg),
            .model = cfg->asr_model,
            .timeout_ms = cfg->ai_timeout * 1000,
            .max_concurrency = cfg->ai_max_concurrency,
            .max_seconds = cfg->asr_max_utterance_seconds,
        };
        return asr_openai_open(&o, out, err);
    }
    asr_sphinx_opts o = {.decoders = cfg->asr_decoders, .max_seconds = cfg->asr_max_utterance_seconds};
    ig_err why = {0};
    if (asr_sphinx_open(&o, out, &why) != IG_OK)
        log_printf(lg, IG_LOG_WARN, "asr_unavailable", "live transcription is off: %s", why.msg);
    return IG_OK;
}

/* Partial uploads of a previous process (killed mid-upload) are never resumed: remove them. */
static void remove_stale_uploads(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t n = strlen(e->d_name);
        if (strncmp(e->d_name, "upload-", 7) == 0 && n > 5 && strcmp(e->d_name + n - 5, ".part") == 0)
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static int cmd_serve(void)
{
    ig_config cfg;
    ig_log lg;
    ig_err err = {0};
    ig_store *store = NULL;
    auth_service auth;
    bool auth_ready = false;
    redis_pool *redis = NULL;
    resumes_service resumes;
    jobs_pool *jobs = NULL;
    wakeup_listener *wake = NULL;
    ai_engine *engine = NULL;
    tts *speech = NULL;
    questions_service questions;
    interviews_service interviews;
    handlers_ctx rt_handlers;
    asr_engine *asr = NULL;
    skills_taxonomy *live_tax = NULL;
    live_ctx *live = NULL;
    serve_ctx *s = calloc(1, sizeof *s);
    int rc = 1;
    uv_loop_t *loop = NULL;
    if (s == NULL)
        return 1;
    api_app *app = &s->app;

    if (prepare(&cfg, &lg, &err) != IG_OK) {
        rc = fail("configuration", &err);
        goto out;
    }
    if (config_ensure_secrets(&cfg, &err) != IG_OK) {
        rc = fail("secrets", &err);
        goto out;
    }
    if (ratelimit_parse(cfg.ratelimit_default, strlen(cfg.ratelimit_default), &app->rl_default, &err) != IG_OK ||
        ratelimit_parse(cfg.ratelimit_auth, strlen(cfg.ratelimit_auth), &app->rl_auth, &err) != IG_OK) {
        rc = fail("RATELIMIT_DEFAULT / RATELIMIT_AUTH", &err);
        goto out;
    }
    proxy_list trusted;
    if (proxy_list_parse(cfg.trusted_proxies, strlen(cfg.trusted_proxies), &trusted, &err) != IG_OK) {
        rc = fail("TRUSTED_PROXIES", &err);
        goto out;
    }
    /* libuv sizes its pool from the environment on first use */
    char nthreads[16];
    snprintf(nthreads, sizeof nthreads, "%d", cfg.workers);
    setenv("UV_THREADPOOL_SIZE", nthreads, 1);
    signal(SIGPIPE, SIG_IGN);
    raise_nofile();

    if (open_store(&cfg, &store, &err) != IG_OK) {
        rc = fail("database", &err);
        goto out;
    }
    password_params pw = {cfg.pwhash_opslimit, cfg.pwhash_memlimit};
    if (auth_service_init(&auth, store, cfg.jwt_secret_key, &pw, cfg.jwt_access_expires,
                          cfg.jwt_refresh_expires, &err) != IG_OK) {
        rc = fail("auth", &err);
        goto out;
    }
    auth_ready = true;
    if (cfg.redis_url[0] != '\0') {
        if (open_redis(&cfg, &lg, &redis, &err) != IG_OK) {
            rc = fail("REDIS_URL", &err);
            goto out;
        }
        auth_use_redis(&auth, redis);
    }
    if (resumes_service_init(&resumes, store, &lg, cfg.upload_folder, NULL, cfg.job_max_attempts, &err) != IG_OK) {
        rc = fail("resumes", &err);
        goto out;
    }
    resumes_set_storage(&resumes, strcmp(cfg.storage, "db") == 0);
    resumes_set_wakeup(&resumes, redis);
    app->resumes = &resumes;
    /* one engine and one speech synthesiser for the process, shared by every request and job */
    const bank *qbank = NULL;
    if (open_engine(&cfg, &lg, &engine, &qbank, &err) != IG_OK) {
        rc = fail("AI engine", &err);
        goto out;
    }
    if (resumes_set_refiner(&resumes, engine, &err) != IG_OK) {
        rc = fail("resumes", &err);
        goto out;
    }
    if (tts_open(&speech, NULL, &err) != IG_OK ||
        questions_service_init(&questions, store, engine, qbank, speech, &lg, cfg.data_dir, &err) != IG_OK ||
        interviews_service_init(&interviews, store, engine, &questions, &lg, &err) != IG_OK) {
        rc = fail("interviews", &err);
        goto out;
    }
    app->questions = &questions;
    app->interviews = &interviews;
    /* the Socket.IO server exists before the job threads start: they push resume status to it */
    loop = uv_default_loop();
    rt_config rtc = {
        .ping_interval_ms = (uint64_t)cfg.rt_ping_interval,
        .ping_timeout_ms = (uint64_t)cfg.rt_ping_timeout,
        .max_payload = (size_t)cfg.rt_max_payload,
        .max_sessions = cfg.max_connections,
        .cors_origins = cfg.cors_origins,
        .log = &lg,
    };
    rt_handlers = (handlers_ctx){loop, &auth, store, &lg};
    if (rt_new(loop, &rtc, &s->rt, &err) != IG_OK || handlers_register(&rt_handlers, s->rt, &err) != IG_OK) {
        rc = fail("realtime", &err);
        goto out;
    }
    resumes_set_notifier(&resumes, handlers_resume_status, s->rt);
    auth_set_revoke_listener(&auth, handlers_revoked, s->rt); /* sockets of revoked tokens go at once */
    if (cfg.redis_url[0] != '\0' && adapter_start(loop, s->rt, cfg.redis_url, &lg, &s->adapter, &err) != IG_OK) {
        rc = fail("REDIS_URL", &err);
        goto out;
    }
    /* spoken answers: decoding and recognition on threads of their own (about two per decoder:
     * one recognising, one waiting to finish an answer) */
    if (open_asr(&cfg, &lg, &asr, &err) != IG_OK || skills_taxonomy_load(&live_tax, &err) != IG_OK ||
        live_ctx_open(live_tax, &live, &err) != IG_OK) {
        rc = fail("live transcription", &err);
        goto out;
    }
    voice_deps vd = {loop, asr, live, &interviews, store, &lg};
    voice_config vc = {
        .max_seconds = cfg.asr_max_utterance_seconds,
        .max_streams_per_user = cfg.rt_max_streams_per_user,
        .threads = cfg.asr_decoders * 2 + 2,
        .data_dir = cfg.data_dir,
    };
    if (voice_new(&vd, &vc, &s->voice, &err) != IG_OK || voice_register(s->voice, s->rt, &err) != IG_OK) {
        rc = fail("realtime", &err);
        goto out;
    }
    app->mount = (api_mount){rt_http_path, rt_http_body_limit, rt_http_request, s->rt, RT_PATH};
    if (cfg.job_workers > 0) {
        jobs_config jc;
        jobs_config_load(&jc, &cfg);
        if (jobs_new(store, &lg, &jc, NULL, &jobs, &err) != IG_OK ||
            resumes_register_jobs(&resumes, jobs, &err) != IG_OK || jobs_start(jobs, &err) != IG_OK ||
            (redis && wakeup_listen(cfg.redis_url, wake_jobs, jobs, &lg, &wake, &err) != IG_OK)) {
            rc = fail("jobs", &err);
            goto out;
        }
    }

    snprintf(app->upload_tmp, sizeof app->upload_tmp, "%s/.tmp", cfg.upload_folder);
    if (mkdir_p(app->upload_tmp) != 0) {
        status_errf(&err, IG_EIO, "cannot create %s: %s", app->upload_tmp, strerror(errno));
        rc = fail("UPLOAD_FOLDER", &err);
        goto out;
    }
    remove_stale_uploads(app->upload_tmp);
    loop = uv_default_loop();
    app->cfg = &cfg;
    app->log = &lg;
    app->loop = loop;
    app->store = store;
    app->auth = &auth;
    if ((app->metrics = metrics_new()) == NULL ||
        (redis ? redis_ratelimit_new(redis, &lg, 100000, &app->limiter, &err)
               : ratelimit_memory_new(100000, &app->limiter, &err)) != IG_OK ||
        workpool_new(loop, cfg.hash_workers, &app->hash_pool, &err) != IG_OK || api_init(app, &err) != IG_OK) {
        rc = fail("start-up", &err);
        goto out;
    }
    http_limits lim = {
        .max_header_size = (size_t)cfg.max_header_size,
        .max_headers = (size_t)cfg.max_headers,
        .header_timeout_ms = (uint64_t)cfg.header_timeout,
        .body_timeout_ms = (uint64_t)cfg.body_timeout,
        .body_idle_timeout_ms = (uint64_t)cfg.body_idle_timeout,
        .body_min_rate = (uint64_t)cfg.body_min_rate,
        .keepalive_timeout_ms = (uint64_t)cfg.keepalive_timeout,
        .shutdown_timeout_ms = (uint64_t)cfg.shutdown_timeout,
        .max_connections = cfg.max_connections,
        .trusted_proxies = &trusted,
    };
    if (http_server_new(loop, &lim, api_http_callbacks(), app, &app->server, &err) != IG_OK ||
        http_server_listen(app->server, cfg.host, cfg.port, &err) != IG_OK) {
        rc = fail("listen", &err);
        goto out;
    }
    uv_signal_init(loop, &s->sigterm);
    uv_signal_init(loop, &s->sigint);
    s->sigterm.data = s->sigint.data = s;
    uv_signal_start(&s->sigterm, on_signal, SIGTERM);
    uv_signal_start(&s->sigint, on_signal, SIGINT);
    uv_timer_init(loop, &s->sweep);
    s->sweep.data = s;
    uv_timer_start(&s->sweep, on_sweep, 60000, 60000);

    log_emit(&lg, IG_LOG_INFO, "listening",
             json_pack("{s:s, s:i, s:s, s:i}", "host", cfg.host, "port", http_server_port(app->server), "env",
                       cfg.env, "workers", cfg.workers));
    uv_run(loop, UV_RUN_DEFAULT);
    log_printf(&lg, IG_LOG_INFO, "stopped", "bye");
    rc = 0;
out:
    if (s->rt && rc != 0) {
        rt_shutdown(s->rt); /* its handles, and the adapter's, close in the loop runs below */
        adapter_stop(s->adapter);
    }
    if (rc != 0)
        voice_shutdown(s->voice);
    if (app->server) {
        if (rc != 0) {
            /* failed before serving: close what was opened so the loop can be freed */
            http_server_shutdown(app->server, NULL, NULL);
            if (app->hash_pool)
                workpool_close(app->hash_pool);
            uv_run(loop, UV_RUN_DEFAULT);
        }
        http_server_free(app->server);
    } else if (app->hash_pool) {
        workpool_close(app->hash_pool);
        uv_run(loop, UV_RUN_DEFAULT);
    } else if (s->rt) {
        uv_run(loop, UV_RUN_DEFAULT);
    }
    if (loop)
        uv_loop_close(loop);
    wakeup_listener_stop(wake);
    if (jobs && jobs_stop(jobs, cfg.shutdown_timeout) != IG_OK) {
        /* a handler is still running: its job's lease will expire and it is retried elsewhere or
         * after a restart; the store must stay open under it, so exit without tearing down */
        log_printf(&lg, IG_LOG_WARN, "shutdown", "a background job is still running; it will be retried");
        return rc;
    }
    jobs_free(jobs);
    rt_free(s->rt); /* after the job threads, which push to it */
    adapter_free(s->adapter);
    voice_free(s->voice);
    asr_engine_close(asr); /* after the voice module's last stream */
    live_ctx_close(live);
    skills_taxonomy_free(live_tax);
    if (app->resumes)
        resumes_service_close(&resumes);
    api_free(app);
    tts_close(speech);
    ai_engine_close(engine);
    if (app->limiter.destroy)
        ratelimit_destroy(&app->limiter);
    metrics_free(app->metrics);
    if (auth_ready)
        auth_service_wipe(&auth);
    redis_pool_close(redis);
    store_close(store);
    free(s);
    return rc;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0) {
        fputs("interviewgenius: libsodium failed to initialise\n", stderr);
        return 1;
    }
    const char *cmd = argc > 1 ? argv[1] : "serve";
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(USAGE, stdout);
        return 0;
    }
    int sub_argc = argc > 2 ? argc - 2 : 0;
    char **sub_argv = argv + 2;
    if (strcmp(cmd, "serve") == 0) {
        if (wants_help(sub_argc, sub_argv)) {
            fputs(USAGE_SERVE, stdout);
            return 0;
        }
        return cmd_serve();
    }
    if (strcmp(cmd, "worker") == 0) {
        if (wants_help(sub_argc, sub_argv)) {
            fputs(USAGE_WORKER, stdout);
            return 0;
        }
        return cmd_worker();
    }
    if (strcmp(cmd, "extract") == 0) /* the sandboxed child of parse_extract_sandboxed */
        return parse_child_main(sub_argc, sub_argv);
    if (strcmp(cmd, "score") == 0) {
        if (sub_argc != 1 || wants_help(sub_argc, sub_argv)) {
            bool help = wants_help(sub_argc, sub_argv);
            fputs(USAGE_SCORE, help ? stdout : stderr);
            return help ? 0 : 2;
        }
        return cmd_score(sub_argv[0]);
    }
    if (strcmp(cmd, "parse") == 0) {
        if (sub_argc == 0 || wants_help(sub_argc, sub_argv)) {
            fputs(USAGE_PARSE, sub_argc == 0 ? stderr : stdout);
            return sub_argc == 0 ? 2 : 0;
        }
        return parse_cli_main("/proc/self/exe", sub_argc, sub_argv);
    }
    if (strcmp(cmd, "migrate") == 0) {
        if (wants_help(sub_argc, sub_argv)) {
            fputs(USAGE_MIGRATE, stdout);
            return 0;
        }
        return cmd_migrate(sub_argc, sub_argv);
    }
    if (strcmp(cmd, "user") == 0) {
        if (wants_help(sub_argc, sub_argv)) {
            fputs(USAGE_USER, stdout);
            return 0;
        }
        return cmd_user(sub_argc, sub_argv);
    }
    if (strcmp(cmd, "config") == 0) {
        if (wants_help(sub_argc, sub_argv)) {
            fputs(USAGE_CONFIG, stdout);
            return 0;
        }
        ig_config cfg;
        ig_err err = {0};
        if (config_load(&cfg, ".env", &err) != IG_OK)
            return fail("configuration", &err);
        config_dump(&cfg, 1);
        return 0;
    }
    if (strcmp(cmd, "routes") == 0) /* hidden: for the OpenAPI test */
        return cmd_routes();
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        if (wants_help(sub_argc, sub_argv)) {
            fputs(USAGE_VERSION, stdout);
            return 0;
        }
        printf("interviewgenius %s\n", IG_VERSION);
        return 0;
    }
    fprintf(stderr, "interviewgenius: unknown command '%s'\n\n%s", cmd, USAGE);
    return 2;
}
