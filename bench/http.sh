#!/usr/bin/env bash
# HTTP benchmark (wrk, 127.0.0.1 only, bounded duration): GET /api/v1/auth/profile with a valid JWT,
# GET /healthz, and profile again while a second wrk hammers POST /login. Builds nothing itself.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
IG_BIN=${IG_BIN:-$ROOT/build/interviewgenius}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
LOGIN_THREADS=${LOGIN_THREADS:-1}
LOGIN_CONNECTIONS=${LOGIN_CONNECTIONS:-8}
BENCH_LOG_LEVEL=${BENCH_LOG_LEVEL:-warn}
# sqlite (the file in the data dir), pg or mysql: a throwaway server from tests/support/dbservers.py
BENCH_DB=${BENCH_DB:-sqlite}
# Benchmark servers already running at BENCH_URL (bench/cluster.sh: nginx in front of two instances)
# instead of starting one; BENCH_PIDS are their processes, whose RSS is reported (summed).
BENCH_URL=${BENCH_URL:-}
BENCH_PIDS=${BENCH_PIDS:-}
PYTHON=/usr/bin/python3
DBSERVERS="$PYTHON $ROOT/tests/support/dbservers.py"

die() { echo "bench/http.sh: $*" >&2; exit 1; }
[ -x "$IG_BIN" ] || die "no server binary at $IG_BIN (run: make build/interviewgenius, or set IG_BIN)"
command -v wrk >/dev/null || die "wrk not found (Debian: apt-get install wrk)"
command -v curl >/dev/null || die "curl not found"

PORT=$($PYTHON -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=${BENCH_URL:-"http://127.0.0.1:$PORT"}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ig-bench.XXXXXX")
SERVER_PID=""
DB_URL=""

cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ -n "$DB_URL" ]; then $DBSERVERS stop "$DB_URL" || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "$BENCH_URL" ] && [ "$BENCH_DB" != sqlite ]; then
    DB_URL=$($DBSERVERS start "$BENCH_DB") || die "cannot start a $BENCH_DB server"
fi

echo "== interviewgenius HTTP benchmark"
if [ -n "$BENCH_URL" ]; then
    echo "   server:        $BASE (already running; RSS of pids ${BENCH_PIDS:-none})"
else
    echo "   binary:        $IG_BIN"
    echo "   server:        $BASE (data dir $WORK)"
    echo "   database:      $BENCH_DB${DB_URL:+ (throwaway server: $DB_URL)}"
fi
echo "   wrk:           -t$THREADS -c$CONNECTIONS -d$DURATION --latency (login load: -t$LOGIN_THREADS -c$LOGIN_CONNECTIONS)"
echo "   rate limiting: DISABLED for this run (RATELIMIT_ENABLED=false), so wrk measures the server, not the limiter"
echo "   log level:     $BENCH_LOG_LEVEL; password hashing: the server's defaults (argon2id interactive)"
echo "   cpus:          $(nproc)"

if [ -z "$BENCH_URL" ]; then
    mkdir -p "$WORK/data"
    (cd "$WORK" && exec env HOST=127.0.0.1 PORT="$PORT" DATA_DIR="$WORK/data" ENV=development \
        ${DB_URL:+DATABASE_URL="$DB_URL"} LOG_LEVEL="$BENCH_LOG_LEVEL" RATELIMIT_ENABLED=false \
        "$IG_BIN" serve >"$WORK/server.log" 2>&1) &
    SERVER_PID=$!
    BENCH_PIDS=$SERVER_PID
fi

for _ in $(seq 1 200); do
    if curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null; then break; fi
    [ -z "$SERVER_PID" ] || kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "server exited during start"; }
    sleep 0.1
done
curl -fsS -o /dev/null "$BASE/healthz" || { cat "$WORK/server.log" >&2; die "server not healthy after 20 s"; }

export BENCH_EMAIL="bench-$$@example.com"
export BENCH_PASSWORD="bench-password-$RANDOM$RANDOM"
REG=$(curl -fsS -X POST -H 'Content-Type: application/json' \
    -d "{\"email\":\"$BENCH_EMAIL\",\"password\":\"$BENCH_PASSWORD\",\"username\":\"bench\"}" \
    "$BASE/api/v1/auth/register") || die "register failed"
