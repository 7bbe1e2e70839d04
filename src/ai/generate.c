/* Question selection (see ai/generate.h). The request is validated, the resume reduced to a
 * profile (weighted skills, projects, jobs, years, job-description gaps), the interview cut into
 * slots (a category and a difficulty each), and every slot filled by a weighted draw over the bank
 * entries that fit it, with the entry's placeholders filled from the profile. */
#include "ai/generate.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/utf8.h"
#include "parse/skills.h"

#define MAX_SKILLS 64
#define MAX_PLACES 16
#define MAX_GAPS 8
#define MAX_WEAK 16
#define NAME_BYTES 80 /* the most bytes of a resume name put into a question */
#define SKILL_BYTES 64
#define TYPE_MIXED BANK_NTYPES
#define DUP_THRESHOLD 0.6 /* Jaccard similarity of two texts' words at which they are near-duplicates */
#define TEXT_MAX (16 * 1024)
/* Technical questions are shared out between skill buckets: one per candidate skill and one for
 * general technical and CS questions that no skill of the resume asks for. */
#define BUCKETS (MAX_SKILLS + 1)
#define BUCKET_GENERAL MAX_SKILLS
#define GENERAL_SHARE 0.08 /* of the skills' total weight */
#define SPENT_QUOTA 0.02   /* the draw weight of a bucket whose share is used up */

/* A skill of the candidate. */
typedef struct cskill {
    char name[SKILL_BYTES + 1];
    double base;     /* where the resume shows it (see finish_weights) */
    long mentions;   /* how often: the parsed count, else the places that show it */
    double weight;
    bool jd;         /* the job description asks for it */
    bool projects;   /* the resume shows it in projects */
    bool experience; /* the resume shows it in a job */
    int used;        /* questions on it so far */
} cskill;

/* A project (name) or a job (company, title) of the candidate. */
typedef struct place {
    char name[NAME_BYTES + 1];
    char title[NAME_BYTES + 1];
    uint64_t skills; /* bit i: profile skill i used there */
    int used;
} place;

typedef struct profile {
    cskill skills[MAX_SKILLS];
    size_t n_skills;
    place projects[MAX_PLACES];
    size_t n_projects;
    place jobs[MAX_PLACES];
    size_t n_jobs;
    double years; /* < 0: unknown */
    char gaps[MAX_GAPS][SKILL_BYTES + 1]; /* skills the job description asks for that the resume lacks */
    int gap_used[MAX_GAPS];
    size_t n_gaps;
    const char *weak[MAX_WEAK]; /* borrowed from the request */
    size_t n_weak;
} profile;

typedef struct greq {
    const json_t *resume;
    int type; /* bank_type or TYPE_MIXED */
    bank_level level;
    size_t count;
    bank_lang lang;
    const char *jd;
    size_t jd_len;
    uint64_t seed;
    const json_t *weak;
} greq;

/* What a bank entry is to this candidate, worked out once per request. */
typedef struct ecand {
    int skill;     /* profile index of the entry's skill; -1 */
    int gap;       /* gap index of the entry's skill; -1 */
    bool cs;       /* the entry's skill is a CS fundamental (asked of anyone) */
    bool weak;     /* its topic is a weak topic */
    bool usable;   /* it has text in the language */
    bool taken;    /* chosen, or refused as a near-duplicate */
    bool topic;    /* a chosen question has its topic */
} ecand;

/* Names chosen for an entry's placeholders: profile indexes, -1 for none. */
typedef struct fillv {
    int skill, skill2, project, job;
    const char *skill_name; /* what {skill} becomes; NULL when unknown */
} fillv;

typedef struct slot {
    bank_type cat;
    bank_level level;
    bool gap; /* probes a job-description skill the resume lacks */
} slot;

/* Words of a chosen text, for the near-duplicate test. */
#define SIG_MAX 48
typedef struct sig {
    uint32_t h[SIG_MAX];
    size_t n;
} sig;

typedef struct gen {
    const bank *b;
    const skills_taxonomy *tax;
    greq r;
    profile p;
    ecand *ec;
    double *w;
    size_t n;
    uint64_t rng;
    int *bucket; /* per entry, in the current draw: its skill bucket, -1 for none */
    double quota[BUCKETS]; /* technical questions still to ask per skill bucket */
    size_t weak_left;      /* questions still to give to weak topics */
    sig chosen[GENERATE_COUNT_MAX];
    size_t n_chosen;
    ig_err *err;
} gen;

/* ---- randomness: splitmix64, so a seed means the same questions on every platform ---- */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double rng_unit(uint64_t *s) { return (double)(rng_next(s) >> 11) * 0x1.0p-53; }

/* ---- the taxonomy ---- */

/* The taxonomy's name of a skill as printed; NULL without a taxonomy or when it is unknown. */
static const char *canonical(const gen *g, const char *s, size_t n)
{
    if (g->tax == NULL)
        return NULL;
    const skills_entry *e = skills_lookup(g->tax, s, n);
    return e != NULL ? e->name : NULL;
}

static bool is_cs_skill(const gen *g, const char *name)
{
    if (g->tax == NULL || name == NULL)
        return false;
    const skills_entry *e = skills_lookup(g->tax, name, strlen(name));
    return e != NULL && e->category != NULL && strcmp(e->category, "cs") == 0;
}

/* ---- the profile ---- */

/* Copies at most cap bytes of s[0..n) into out as one line: blanks collapsed, trimmed, cut on a
 * character boundary, braces made parentheses (a name never reads as a placeholder). */
