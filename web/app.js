// The web UI's entry point: restores the session (the refresh token in sessionStorage), draws the
// header (navigation, language, account, live-connection state), and renders the page the URL
// names. Pages live in js/views/; each returns an optional cleanup run before the next page.
import * as api from './js/api.js';
import { h, replace } from './js/dom.js';
import { applyDocument, getLang, onLangChange, setLang, t } from './js/i18n.js';
import * as realtime from './js/realtime.js';
import { match, navigate, route, start } from './js/router.js';
import * as session from './js/session.js';
import { toast } from './js/ui.js';
import { loginView, registerView } from './js/views/auth.js';
import { historyView } from './js/views/history.js';
import { homeView, notFoundView } from './js/views/home.js';
import { interviewView } from './js/views/interview.js';
import { newInterviewView } from './js/views/interview_new.js';
import { reportView } from './js/views/report.js';
import { resumesView } from './js/views/resumes.js';

route('/', homeView, { public: true, title: 'nav.home' });
route('/login', loginView, { public: true, title: 'nav.login' });
route('/register', registerView, { public: true, title: 'nav.register' });
route('/resumes', resumesView, { title: 'nav.resumes', nav: '/resumes' });
route('/resumes/:id', resumesView, { title: 'nav.resumes', nav: '/resumes' });
route('/interviews/new', newInterviewView, { title: 'nav.newInterview', nav: '/interviews/new' });
route('/interviews/:id', interviewView, { title: 'iv.title', nav: '/interviews/new' });
route('/reports/:id', reportView, { title: 'report.title', nav: '/history' });
route('/history', historyView, { title: 'nav.history', nav: '/history' });

const main = document.getElementById('main');
let cleanup = null;
let renderSeq = 0;
let navigated = false; // the first page keeps the browser's own focus (Tab reaches the skip link)

function renderHeader(activeNav) {
  const user = session.currentUser();
  const link = (href, key) =>
    h('a', { href, class: 'nav-link', 'aria-current': href === activeNav ? 'page' : null }, t(key));
  replace(document.getElementById('nav'), user
    ? [link('/resumes', 'nav.resumes'), link('/interviews/new', 'nav.newInterview'), link('/history', 'nav.history')]
    : [link('/login', 'nav.login'), link('/register', 'nav.register')]);
  const rt = realtime.state();
  replace(document.getElementById('user-box'), user
    ? [
      h('span', { class: ['rt-state', `rt-${rt}`], id: 'rt-state', dataset: { state: rt }, title: t(`rt.${rt}`) },
        h('span', { class: 'visually-hidden' }, t(`rt.${rt}`))),
      h('span', { class: 'user-name', id: 'user-name' }, user.username || user.email),
      h('button', { type: 'button', id: 'logout-button', class: 'link', on: { click: logout } }, t('nav.logout')),
    ]
    : []);
  const sel = document.getElementById('lang-select');
  sel.value = getLang();
}

async function logout() {
  try {
    await api.post('/auth/logout');
  } catch (e) {
    // the tokens are dropped here anyway
  }
  session.clear();
  realtime.disconnect();
  toast(t('auth.loggedOut'));
  navigate('/login');
}

async function render() {
  renderSeq += 1;
  const seq = renderSeq;
  if (cleanup) {
    try {
      cleanup();
    } catch (e) {
      // a page's cleanup must not stop the next page
    }
    cleanup = null;
  }
  const path = location.pathname;
  const query = new URLSearchParams(location.search);
  const m = match(path);
  if (m && !m.opts.public && !session.currentUser()) {
    navigate(`/login?next=${encodeURIComponent(path + location.search)}`, { replace: true });
    return;
  }
  renderHeader(m ? m.opts.nav : null);
  document.title = `${t(m ? m.opts.title : 'notFound.title')} · InterviewGenius`;
  const view = m ? m.view : notFoundView;
  const out = await view(main, { params: m ? m.params : {}, query });
  if (seq !== renderSeq) {
    if (typeof out === 'function') out();
    return;
  }
  cleanup = typeof out === 'function' ? out : null;
  if (!navigated) {
    navigated = true;
    return;
  }
  if (!main.contains(document.activeElement)) {
    const title = main.querySelector('h1');
    if (title) title.focus({ preventScroll: true });
  }
}

async function boot() {
  applyDocument();
  const sel = document.getElementById('lang-select');
  sel.value = getLang();
  sel.addEventListener('change', () => setLang(sel.value));
  onLangChange(() => render());
  if (session.isLoggedIn() && (await session.refresh())) {
    try {
      session.setUser((await api.get('/auth/profile')).data);
    } catch (e) {
      session.clear();
    }
  }
  session.onChange((user) => {
    if (user) realtime.connect();
    else {
      realtime.disconnect();
      const m = match(location.pathname);
      if (m && !m.opts.public) navigate(`/login?next=${encodeURIComponent(location.pathname)}`, { replace: true });
    }
  });
  realtime.onState(() => {
    const m = match(location.pathname);
    renderHeader(m ? m.opts.nav : null);
  });
  if (session.currentUser()) realtime.connect();
  start(render);
}

boot();
