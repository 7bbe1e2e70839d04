#!/usr/bin/env bash
# Upload benchmark (127.0.0.1 only): a 100 MiB resume uploaded with curl (time, throughput, the
# server's RSS during the upload against idle), then upload-to-`completed` latency of small
# 2-page text PDFs (p50 over distinct files). Builds nothing itself.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
IG_BIN=${IG_BIN:-$ROOT/build/interviewgenius}
BIG_MIB=${BIG_MIB:-100}        # size of the large upload
RUNS=${RUNS:-3}                # large uploads (each a new resume: the previous one is deleted)
SMALL_COUNT=${SMALL_COUNT:-20} # distinct 2-page PDFs for the latency run
SAMPLE_S=${SAMPLE_S:-0.05}     # RSS sampling period during the large upload
BENCH_LOG_LEVEL=${BENCH_LOG_LEVEL:-warn}
# sqlite (the file in the data dir), pg or mysql: a throwaway server from tests/support/dbservers.py
BENCH_DB=${BENCH_DB:-sqlite}
# Servers already running at BENCH_URL (bench/cluster.sh: nginx in front of two instances) instead
# of one started here: only the latency run (the RSS run needs the one server's process).
BENCH_URL=${BENCH_URL:-}
PYTHON=/usr/bin/python3
DBSERVERS="$PYTHON $ROOT/tests/support/dbservers.py"

die() { echo "bench/upload.sh: $*" >&2; exit 1; }
[ -x "$IG_BIN" ] || die "no server binary at $IG_BIN (run: make build/interviewgenius, or set IG_BIN)"
command -v curl >/dev/null || die "curl not found"
[ -x "$PYTHON" ] || die "$PYTHON not found"

PORT=$($PYTHON -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=${BENCH_URL:-"http://127.0.0.1:$PORT"}
API="$BASE/api/v1"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ig-bench-upload.XXXXXX")
SERVER_PID=""
SAMPLER_PID=""
DB_URL=""

cleanup() {
    if [ -n "$SAMPLER_PID" ] && kill -0 "$SAMPLER_PID" 2>/dev/null; then
        kill "$SAMPLER_PID" 2>/dev/null || true
    fi
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ -n "$DB_URL" ]; then $DBSERVERS stop "$DB_URL" || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "$BENCH_URL" ]; then
    RUNS=0 BIG_MIB=0
elif [ "$BENCH_DB" != sqlite ]; then
    DB_URL=$($DBSERVERS start "$BENCH_DB") || die "cannot start a $BENCH_DB server"
fi

echo "== interviewgenius upload benchmark"
if [ -n "$BENCH_URL" ]; then
    echo "   server:        $BASE (already running; the large-upload RSS run is skipped)"
else
    echo "   binary:        $IG_BIN"
    echo "   server:        $BASE (data dir $WORK/data)"
    echo "   database:      $BENCH_DB${DB_URL:+ (throwaway server: $DB_URL)}"
    echo "   large upload:  $BIG_MIB MiB x $RUNS (curl, multipart), RSS sampled every ${SAMPLE_S}s"
fi
echo "   latency:       $SMALL_COUNT distinct 2-page text PDFs, upload -> status completed"
echo "   rate limiting: DISABLED for this run (RATELIMIT_ENABLED=false)"
echo "   cpus:          $(nproc)"

if [ -z "$BENCH_URL" ]; then
    mkdir -p "$WORK/data"
    (cd "$WORK" && exec env HOST=127.0.0.1 PORT="$PORT" DATA_DIR="$WORK/data" ENV=development \
        ${DB_URL:+DATABASE_URL="$DB_URL"} LOG_LEVEL="$BENCH_LOG_LEVEL" RATELIMIT_ENABLED=false \
        MAX_CONTENT_LENGTH=$(((BIG_MIB + 1) << 20)) "$IG_BIN" serve >"$WORK/server.log" 2>&1) &
    SERVER_PID=$!
fi

for _ in $(seq 1 200); do
    if curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null; then break; fi
    [ -z "$SERVER_PID" ] || kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "server exited during start"; }
    sleep 0.1
done
curl -fsS -o /dev/null "$BASE/healthz" || { cat "$WORK/server.log" >&2; die "server not healthy after 20 s"; }

REG=$(curl -fsS -X POST -H 'Content-Type: application/json' \
    -d "{\"email\":\"bench-upload-$$@example.com\",\"password\":\"bench-password-$RANDOM$RANDOM\"}" \
    "$API/auth/register") || die "register failed"
