#!/usr/bin/env bash
# Text-extraction benchmark on one core (taskset -c 0): files/s by format over the resume corpus
# (and any files in FIXTURES_DIR), measured four ways, next to pdftotext on the same PDFs:
#   in-process   `interviewgenius parse --in-process F...`: extraction alone, one process
#   sandboxed    `interviewgenius parse F...`: one process spawning the sandboxed child per file,
#                as the server's workers do
#   exec/file    `interviewgenius extract F` started by the shell per file (like pdftotext below)
#   pdftotext    `pdftotext F /dev/null` started by the shell per file
# Builds nothing itself.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
IG_BIN=${IG_BIN:-$ROOT/build/interviewgenius}
CORPUS=${CORPUS:-$ROOT/../shared/corpus/resumes}
FIXTURES_DIR=${FIXTURES_DIR:-}
MIN_SECONDS=${MIN_SECONDS:-2}   # each measurement repeats the file list until it ran this long
CPU=${CPU:-0}

die() { echo "bench/parse.sh: $*" >&2; exit 1; }
[ -x "$IG_BIN" ] || die "no binary at $IG_BIN (run: make build/interviewgenius, or set IG_BIN)"
command -v taskset >/dev/null || die "taskset not found (Debian: util-linux)"
[ -d "$CORPUS" ] || [ -n "$FIXTURES_DIR" ] || die "no corpus at $CORPUS and no FIXTURES_DIR"
HAVE_PDFTOTEXT=1
command -v pdftotext >/dev/null || HAVE_PDFTOTEXT=0

# Tesseract's OpenMP threads spin when idle; the sandbox sets this for its children, the
# in-process runs need it too.
export OMP_THREAD_LIMIT=1

now() { date +%s.%N; }

# CPU seconds (user + system, children included) of a command go to $CPU_FILE via GNU time,
# when installed: a figure other load on the machine does not skew.
TIME_BIN=$(command -v /usr/bin/time || true)
CPU_FILE=$(mktemp)
trap 'rm -f "$CPU_FILE"' EXIT
timed() {
    if [ -n "$TIME_BIN" ]; then
        "$TIME_BIN" -f "%U %S" -o "$CPU_FILE" "$@"
    else
        echo "0 0" >"$CPU_FILE"
        "$@"
    fi
}

# "wall/cpu" files/s for n files over [t0, t1] and the CPU time in $CPU_FILE.
rates() {
    awk -v a="$1" -v b="$2" -v n="$3" -v f="$CPU_FILE" 'BEGIN{
        getline line < f; split(line, c, " "); cpu = c[1] + c[2];
        if (cpu > 0) printf "%.1f/%.1f", n/(b-a), n/cpu; else printf "%.1f/-", n/(b-a) }'
}

# Runs "$@" (a command taking the files last) over the list repeated until MIN_SECONDS; prints
# files/s. The list is in FILES.
rate_batch() {
    local n=0 t0 t1 reps=1 list=()
    while :; do
        list=()
        for ((r = 0; r < reps; r++)); do list+=("${FILES[@]}"); done
        t0=$(now)
        timed taskset -c "$CPU" "$@" "${list[@]}" >/dev/null 2>&1 || true
        t1=$(now)
        n=${#list[@]}
        if awk -v a="$t0" -v b="$t1" -v m="$MIN_SECONDS" 'BEGIN{exit !(b-a>=m)}' || [ "$reps" -ge 512 ]; then
            break
        fi
        reps=$((reps * 2))
    done
    rates "$t0" "$t1" "$n"
}

# The same with one process per file started from a shell loop pinned to the core.
rate_each() {
    local script=$1
    local n=0 t0 t1 reps=1
    while :; do
        t0=$(now)
        timed taskset -c "$CPU" bash -c "for ((r = 0; r < $reps; r++)); do for f in \"\$@\"; do $script; done; done" \
            _ "${FILES[@]}" >/dev/null 2>&1 || true
        t1=$(now)
        n=$((reps * ${#FILES[@]}))
        if awk -v a="$t0" -v b="$t1" -v m="$MIN_SECONDS" 'BEGIN{exit !(b-a>=m)}' || [ "$reps" -ge 512 ]; then
            break
        fi
        reps=$((reps * 2))
    done
    rates "$t0" "$t1" "$n"
}

# Groups the inputs by what the extractor says they are (format, and OCR for scans).
declare -A GROUP=()
add_files() {
    local f line fmt ocr
    for f in "$@"; do
        [ -f "$f" ] || continue
        line=$("$IG_BIN" parse --in-process "$f" 2>/dev/null | tr -d '\n ') || continue
        fmt=$(sed -n 's/.*"format":"\([a-z]*\)".*/\1/p' <<<"$line")
        ocr=$(sed -n 's/.*"ocr":\(true\|false\).*/\1/p' <<<"$line")
        [ -n "$fmt" ] || continue
        [ "$ocr" = true ] && fmt="$fmt+ocr"
        GROUP[$fmt]+="$f"$'\n'
    done
}

INPUTS=()
[ -d "$CORPUS" ] && for f in "$CORPUS"/*; do INPUTS+=("$f"); done
[ -n "$FIXTURES_DIR" ] && for f in "$FIXTURES_DIR"/*; do INPUTS+=("$f"); done
add_files "${INPUTS[@]}"
[ ${#GROUP[@]} -gt 0 ] || die "no extractable files found"

echo "== interviewgenius text-extraction benchmark (one core: cpu $CPU)"
echo "   binary:  $IG_BIN"
echo "   inputs:  ${CORPUS}${FIXTURES_DIR:+ and $FIXTURES_DIR}"
echo "   each figure: files/s over the format's files, repeated for at least ${MIN_SECONDS}s,"
echo "   as wall/cpu: by the clock, and by the CPU time spent (children included; other load aside)"
echo
printf '%-10s %6s %14s %14s %14s %14s\n' format files in-process sandboxed exec/file pdftotext
printf '%-10s %6s %14s %14s %14s %14s\n' ---------- ------ -------------- -------------- -------------- --------------
for fmt in $(printf '%s\n' "${!GROUP[@]}" | sort); do
    mapfile -t FILES < <(printf '%s' "${GROUP[$fmt]}")
    inproc=$(rate_batch "$IG_BIN" parse --in-process)
    sandboxed=$(rate_batch "$IG_BIN" parse)
    each=$(rate_each "\"$IG_BIN\" extract -- \"\$f\"")
    ptt="-"
    if [ "$HAVE_PDFTOTEXT" = 1 ] && [[ $fmt == pdf* ]]; then
        ptt=$(rate_each "pdftotext \"\$f\" /dev/null")
    fi
    printf '%-10s %6d %14s %14s %14s %14s\n' "$fmt" "${#FILES[@]}" "$inproc" "$sandboxed" "$each" "$ptt"
done
echo
echo "Goals (issue 3): sandboxed >= 2x the original's PyPDF2 (109 files/s in-process) and >= pdftotext;"
echo "pdf+ocr runs tesseract on every page and is measured only for reference."
