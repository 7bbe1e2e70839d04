#!/usr/bin/env bash
# The offline AI engine's latency per call on one core (taskset -c $CPU): question generation
# (mixed x8 in English, technical x30 in Chinese, with a job description and a weak topic), scoring
# of a ~300-word English answer and a Chinese one of the same length, follow-ups and reports: p50,
# p99 and max per call and calls/s, next to issue 5's goals (scoring p99 < 2 ms, generation
# < 10 ms). Builds nothing itself: `make bench-ai` builds bench/ai_bench.c and runs this.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
AI_BENCH=${AI_BENCH:-$ROOT/build/bench/ai_bench}
RESUME=${RESUME:-$ROOT/tests/unit/ai/fixture_resume.json}
ITERATIONS=${ITERATIONS:-2000}
CPU=${CPU:-0}

die() { echo "bench/ai.sh: $*" >&2; exit 1; }
[ -x "$AI_BENCH" ] || die "no benchmark binary at $AI_BENCH (run: make bench-ai, or set AI_BENCH)"
[ -r "$RESUME" ] || die "no resume at $RESUME"
PIN=()
if command -v taskset >/dev/null; then
    PIN=(taskset -c "$CPU")
else
    echo "bench/ai.sh: taskset not found (Debian: util-linux): running unpinned" >&2
fi

echo "== interviewgenius offline AI engine benchmark"
echo "   binary:     $AI_BENCH"
echo "   resume:     $RESUME"
echo "   cpu:        ${PIN[*]:-unpinned} ($(nproc) online), $ITERATIONS calls per measure, one thread"
echo
"${PIN[@]}" "$AI_BENCH" "$RESUME" "$ITERATIONS"
