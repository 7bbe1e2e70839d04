// The official Socket.IO client against the server: one JSON object on stdout with what each
// scenario saw, for tests/e2e/test_realtime_js.py to judge. Configuration comes as one JSON
// argument: {url, token, own_session, foreign_session}.
"use strict";

const { io } = require("socket.io-client");

const cfg = JSON.parse(process.argv[2] || "{}");
const TIMEOUT_MS = 8000;

function withTimeout(promise, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), TIMEOUT_MS);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

function once(socket, event) {
  return withTimeout(new Promise((resolve) => socket.once(event, resolve)), event);
}

function open(opts) {
  return io(cfg.url, { reconnection: false, timeout: TIMEOUT_MS, forceNew: true, ...opts });
}

// Connects without a token, then with a bad one: both must end in connect_error.
async function refused(auth) {
  const s = open(auth === undefined ? {} : { auth });
  try {
    const err = await once(s, "connect_error");
    return { message: err.message, connected: s.connected };
  } finally {
    s.close();
  }
}

// Connects with the token over the given transports and runs the interview room round trips.
async function session(transports) {
  const opts = { auth: { token: cfg.token } };
  if (transports) opts.transports = transports;
  const s = open(opts);
  const out = {};
  try {
    out.first_transport = s.io.engine.transport.name;
    const upgraded = new Promise((resolve) => s.io.engine.once("upgrade", (t) => resolve(t.name)));
    out.connected = await once(s, "connected");
    if (!transports) out.upgraded_to = await withTimeout(upgraded, "upgrade");
    out.transport = s.io.engine.transport.name;
    out.socket_id = s.id;

    const joined = once(s, "joined_interview");
    out.own_ack = await s.timeout(TIMEOUT_MS).emitWithAck("join_interview", { session_id: cfg.own_session });
    out.joined = await joined;

    const error = once(s, "error");
    out.foreign_ack = await s.timeout(TIMEOUT_MS).emitWithAck("join_interview", { session_id: cfg.foreign_session });
    out.foreign_error = await error;

    out.missing_ack = await s.timeout(TIMEOUT_MS).emitWithAck("join_interview", {});

    // a binary attachment travels as BINARY_EVENT + attachment and is reassembled by the server
    out.binary_ack = await s
      .timeout(TIMEOUT_MS)
      .emitWithAck("leave_interview", { session_id: cfg.own_session, blob: Buffer.from([0, 1, 2, 255]) });

    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 20; i++) {
      await s.timeout(TIMEOUT_MS).emitWithAck("leave_interview", { session_id: cfg.own_session });
    }
    out.round_trip_ms = Number(process.hrtime.bigint() - t0) / 20 / 1e6;
    out.connected_at_end = s.connected;
  } catch (e) {
    out.failure = String(e && e.message ? e.message : e);
  } finally {
    s.close();
  }
  return out;
}

async function main() {
  const result = {};
  result.no_token = await refused(undefined);
  result.bad_token = await refused({ token: "not-a-token" });
  result.polling_then_upgrade = await session(null);
  result.websocket_only = await session(["websocket"]);
  result.polling_only = await session(["polling"]);
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stdout.write(JSON.stringify({ fatal: String(e && e.stack ? e.stack : e) }) + "\n");
    process.exit(1);
  }
);
