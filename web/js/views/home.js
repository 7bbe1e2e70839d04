// The start page: what the product does for a visitor; the three steps for someone logged in.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import * as session from '../session.js';
import { pageTitle } from '../ui.js';

export function homeView(root) {
  const user = session.currentUser();
  const steps = [
    ['/resumes', t('home.step1'), t('home.step1Text')],
    ['/interviews/new', t('home.step2'), t('home.step2Text')],
    ['/history', t('home.step3'), t('home.step3Text')],
  ];
  replace(root,
    pageTitle(user ? t('home.welcomeBack', { name: user.username || user.email }) : t('home.title')),
    h('p', { class: 'lead' }, t('home.lead')),
    h('ol', { class: 'steps' }, steps.map(([href, title, text]) =>
      h('li', { class: 'card step' }, h('h2', {}, user ? h('a', { href }, title) : title), h('p', {}, text)))),
    user ? null : h('p', { class: 'actions' },
      h('a', { class: 'button primary', href: '/register' }, t('nav.register')),
      h('a', { class: 'button', href: '/login' }, t('nav.login'))));
}

export function notFoundView(root) {
  replace(root, pageTitle(t('notFound.title')), h('p', {}, t('notFound.text')), h('a', { href: '/' }, t('notFound.home')));
}
