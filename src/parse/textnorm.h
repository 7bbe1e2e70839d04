/* Normalisation of extracted text: repairs the quirks real resumes carry (soft hyphens drawn as
 * dashes, icon glyphs, small caps as "ENGiNEER", CJK split by spaces, tab/CR/NBSP between every
 * word, runs of blank lines) and always yields valid UTF-8. */
#ifndef IG_PARSE_TEXTNORM_H
#define IG_PARSE_TEXTNORM_H

#include <stddef.h>

#include "core/status.h"

/* Tabs separate table cells (DOCX, HTML, DOC): keep one where a run of blanks held one. */
#define PARSE_TEXTNORM_KEEP_TABS 0x1u
/* U+00AD was drawn (PDF, OCR): it is a hyphen or a dash, so it becomes '-'. Otherwise it is an
 * invisible hyphenation hint and is dropped. */
#define PARSE_TEXTNORM_SHY_VISIBLE 0x2u

/* Normalises n bytes of in (any bytes: invalid UTF-8 becomes U+FFFD, NUL is dropped).
 * *out is a NUL-terminated string the caller frees; *out_len its length. Rules, in order:
 * line breaks (CRLF, FF, VT, U+2028/2029) become '\n', a lone CR and every Unicode space (NBSP,
 * U+2000-200A, U+3000, ...) a space; control characters, zero-width spaces, BOMs and private-use
 * characters (icon fonts) are dropped; ligatures (U+FB00-FB06) are spelt out; U+2010/2011
 * become '-', U+00AD too with PARSE_TEXTNORM_SHY_VISIBLE (else it is dropped), and a run of
 * hyphens that holds one of them is one '-' ("555-\u00AD\u20105555" -> "555-5555"); "ENGiNEER" becomes "ENGINEER" when a word
 * of five or more ASCII letters has four or more capitals and no lower case but 'i'; blanks
 * collapse to one (a tab with KEEP_TABS) and lines are trimmed; spaces are removed next to CJK
 * punctuation, between digits and a CJK unit ("2015 年 3 月" -> "2015年3月"), and between CJK
 * characters on a line where most CJK neighbours are space-separated; at most one blank line
 * in a row, none at either end. IG_ENOMEM only. */
ig_status parse_textnorm(const char *in, size_t n, unsigned flags, char **out, size_t *out_len);

#endif
