/* Extraction in a child process, so that a hostile file that crashes, hangs or balloons a parsing
 * library fails one job and never the server. The child also structures the text (parse/structure.h):
 * that text is as untrusted as the file. Two ways in, same child code and limits:
 *  - parse_sandbox: a pre-forked "zygote" (`EXE extract --serve`, spawned once, libraries already
 *    loaded) forks one confined worker per file. Starting a process that links poppler, tesseract
 *    and the rest costs ~25 ms in the dynamic loader; a fork from the zygote costs well under 1 ms.
 *  - parse_extract_sandboxed: spawns `EXE extract [--limits] -- PATH` for one file.
 * Either way the worker sets its own rlimits (CPU, address space, no file writes, few descriptors,
 * no core), no new privileges and a seccomp filter against sockets before touching the file, inherits no descriptor but its output pipe
 * and /dev/null, and is killed past the wall-clock timeout; its output is capped. */
#ifndef IG_PARSE_SANDBOX_H
#define IG_PARSE_SANDBOX_H

#include <jansson.h>

#include "core/status.h"
#include "parse/extract.h"

typedef struct parse_sandbox parse_sandbox;

/* A sandbox whose zygote runs exe (e.g. "/proc/self/exe"); the zygote starts on first use and is
 * restarted if it dies. Free with parse_sandbox_close. IG_ENOMEM only. */
ig_status parse_sandbox_open(const char *exe, parse_sandbox **out, ig_err *err);
/* Stops the zygote (workers in flight finish on their own) and frees sb. NULL is fine. */
void parse_sandbox_close(parse_sandbox *sb);

/* Extracts path in a worker forked by the zygote. BLOCKING: call it from worker threads (any
 * number at once), never the event loop. On success *out (caller-owned) is the object
 * parse_extract_file describes plus the keys of the structured resume (structure_resume's object:
 * basic_info, skills, experience, education, projects, certifications, awards, languages, sections,
 * confidence). Failures: the worker's own reason and status (IG_EINVAL mostly,
 * IG_ETOOBIG for zip bombs, IG_EIO for unreadable files), or IG_EINVAL "extraction timed out (after
 * N ms)", "extraction exceeded its CPU time limit (N s)", "extractor crashed (signal N)",
 * "extractor output too large (...)"; IG_EINTERNAL when no zygote can be started. */
ig_status parse_sandbox_extract(parse_sandbox *sb, const char *path, const parse_limits *lim, json_t **out,
                                ig_err *err);

/* The same in a process spawned for this one file (no zygote): simpler, ~25 ms slower. */
ig_status parse_extract_sandboxed(const char *exe, const char *path, const parse_limits *lim, json_t **out,
                                  ig_err *err);

/* The hidden `extract` command; argv holds what follows the command name:
 *   [--max-pages=N] [--max-text-bytes=N] [--max-uncompressed=N] [--max-zip-entries=N]
 *   [--cpu-seconds=N] [--max-memory=N] [--ocr|--no-ocr] [--] PATH
 * confines itself (RLIMIT_AS is left off under AddressSanitizer, whose shadow memory needs the
 * address space), writes the result JSON (as parse_sandbox_extract describes) to stdout and returns
 * 0, or writes {"error": "...", "status": "EINVAL"} and returns 1 (2 for bad usage).
 *   --serve   runs the zygote on the socket at descriptor 3 (parse_sandbox starts it so).
 * Test hooks, read from the environment by the worker only: IG_EXTRACT_TEST_HANG=1 spins forever,
 * IG_EXTRACT_TEST_CRASH=1 raises SIGSEGV, IG_EXTRACT_TEST_FLOOD=1 writes without end,
 * IG_EXTRACT_TEST_SOCKET=1 fails with "socket: denied" (or "allowed") after trying to open one. */
int parse_child_main(int argc, char **argv);

/* The user-facing `parse` command; argv holds what follows the command name:
 *   [--no-ocr] [--in-process] FILE...
 * Extracts and structures each FILE in the sandbox (exe is this program) unless --in-process. One
 * FILE: its result ({format, pages, raw_text, links, ocr} and the structured resume's keys) as
 * indented JSON. Several: one compact JSON object per line, each with "file" and either the
 * result or "error". Returns 0 when every file succeeded, 1 otherwise (reasons on stderr), 2 for
 * bad usage. */
int parse_cli_main(const char *exe, int argc, char **argv);

#endif
