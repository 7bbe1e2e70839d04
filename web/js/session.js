// Who is logged in. The access token lives only in this module's memory; the refresh token in
// sessionStorage (this tab, until it closes), never in a cookie. The access token is renewed
// shortly before it expires, and on demand after a reload. Refreshes are single-flight: the server
// rotates refresh tokens and revokes the whole session when a rotated one is used twice.
import { acceptLanguage } from './i18n.js';

const REFRESH_KEY = 'ig.refresh_token';
const EARLY_MS = 60 * 1000; // renew this long before expiry (or at 80% of a short lifetime)
const MIN_VALID_MS = 15 * 1000; // a token closer than this to expiry is renewed before use

let access = null;
let accessExp = 0; // ms since the epoch
let accessIat = 0;
let user = null;
let timer = null;
let inflight = null;
const listeners = new Set();

function b64urlJson(part) {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function claims(token) {
  try {
    return b64urlJson(token.split('.')[1]);
  } catch (e) {
    return {};
  }
}

function storedRefresh() {
  try {
    return sessionStorage.getItem(REFRESH_KEY);
  } catch (e) {
    return null;
  }
}

function storeRefresh(token) {
  try {
    if (token) sessionStorage.setItem(REFRESH_KEY, token);
    else sessionStorage.removeItem(REFRESH_KEY);
  } catch (e) {
    // storage disabled: the session ends with the page
  }
}

function notify() {
  for (const fn of listeners) fn(user);
}

function schedule() {
  clearTimeout(timer);
  if (!access) return;
  const now = Date.now();
  const lifetime = accessExp - accessIat;
  const early = Math.min(EARLY_MS, lifetime * 0.2);
  const delay = Math.max(1000, Math.min(accessExp - early - now, 2 ** 31 - 1));
  timer = setTimeout(() => {
    refresh().catch(() => {});
  }, delay);
}

export function onChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function currentUser() {
  return user;
}

export function isLoggedIn() {
  return access !== null || storedRefresh() !== null;
}

export function setUser(u) {
  user = u;
  notify();
}

// After register, login or refresh: {access_token, refresh_token}.
export function setTokens(data, u) {
  access = data.access_token;
  const c = claims(access);
  accessExp = (c.exp || 0) * 1000;
  accessIat = (c.iat || Math.floor(Date.now() / 1000)) * 1000;
  if (data.refresh_token) storeRefresh(data.refresh_token);
  if (u !== undefined) user = u;
  schedule();
  notify();
}

export function clear() {
  clearTimeout(timer);
  access = null;
  accessExp = 0;
  user = null;
  storeRefresh(null);
  notify();
}

// A new token pair from the refresh token: true when renewed. A refused refresh token ends the
// session; a network failure leaves it for the next try.
export function refresh() {
  if (inflight) return inflight;
  const rt = storedRefresh();
  if (!rt) return Promise.resolve(false);
  inflight = (async () => {
    try {
      const res = await fetch('/api/v1/auth/refresh', {
        method: 'POST',
        headers: { Authorization: `Bearer ${rt}`, 'Accept-Language': acceptLanguage() },
        credentials: 'omit',
        cache: 'no-store',
      });
      if (res.status === 401 || res.status === 422) {
        clear();
        return false;
      }
      if (!res.ok) return false;
      const body = await res.json();
      setTokens(body.data);
      return true;
    } catch (e) {
      return false;
    } finally {
      inflight = null;
    }
  })();
  return inflight;
}

// The access token to send now (renewed first when about to expire), or null when logged out.
export async function accessToken() {
  if (access && accessExp - Date.now() > MIN_VALID_MS) return access;
  if (storedRefresh()) await refresh();
  return access;
}
