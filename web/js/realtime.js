// The Socket.IO connection (the official client, vendored as /vendor/socket.io.min.js): one per
// page while logged in, authenticated with the current access token at every (re)connect. Views
// subscribe to events with on(); when the client script or the server is unreachable, state()
// says so and views fall back to polling.
import * as session from './session.js';

let socket = null;
let current = 'off'; // off | connecting | connected | unavailable
let retryTimer = null;
let authFailures = 0;
const stateListeners = new Set();
const eventListeners = new Map(); // event -> Set(fn)

function setState(s) {
  if (s === current) return;
  current = s;
  for (const fn of stateListeners) fn(s);
}

export function state() {
  return current;
}

export function isConnected() {
  return current === 'connected' && socket !== null && socket.connected;
}

export function onState(fn) {
  stateListeners.add(fn);
  return () => stateListeners.delete(fn);
}

export function on(event, fn) {
  if (!eventListeners.has(event)) eventListeners.set(event, new Set());
  eventListeners.get(event).add(fn);
  return () => eventListeners.get(event).delete(fn);
}

function dispatch(event, args) {
  const set = eventListeners.get(event);
  if (!set) return;
  for (const fn of [...set]) fn(...args);
}

export function connect() {
  if (socket) return;
  if (typeof window.io !== 'function') {
    setState('unavailable');
    return;
  }
  setState('connecting');
  socket = window.io({
    auth: (cb) => {
      session.accessToken().then((token) => cb({ token: token || '' }), () => cb({ token: '' }));
    },
    reconnectionDelayMax: 10000,
  });
  socket.on('connect', () => {
    authFailures = 0;
    setState('connected');
    dispatch('$connect', []);
  });
  socket.on('disconnect', (reason) => {
    setState('connecting');
    // a disconnect the server asked for is not retried by the client itself
    if (reason === 'io server disconnect') retryLater(2000);
  });
  socket.on('connect_error', () => {
    // a refused CONNECT (e.g. an expired token) is not retried by the client: renew and retry
    if (socket && !socket.active) {
      authFailures += 1;
      if (authFailures > 3) {
        setState('unavailable');
        return;
      }
      session.refresh().finally(() => retryLater(1000 * authFailures));
    } else {
      setState('connecting');
    }
  });
  socket.onAny((event, ...args) => dispatch(event, args));
}

function retryLater(ms) {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(() => {
    if (socket && !socket.connected) socket.connect();
  }, ms);
}

export function disconnect() {
  clearTimeout(retryTimer);
  if (socket) {
    socket.offAny();
    socket.removeAllListeners();
    socket.disconnect();
  }
  socket = null;
  authFailures = 0;
  setState('off');
}

export function emit(event, ...args) {
  if (!socket) return false;
  socket.emit(event, ...args);
  return true;
}

// Emits with an acknowledgement; resolves its first argument, rejects after timeoutMs.
export function emitAck(event, data, timeoutMs) {
  return new Promise((resolve, reject) => {
    if (!socket) {
      reject(new Error('no socket'));
      return;
    }
    socket.timeout(timeoutMs).emit(event, data, (err, res) => {
      if (err) reject(err);
      else resolve(res);
    });
  });
}

// Resolves true once connected (at once when already), false after timeoutMs.
export function whenConnected(timeoutMs) {
  if (isConnected()) return Promise.resolve(true);
  if (current === 'unavailable' || current === 'off') return Promise.resolve(false);
  return new Promise((resolve) => {
    const stop = onState((s) => {
      if (s === 'connected' || s === 'unavailable') {
        stop();
        clearTimeout(timer);
        resolve(s === 'connected');
      }
    });
    const timer = setTimeout(() => {
      stop();
      resolve(false);
    }, timeoutMs);
  });
}
