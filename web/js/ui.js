// Small shared pieces of the pages: notices, status badges, score colours, loading and error states.
import { h, replace } from './dom.js';
import { label, t } from './i18n.js';

// A transient message in the page's live region (read out by screen readers).
export function toast(message, kind = 'info') {
  const box = document.getElementById('toasts');
  if (!box) return;
  const el = h('div', { class: ['toast', `toast-${kind}`], role: kind === 'error' ? 'alert' : null }, message);
  box.append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 8000 : 4000);
}

export function badge(group, value, extra) {
  return h('span', { class: ['badge', `badge-${value}`, extra], dataset: { value: String(value) } }, label(group, value));
}

// "good" (>= 75), "fair" (>= 50) or "poor": colour classes, always beside the number itself.
export function scoreClass(score) {
  if (score === null || score === undefined) return 'score-none';
  if (score >= 75) return 'score-good';
  if (score >= 50) return 'score-fair';
  return 'score-poor';
}

export function loading(root) {
  replace(root, h('p', { class: 'loading', role: 'status' }, t('common.loading')));
}

export function errorBox(err, retry) {
  return h(
    'div',
    { class: 'error-box', role: 'alert' },
    h('p', {}, err && err.message ? err.message : String(err)),
    retry ? h('button', { type: 'button', on: { click: retry } }, t('common.retry')) : null,
  );
}

// The page's h1; focus moves to it after navigation so screen readers announce the new page.
export function pageTitle(text) {
  return h('h1', { tabindex: '-1', class: 'page-title' }, text);
}

// Field errors from the API's details ({field: [messages]}) shown under the matching inputs.
export function showFieldErrors(form, details) {
  for (const el of form.querySelectorAll('.field-error')) el.remove();
  for (const el of form.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    el.removeAttribute('aria-describedby');
  }
  if (!details || typeof details !== 'object') return;
  for (const [field, msgs] of Object.entries(details)) {
    const input = form.querySelector(`[name="${CSS.escape(field)}"]`);
    if (!input) continue;
    const id = `${input.id || field}-error`;
    const msg = h('p', { class: 'field-error', id }, Array.isArray(msgs) ? msgs.join(' ') : String(msgs));
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', id);
    input.insertAdjacentElement('afterend', msg);
  }
}
