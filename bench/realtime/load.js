// Socket.IO load client (the official socket.io-client, from tests/realtime-js/node_modules):
// starts its own server, opens IDLE WebSocket clients and reports the server's RSS per connection,
// then ACTIVE clients that join an interview room and emit events with acknowledgements at RATE per
// second each for DURATION seconds, and reports the round trip's percentiles. All on 127.0.0.1.
// Run through bench/realtime/run.sh, which sets the environment (IG_BIN, IDLE, ACTIVE, RATE, DURATION).
"use strict";

const { spawn } = require("child_process");
const fs = require("fs");
const net = require("net");
const os = require("os");
const path = require("path");

const ROOT = path.resolve(__dirname, "..", "..");
const { io } = require(require.resolve("socket.io-client", { paths: [path.join(ROOT, "tests", "realtime-js")] }));

const env = process.env;
const BIN = path.resolve(env.IG_BIN || path.join(ROOT, "build", "interviewgenius"));
const IDLE = Number(env.IDLE || 10000);
const ACTIVE = Number(env.ACTIVE || 1000);
const RATE = Number(env.RATE || 2); // events per second per active client
const DURATION = Number(env.DURATION || 10); // seconds of active load
const OPEN_BATCH = Number(env.OPEN_BATCH || 250); // connections opened at once

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
    s.on("error", reject);
  });
}

