/* The offline `local` engine: the AI engine interface (ai/engine.h) answered from shipped data
 * alone: questions chosen from the bank (ai/generate.h), answers scored by ai/score.h, follow-ups
 * (ai/followup.h) and reports (ai/report.h). Everything it loads is immutable after open, so one
 * engine serves every worker thread without locks. */
#ifndef IG_AI_LOCAL_H
#define IG_AI_LOCAL_H

#include "ai/bank.h"
#include "ai/engine.h"
#include "core/status.h"

/* Loads the question bank, the skills taxonomy and the scorer once; ops name "local". IG_EINVAL
 * when shipped data is malformed (the message names the file and entry). *out is the caller's to
 * ai_engine_close. */
ig_status ai_local_open(ai_engine **out, ig_err *err);

/* The question bank of a local engine (for browsing it: bank_find), borrowed for the engine's
 * lifetime; NULL when e is another engine. */
const bank *ai_local_bank(const ai_engine *e);

#endif