TOKEN=$(printf '%s' "$REG" | $PYTHON -c 'import json,sys; print(json.load(sys.stdin)["data"]["access_token"])')
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/auth/profile")" = 200 ] \
    || die "profile with the new token is not 200"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d "{\"email\":\"$BENCH_EMAIL\",\"password\":\"$BENCH_PASSWORD\"}" "$BASE/api/v1/auth/login")" = 200 ] \
    || die "login with the benchmark credentials is not 200"

rss_mib() { # the servers' RSS together
    local p files=()
    for p in $BENCH_PIDS; do files+=("/proc/$p/status"); done
    [ ${#files[@]} -gt 0 ] || { echo "-"; return; }
    awk '/^VmRSS:/ { s += $2 } END { printf "%.1f", s / 1024 }' "${files[@]}"
}

# to_ms VALUE: wrk's "123.45us" / "1.23ms" / "1.02s" / "2.00m" in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
        printf "%.3f", n }'
}

# summarize NAME FILE: one table row from a wrk --latency report.
ROWS=()
PROFILE_RPS=0 PROFILE_P99=0
summarize() {
    local name=$1 file=$2 rps p50 p99 bad errs
    rps=$(awk '/^Requests\/sec:/ { printf ($2 < 100 ? "%.1f" : "%.0f"), $2 }' "$file")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$file")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$file")")
    bad=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$file"); bad=${bad:-0}
    errs=$(awk '/Socket errors:/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i; print s + 0 }' "$file")
    errs=${errs:-0}
    ROWS+=("$(printf '%-34s %10s %9s %9s %8s %8s %9s' "$name" "$rps" "$p50" "$p99" "$bad" "$errs" "$3")")
}

run_wrk() { # FILE ARGS...: runs wrk, shows its report
    local file=$1; shift
    wrk "$@" >"$file"
    cat "$file"
}

echo
echo "== 1. GET /api/v1/auth/profile (Bearer JWT), $CONNECTIONS connections"
run_wrk "$WORK/profile.txt" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
    -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/auth/profile"
summarize "profile" "$WORK/profile.txt" "$(rss_mib)"
PROFILE_RPS=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$WORK/profile.txt")
PROFILE_P99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$WORK/profile.txt")")

echo
echo "== 2. GET /healthz, $CONNECTIONS connections"
run_wrk "$WORK/healthz.txt" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$BASE/healthz"
summarize "healthz" "$WORK/healthz.txt" "$(rss_mib)"

echo
echo "== 3. profile again while POST /api/v1/auth/login is hammered ($LOGIN_CONNECTIONS connections)"
wrk -t"$LOGIN_THREADS" -c"$LOGIN_CONNECTIONS" -d"$DURATION" --latency -s "$ROOT/bench/login.lua" \
    "$BASE/api/v1/auth/login" >"$WORK/login.txt" &
LOGIN_WRK=$!
run_wrk "$WORK/profile-under-login.txt" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
    -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/auth/profile"
wait "$LOGIN_WRK"
echo "-- the concurrent login load:"
cat "$WORK/login.txt"
RSS3=$(rss_mib)
summarize "profile (during login storm)" "$WORK/profile-under-login.txt" "$RSS3"
summarize "login (concurrent, argon2id)" "$WORK/login.txt" "$RSS3"

echo
echo "== summary ($DURATION per run, database $BENCH_DB${BENCH_URL:+, through $BENCH_URL}, rate limiting disabled, $(nproc) cpus)"
printf '%-34s %10s %9s %9s %8s %8s %9s\n' "run" "req/s" "p50 ms" "p99 ms" "non-2xx" "sockerr" "RSS MiB"
printf '%s\n' "${ROWS[@]}"
echo
echo "goals: profile >= 80,000 req/s with p99 < 5 ms (30x the Flask/gunicorn design's ~2,700 req/s, p99 49 ms);"
echo "       ceiling: ~165,000 req/s for a constant JSON on this stack; profile must not stall during the login storm."
if awk -v r="$PROFILE_RPS" -v p="$PROFILE_P99" 'BEGIN { exit !(r >= 80000 && p < 5) }'; then
    echo "profile goal: MET ($PROFILE_RPS req/s, p99 $PROFILE_P99 ms)"
else
    echo "profile goal: NOT MET ($PROFILE_RPS req/s, p99 $PROFILE_P99 ms)"
fi
echo "note: wrk shares the machine's cores with the server; other load on the machine lowers these figures."
