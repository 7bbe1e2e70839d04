#!/usr/bin/env bash
# The multi-instance topology on 127.0.0.1, as tests/e2e/test_cluster.py runs it: nginx with
# deploy/nginx/interviewgenius.conf -> 2 `serve` instances (STORAGE=db, no job threads) -> a
# throwaway PostgreSQL (BENCH_DB=mysql: MariaDB) and Redis, plus 1 `worker`; then bench/http.sh and
# the latency run of bench/upload.sh through nginx. Builds nothing itself.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
IG_BIN=${IG_BIN:-$ROOT/build/interviewgenius}
BENCH_DB=${BENCH_DB:-pg}
NGINX_WORKERS=${NGINX_WORKERS:-1}
BENCH_LOG_LEVEL=${BENCH_LOG_LEVEL:-warn}
PYTHON=/usr/bin/python3
DBSERVERS="$PYTHON $ROOT/tests/support/dbservers.py"

die() { echo "bench/cluster.sh: $*" >&2; exit 1; }
[ -x "$IG_BIN" ] || die "no server binary at $IG_BIN (run: make build/interviewgenius, or set IG_BIN)"
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || die "nginx not found (Debian: apt-get install nginx-light)"
[ "$BENCH_DB" = pg ] || [ "$BENCH_DB" = mysql ] || die "BENCH_DB must be pg or mysql"

free_port() { $PYTHON -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ig-bench-cluster.XXXXXX")
DB_URL="" REDIS_URL="" PIDS=() NGINX_PID=""

cleanup() {
    local p
    if [ -n "$NGINX_PID" ]; then kill -QUIT "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; fi
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ -n "$REDIS_URL" ]; then $DBSERVERS stop "$REDIS_URL" || true; fi
    if [ -n "$DB_URL" ]; then $DBSERVERS stop "$DB_URL" || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

DB_URL=$($DBSERVERS start "$BENCH_DB") || die "cannot start a $BENCH_DB server"
REDIS_URL=$($DBSERVERS start redis) || die "cannot start a Redis server"
# one deployment: the same database, Redis and secrets for every process
export DATABASE_URL=$DB_URL REDIS_URL STORAGE=db ENV=development LOG_LEVEL=$BENCH_LOG_LEVEL RATELIMIT_ENABLED=false
SECRET_KEY=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
JWT_SECRET_KEY=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
export SECRET_KEY JWT_SECRET_KEY

mkdir -p "$WORK/migrate"
(cd "$WORK" && DATA_DIR="$WORK/migrate" "$IG_BIN" migrate >"$WORK/migrate.log" 2>&1) \
    || { cat "$WORK/migrate.log" >&2; die "migrate failed"; }

PORTS=()
for n in 1 2; do
    port=$(free_port)
    mkdir -p "$WORK/app$n"
    (cd "$WORK" && HOST=127.0.0.1 PORT=$port DATA_DIR="$WORK/app$n" JOB_WORKERS=0 \
        exec "$IG_BIN" serve >"$WORK/app$n.log" 2>&1) &
    PIDS+=($!)
    PORTS+=("$port")
done
APP_PIDS="${PIDS[*]}"
mkdir -p "$WORK/worker"
(cd "$WORK" && DATA_DIR="$WORK/worker" JOB_WORKERS=2 exec "$IG_BIN" worker >"$WORK/worker.log" 2>&1) &
PIDS+=($!)

for n in 0 1; do
    for _ in $(seq 1 200); do
        curl -fsS -o /dev/null "http://127.0.0.1:${PORTS[$n]}/healthz" 2>/dev/null && break
        kill -0 "${PIDS[$n]}" 2>/dev/null || { cat "$WORK/app$((n + 1)).log" >&2; die "instance $((n + 1)) exited"; }
        sleep 0.1
    done
done

NGINX_PORT=$(free_port)
CONF=$(cd "$ROOT/tests/e2e" && $PYTHON -c 'import sys, nginx_kit
print(nginx_kit.write_config(sys.argv[1], [int(sys.argv[2]), int(sys.argv[3])], int(sys.argv[4]), sys.argv[5]))' \
    "$WORK/nginx" "${PORTS[0]}" "${PORTS[1]}" "$NGINX_PORT" "$NGINX_WORKERS")
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
"$NGINX" -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$CONF" -g 'daemon off;' &
NGINX_PID=$!
for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$NGINX_PORT/healthz" 2>/dev/null && break
    sleep 0.1
done

echo "== interviewgenius cluster benchmark"
echo "   nginx:     127.0.0.1:$NGINX_PORT ($NGINX_WORKERS worker process(es), deploy/nginx/interviewgenius.conf)"
echo "   instances: 127.0.0.1:${PORTS[0]} and 127.0.0.1:${PORTS[1]} (STORAGE=db, JOB_WORKERS=0), 1 worker (JOB_WORKERS=2)"
echo "   database:  $BENCH_DB ($DB_URL), Redis $REDIS_URL"
echo "   cpus:      $(nproc), shared by wrk, nginx, both instances, the worker, the database and Redis"
echo

BENCH_URL="http://127.0.0.1:$NGINX_PORT" BENCH_PIDS="$APP_PIDS" BENCH_DB=$BENCH_DB "$ROOT/bench/http.sh"
echo
BENCH_URL="http://127.0.0.1:$NGINX_PORT" "$ROOT/bench/upload.sh"