static void clean_name(const char *s, size_t n, char *out, size_t cap)
{
    size_t w = 0, i = 0;
    bool space = false;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c < 0x20) {
            space = w > 0;
            i++;
            continue;
        }
        size_t len = c < 0x80 ? 1 : utf8_decode((const unsigned char *)s + i, n - i, NULL);
        if (len == 0) {
            i++;
            continue;
        }
        if (w + (space ? 1 : 0) + len > cap)
            break;
        if (space)
            out[w++] = ' ';
        space = false;
        memcpy(out + w, s + i, len);
        if (c == '{' || c == '}')
            out[w] = c == '{' ? '(' : ')';
        w += len;
        i += len;
    }
    out[w] = '\0';
}

/* The profile index of a skill, added when new (with weight 0); -1 when it cannot be kept. */
static int skill_index(gen *g, const char *s, size_t n)
{
    char name[SKILL_BYTES + 1];
    const char *c = canonical(g, s, n);
    if (c != NULL)
        clean_name(c, strlen(c), name, SKILL_BYTES);
    else if (n <= SKILL_BYTES)
        clean_name(s, n, name, SKILL_BYTES);
    else
        return -1;
    if (name[0] == '\0')
        return -1;
    profile *p = &g->p;
    for (size_t i = 0; i < p->n_skills; i++)
        if (strcasecmp(p->skills[i].name, name) == 0)
            return (int)i;
    if (p->n_skills == MAX_SKILLS)
        return -1;
    cskill *k = &p->skills[p->n_skills];
    memset(k, 0, sizeof *k);
    memcpy(k->name, name, strlen(name) + 1);
    return (int)p->n_skills++;
}