TOKEN=$(printf '%s' "$REG" | $PYTHON -c 'import json,sys; print(json.load(sys.stdin)["data"]["access_token"])')
json_field() { $PYTHON -c "import json,sys; print(json.load(sys.stdin)$1)"; }

# The large file: a valid one-page PDF (no text) carrying BIG_MIB MiB of random bytes in an
# unreferenced stream, so the upload is accepted (201) and its parse fails fast in the child.
$PYTHON - "$WORK/big.pdf" "$BIG_MIB" <<'EOF'
import os, sys
path, mib = sys.argv[1], int(sys.argv[2])
out = open(path, "wb")
pos, offs = 0, []
def w(b):
    global pos
    out.write(b); pos += len(b)
def obj(body_parts):
    offs.append(pos); w(b"%d 0 obj\n" % len(offs))
    for p in body_parts: w(p)
    w(b"\nendobj\n")
w(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
obj([b"<< /Type /Catalog /Pages 2 0 R >>"])
obj([b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"])
obj([b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"])
obj([b"<< /Length 0 >>\nstream\n\nendstream"])
n = mib << 20
offs.append(pos); w(b"5 0 obj\n<< /Length %d >>\nstream\n" % n)
for _ in range(mib):
    w(os.urandom(1 << 20))
w(b"\nendstream\nendobj\n")
x = pos
w(b"xref\n0 6\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offs))
w(b"trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % x)
out.close()
EOF
BIG_BYTES=$(stat -c %s "$WORK/big.pdf")

rss_kib() { local k v _; while read -r k v _; do [ "$k" = VmRSS: ] && { echo "$v"; return; }; done <"/proc/$SERVER_PID/status"; }
hwm_kib() { local k v _; while read -r k v _; do [ "$k" = VmHWM: ] && { echo "$v"; return; }; done <"/proc/$SERVER_PID/status"; }

# sampler OUT: the largest VmRSS seen until its flag file disappears
sampler() {
    local max=0 v
    while [ -e "$WORK/sampling" ]; do
        v=$(rss_kib) || break
        [ "${v:-0}" -gt "$max" ] && max=$v
        sleep "$SAMPLE_S"
    done
    echo "$max" >"$1"
}

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

WORST_DELTA=0
if [ "$RUNS" -gt 0 ]; then
    echo
    echo "== 1. POST /api/v1/resumes with a $(mib $((BIG_BYTES / 1024))) MiB file"
    ROWS=()
    for run in $(seq 1 "$RUNS"); do
        sleep 0.5 # let the previous run's job and file deletion settle
        IDLE=$(rss_kib)
        # peak RSS since now: "5" resets VmHWM (Linux >= 4.0); the sampler is the fallback
        HWM_OK=0
        if echo 5 >"/proc/$SERVER_PID/clear_refs" 2>/dev/null; then HWM_OK=1; fi
        touch "$WORK/sampling"
        sampler "$WORK/peak" &
        SAMPLER_PID=$!
        OUT=$(curl -sS -o "$WORK/resp.json" -w '%{http_code} %{time_total} %{speed_upload}' \
            -H "Authorization: Bearer $TOKEN" -F "file=@$WORK/big.pdf;type=application/pdf;filename=big-$run.pdf" \
            "$API/resumes") || die "curl failed"
        rm -f "$WORK/sampling"
        wait "$SAMPLER_PID" || true
        SAMPLER_PID=""
        PEAK=$(cat "$WORK/peak")
        if [ "$HWM_OK" = 1 ]; then
            HWM=$(hwm_kib)
            [ "$HWM" -gt "$PEAK" ] && PEAK=$HWM
        fi
        read -r CODE SECS SPEED <<<"$OUT"
        [ "$CODE" = 201 ] || { cat "$WORK/resp.json" >&2; die "upload answered $CODE, not 201"; }
        RID=$(json_field '["data"]["id"]' <"$WORK/resp.json")
        DELTA=$((PEAK - IDLE))
        [ "$DELTA" -gt "$WORST_DELTA" ] && WORST_DELTA=$DELTA
        ROWS+=("$(printf '%-6s %8s %8.3f %10.1f %10s %10s %10s' "$run" "$CODE" "$SECS" \
            "$(awk -v s="$SPEED" 'BEGIN { print s / 1048576 }')" "$(mib "$IDLE")" "$(mib "$PEAK")" "$(mib "$DELTA")")")
        # a new resume next time, not a duplicate
        for _ in $(seq 1 600); do
            S=$(curl -fsS -H "Authorization: Bearer $TOKEN" "$API/resumes/$RID/status" | json_field '["data"]["status"]')
            [ "$S" = pending ] || [ "$S" = processing ] || break
            sleep 0.1
        done
        curl -fsS -o /dev/null -X DELETE -H "Authorization: Bearer $TOKEN" "$API/resumes/$RID" || die "delete failed"
    done
    printf '%-6s %8s %8s %10s %10s %10s %10s\n' "run" "status" "secs" "MiB/s" "idle MiB" "peak MiB" "+MiB"
    printf '%s\n' "${ROWS[@]}"
fi

echo
echo "== 2. upload -> completed, $SMALL_COUNT distinct 2-page text PDFs (one at a time, keep-alive)"
LAT=$($PYTHON - "$API" "$TOKEN" "$SMALL_COUNT" <<'EOF'
import statistics, sys, time
import requests

api, token, count = sys.argv[1], sys.argv[2], int(sys.argv[3])

def pdf(i):
    pages = []
    for p in range(2):
        lines = [f"Candidate {i} page {p + 1}: Senior Engineer, Example Corp, 2019 - 2024"] + \
                [f"Line {k}: built services in C, Python and SQL; item {i}-{p}-{k}" for k in range(40)]
        ops = "BT /F1 10 Tf 56 800 Td 12 TL " + " ".join(f"({l}) '" for l in lines) + " ET"
        pages.append(ops.encode())
    n = 3 + 2 * len(pages)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % (4 + 2 * k) for k in range(len(pages))), len(pages)),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    for k, c in enumerate(pages):
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
                    b"/Contents %d 0 R >>" % (5 + 2 * k))
        objs.append(b"<< /Length %d >>\nstream\n" % len(c) + c + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offs = []
    for j, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % j + o + b"\nendobj\n"
    x = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % n + b"".join(b"%010d 00000 n \n" % o for o in offs)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (n, x)
    return bytes(out)

s = requests.Session()
h = {"Authorization": f"Bearer {token}"}
post_ms, done_ms = [], []
for i in range(count):
    data = pdf(i)
    t0 = time.perf_counter()
    r = s.post(f"{api}/resumes", headers=h, files={"file": (f"small-{i}.pdf", data, "application/pdf")})
    t1 = time.perf_counter()
    if r.status_code != 201:
        sys.exit(f"upload {i}: {r.status_code} {r.text[:200]}")
    rid = r.json()["data"]["id"]
    while True:
        st = s.get(f"{api}/resumes/{rid}/status", headers=h).json()["data"]["status"]
        if st not in ("pending", "processing"):
            break
        if time.perf_counter() - t0 > 30:
            sys.exit(f"upload {i}: still {st} after 30 s")
        time.sleep(0.002)
    t2 = time.perf_counter()
    if st != "completed":
        sys.exit(f"upload {i}: {st}")
    post_ms.append((t1 - t0) * 1000)
    done_ms.append((t2 - t0) * 1000)
q = lambda v, p: sorted(v)[min(len(v) - 1, int(round(p * (len(v) - 1))))]
print(f"{statistics.median(post_ms):.1f} {statistics.median(done_ms):.1f} {q(done_ms, 0.9):.1f} {max(done_ms):.1f}")
EOF
) || die "latency run failed"
read -r POST50 DONE50 DONE90 DONEMAX <<<"$LAT"
printf '%-28s %10s %10s %10s %10s\n' "measure" "p50 ms" "p90 ms" "max ms" "files"
printf '%-28s %10s %10s %10s %10s\n' "POST /resumes answered" "$POST50" "-" "-" "$SMALL_COUNT"
printf '%-28s %10s %10s %10s %10s\n' "upload -> completed" "$DONE50" "$DONE90" "$DONEMAX" "$SMALL_COUNT"

echo
echo "== summary"
echo "goals (issue 3): RSS during a 100 MiB upload under 30 MiB above idle; p50 upload -> completed under 100 ms"
if [ "$RUNS" -eq 0 ]; then
    echo "RSS goal:     not measured (no large upload run)"
elif [ "$WORST_DELTA" -lt $((30 * 1024)) ]; then
    echo "RSS goal:     MET (worst +$(mib "$WORST_DELTA") MiB over idle)"
else
    echo "RSS goal:     NOT MET (worst +$(mib "$WORST_DELTA") MiB over idle)"
fi
if awk -v p="$DONE50" 'BEGIN { exit !(p < 100) }'; then
    echo "latency goal: MET (p50 $DONE50 ms)"
else
    echo "latency goal: NOT MET (p50 $DONE50 ms)"
fi
echo "note: curl, the poller and the server share the machine's cores; the disk under ${TMPDIR:-/tmp} takes the upload."
