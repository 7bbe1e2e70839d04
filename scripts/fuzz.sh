#!/usr/bin/env bash
# Runs the libFuzzer binaries built by `make fuzz-build` against tests/fuzz/corpus/<name>/.
#   scripts/fuzz.sh replay BIN...       every corpus and saved crash file once; exits non-zero on any failure
#   scripts/fuzz.sh run SECONDS BIN...  fuzzes each for SECONDS, growing the corpus; crashes go to
#                                       tests/fuzz/crashes/<name>/ (git-ignored)
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=$ROOT/tests/fuzz/corpus
CRASHES=$ROOT/tests/fuzz/crashes
RSS_MB=2048
REPLAY_TIMEOUT_S=30

usage() {
    echo "usage: $0 replay BIN... | $0 run SECONDS BIN..." >&2
    exit 2
}

# The files to replay for one fuzzer, NUL-separated on stdout.
inputs() {
    local name=$1 dir
    for dir in "$CORPUS/$name" "$CRASHES/$name"; do
        [ -d "$dir" ] && find "$dir" -type f -print0
    done
}

replay() {
    local pass=0 fail=0 bin name log files f
    log=$(mktemp)
    trap 'rm -f "$log"' RETURN
    for bin in "$@"; do
        name=$(basename "$bin")
        [ -x "$bin" ] || { echo "fuzz-replay: $bin is not built" >&2; fail=$((fail + 1)); continue; }
        files=()
        while IFS= read -r -d '' f; do files+=("$f"); done < <(inputs "$name" | sort -z)
        if [ ${#files[@]} -eq 0 ]; then
            echo "fuzz-replay: $name has no inputs under $CORPUS/$name"
            continue
        fi
        # One process for the whole set; when it fails, each file on its own names the culprits.
        if "$bin" -rss_limit_mb=$RSS_MB -timeout=$REPLAY_TIMEOUT_S "${files[@]}" >"$log" 2>&1; then
            pass=$((pass + ${#files[@]}))
            echo "fuzz-replay: $name: ${#files[@]} inputs ok"
            continue
        fi
        for f in "${files[@]}"; do
            if "$bin" -rss_limit_mb=$RSS_MB -timeout=$REPLAY_TIMEOUT_S "$f" >"$log" 2>&1; then
                pass=$((pass + 1))
            else
                fail=$((fail + 1))
                echo "FAILED: $name $f"
                grep -E 'ERROR|SUMMARY|^ +#[0-9]+ ' "$log" | head -n 20
            fi
        done
    done
    echo "fuzz-replay: $pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}

run() {
    local seconds=$1 bin name clean=0 crashed=0 found mark
    shift
    case $seconds in '' | *[!0-9]*) usage ;; esac
    mark=$(mktemp)
    trap 'rm -f "$mark"' RETURN
    for bin in "$@"; do
        name=$(basename "$bin")
        [ -x "$bin" ] || { echo "fuzz: $bin is not built" >&2; crashed=$((crashed + 1)); continue; }
        mkdir -p "$CORPUS/$name" "$CRASHES/$name"
        echo "fuzz: $name for ${seconds}s"
        touch "$mark"
        if "$bin" -max_total_time="$seconds" -rss_limit_mb=$RSS_MB -print_final_stats=1 \
            -artifact_prefix="$CRASHES/$name/" "$CORPUS/$name" 2>&1 | grep -E '^(#[0-9]+[[:space:]]+DONE|==[0-9]+==|SUMMARY|stat::number_of_executed_units|artifact_prefix|Test unit written)'
            [ "${PIPESTATUS[0]}" -eq 0 ]; then
            clean=$((clean + 1))
        else
            crashed=$((crashed + 1))
            found=$(find "$CRASHES/$name" -type f -newer "$mark" | head -n 5)
            echo "FAILED: $name; reproducers: ${found:-none saved}"
        fi
    done
    echo "fuzz: $clean clean, $crashed crashed"
    [ "$crashed" -eq 0 ]
}

[ $# -ge 1 ] || usage
mode=$1
shift
case $mode in
replay) [ $# -ge 1 ] || usage; replay "$@" ;;
run) [ $# -ge 2 ] || usage; run "$@" ;;
*) usage ;;
esac
