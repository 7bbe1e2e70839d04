#!/usr/bin/env bash
# Live transcription throughput: the real-time factor of PocketSphinx alone, through the stream API
# (ai/asr_sphinx.h) and of WebM/Opus decoding (ai/audio.h), pinned to one core (taskset -c $CPU);
# then how many simultaneous real-time streams the machine keeps up with, on all its cores, with a
# decoder per stream and with the default pool (ASR_DECODERS=2). Issue 6's goal: RTF at most 0.25.
# Builds nothing itself: `make bench-asr` builds bench/asr_bench.c and runs this.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ASR_BENCH=${ASR_BENCH:-$ROOT/build/bench/asr_bench}
CPU=${CPU:-0}
MAX_STREAMS=${MAX_STREAMS:-32}
SECONDS_PER_STREAM=${SECONDS_PER_STREAM:-20}
POOL=${POOL:-2}

die() { echo "bench/asr.sh: $*" >&2; exit 1; }
[ -x "$ASR_BENCH" ] || die "no benchmark binary at $ASR_BENCH (run: make bench-asr, or set ASR_BENCH)"
[ -d /usr/share/pocketsphinx/test/data ] || die "no speech to read: install pocketsphinx-testdata"
PIN=()
if command -v taskset >/dev/null; then
    PIN=(taskset -c "$CPU")
else
    echo "bench/asr.sh: taskset not found (Debian: util-linux): running unpinned" >&2
fi

echo "== interviewgenius live transcription benchmark"
echo "   binary: $ASR_BENCH"
echo "   cpus:   $(nproc) online; memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
echo
echo "-- one core (${PIN[*]:-unpinned})"
"${PIN[@]}" "$ASR_BENCH" rtf
echo
echo "-- a decoder per stream, all cores"
"$ASR_BENCH" streams "$MAX_STREAMS" 0 "$SECONDS_PER_STREAM"
echo
echo "-- the default pool of $POOL decoders, all cores"
"$ASR_BENCH" streams "$MAX_STREAMS" "$POOL" "$SECONDS_PER_STREAM"
