/* Test fixtures for the ai/ tests: a small question bank of our own (fixture_bank.json: every type,
 * EN and ZH, placeholders, a near-duplicate pair) and a structured resume heavy in Redis
 * (fixture_resume.json), read from tests/unit/ai/ (tests run from the repository root).
 * Header-only (static inline) so each test binary takes what it uses. */
#ifndef IG_TESTS_AI_FIXTURES_H
#define IG_TESTS_AI_FIXTURES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ai/bank.h"
#include "parse/skills.h"

#define FX_DIR "tests/unit/ai/"

/* The whole file, NUL-terminated, in *n bytes (the caller frees); aborts when unreadable. */
static inline char *fx_read(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        fprintf(stderr, "cannot open %s (run the tests from the repository root)\n", path);
        abort();
    }
    size_t cap = 1 << 16, len = 0;
    char *p = malloc(cap);
    size_t got;
    while (p != NULL && (got = fread(p + len, 1, cap - len - 1, fp)) > 0) {
        len += got;
        if (cap - len - 1 == 0) {
            char *q = realloc(p, cap * 2);
            if (q == NULL) {
                free(p);
                p = NULL;
            }
            p = q;
            cap *= 2;
        }
    }
    fclose(fp);
    if (p == NULL)
        abort();
    p[len] = '\0';
    *n = len;
    return p;
}

static inline json_t *fx_json(const char *path)
{
    json_error_t jerr;
    json_t *j = json_load_file(path, 0, &jerr);
    if (j == NULL) {
        fprintf(stderr, "%s:%d: %s\n", path, jerr.line, jerr.text);
        abort();
    }
    return j;
}

static inline json_t *fx_resume(void) { return fx_json(FX_DIR "fixture_resume.json"); }

/* The fixture bank, its skills checked against tax (may be NULL). */
static inline bank *fx_bank(const skills_taxonomy *tax)
{
    size_t n;
    char *text = fx_read(FX_DIR "fixture_bank.json", &n);
    bank_file f = {"questions/fixture.json", {text, n}};
    bank *b = NULL;
    ig_err err = {0};
    if (bank_open_files(&f, 1, tax, &b, &err) != IG_OK) {
        fprintf(stderr, "fixture bank: %s\n", err.msg);
        abort();
    }
    free(text);
    return b;
}

static inline skills_taxonomy *fx_taxonomy(void)
{
    skills_taxonomy *t = NULL;
    ig_err err = {0};
    if (skills_taxonomy_load(&t, &err) != IG_OK) {
        fprintf(stderr, "taxonomy: %s\n", err.msg);
        abort();
    }
    return t;
}

#endif
