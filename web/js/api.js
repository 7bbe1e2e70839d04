// The REST API (/api/v1): JSON in and out, the bearer token, the UI's language, one retry after a
// silent refresh when a token has expired, and uploads through XMLHttpRequest for their progress.
import { acceptLanguage, t } from './i18n.js';
import * as session from './session.js';

const BASE = '/api/v1';

export class ApiError extends Error {
  constructor(status, message, details, retryAfter) {
    super(message);
    this.status = status;
    this.details = details || null;
    this.retryAfter = retryAfter || null;
  }
}

function errorFrom(status, body, retryAfter) {
  const e = body && body.error;
  let msg = e && e.message;
  if (!msg) msg = status === 0 ? t('error.network') : t('error.http', { status });
  if (status === 429 && retryAfter) msg = `${msg} (${t('error.retryAfter', { s: retryAfter })})`;
  return new ApiError(status, msg, e && e.details, retryAfter);
}

async function headers(auth, json) {
  const h = { 'Accept-Language': acceptLanguage() };
  if (json) h['Content-Type'] = 'application/json';
  if (auth) {
    const tok = await session.accessToken();
    if (tok) h.Authorization = `Bearer ${tok}`;
  }
  return h;
}

// The whole envelope ({success, data, message, pagination}); throws ApiError.
export async function request(method, path, { body, auth = true, retried = false } = {}) {
  let res;
  try {
    res = await fetch(BASE + path, {
      method,
      headers: await headers(auth, body !== undefined),
      body: body !== undefined ? JSON.stringify(body) : undefined,
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, t('error.network'));
  }
  let parsed = null;
  try {
    parsed = await res.json();
  } catch (e) {
    parsed = null;
  }
  if (res.status === 401 && auth && !retried && (await session.refresh())) {
    return request(method, path, { body, auth, retried: true });
  }
  if (res.status === 401 && auth) session.clear();
  if (!res.ok || !parsed || parsed.success === false) throw errorFrom(res.status, parsed, res.headers.get('Retry-After'));
  return parsed;
}

export const get = (path, opts) => request('GET', path, opts);
export const post = (path, body, opts) => request('POST', path, { ...opts, body: body === undefined ? {} : body });
export const del = (path, opts) => request('DELETE', path, opts);

// POST /resumes with the file as multipart; onProgress(fraction 0..1). Resolves the envelope.
export async function uploadResume(file, onProgress) {
  const h = await headers(true, false);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${BASE}/resumes`);
    for (const [k, v] of Object.entries(h)) xhr.setRequestHeader(k, v);
    xhr.responseType = 'json';
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener('load', () => {
      const body = xhr.response;
      if (xhr.status >= 200 && xhr.status < 300 && body && body.success) {
        if (onProgress) onProgress(1);
        resolve(body);
      } else {
        if (xhr.status === 401) session.clear();
        reject(errorFrom(xhr.status, body, xhr.getResponseHeader('Retry-After')));
      }
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, t('error.network'))));
    xhr.addEventListener('abort', () => reject(new ApiError(0, t('error.aborted'))));
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

// A binary resource the API guards with the token (the question's audio, a resume's file).
export async function fetchBlob(path) {
  let res;
  try {
    res = await fetch(BASE + path, { headers: await headers(true, false), credentials: 'omit' });
  } catch (e) {
    throw new ApiError(0, t('error.network'));
  }
  if (!res.ok) {
    let parsed = null;
    try {
      parsed = await res.json();
    } catch (e) {
      parsed = null;
    }
    throw errorFrom(res.status, parsed, res.headers.get('Retry-After'));
  }
  return res.blob();
}