static int find_skill(const profile *p, const char *name)
{
    for (size_t i = 0; i < p->n_skills; i++)
        if (strcasecmp(p->skills[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* The skills listed in arr (strings) as a bit set of profile indexes, each credited with w. */
static uint64_t skill_set(gen *g, const json_t *arr, bool in_projects)
{
    uint64_t set = 0;
    size_t i;
    const json_t *v;
    json_array_foreach(arr, i, v) {
        if (!json_is_string(v))
            continue;
        int k = skill_index(g, json_string_value(v), json_string_length(v));
        if (k < 0 || (set & (1ull << k)))
            continue;
        set |= 1ull << k;
        cskill *s = &g->p.skills[k];
        /* each further job or project that shows it adds a little */
        bool *flag = in_projects ? &s->projects : &s->experience;
        s->base += *flag ? 0.5 : 2.0;
        s->mentions++;
        *flag = true;
    }
    return set;
}

static void add_places(gen *g, const json_t *arr, bool jobs)
{
    size_t i;
    const json_t *o;
    json_array_foreach(arr, i, o) {
        if (!json_is_object(o))
            continue;
        profile *p = &g->p;
        size_t *n = jobs ? &p->n_jobs : &p->n_projects;
        if (*n == MAX_PLACES)
            return;
        place *pl = &(jobs ? p->jobs : p->projects)[*n];
        memset(pl, 0, sizeof *pl);
        const json_t *name = json_object_get(o, jobs ? "company" : "name");
        if (json_is_string(name))
            clean_name(json_string_value(name), json_string_length(name), pl->name, NAME_BYTES);
        const json_t *title = jobs ? json_object_get(o, "title") : NULL;
        if (json_is_string(title))
            clean_name(json_string_value(title), json_string_length(title), pl->title, NAME_BYTES);
        pl->skills = skill_set(g, json_object_get(o, jobs ? "skills" : "tech_stack"), !jobs);
        if (pl->name[0] != '\0' || pl->title[0] != '\0')
            (*n)++;
    }
}

/* What the skills list adds: 1 for being listed, 2 for each of experience and projects its
 * sources name that no job or project entry credited yet, 0.5 for the summary; and its count. */
static void add_listed_skills(gen *g, const json_t *arr)
{
    size_t i;
    const json_t *o;
    json_array_foreach(arr, i, o) {
        const json_t *name = json_is_object(o) ? json_object_get(o, "name") : o;
        if (!json_is_string(name))
            continue;
        int k = skill_index(g, json_string_value(name), json_string_length(name));
        if (k < 0)
            continue;
        cskill *s = &g->p.skills[k];
        s->base += 1.0;
        s->mentions++;
        if (!json_is_object(o))
            continue;
        size_t j;
        const json_t *src;
        json_array_foreach(json_object_get(o, "sources"), j, src) {
            const char *v = json_string_value(src);
            if (v == NULL)
                continue;
            if (strcmp(v, "experience") == 0 && !s->experience) {
                s->experience = true;
                s->base += 2.0;
            } else if (strcmp(v, "projects") == 0 && !s->projects) {
                s->projects = true;
                s->base += 2.0;
            } else if (strcmp(v, "summary") == 0) {
                s->base += 0.5;
            }
        }
        json_int_t count = json_integer_value(json_object_get(o, "count"));
        if (count > s->mentions)
            s->mentions = count > 1000 ? 1000 : (long)count;
    }
}

/* A skill's weight: where it shows times how often, the count on a log scale (7 mentions weigh
 * about four times 1, not seven times). */
static void finish_weights(profile *p)
{
    for (size_t i = 0; i < p->n_skills; i++) {
        cskill *s = &p->skills[i];
        double n = s->mentions < 1 ? 1 : s->mentions > 16 ? 16 : (double)s->mentions;
        s->weight = (s->base > 0 ? s->base : 1.0) * (1.0 + log2(n));
    }
}

static void add_jd_skill(const skills_entry *se, size_t off, size_t len, void *arg)
{
    (void)off;
    (void)len;
    gen *g = arg;
    const char *name = se->name;
    profile *p = &g->p;
    int k = find_skill(p, name);
    if (k >= 0) {
        p->skills[k].jd = true;
        return;
    }
    for (size_t i = 0; i < p->n_gaps; i++)
        if (strcasecmp(p->gaps[i], name) == 0)
            return;
    if (p->n_gaps < MAX_GAPS)
        clean_name(name, strlen(name), p->gaps[p->n_gaps++], SKILL_BYTES);
}

static void build_profile(gen *g)
{
    profile *p = &g->p;
    const json_t *res = g->r.resume;
    p->years = -1;
    const json_t *years = json_object_get(json_object_get(res, "basic_info"), "years_of_experience");
    if (json_is_number(years) && json_number_value(years) >= 0)
        p->years = json_number_value(years);
    /* job and project mentions first: the listed skills add to what they credited */
    add_places(g, json_object_get(res, "experience"), true);
    add_places(g, json_object_get(res, "projects"), false);
    add_listed_skills(g, json_object_get(res, "skills"));
    finish_weights(p);
    if (g->r.jd != NULL && g->tax != NULL) {
        skills_scan(g->tax, g->r.jd, g->r.jd_len, add_jd_skill, g);
        /* a skill the job asks for and the resume shows is favoured even when the resume says
         * little about it: doubled, plus the average skill's weight */
        double mean = 0;
        for (size_t i = 0; i < p->n_skills; i++)
            mean += p->skills[i].weight / (double)p->n_skills;
        for (size_t i = 0; i < p->n_skills; i++)
            if (p->skills[i].jd)
                p->skills[i].weight = 2 * p->skills[i].weight + mean;
    }
    size_t i;
    const json_t *v;
    json_array_foreach(g->r.weak, i, v) {
        if (p->n_weak < MAX_WEAK && json_string_length(v) > 0)
            p->weak[p->n_weak++] = json_string_value(v);
    }
}

/* ---- the request ---- */

static ig_status parse_request(const json_t *req, greq *r, ig_err *err)
{
    static const char *const types[] = {"general", "technical", "behavioral", "project", "system_design", "mixed"};
    memset(r, 0, sizeof *r);
    if (!json_is_object(req))
        return status_errf(err, IG_EINVAL, "the generate request must be a JSON object");
    r->resume = json_object_get(req, "resume");
    if (!json_is_object(r->resume))
        return status_errf(err, IG_EINVAL, "resume must be an object (the structured resume)");
    const char *t = json_string_value(json_object_get(req, "interview_type"));
    r->type = -1;
    for (int i = 0; t != NULL && i < (int)(sizeof types / sizeof types[0]); i++)
        if (strcmp(t, types[i]) == 0)
            r->type = i;
    if (r->type < 0)
        return status_errf(err, IG_EINVAL,
                           "interview_type must be general, technical, behavioral, project, system_design or mixed");
    int level = bank_level_parse(json_string_value(json_object_get(req, "difficulty")));
    if (level < 0)
        return status_errf(err, IG_EINVAL, "difficulty must be easy, medium or hard");
    r->level = (bank_level)level;
    const json_t *count = json_object_get(req, "count");
    r->count = GENERATE_COUNT_DEFAULT;
    if (count != NULL) {
        if (!json_is_integer(count) || json_integer_value(count) < 1 ||
            json_integer_value(count) > GENERATE_COUNT_MAX)
            return status_errf(err, IG_EINVAL, "count must be an integer from 1 to %d", GENERATE_COUNT_MAX);
        r->count = (size_t)json_integer_value(count);
    }
    const json_t *lang = json_object_get(req, "language");
    r->lang = BANK_EN;
    if (lang != NULL && !json_is_null(lang)) {
        int l = bank_lang_parse(json_string_value(lang));
        if (l < 0)
            return status_errf(err, IG_EINVAL, "language must be \"en\" or \"zh\"");
        r->lang = (bank_lang)l;
    }
    const json_t *jd = json_object_get(req, "job_description");
    if (jd != NULL && !json_is_null(jd)) {
        if (!json_is_string(jd))
            return status_errf(err, IG_EINVAL, "job_description must be a string or null");
        if (json_string_length(jd) > GENERATE_JD_MAX)
            return status_errf(err, IG_EINVAL, "job_description is longer than %d bytes", GENERATE_JD_MAX);
        r->jd = json_string_value(jd);
        r->jd_len = json_string_length(jd);
    }
    const json_t *seed = json_object_get(req, "seed");
    if (seed != NULL && !json_is_null(seed)) {
        if (!json_is_integer(seed))
            return status_errf(err, IG_EINVAL, "seed must be an integer");
        r->seed = (uint64_t)json_integer_value(seed);
    }
    const json_t *weak = json_object_get(req, "weak_topics");
    if (weak != NULL && !json_is_null(weak)) {
        size_t i;
        const json_t *v;
        if (!json_is_array(weak))
            return status_errf(err, IG_EINVAL, "weak_topics must be an array of strings");
        json_array_foreach(weak, i, v) {
            if (!json_is_string(v))
                return status_errf(err, IG_EINVAL, "weak_topics must be an array of strings");
        }
        r->weak = weak;
    }
    return IG_OK;
}

/* ---- the slots ---- */

/* The difficulty mix: a target level from the requested one moved half a level by seniority
 * (under 2 years down, 6 and more up), spread over the three levels by distance. */
static void level_shares(const gen *g, double share[BANK_NLEVELS])
{
    double t = (double)g->r.level;
    if (g->p.years >= 0 && g->p.years < 2)
        t -= 0.5;
    else if (g->p.years >= 6)
        t += 0.5;
    t = t < 0 ? 0 : t > 2 ? 2 : t;
    double sum = 0;
    for (int l = 0; l < BANK_NLEVELS; l++) {
        double d = fabs((double)l - t);
        share[l] = 1.0 - 0.7 * d;
        if (share[l] < 0.05)
            share[l] = 0.05;
        sum += share[l];
    }
    for (int l = 0; l < BANK_NLEVELS; l++)
        share[l] /= sum;
}

/* Splits n by shares (largest remainder; ties to the lower index). */
static void apportion(size_t n, const double *share, size_t k, size_t *out)
{
    size_t given = 0;
    double rem[BANK_NTYPES];
    for (size_t i = 0; i < k; i++) {
        double x = share[i] * (double)n;
        out[i] = (size_t)x;
        rem[i] = x - (double)out[i];
        given += out[i];
    }
    while (given < n) {
        size_t best = 0;
        for (size_t i = 1; i < k; i++)
            if (rem[i] > rem[best])
                best = i;
        out[best]++;
        rem[best] = -1;
        given++;
    }
}

/* The categories in asking order: one type throughout, or for mixed a blend that opens with a
 * general question and alternates technical, project, behavioral and system design (none for a
 * junior at less than hard). */
static void plan_slots(gen *g, slot *slots)
{
    size_t n = g->r.count;
    if (g->r.type != TYPE_MIXED) {
        for (size_t i = 0; i < n; i++)
            slots[i].cat = (bank_type)g->r.type;
    } else {
        double share[BANK_NTYPES] = {[BANK_GENERAL] = 0.1, [BANK_TECHNICAL] = 0.4, [BANK_BEHAVIORAL] = 0.2,
                                     [BANK_PROJECT] = 0.2, [BANK_SYSTEM_DESIGN] = 0.1};
        if (g->p.years >= 0 && g->p.years < 2 && g->r.level != BANK_HARD) {
            share[BANK_TECHNICAL] += share[BANK_SYSTEM_DESIGN];
            share[BANK_SYSTEM_DESIGN] = 0;
        } else if (g->p.years >= 6) {
            share[BANK_SYSTEM_DESIGN] += 0.1;
            share[BANK_GENERAL] -= 0.05;
            share[BANK_BEHAVIORAL] -= 0.05;
        }
        size_t left[BANK_NTYPES];
        apportion(n, share, BANK_NTYPES, left);
        static const bank_type cycle[] = {BANK_TECHNICAL, BANK_PROJECT, BANK_BEHAVIORAL, BANK_TECHNICAL,
                                          BANK_SYSTEM_DESIGN, BANK_GENERAL};
        size_t k = 0, c = 0;
        if (left[BANK_GENERAL] > 0) {
            slots[k++].cat = BANK_GENERAL;
            left[BANK_GENERAL]--;
        }
        while (k < n) {
            bank_type t = cycle[c++ % (sizeof cycle / sizeof cycle[0])];
            if (left[t] > 0) {
                slots[k++].cat = t;
                left[t]--;
            }
        }
    }
    double share[BANK_NLEVELS];
    size_t per[BANK_NLEVELS];
    level_shares(g, share);
    apportion(n, share, BANK_NLEVELS, per);
    bank_level levels[GENERATE_COUNT_MAX];
    size_t k = 0;
    for (int l = 0; l < BANK_NLEVELS; l++)
        for (size_t i = 0; i < per[l]; i++)
            levels[k++] = (bank_level)l;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(rng_next(&g->rng) % i);
        bank_level t = levels[i - 1];
        levels[i - 1] = levels[j];
        levels[j] = t;
    }
    size_t n_tech = 0;
    for (size_t i = 0; i < n; i++) {
        slots[i].level = levels[i];
        n_tech += slots[i].cat == BANK_TECHNICAL;
    }
    /* the last technical slots probe the job description's gaps: a quarter of them at most */
    size_t n_gap = 0;
    if (n_tech >= 2 && g->p.n_gaps > 0) {
        n_gap = n_tech / 4 > 0 ? n_tech / 4 : 1;
        if (n_gap > g->p.n_gaps)
            n_gap = g->p.n_gaps;
    }
    for (size_t i = n; i > 0 && n_gap > 0; i--) {
        if (slots[i - 1].cat == BANK_TECHNICAL) {
            slots[i - 1].gap = true;
            n_gap--;
        }
    }
}

/* ---- placeholders ---- */

static double skill_eff(const cskill *s) { return s->weight / (1.0 + 1.5 * s->used); }

/* Where a skill must show in the resume for best_skill. */
enum { IN_ANY = 0, IN_PROJECTS = 1, IN_EXPERIENCE = 2 };

/* The skill of set (every skill when set is 0) shown where need says, other than except, that is the
 * most worth asking about now; -1 none. */
static int best_skill(const profile *p, uint64_t set, unsigned need, int except)
{
    int best = -1;
    for (size_t i = 0; i < p->n_skills; i++) {
        const cskill *k = &p->skills[i];
        if ((int)i == except || (set != 0 && !(set & (1ull << i))))
            continue;
        if (((need & IN_PROJECTS) && !k->projects) || ((need & IN_EXPERIENCE) && !k->experience))
            continue;
        if (best < 0 || skill_eff(k) > skill_eff(&p->skills[best]))
            best = (int)i;
    }
    return best;
}

/* The least used place that has a name (and a title when needed) and, when skill >= 0, uses it
 * (or, with skill == -2, uses some skill); -1 none. */
static int pick_place(const place *pl, size_t n, bool title, int skill)
{
    int best = -1;
    for (size_t i = 0; i < n; i++) {
        if ((title ? pl[i].title[0] : pl[i].name[0]) == '\0')
            continue;
        if (skill >= 0 && !(pl[i].skills & (1ull << skill)))
            continue;
        if (skill == -2 && pl[i].skills == 0)
            continue;
        if (best < 0 || pl[i].used < pl[best].used)
            best = (int)i;
    }
    return best;
}

/* Chooses names for e's placeholders; false when one cannot be filled truthfully (a project
 * "where you used Redis" must be one whose stack has Redis). */
static bool plan_fill(const gen *g, const bank_entry *e, const ecand *c, const slot *s, fillv *f)
{
    const profile *p = &g->p;
    unsigned ph = e->placeholders;
    *f = (fillv){.skill = c->skill, .skill2 = -1, .project = -1, .job = -1, .skill_name = e->skill};
    if (s->gap) {
        /* a gap probe asks about the skill in general: nothing of the candidate's own */
        if (ph & ~(unsigned)BANK_PH_SKILL)
            return false;
        if (e->skill == NULL) {
            int best = -1;
            for (size_t i = 0; i < p->n_gaps; i++)
                if (best < 0 || p->gap_used[i] < p->gap_used[best])
                    best = (int)i;
            if (best < 0)
                return false;
            f->skill_name = p->gaps[best];
        }
        return true;
    }
    bool need_skill = (ph & (BANK_PH_SKILL | BANK_PH_SKILL2)) && e->skill == NULL;
    if (e->skill != NULL && (ph & (BANK_PH_PROJECT | BANK_PH_COMPANY | BANK_PH_TITLE)) && c->skill < 0)
        return false;
    if (ph & BANK_PH_PROJECT) {
        f->project = pick_place(p->projects, p->n_projects, false, e->skill != NULL ? c->skill : need_skill ? -2 : -1);
        if (f->project < 0 && need_skill)
            f->project = pick_place(p->projects, p->n_projects, false, -1);
        if (f->project < 0)
            return false;
        if (need_skill && p->projects[f->project].skills != 0)
            f->skill = best_skill(p, p->projects[f->project].skills, IN_ANY, -1);
    }
    if (ph & (BANK_PH_COMPANY | BANK_PH_TITLE)) {
        bool title = (ph & BANK_PH_TITLE) != 0;
        int want = e->skill != NULL ? c->skill : f->skill;
        f->job = pick_place(p->jobs, p->n_jobs, title, want);
        if (f->job < 0 && (e->skill == NULL || p->skills[c->skill].experience))
            f->job = pick_place(p->jobs, p->n_jobs, title, -1);
        if (f->job < 0)
            return false;
        if ((ph & BANK_PH_COMPANY) && p->jobs[f->job].name[0] == '\0')
            return false;
        if (need_skill && f->skill < 0 && p->jobs[f->job].skills != 0)
            f->skill = best_skill(p, p->jobs[f->job].skills, IN_ANY, -1);
    }
    if (need_skill && f->skill < 0) {
        /* with a project or a job named, the skill must be one the resume shows there */
        f->skill = best_skill(p, 0, (f->project >= 0 ? IN_PROJECTS : 0) | (f->job >= 0 ? IN_EXPERIENCE : 0), -1);
        if (f->skill < 0)
            return false;
    }
    if (f->skill >= 0 && e->skill == NULL)
        f->skill_name = p->skills[f->skill].name;
    if (ph & BANK_PH_SKILL2) {
        uint64_t near = (f->project >= 0 ? p->projects[f->project].skills : 0) |
                        (f->job >= 0 ? p->jobs[f->job].skills : 0);
        if (f->skill >= 0)
            near &= ~(1ull << f->skill);
        f->skill2 = best_skill(p, near, IN_ANY, f->skill);
        if (f->skill2 < 0 && near != 0)
            f->skill2 = best_skill(p, 0, IN_ANY, f->skill);
        if (f->skill2 < 0)
            return false;
    }
    return true;
}

/* text with the placeholders filled, as a new JSON string; NULL when out of memory. */
static json_t *fill_text(const gen *g, const char *text, const fillv *f)
{
    const profile *p = &g->p;
    ig_buf b;
    buf_init(&b, TEXT_MAX);
    size_t n = strlen(text), i = 0, from = 0;
    ig_status rc = IG_OK;
    while (i < n && rc == IG_OK) {
        size_t len = 0;
        int bit = text[i] == '{' ? bank_placeholder(text + i, n - i, &len) : 0;
        if (bit <= 0) {
            i++;
            continue;
        }
        const char *v = "";
        if (bit == BANK_PH_SKILL && f->skill_name != NULL)
            v = f->skill_name;
        else if (bit == BANK_PH_SKILL2 && f->skill2 >= 0)
            v = p->skills[f->skill2].name;
        else if (bit == BANK_PH_PROJECT && f->project >= 0)
            v = p->projects[f->project].name;
        else if (bit == BANK_PH_COMPANY && f->job >= 0)
            v = p->jobs[f->job].name;
        else if (bit == BANK_PH_TITLE && f->job >= 0)
            v = p->jobs[f->job].title;
        rc = buf_append(&b, text + from, i - from);
        if (rc == IG_OK)
            rc = buf_append(&b, v, strlen(v));
        i += len;
        from = i;
    }
    if (rc == IG_OK)
        rc = buf_append(&b, text + from, n - from);
    json_t *s = rc == IG_OK ? json_stringn(b.p != NULL ? b.p : "", b.len) : NULL;
    buf_free(&b);
    return s;
}

static json_t *fill_list(const gen *g, const char *const *items, size_t n, const fillv *f)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < n; i++) {
        if (json_array_append_new(a, fill_text(g, items[i], f)) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    return a;
}

/* ---- near-duplicates: word sets (CJK as character pairs) compared by Jaccard similarity ---- */

static bool is_stopword(const char *w, size_t n)
{
    static const char *const stop[] = {"the", "and", "for", "you", "your", "how", "what", "why", "when", "with",
                                       "that", "this", "have", "did", "does", "would", "could", "about", "tell",
                                       "describe", "explain", "give", "example", "time", "are", "was", "were",
                                       "which", "can", "its", "from", "into", "one", "some", "our", "use", "used"};
    for (size_t i = 0; i < sizeof stop / sizeof stop[0]; i++)
        if (strlen(stop[i]) == n && memcmp(stop[i], w, n) == 0)
            return true;
    return false;
}

static uint32_t fnv(const void *data, size_t n)
{
    const unsigned char *s = data;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 16777619u;
    return h;
}

static bool is_cjk(uint32_t c) { return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF); }

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void make_sig(const char *s, size_t n, sig *out)
{
    char word[32];
    size_t wl = 0, i = 0;
    uint32_t prev = 0;
    out->n = 0;
    while (i <= n && out->n < SIG_MAX) {
        uint32_t c = 0;
        size_t len = 1;
        if (i < n) {
            len = utf8_decode((const unsigned char *)s + i, n - i, &c);
            if (len == 0)
                len = 1, c = 0xFFFD;
        }
        if (i < n && c < 0x80 && isalnum((int)c)) {
            if (wl < sizeof word)
                word[wl++] = (char)tolower((int)c);
        } else {
            if (wl >= 3 && !is_stopword(word, wl))
                out->h[out->n++] = fnv(word, wl);
            wl = 0;
        }
        if (i < n && is_cjk(c)) {
            if (prev != 0 && out->n < SIG_MAX) {
                uint32_t pair[2] = {prev, c};
                out->h[out->n++] = fnv(pair, sizeof pair) | 1u;
            }
            prev = c;
        } else {
            prev = 0;
        }
        i += len;
    }
    qsort(out->h, out->n, sizeof out->h[0], cmp_u32);
    size_t w = 0;
    for (size_t k = 0; k < out->n; k++)
        if (w == 0 || out->h[w - 1] != out->h[k])
            out->h[w++] = out->h[k];
    out->n = w;
}

static double similarity(const sig *a, const sig *b)
{
    if (a->n == 0 || b->n == 0)
        return a->n == b->n ? 1.0 : 0.0;
    size_t i = 0, j = 0, both = 0;
    while (i < a->n && j < b->n) {
        if (a->h[i] == b->h[j])
            both++, i++, j++;
        else if (a->h[i] < b->h[j])
            i++;
        else
            j++;
    }
    return (double)both / (double)(a->n + b->n - both);
}

/* ---- the draw ---- */

/* The draw weight of entry i for slot s in category cat (which differs from s->cat on a
 * fallback) before the skill buckets share out technical questions; 0 when it does not fit.
 * *bucket is the entry's skill bucket for a technical slot, -1 otherwise. */
static double weight(const gen *g, size_t i, const slot *s, bank_type cat, bool repeat_topics, bool only_weak,
                     fillv *f, int *bucket)
{
    const bank_entry *e = bank_at(g->b, i);
    const ecand *c = &g->ec[i];
    *bucket = -1;
    if (!c->usable || c->taken || e->type != cat || (only_weak && !c->weak))
        return 0;
    if (!repeat_topics && c->topic)
        return 0;
    if (s->gap && (cat != BANK_TECHNICAL || (e->skill != NULL ? c->gap < 0 : !(e->placeholders & BANK_PH_SKILL))))
        return 0;
    if (!plan_fill(g, e, c, s, f))
        return 0;
    const profile *p = &g->p;
    double w = 1.0;
    if (s->gap) {
        w = e->skill != NULL ? 1.0 / (1.0 + 2.0 * p->gap_used[c->gap]) : 0.2;
    } else if (cat == BANK_TECHNICAL) {
        if (f->skill >= 0)
            *bucket = f->skill;
        else if (e->skill == NULL || c->cs)
            *bucket = BUCKET_GENERAL; /* general technical and CS fundamentals: asked of anyone */
        else
            return 0;
        if (e->skill == NULL && f->skill >= 0)
            w = 0.5; /* a generic "{skill}" question: the skill's own questions first */
    } else {
        if (e->skill != NULL)
            w *= c->skill >= 0 ? 1.0 + skill_eff(&p->skills[c->skill]) / 4.0 : 0.3;
        if (e->placeholders & (BANK_PH_PROJECT | BANK_PH_COMPANY | BANK_PH_TITLE))
            w *= 1.5;
    }
    static const double by_distance[] = {1.0, 0.2, 0.03};
    w *= by_distance[abs((int)e->difficulty - (int)s->level)];
    if (c->weak)
        w *= 5.0;
    if (c->topic)
        w *= 0.1;
    return w;
}

static json_t *tags_for(const gen *g, const bank_entry *e, const ecand *c, const slot *s, const fillv *f)
{
    json_t *t = json_array();
    if (t == NULL)
        return NULL;
    int k = f->skill >= 0 ? f->skill : c->skill;
    if (s->gap)
        json_array_append_new(t, json_string("jd_gap"));
    else if (k >= 0 && g->p.skills[k].jd)
        json_array_append_new(t, json_string("jd_match"));
    if (!s->gap && k >= 0)
        json_array_append_new(t, json_string("resume_skill"));
    if (c->weak)
        json_array_append_new(t, json_string("weak_topic"));
    if (e->placeholders & (BANK_PH_PROJECT | BANK_PH_COMPANY | BANK_PH_TITLE))
        json_array_append_new(t, json_string("personalized"));
    if (e->type != s->cat)
        json_array_append_new(t, json_string("fallback"));
    return t;
}

static json_t *question_json(const gen *g, const bank_entry *e, const ecand *c, const slot *s, const fillv *f,
                             json_t *text)
{
    const bank_text *t = &e->lang[g->r.lang];
    const char *skill = f->skill_name != NULL ? f->skill_name : e->skill;
    return json_pack("{s:o, s:s, s:s, s:s?, s:s, s:o*, s:o*, s:o*, s:s, s:s, s:o*}", "question_text", text,
                     "category", bank_type_name(e->type), "topic", e->topic, "skill", skill, "difficulty",
                     bank_level_name(e->difficulty), "expected_points",
                     fill_list(g, t->key_points, t->n_key_points, f), "follow_ups",
                     fill_list(g, t->follow_ups, t->n_follow_ups, f), "model_answer",
                     fill_text(g, t->model_answer, f), "bank_id", e->id, "language", bank_lang_name(g->r.lang),
                     "tags", tags_for(g, e, c, s, f));
}

/* Records what choosing e with f used up, so later draws spread over other skills and places. */
static void mark_used(gen *g, size_t i, const slot *s, const fillv *f, const sig *sg)
{
    const bank_entry *e = bank_at(g->b, i);
    profile *p = &g->p;
    g->ec[i].taken = true;
    if (g->bucket[i] >= 0 && g->quota[g->bucket[i]] > 0)
        g->quota[g->bucket[i]]--;
    if (g->ec[i].weak && g->weak_left > 0)
        g->weak_left--;
    if (f->skill >= 0)
        p->skills[f->skill].used++;
    if (f->skill2 >= 0)
        p->skills[f->skill2].used++;
    if (f->project >= 0)
        p->projects[f->project].used++;
    if (f->job >= 0)
        p->jobs[f->job].used++;
    if (s->gap) {
        for (size_t k = 0; k < p->n_gaps; k++)
            if (f->skill_name != NULL && strcasecmp(p->gaps[k], f->skill_name) == 0)
                p->gap_used[k]++;
    }
    for (size_t k = 0; k < g->n; k++)
        if (!g->ec[k].topic && strcasecmp(bank_at(g->b, k)->topic, e->topic) == 0)
            g->ec[k].topic = true;
    g->chosen[g->n_chosen++] = *sg;
}

/* Draws one entry for the slot among category cat (only weak topics' with only_weak); *q the
 * question, NULL when none fits. A technical entry's weight is its bucket's remaining share spread
 * over the bucket's fitting entries, so a skill gets its share of questions however many the bank
 * holds on it. */
static ig_status draw(gen *g, const slot *s, bank_type cat, bool repeat_topics, bool only_weak, json_t **q)
{
    *q = NULL;
    for (;;) {
        double total = 0, sum[BUCKETS] = {0};
        fillv f;
        for (size_t i = 0; i < g->n; i++) {
            g->w[i] = weight(g, i, s, cat, repeat_topics, only_weak, &f, &g->bucket[i]);
            if (g->bucket[i] >= 0)
                sum[g->bucket[i]] += g->w[i];
        }
        for (size_t i = 0; i < g->n; i++) {
            int k = g->bucket[i];
            if (k >= 0 && !only_weak && g->w[i] > 0)
                g->w[i] *= (g->quota[k] > 0 ? g->quota[k] : SPENT_QUOTA) / (sum[k] > 1 ? sum[k] : 1);
            total += g->w[i];
        }
        if (total <= 0)
            return IG_OK;
        double x = rng_unit(&g->rng) * total;
        size_t pick = 0;
        for (size_t i = 0; i < g->n; i++) {
            if (g->w[i] <= 0)
                continue;
            pick = i;
            if (x < g->w[i])
                break;
            x -= g->w[i];
        }
        const bank_entry *e = bank_at(g->b, pick);
        weight(g, pick, s, cat, repeat_topics, only_weak, &f, &g->bucket[pick]);
        json_t *text = fill_text(g, e->lang[g->r.lang].text, &f);
        if (text == NULL)
            return status_errf(g->err, IG_ENOMEM, "out of memory generating questions");
        sig sg;
        make_sig(json_string_value(text), json_string_length(text), &sg);
        bool dup = false;
        for (size_t k = 0; k < g->n_chosen && !dup; k++)
            dup = similarity(&sg, &g->chosen[k]) >= DUP_THRESHOLD;
        if (dup) {
            g->ec[pick].taken = true;
            json_decref(text);
            continue;
        }
        *q = question_json(g, e, &g->ec[pick], s, &f, text);
        if (*q == NULL)
            return status_errf(g->err, IG_ENOMEM, "out of memory generating questions");
        mark_used(g, pick, s, &f, &sg);
        return IG_OK;
    }
}

/* The categories tried for a slot, in order, when its own has nothing left. */
static const bank_type *fallbacks(bank_type t)
{
    static const bank_type chains[BANK_NTYPES][BANK_NTYPES] = {
        [BANK_GENERAL] = {BANK_GENERAL, BANK_BEHAVIORAL, BANK_TECHNICAL, BANK_PROJECT, BANK_SYSTEM_DESIGN},
        [BANK_TECHNICAL] = {BANK_TECHNICAL, BANK_SYSTEM_DESIGN, BANK_PROJECT, BANK_GENERAL, BANK_BEHAVIORAL},
        [BANK_BEHAVIORAL] = {BANK_BEHAVIORAL, BANK_GENERAL, BANK_PROJECT, BANK_TECHNICAL, BANK_SYSTEM_DESIGN},
        [BANK_PROJECT] = {BANK_PROJECT, BANK_TECHNICAL, BANK_BEHAVIORAL, BANK_GENERAL, BANK_SYSTEM_DESIGN},
        [BANK_SYSTEM_DESIGN] = {BANK_SYSTEM_DESIGN, BANK_TECHNICAL, BANK_PROJECT, BANK_GENERAL, BANK_BEHAVIORAL},
    };
    return chains[t];
}

/* Fills one slot: a weak topic first while some are owed (weak topics are practised first), a
 * job-description gap on a gap slot, else the slot's category, then its fallbacks; topics repeat
 * only when no fresh one is left. */
static ig_status fill_slot(gen *g, slot *s, json_t **q)
{
    ig_status rc;
    if (g->weak_left > 0 && !s->gap && (rc = draw(g, s, s->cat, false, true, q)) != IG_OK)
        return rc;
    if (*q != NULL)
        return IG_OK;
    if (s->gap) {
        for (int pass = 0; pass < 2; pass++)
            if ((rc = draw(g, s, BANK_TECHNICAL, pass == 1, false, q)) != IG_OK || *q != NULL)
                return rc;
        s->gap = false;
    }
    const bank_type *chain = fallbacks(s->cat);
    for (int k = 0; k < BANK_NTYPES; k++)
        for (int pass = 0; pass < 2; pass++)
            if ((rc = draw(g, s, chain[k], pass == 1, false, q)) != IG_OK || *q != NULL)
                return rc;
    return IG_OK;
}

/* Splits n between k buckets by share, at most cap[i] each, rounding at random in proportion to
 * the fractions (systematic sampling), so every seed gives each bucket its share give or take
 * one. */
static void apportion_random(gen *g, size_t n, const double *share, const size_t *cap, size_t k, double *out)
{
    bool active[BUCKETS];
    size_t left = n;
    for (size_t i = 0; i < k; i++) {
        out[i] = 0;
        active[i] = share[i] > 0 && cap[i] > 0;
    }
    for (;;) {
        double total = 0;
        for (size_t i = 0; i < k; i++)
            total += active[i] ? share[i] : 0;
        if (total <= 0 || left == 0)
            return;
        bool capped = false;
        for (size_t i = 0; i < k; i++) {
            if (active[i] && (double)left * share[i] / total >= (double)cap[i]) {
                out[i] = (double)cap[i];
                left -= cap[i];
                active[i] = false;
                capped = true;
            }
        }
        if (!capped)
            break;
    }
    double total = 0, frac[BUCKETS];
    for (size_t i = 0; i < k; i++)
        total += active[i] ? share[i] : 0;
    size_t given = 0;
    for (size_t i = 0; i < k; i++) {
        frac[i] = 0;
        if (!active[i])
            continue;
        double x = (double)left * share[i] / total;
        out[i] = floor(x);
        frac[i] = x - out[i];
        given += (size_t)out[i];
    }
    double u = rng_unit(&g->rng), cum = 0;
    for (size_t i = 0; i < k && given < left; i++) {
        cum += frac[i];
        while (given < left && u < cum - 1e-9) {
            out[i]++;
            given++;
            u += 1.0;
        }
    }
    for (size_t i = 0; i < k && given < left; i++) /* rounding error */
        if (active[i] && frac[i] > 0) {
            out[i]++;
            given++;
        }
}

/* Shares the technical slots (gap probes aside) between the candidate's skills by weight, with a
 * small share for general and CS questions; a bucket gets no more than the bank has for it. */
static void plan_quotas(gen *g, const slot *slots)
{
    size_t n = 0;
    for (size_t i = 0; i < g->r.count; i++)
        n += slots[i].cat == BANK_TECHNICAL && !slots[i].gap;
    size_t avail[BUCKETS] = {0};
    slot any = {.cat = BANK_TECHNICAL, .level = g->r.level, .gap = false};
    for (size_t i = 0; i < g->n; i++) {
        fillv f;
        int k;
        if (weight(g, i, &any, BANK_TECHNICAL, false, false, &f, &k) > 0 && k >= 0)
            avail[k]++;
    }
    double share[BUCKETS] = {0}, sum = 0;
    for (size_t i = 0; i < g->p.n_skills; i++) {
        share[i] = g->p.skills[i].weight;
        sum += avail[i] > 0 ? share[i] : 0;
    }
    share[BUCKET_GENERAL] = sum > 0 ? GENERAL_SHARE * sum : 1.0;
    apportion_random(g, n, share, avail, BUCKETS, g->quota);
}

static void prepare_entries(gen *g)
{
    const profile *p = &g->p;
    for (size_t i = 0; i < g->n; i++) {
        const bank_entry *e = bank_at(g->b, i);
        ecand *c = &g->ec[i];
        c->skill = c->gap = -1;
        c->usable = e->lang[g->r.lang].text != NULL;
        if (e->skill != NULL) {
            c->skill = find_skill(p, e->skill);
            for (size_t k = 0; k < p->n_gaps && c->gap < 0; k++)
                if (strcasecmp(p->gaps[k], e->skill) == 0)
                    c->gap = (int)k;
            c->cs = is_cs_skill(g, e->skill);
        }
        for (size_t k = 0; k < p->n_weak && !c->weak; k++)
            c->weak = strcasecmp(p->weak[k], e->topic) == 0;
    }
}

ig_status generate_questions(const bank *b, const skills_taxonomy *tax, const json_t *req, json_t **out, ig_err *err)
{
    ig_status rc;
    gen *g = calloc(1, sizeof *g);
    json_t *list = NULL;
    if (g == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory generating questions");
    g->b = b;
    g->tax = tax;
    g->err = err;
    if ((rc = parse_request(req, &g->r, err)) != IG_OK)
        goto out;
    g->rng = g->r.seed;
    build_profile(g);
    g->n = bank_count(b);
    g->ec = calloc(g->n ? g->n : 1, sizeof *g->ec);
    g->w = calloc(g->n ? g->n : 1, sizeof *g->w);
    g->bucket = calloc(g->n ? g->n : 1, sizeof *g->bucket);
    list = json_array();
    if (g->ec == NULL || g->w == NULL || g->bucket == NULL || list == NULL) {
        rc = status_errf(err, IG_ENOMEM, "out of memory generating questions");
        goto out;
    }
    prepare_entries(g);
    slot slots[GENERATE_COUNT_MAX];
    memset(slots, 0, sizeof slots);
    plan_slots(g, slots);
    plan_quotas(g, slots);
    if (g->p.n_weak > 0)
        g->weak_left = g->r.count / 4 > 0 ? g->r.count / 4 : 1;
    for (size_t i = 0; i < g->r.count; i++) {
        json_t *q = NULL;
        if ((rc = fill_slot(g, &slots[i], &q)) != IG_OK)
            goto out;
        if (q == NULL)
            break; /* the bank ran out */
        if (json_array_append_new(list, q) != 0) {
            rc = status_errf(err, IG_ENOMEM, "out of memory generating questions");
            goto out;
        }
    }
    if (json_array_size(list) == 0) {
        rc = status_errf(err, IG_ENOTFOUND, "the question bank has no questions in %s", bank_lang_name(g->r.lang));
        goto out;
    }
    *out = list;
    list = NULL;
    rc = IG_OK;
out:
    json_decref(list);
    if (g != NULL) {
        free(g->ec);
        free(g->w);
        free(g->bucket);
    }
    free(g);
    return rc;
}
