/* libFuzzer target for parse/skills: any bytes as free text (skills_scan), as a skills line
 * (skills_split_line) and as one item (skills_lookup) against the shipped taxonomy: spans lie inside
 * the input, in order and without overlap, items are non-empty, entries are the taxonomy's. An input
 * starting with 0x01 is also parsed as a TSV taxonomy of its own and, when valid, scanned with it. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/skills.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct span_check {
    const skills_taxonomy *t;
    const char *base;
    size_t n, last_end;
} span_check;

static bool owned(const skills_taxonomy *t, const skills_entry *e)
{
    size_t n = skills_taxonomy_count(t);
    return n > 0 && e >= skills_taxonomy_at(t, 0) && e <= skills_taxonomy_at(t, n - 1);
}

static void on_hit(const skills_entry *e, size_t off, size_t len, void *arg)
{
    span_check *c = arg;
    if (e == NULL || !owned(c->t, e) || len == 0 || off < c->last_end || off > c->n || len > c->n - off)
        __builtin_trap();
    c->last_end = off + len;
}

static void on_item(const skills_entry *e, const char *item, size_t len, void *arg)
{
    span_check *c = arg;
    if ((e != NULL && !owned(c->t, e)) || len == 0 || item < c->base || item > c->base + c->n ||
        len > (size_t)(c->base + c->n - item))
        __builtin_trap();
    const skills_entry *again = skills_lookup(c->t, item, len);
    if (again != NULL && !owned(c->t, again))
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static skills_taxonomy *tax;
    if (tax == NULL) {
        ig_err err;
        if (skills_taxonomy_load(&tax, &err) != IG_OK)
            __builtin_trap();
    }
    /* a private copy, so that reading one byte past the input is caught */
    char *s = malloc(size ? size : 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    span_check c = {tax, s, size, 0};
    skills_scan(tax, s, size, on_hit, &c);
    skills_split_line(tax, s, size, on_item, &c);
    const skills_entry *e = skills_lookup(tax, s, size);
    if (e != NULL && !owned(tax, e))
        __builtin_trap();

    if (size > 0 && data[0] == 0x01) {
        skills_taxonomy *own = NULL;
        ig_err err = {IG_OK, ""};
        ig_status st = skills_taxonomy_parse(s + 1, size - 1, &own, &err);
        if (st != IG_OK && (own != NULL || err.msg[0] == '\0'))
            __builtin_trap();
        if (st == IG_OK) {
            span_check o = {own, s, size, 0};
            skills_scan(own, s, size, on_hit, &o);
            skills_split_line(own, s, size, on_item, &o);
            for (size_t i = 0; i < skills_taxonomy_count(own); i++) {
                const skills_entry *x = skills_taxonomy_at(own, i);
                if (skills_lookup(own, x->name, strlen(x->name)) == NULL)
                    __builtin_trap();
            }
            skills_taxonomy_free(own);
        }
    }
    free(s);
    return 0;
}
