/* The offline engine (see ai/local.h): a thin dispatch from the engine operations to the modules
 * that do the work, over data loaded once at open. */
#include "ai/local.h"

#include <stdlib.h>

#include "ai/followup.h"
#include "ai/generate.h"
#include "ai/report.h"
#include "ai/score.h"
#include "parse/skills.h"

typedef struct ai_local {
    ai_engine base; /* first: the engine interface */
    skills_taxonomy *tax;
    bank *bank;
    score_ctx *score;
} ai_local;

static ig_status local_generate(ai_engine *e, const json_t *req, json_t **out, ig_err *err)
{
    const ai_local *l = (const ai_local *)e;
    return generate_questions(l->bank, l->tax, req, out, err);
}

static ig_status local_score(ai_engine *e, const json_t *req, json_t **out, ig_err *err)
{
    const ai_local *l = (const ai_local *)e;
    return score_answer(l->score, req, out, err);
}

static ig_status local_follow_up(ai_engine *e, const json_t *req, json_t **out, ig_err *err)
{
    (void)e;
    return followup_make(req, out, err);
}

static ig_status local_report(ai_engine *e, const json_t *req, json_t **out, ig_err *err)
{
    (void)e;
    return report_build(req, out, err);
}

static void local_close(ai_engine *e)
{
    ai_local *l = (ai_local *)e;
    score_ctx_close(l->score);
    bank_close(l->bank);
    skills_taxonomy_free(l->tax);
    free(l);
}

static const ai_engine_ops local_ops = {
    .name = "local",
    .generate = local_generate,
    .score = local_score,
    .follow_up = local_follow_up,
    .report = local_report,
    .close = local_close,
};

ig_status ai_local_open(ai_engine **out, ig_err *err)
{
    ig_status rc;
    ai_local *l = calloc(1, sizeof *l);
    if (l == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory opening the local engine");
    l->base.ops = &local_ops;
    if ((rc = skills_taxonomy_load(&l->tax, err)) != IG_OK || (rc = bank_open(l->tax, &l->bank, err)) != IG_OK ||
        (rc = score_ctx_open(l->tax, &l->score, err)) != IG_OK) {
        local_close(&l->base);
        return rc;
    }
    *out = &l->base;
    return IG_OK;
}

const bank *ai_local_bank(const ai_engine *e)
{
    return e != NULL && e->ops == &local_ops ? ((const ai_local *)e)->bank : NULL;
}
