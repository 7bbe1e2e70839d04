// Log in and register: the API's tokens go to session.js; field errors from the API's details are
// shown under their inputs.
import * as api from '../api.js';
import { h, replace, uid } from '../dom.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import * as session from '../session.js';
import { pageTitle, showFieldErrors } from '../ui.js';

function field(name, labelText, attrs) {
  const id = uid(name);
  return h('div', { class: 'field' }, h('label', { for: id }, labelText), h('input', { id, name, ...attrs }));
}

function nextUrl(query) {
  const next = query.get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/resumes';
}

function authForm(root, query, mode) {
  const register = mode === 'register';
  const status = h('p', { class: 'form-status', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, register ? t('auth.registerButton') : t('auth.loginButton'));
  const form = h(
    'form',
    { class: 'card auth-form', novalidate: true, id: `${mode}-form` },
    field('email', t('auth.email'), { type: 'email', autocomplete: 'email', required: true }),
    register ? field('username', t('auth.username'), { type: 'text', autocomplete: 'nickname', maxlength: '80' }) : null,
    field('password', t('auth.password'), {
      type: 'password',
      autocomplete: register ? 'new-password' : 'current-password',
      required: true,
      minlength: register ? '8' : null,
    }),
    register ? h('p', { class: 'hint' }, t('auth.passwordHint')) : null,
    status,
    submit,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    const body = { email: data.email.trim(), password: data.password };
    if (register && data.username.trim()) body.username = data.username.trim();
    submit.disabled = true;
    status.textContent = '';
    showFieldErrors(form, null);
    try {
      const res = await api.post(register ? '/auth/register' : '/auth/login', body, { auth: false });
      session.setTokens(res.data, res.data.user);
      navigate(nextUrl(query), { replace: true });
    } catch (err) {
      status.textContent = err.message;
      showFieldErrors(form, err.details);
      const bad = form.querySelector('[aria-invalid="true"]');
      if (bad) bad.focus();
    } finally {
      submit.disabled = false;
    }
  });
  const other = register
    ? h('p', {}, t('auth.haveAccount'), ' ', h('a', { href: `/login${query.toString() ? `?${query}` : ''}` }, t('auth.loginLink')))
    : h('p', {}, t('auth.noAccount'), ' ', h('a', { href: `/register${query.toString() ? `?${query}` : ''}` }, t('auth.registerLink')));
  replace(root, h('section', { class: 'narrow' }, pageTitle(register ? t('auth.registerTitle') : t('auth.loginTitle')), form, other));
  form.querySelector('input').focus();
}

export function loginView(root, { query }) {
  if (session.currentUser()) {
    navigate(nextUrl(query), { replace: true });
    return;
  }
  authForm(root, query, 'login');
}

export function registerView(root, { query }) {
  if (session.currentUser()) {
    navigate(nextUrl(query), { replace: true });
    return;
  }
  authForm(root, query, 'register');
}
