/* The `openai` engine: the AI engine interface (ai/engine.h) answered by a language model behind
 * any OpenAI-compatible chat-completions endpoint (OpenAI, DeepSeek, Qwen, Ollama, llama.cpp's
 * server, vLLM), through ai/oaclient.h.
 *
 * Every operation first asks the local engine it wraps (which validates the request, so a bad
 * request is IG_EINVAL before any token is spent, and leaves an answer ready), then the model, with
 * a versioned bilingual prompt (ai/prompt.h, data/prompts/<task>.v1.<lang>.txt) that spells out
 * the reply's JSON. The reply is pulled out of prose or code fences, checked against the operation's
 * schema (ai/schema.h: types, ranges, required keys, array lengths); a reply that is not JSON, is
 * cut off, or is off-schema is sent back once with a repair prompt (repair.v1). When the model
 * still fails, or the endpoint does (timeout, 429 / 5xx after retries, open circuit, ...), the call
 * returns the local engine's answer marked "engine": "local" and "reason": "<why>" (the reasons:
 * timeout, connect, http_429, http_5xx, http_4xx, circuit_open, bad_response, invalid_json,
 * truncated, off_schema, error), logs it (event ai_fallback, never a key or a prompt) and counts
 * it. A whole operation, repair included, never takes longer than the configured timeout.
 *
 * What the model writes:
 *   generate   the questions (engine "openai" on each); bank_id null; topic and skill cut to the
 *              store's 100 bytes
 *   score      the whole analysis (scores to one decimal)
 *   follow_up  the wording of a follow-up, when the local rules say one is due (no call otherwise)
 *   report     strengths, weaknesses, the three suggestions and each question's summary; the
 *              numbers stay the local report's, computed from the stored scores
 *   refine     the fields asked for, read from the resume's text: "name", "email", "phone":
 *              str|null; "skills": [str]; "experience": [{"company", "title", "location",
 *              "start", "end" ("YYYY-MM"|"YYYY"|"present"|null), "bullets": [str]}];
 *              "education": [{"school", "degree" (as printed), "major", "start", "end", "gpa"}];
 *              "projects": [{"name", "role", "start", "end", "tech_stack": [str], "description",
 *              "url"}] (strings or null). No local fallback: a failure is IG_EIO (counted).
 * Tokens (the replies' usage) are added up globally and per request "user_id", shown by the
 * engine's metrics op (ig_ai_* series), and put on each result as engine.h says. The resume sent
 * for generation leaves out contact details (name, email, phone, links). */
#ifndef IG_AI_OPENAI_H
#define IG_AI_OPENAI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "ai/engine.h"
#include "core/log.h"
#include "core/status.h"

typedef struct ai_openai_config {
    const char *base_url;    /* with the version: "https://api.openai.com/v1" */
    const char *api_key;     /* NULL or "": none (a local server) */
    const char *model;       /* "gpt-4o-mini", "deepseek-chat", "qwen2.5:7b", ... */
    int timeout_ms;          /* the most one operation takes, retries and repair included */
    int max_concurrency;     /* requests to the endpoint in flight at once */
    /* 0 takes the client's default (ai/oaclient.h): */
    int max_attempts;
    int breaker_threshold;
    int breaker_cooldown_ms;
    int backoff_base_ms;
    int backoff_max_ms;
} ai_openai_config;

/* Whether cfg can work: IG_EINVAL with a message for the operator when it has no key but names a
 * hosted service that needs one (OpenAI's or DeepSeek's API), or no model. */
ig_status ai_openai_check(const ai_openai_config *cfg, ig_err *err);

/* Whether base_url's host is a hosted API that needs a key (OpenAI's, DeepSeek's). */
bool ai_openai_needs_key(const char *base_url);

/* Opens the engine over fallback (taken: closed with the engine, or here on failure), which
 * validates requests and answers when the model cannot. log (borrowed, NULL ok) gets the
 * fallbacks. Call from the main thread (libcurl's global initialisation). *out is the caller's to
 * ai_engine_close. */
ig_status ai_openai_open(const ai_openai_config *cfg, ai_engine *fallback, const ig_log *log, ai_engine **out,
                         ig_err *err);

/* The JSON value a model's reply (n bytes) holds: the whole reply, else the first ``` fenced block
 * that parses, else the first balanced {...} or [...] that parses (prose around it ignored).
 * IG_EINVAL when there is none; *cut is then true when an object or array opens and never closes
 * (the reply was cut off). *out (object or array) is caller-owned. */
ig_status ai_openai_extract_json(const char *text, size_t n, json_t **out, bool *cut, ig_err *err);

#endif