// CPU seconds the process has used (user + system; Linux's USER_HZ is 100).
function cpuSecs(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

async function api(base, method, p, token, body, headers) {
  const h = { ...(headers || {}) };
  if (token) h.Authorization = `Bearer ${token}`;
  if (body && !(body instanceof FormData)) {
    h["Content-Type"] = "application/json";
    body = JSON.stringify(body);
  }
  const r = await fetch(base + "/api/v1" + p, { method, headers: h, body });
  const j = await r.json();
  if (!j.success) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(j)}`);
  return j.data;
}

// A user with a parsed resume and an interview: its session_id is the room the active clients join.
async function setup(base) {
  const email = `bench-${process.pid}-${Date.now()}@example.com`;
  const user = await api(base, "POST", "/auth/register", null, { email, password: "bench-password-1" });
  const token = user.access_token;
  const html =
    "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><h1>Bench User</h1>" +
    "<p>bench@example.com</p><h2>Experience</h2><p>Backend engineer at Stripe, 2019-2024: Python, " +
    "PostgreSQL, Redis, Kubernetes.</p><h2>Education</h2><p>Tsinghua University</p><h2>Skills</h2>" +
    "<p>Python, C, SQL, Linux</p></body></html>";
  const form = new FormData();
  form.append("file", new Blob([html], { type: "text/html" }), "cv.html");
  const resume = await api(base, "POST", "/resumes", token, form);
  for (;;) {
    const st = await api(base, "GET", `/resumes/${resume.id}/status`, token);
    if (st.status === "completed") break;
    if (st.status === "failed") throw new Error("the bench resume failed to parse");
    await sleep(50);
  }
  const iv = await api(base, "POST", "/interviews", token, {
    resume_id: resume.id,
    interview_type: "mixed",
    difficulty: "medium",
    question_count: 3,
    language: "en",
  });
  return { token, session: iv.session_id };
}

function connectOne(url, token) {
  return new Promise((resolve, reject) => {
    const s = io(url, { transports: ["websocket"], forceNew: true, reconnection: false, auth: { token }, timeout: 30000 });
    const timer = setTimeout(() => reject(new Error("connect timed out")), 60000);
    s.once("connected", () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once("connect_error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

async function openMany(url, token, n) {
  const sockets = [];
  for (let i = 0; i < n; i += OPEN_BATCH) {
    const k = Math.min(OPEN_BATCH, n - i);
    sockets.push(...(await Promise.all(Array.from({ length: k }, () => connectOne(url, token)))));
  }
  return sockets;
}

function closeAll(sockets) {
  for (const s of sockets) s.close();
}

function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const fmt = (ms) => (Number.isFinite(ms) ? ms.toFixed(2) : "n/a");

async function activePhase(url, token, session) {
  const sockets = await openMany(url, token, ACTIVE);
  const joins = [];
  await Promise.all(
    sockets.map(async (s) => {
      const t0 = process.hrtime.bigint();
      const ack = await s.timeout(30000).emitWithAck("join_interview", { session_id: session });
      if (!ack.success) throw new Error(`join refused: ${JSON.stringify(ack)}`);
      joins.push(Number(process.hrtime.bigint() - t0) / 1e6);
    })
  );
  const rtts = [];
  let failures = 0;
  const end = Date.now() + DURATION * 1000;
  const period = 1000 / RATE;
  await Promise.all(
    sockets.map(async (s, i) => {
      await sleep((i / sockets.length) * period); // spread the clients over one period
      let seq = 0;
      while (Date.now() < end) {
        const t0 = process.hrtime.bigint();
        try {
          await s.timeout(10000).emitWithAck("leave_interview", { session_id: `bench-${i}-${seq++}` });
          rtts.push(Number(process.hrtime.bigint() - t0) / 1e6);
        } catch (e) {
          failures++;
        }
        const spent = Number(process.hrtime.bigint() - t0) / 1e6;
        if (spent < period) await sleep(period - spent);
      }
    })
  );
  closeAll(sockets);
  joins.sort((a, b) => a - b);
  rtts.sort((a, b) => a - b);
  return { joins, rtts, failures };
}

async function main() {
  if (!fs.existsSync(BIN)) throw new Error(`no server binary at ${BIN} (make build/interviewgenius, or set IG_BIN)`);
  const port = await freePort();
  const data = fs.mkdtempSync(path.join(os.tmpdir(), "ig-rt-bench-"));
  const base = `http://127.0.0.1:${port}`;
  const log = fs.openSync(path.join(data, "server.log"), "a");
  const server = spawn(BIN, ["serve"], {
    cwd: data,
    stdio: ["ignore", log, log],
    env: {
      PATH: env.PATH,
      HOST: "127.0.0.1",
      PORT: String(port),
      DATA_DIR: path.join(data, "var"),
      ENV: "development",
      LOG_LEVEL: env.BENCH_LOG_LEVEL || "warn",
      RATELIMIT_ENABLED: "false",
      MAX_CONNECTIONS: String(Math.max(IDLE, ACTIVE) + 1000),
    },
  });
  let exitCode = null;
  server.on("exit", (code) => (exitCode = code));
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(base + "/healthz")).ok) break;
      } catch (e) {
        if (i > 200) throw new Error("server not healthy after 20 s");
      }
      await sleep(100);
    }
    console.log(`== interviewgenius Socket.IO benchmark: ${base}, ${os.cpus().length} cpus, pid ${server.pid}`);
    const { token, session } = await setup(base);

    // warm the allocator and the token cache, so the baseline is not the first connection's cost
    closeAll(await openMany(base, token, 200));
    await sleep(1000);
    const rss0 = rssKiB(server.pid);
    const t0 = Date.now();
    const idle = await openMany(base, token, IDLE);
    const openSecs = (Date.now() - t0) / 1000;
    await sleep(2000);
    const rss1 = rssKiB(server.pid);
    const perConn = (rss1 - rss0) / IDLE;
    console.log(
      `idle:   ${IDLE} WebSocket clients connected in ${openSecs.toFixed(1)} s; server RSS ${rss0} -> ${rss1} KiB: ` +
        `${perConn.toFixed(2)} KiB per connection (goal < 20 KiB)`
    );
    closeAll(idle);
    await sleep(2000);
    console.log(`        after they closed: server RSS ${rssKiB(server.pid)} KiB`);

    const cpu0 = cpuSecs(server.pid), self0 = process.cpuUsage();
    const a = await activePhase(base, token, session);
    const serverCpu = cpuSecs(server.pid) - cpu0;
    const self = process.cpuUsage(self0);
    const clientCpu = (self.user + self.system) / 1e6;
    const rate = a.rtts.length / DURATION;
    console.log(
      `join:   ${ACTIVE} clients joined room interview:${session} (a store read each): p50 ${fmt(pct(a.joins, 50))} ms, ` +
        `p99 ${fmt(pct(a.joins, 99))} ms`
    );
    console.log(
      `active: ${ACTIVE} clients x ${RATE}/s for ${DURATION} s: ${a.rtts.length} acks (${rate.toFixed(0)}/s), ` +
        `${a.failures} failed; round trip p50 ${fmt(pct(a.rtts, 50))} ms, p90 ${fmt(pct(a.rtts, 90))} ms, ` +
        `p99 ${fmt(pct(a.rtts, 99))} ms, max ${fmt(a.rtts[a.rtts.length - 1])} ms (goal p99 < 10 ms); ` +
        `server RSS ${rssKiB(server.pid)} KiB`
    );
    console.log(
      `        CPU over the active phase (joins included): server ${serverCpu.toFixed(1)} s, this client ` +
        `${clientCpu.toFixed(1)} s (a client near one core is the bottleneck, not the server)`
    );
    console.log(
      JSON.stringify({
        idle: IDLE,
        idle_kib_per_connection: Number(perConn.toFixed(2)),
        active: ACTIVE,
        rate_per_client: RATE,
        acks: a.rtts.length,
        failures: a.failures,
        p50_ms: pct(a.rtts, 50),
        p99_ms: pct(a.rtts, 99),
        join_p50_ms: pct(a.joins, 50),
        join_p99_ms: pct(a.joins, 99),
        server_cpu_s: serverCpu,
        client_cpu_s: clientCpu,
      })
    );
  } finally {
    server.kill("SIGTERM");
    for (let i = 0; i < 200 && exitCode === null; i++) await sleep(100);
    if (exitCode !== 0) console.log(`server exit: ${exitCode} (log: ${path.join(data, "server.log")})`);
    else fs.rmSync(data, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`bench/realtime: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  }
);
