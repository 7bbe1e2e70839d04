#!/usr/bin/env bash
# Socket.IO benchmark: runs bench/realtime/load.js (Node, the official socket.io-client installed by
# `make test` into tests/realtime-js/node_modules) against its own server on 127.0.0.1. Builds
# nothing itself. Knobs: IG_BIN, IDLE (10000), ACTIVE (1000), RATE (2 events/s per client),
# DURATION (10 s), OPEN_BATCH (250), BENCH_LOG_LEVEL (warn).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
die() { echo "bench/realtime/run.sh: $*" >&2; exit 1; }
command -v node >/dev/null || die "node not found (Debian: apt-get install nodejs)"
[ -f "$ROOT/tests/realtime-js/node_modules/socket.io-client/package.json" ] ||
    die "socket.io-client missing: run (cd tests/realtime-js && npm ci)"
export IG_BIN=${IG_BIN:-$ROOT/build/interviewgenius}
[ -x "$IG_BIN" ] || die "no server binary at $IG_BIN (run: make build/interviewgenius, or set IG_BIN)"
# every client is a socket in this process and in the server: raise the descriptor limit as far as allowed
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "   descriptors:  $(ulimit -n) per process; clients and server share $(nproc) cpus"
exec node --max-old-space-size=4096 "$ROOT/bench/realtime/load.js"
