/* Template rendering (see ai/prompt.h): one pass over the template, variables looked up in a JSON
 * object and encoded with jansson, then the split into the system and user messages. */
#include "ai/prompt.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/datafiles.h"

#define NAME_MAX_BYTES 64
#define USER_MARKER "=== user ==="

static bool name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool name_char(char c)
{
    return name_start(c) || (c >= '0' && c <= '9');
}

/* The length of the variable reference "{{name}}" at p (n bytes left), its name in name[]; 0 when
 * p does not start one. */
static size_t reference_at(const char *p, size_t n, char name[NAME_MAX_BYTES])
{
    if (n < 5 || p[0] != '{' || p[1] != '{' || !name_start(p[2]))
        return 0;
    size_t i = 2;
    while (i < n && name_char(p[i]))
        i++;
    if (i + 1 >= n || p[i] != '}' || p[i + 1] != '}' || i - 2 >= NAME_MAX_BYTES)
        return 0;
    memcpy(name, p + 2, i - 2);
    name[i - 2] = '\0';
    return i + 2;
}

ig_status prompt_render(const char *tmpl, size_t len, const json_t *vars, ig_buf *out, ig_err *err)
{
    size_t i = 0, lit = 0;
    char name[NAME_MAX_BYTES];
    while (i < len) {
        size_t ref = tmpl[i] == '{' ? reference_at(tmpl + i, len - i, name) : 0;
        if (ref == 0) {
            i++;
            continue;
        }
        const json_t *v = json_object_get(vars, name);
        if (v == NULL)
            return status_errf(err, IG_EINVAL, "the prompt uses {{%s}}, which was not given", name);
        ig_status rc = buf_append(out, tmpl + lit, i - lit);
        char *enc = rc == IG_OK ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        if (rc == IG_OK && enc == NULL)
            rc = IG_ENOMEM;
        if (rc == IG_OK)
            rc = buf_append(out, enc, strlen(enc));
        free(enc);
        if (rc != IG_OK)
            return status_errf(err, rc, rc == IG_ETOOBIG ? "the rendered prompt is larger than its cap"
                                                         : "out of memory rendering a prompt");
        i += ref;
        lit = i;
    }
    ig_status rc = buf_append(out, tmpl + lit, len - lit);
    if (rc != IG_OK)
        return status_errf(err, rc, rc == IG_ETOOBIG ? "the rendered prompt is larger than its cap"
                                                     : "out of memory rendering a prompt");
    return IG_OK;
}

/* Where the user part starts: the line after USER_MARKER; *sys_len gets the system part's length
 * without the newline before the marker. false when there is no marker line. */
static bool split_at_marker(const char *t, size_t n, size_t *sys_len, size_t *user_at)
{
    const size_t m = sizeof USER_MARKER - 1;
    for (size_t i = 0; i + m <= n; i++) {
        if ((i > 0 && t[i - 1] != '\n') || memcmp(t + i, USER_MARKER, m) != 0)
            continue;
        if (i + m < n && t[i + m] != '\n')
            continue;
        *sys_len = i > 0 ? i - 1 : 0;
        *user_at = i + m < n ? i + m + 1 : n;
        return true;
    }
    return false;
}

static ig_status render_part(const char *t, size_t n, const json_t *vars, char **out, ig_err *err)
{
    ig_buf b;
    buf_init(&b, PROMPT_MAX_BYTES);
    /* trailing newlines are the file's, not the message's */
    while (n > 0 && (t[n - 1] == '\n' || t[n - 1] == '\r'))
        n--;
    ig_status rc = prompt_render(t, n, vars, &b, err);
    if (rc == IG_OK && b.p == NULL)
        rc = buf_append(&b, "", 0) == IG_OK ? IG_OK : status_errf(err, IG_ENOMEM, "out of memory");
    if (rc != IG_OK) {
        buf_free(&b);
        return rc;
    }
    size_t ignored;
    *out = buf_steal(&b, &ignored);
    return IG_OK;
}

ig_status prompt_build(const char *task, const char *version, const char *lang, const json_t *vars,
                       prompt_msgs *out, ig_err *err)
{
    char path[128];
    ig_str t;
    size_t sys_len = 0, user_at = 0;
    prompt_msgs m = {NULL, NULL};
    int w = snprintf(path, sizeof path, "prompts/%s.%s.%s.txt", task, version, lang);
    if (w < 0 || (size_t)w >= sizeof path || !datafiles_get(path, &t))
        return status_errf(err, IG_ENOTFOUND, "no prompt template %s", path);
    if (!split_at_marker(t.p, t.n, &sys_len, &user_at))
        return status_errf(err, IG_EINVAL, "prompt template %s has no \"" USER_MARKER "\" line", path);
    ig_status rc = render_part(t.p, sys_len, vars, &m.system, err);
    if (rc == IG_OK)
        rc = render_part(t.p + user_at, t.n - user_at, vars, &m.user, err);
    if (rc != IG_OK) {
        prompt_msgs_free(&m);
        return rc;
    }
    *out = m;
    return IG_OK;
}

void prompt_msgs_free(prompt_msgs *m)
{
    free(m->system);
    free(m->user);
    m->system = m->user = NULL;
}
