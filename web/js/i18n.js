// The UI's language: the one the user picked (kept in localStorage), else the browser's; English
// and Chinese dictionaries, a t() lookup with {placeholders}, and locale-aware formatting.
import en from './i18n/en.js';
import zh from './i18n/zh.js';

const DICTS = { en, zh };
const KEY = 'ig.lang';
const listeners = new Set();
let lang = detect();

function detect() {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved && DICTS[saved]) return saved;
  } catch (e) {
    // storage disabled: follow the browser
  }
  const prefs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
  for (const p of prefs) {
    const l = String(p).toLowerCase();
    if (l.startsWith('zh')) return 'zh';
    if (l.startsWith('en')) return 'en';
  }
  return 'en';
}

export function getLang() {
  return lang;
}

export function setLang(next) {
  if (!DICTS[next] || next === lang) return;
  lang = next;
  try {
    localStorage.setItem(KEY, next);
  } catch (e) {
    // not remembered; still switched
  }
  applyDocument();
  for (const fn of listeners) fn(lang);
}

export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// The Accept-Language the API gets, so its messages match the page.
export function acceptLanguage() {
  return lang === 'zh' ? 'zh-CN,zh;q=0.9' : 'en';
}

export function t(key, params) {
  const s = DICTS[lang][key] ?? DICTS.en[key] ?? key;
  if (!params) return s;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
}

// A label for a value from the API (status, type, difficulty...): "status.completed" etc., the
// value itself when the dictionary has none.
export function label(group, value) {
  const key = `${group}.${value}`;
  const s = DICTS[lang][key] ?? DICTS.en[key];
  return s ?? String(value ?? '');
}

function locale() {
  return lang === 'zh' ? 'zh-CN' : 'en-US';
}

export function fmtDate(iso, withTime = true) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const opts = withTime ? { dateStyle: 'medium', timeStyle: 'short' } : { dateStyle: 'medium' };
  return new Intl.DateTimeFormat(locale(), opts).format(d);
}

export function fmtShortDate(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(locale(), { month: 'short', day: 'numeric' }).format(d);
}

export function fmtScore(v) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return '—';
  return String(Math.round(Number(v)));
}

export function fmtPercent(v) {
  if (v === null || v === undefined) return '—';
  return `${Math.round(Number(v) * 100)}%`;
}

export function fmtClock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const m = Math.floor(s / 60);
  return `${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return t('duration.seconds', { n: s });
  const m = Math.floor(s / 60);
  return t('duration.minutes', { m, s: s % 60 });
}

export function fmtBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

// Sets <html lang> and the static texts of index.html marked with data-i18n.
export function applyDocument() {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
}
