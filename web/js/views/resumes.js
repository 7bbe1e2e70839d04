// Resumes: upload by drag and drop (or the file picker) with a progress bar, the list, and the
// selected resume: its live parse status (the resume_status event; polling when the socket is
// down), then the parsed card, with re-parse, download and delete.
import * as api from '../api.js';
import { h, replace, uid } from '../dom.js';
import { fmtBytes, fmtDate, fmtPercent, t } from '../i18n.js';
import * as realtime from '../realtime.js';
import { navigate } from '../router.js';
import { badge, errorBox, pageTitle, toast } from '../ui.js';
import { resumeCard } from './resume_card.js';

const ACCEPT = '.pdf,.docx,.doc,.html,.htm,.png,.jpg,.jpeg,application/pdf,application/msword,' +
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document,text/html,image/png,image/jpeg';
const PENDING = new Set(['pending', 'processing']);
// The socket down, polling is the only news: soon after an upload, then less and less often (the
// API's default rate limit is per hour). The socket up, polling only covers a missed event.
const POLL_FIRST_MS = 1000;
const POLL_MAX_MS = 10000;
const POLL_ONLINE_MS = 5000;

export function resumesView(root, { params }) {
  // live: statuses that arrive while a reparse request is in flight (newer than its answer)
  const state = { list: [], selected: params.id ? Number(params.id) : null, detail: null, source: {}, live: {} };
  let pollTimer = null;
  let pollDelay = POLL_FIRST_MS;
  let detailSeq = 0; // only the latest detail request may draw: an older answer is staler
  let disposed = false;

  const progress = h('progress', { max: '100', value: '0', id: 'upload-progress', 'aria-label': t('resumes.uploadProgress') });
  const progressText = h('span', { class: 'progress-text', 'aria-live': 'polite' });
  const progressBox = h('div', { class: 'upload-progress', hidden: true }, progress, progressText);
  const inputId = uid('resume-file');
  // the input itself is visually hidden but focusable; its label is the visible button
  const input = h('input', { type: 'file', id: inputId, name: 'file', accept: ACCEPT, class: 'file-input visually-hidden' });
  const drop = h(
    'div',
    { class: 'dropzone', id: 'dropzone' },
    h('p', { class: 'dropzone-title' }, t('resumes.dropTitle')),
    input,
    h('label', { for: inputId, class: 'button' }, t('resumes.choose')),
    h('p', { class: 'hint' }, t('resumes.formats')),
    progressBox,
  );
  const listEl = h('ul', { class: 'resume-list', id: 'resume-list', 'aria-label': t('resumes.listLabel') });
  const detailEl = h('div', { class: 'resume-detail', id: 'resume-detail', 'aria-live': 'polite' });

  replace(
    root,
    pageTitle(t('resumes.title')),
    h('div', { class: 'two-col' },
      h('div', { class: 'col-side' }, h('section', { class: 'card' }, h('h2', {}, t('resumes.upload')), drop),
        h('section', { class: 'card' }, h('h2', {}, t('resumes.yours')), listEl)),
      h('div', { class: 'col-main' }, detailEl)),
  );

  async function upload(file) {
    if (!file) return;
    progressBox.hidden = false;
    progress.value = 0;
    progressText.textContent = t('resumes.uploading', { name: file.name, pct: 0 });
    drop.classList.add('busy');
    try {
      const res = await api.uploadResume(file, (f) => {
        progress.value = Math.round(f * 100);
        progressText.textContent = t('resumes.uploading', { name: file.name, pct: Math.round(f * 100) });
      });
      const r = res.data;
      state.uploaded = r.id;
      pollDelay = POLL_FIRST_MS;
      progressText.textContent = r.duplicate ? t('resumes.duplicate') : t('resumes.uploaded');
      if (!state.list.some((x) => x.id === r.id)) state.list.unshift(r);
      select(r.id);
    } catch (err) {
      progressText.textContent = err.message;
      toast(err.message, 'error');
    } finally {
      drop.classList.remove('busy');
      input.value = '';
    }
  }

  input.addEventListener('change', () => upload(input.files[0]));
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('dragging');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('dragging'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('dragging');
    if (e.dataTransfer && e.dataTransfer.files.length) upload(e.dataTransfer.files[0]);
  });

  function renderList() {
    listEl.dataset.count = String(state.list.length);
    if (!state.list.length) {
      replace(listEl, h('li', { class: 'muted' }, t('resumes.empty')));
      return;
    }
    replace(
      listEl,
      state.list.map((r) =>
        h('li', { class: ['resume-item', r.id === state.selected && 'selected'], dataset: { id: String(r.id), status: r.status } },
          h('a', { href: `/resumes/${r.id}`, 'aria-current': r.id === state.selected ? 'true' : null },
            h('span', { class: 'resume-name' }, r.file_name),
            h('span', { class: 'resume-meta' }, badge('status', r.status),
              r.status === 'completed' ? h('span', { class: 'muted' }, ` ${fmtPercent(r.parse_confidence)}`) : null))),
      ),
    );
  }

  function actions(r) {
    const btns = [];
    if (r.status === 'completed') {
      btns.push(h('a', { class: 'button primary', href: `/interviews/new?resume=${r.id}` }, t('resumes.startInterview')));
    }
    btns.push(h('button', { type: 'button', id: 'reparse-button', on: { click: () => reparse(r) } }, t('resumes.reparse')));
    btns.push(h('button', { type: 'button', on: { click: () => download(r) } }, t('resumes.download')));
    btns.push(h('button', { type: 'button', class: 'danger', id: 'delete-button', on: { click: () => remove(r) } }, t('resumes.delete')));
    return h('div', { class: 'actions' }, btns);
  }

  function renderDetail() {
    const r = state.detail;
    if (!r) {
      replace(detailEl, h('div', { class: 'card muted' }, state.list.length ? t('resumes.pick') : t('resumes.startHint')));
      detailEl.removeAttribute('data-status');
      return;
    }
    detailEl.dataset.status = r.status;
    detailEl.dataset.resumeId = String(r.id);
    if (state.source[r.id]) detailEl.dataset.statusSource = state.source[r.id];
    let body;
    if (r.status === 'completed' && r.parse_result) {
      body = resumeCard(r.parse_result);
    } else if (PENDING.has(r.status)) {
      const bar = h('progress', { max: '100', 'aria-label': t('resumes.parsing') });
      if (typeof r.progress === 'number') bar.value = r.progress;
      body = h('div', { class: 'parse-status', role: 'status' }, h('p', {}, t(`resumes.state.${r.status}`)), bar);
    } else if (r.status === 'failed') {
      body = h('div', { class: 'error-box' }, h('p', {}, r.error || t('resumes.failed')), r.error_detail ? h('p', { class: 'muted' }, r.error_detail) : null);
    } else {
      body = h('p', {}, t(`resumes.state.${r.status}`));
    }
    replace(
      detailEl,
      h('section', { class: 'card' },
        h('header', { class: 'detail-head' },
          h('h2', {}, r.file_name),
          h('p', { class: 'muted' }, badge('status', r.status), ' ', fmtDate(r.created_at), ' · ', fmtBytes(r.file_size),
            r.status === 'completed' ? ` · ${t('resume.confidence')} ${fmtPercent(r.parse_confidence)}` : '')),
        actions(r),
        body),
    );
  }

  // How a status change reached the page: 'socket' (resume_status) or 'fetch' (a request).
  async function loadDetail(id) {
    detailSeq += 1;
    const seq = detailSeq;
    try {
      const res = await api.get(`/resumes/${id}`);
      if (disposed || seq !== detailSeq || state.selected !== id) return;
      state.detail = res.data;
      const i = state.list.findIndex((x) => x.id === id);
      if (i >= 0 && PENDING.has(state.list[i].status) && state.list[i].status !== res.data.status) state.source[id] = 'fetch';
      if (i >= 0) state.list[i] = { ...state.list[i], ...res.data };
      renderList();
      renderDetail();
    } catch (err) {
      if (err.status === 404) {
        state.detail = null;
        state.selected = null;
        replace(detailEl, errorBox(err));
        return;
      }
      replace(detailEl, errorBox(err, () => loadDetail(id)));
    }
  }

  function select(id) {
    state.selected = id;
    if (location.pathname !== `/resumes/${id}`) history.replaceState(null, '', `/resumes/${id}`);
    renderList();
    loadDetail(id);
    schedulePoll();
  }

  // A status change, from the socket or from polling.
  function statusChanged(id, status, confidence, source, extra) {
    const item = state.list.find((x) => x.id === id);
    if (!item) return;
    const changed = item.status !== status;
    if (id in state.live) state.live[id] = status;
    item.status = status;
    if (typeof confidence === 'number') item.parse_confidence = confidence;
    if (changed) state.source[id] = source;
    if (id === state.uploaded && !PENDING.has(status)) progressText.textContent = t(`resumes.state.${status}`);
    renderList();
    if (state.selected === id && state.detail) {
      if (status === 'completed' || status === 'failed') {
        if (changed || !state.detail.parse_result) loadDetail(id);
      } else {
        state.detail = { ...state.detail, status, ...extra };
        renderDetail();
      }
    }
    schedulePoll();
  }

  async function poll() {
    pollTimer = null;
    const pending = state.list.filter((r) => PENDING.has(r.status));
    for (const r of pending) {
      try {
        const res = await api.get(`/resumes/${r.id}/status`);
        if (disposed) return;
        const d = res.data;
        statusChanged(r.id, d.status, d.confidence, 'fetch', { progress: d.progress, error: d.error });
      } catch (err) {
        // the next round tries again, no sooner than the server asks
        if (err.retryAfter) pollDelay = Math.max(pollDelay, Number(err.retryAfter) * 1000);
      }
    }
    pollDelay = Math.min(POLL_MAX_MS, pollDelay * 1.5);
    schedulePoll();
  }

  function schedulePoll() {
    if (disposed || pollTimer) return;
    if (!state.list.some((r) => PENDING.has(r.status))) return;
    pollTimer = setTimeout(poll, realtime.isConnected() ? POLL_ONLINE_MS : pollDelay);
  }

  async function reparse(r) {
    state.live[r.id] = null;
    try {
      const res = await api.post(`/resumes/${r.id}/reparse`);
      toast(res.message || t('resumes.reparseQueued'));
      const pushed = state.live[r.id];
      const item = state.list.find((x) => x.id === r.id);
      Object.assign(item, res.data, pushed ? { status: pushed } : {});
      pollDelay = POLL_FIRST_MS;
      if (pushed === 'completed' || pushed === 'failed') {
        renderList();
        loadDetail(r.id);
      } else {
        if (!pushed) delete state.source[r.id];
        state.detail = { ...res.data, status: item.status };
        renderList();
        renderDetail();
      }
      schedulePoll();
    } catch (err) {
      toast(err.message, 'error');
    } finally {
      delete state.live[r.id];
    }
  }

  async function download(r) {
    try {
      const blob = await api.fetchBlob(`/resumes/${r.id}/file`);
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: r.file_name });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (err) {
      toast(err.message, 'error');
    }
  }

  async function remove(r) {
    if (!window.confirm(t('resumes.confirmDelete', { name: r.file_name }))) return;
    try {
      const res = await api.del(`/resumes/${r.id}`);
      toast(res.message || t('resumes.deleted'));
      state.list = state.list.filter((x) => x.id !== r.id);
      state.selected = null;
      state.detail = null;
      navigate('/resumes', { replace: true });
    } catch (err) {
      toast(err.message, 'error');
    }
  }

  const offStatus = realtime.on('resume_status', (ev) => {
    if (ev && typeof ev.resume_id === 'number') statusChanged(ev.resume_id, ev.status, ev.confidence, 'socket', {});
  });
  // events missed while the socket was down: catch up once it is back
  const offConnect = realtime.on('$connect', () => {
    clearTimeout(pollTimer);
    pollTimer = null;
    if (state.list.some((r) => PENDING.has(r.status))) poll();
  });

  (async () => {
    replace(listEl, h('li', { class: 'muted' }, t('common.loading')));
    try {
      const res = await api.get('/resumes?per_page=100');
      if (disposed) return;
      state.list = res.data;
      renderList();
      if (state.selected) select(state.selected);
      else renderDetail();
      schedulePoll();
    } catch (err) {
      replace(listEl, h('li', {}, errorBox(err)));
    }
  })();

  return () => {
    disposed = true;
    clearTimeout(pollTimer);
    offStatus();
    offConnect();
  };
}
