// One interview, one question at a time: the question (hints when asked for, spoken on request),
// the answer typed or spoken (live transcript, live hints, talk-time clock), then its score,
// dimension bars, feedback and improvements; pause, resume and end.
import * as api from '../api.js';
import { h, replace, uid, withCode } from '../dom.js';
import { fmtClock, label, t } from '../i18n.js';
import * as realtime from '../realtime.js';
import { navigate } from '../router.js';
import { badge, errorBox, loading, pageTitle, scoreClass, toast } from '../ui.js';
import { scoreBars } from '../charts.js';
import { VoiceAnswer, voiceSupported } from '../voice.js';

const DIMENSIONS = ['relevance', 'coverage', 'depth', 'structure', 'clarity'];
const drafts = new Map(); // question id -> text typed, kept across re-renders (language switch)

function analysisView(a, extra = {}) {
  const list = (title, items, cls) =>
    items && items.length ? h('section', { class: cls }, h('h4', {}, title), h('ul', {}, items.map((x) => h('li', {}, x)))) : null;
  return h('div', { class: 'analysis' },
    h('div', { class: 'analysis-head' },
      h('p', { class: ['score-big', scoreClass(a.score)], id: extra.scoreId || null, dataset: { score: String(a.score) } },
        h('span', { class: 'score-number' }, String(Math.round(a.score))), h('span', { class: 'score-max' }, '/100')),
      h('p', { class: 'analysis-feedback' }, a.feedback || '')),
    scoreBars(DIMENSIONS.filter((d) => a.dimensions && d in a.dimensions)
      .map((d) => ({ key: d, label: label('dimension', d), value: a.dimensions[d] })), 'dimension-bars'),
    h('div', { class: 'analysis-lists' },
      list(t('answer.strengths'), a.strengths, 'strengths'),
      list(t('answer.improvements'), a.improvements, 'improvements'),
      list(t('answer.covered'), a.covered_points, 'covered'),
      list(t('answer.missing'), a.missing_points, 'missing')),
  );
}

// How a spoken answer was delivered (realtime/voice.h's delivery metrics).
function deliveryView(d) {
  const rows = [];
  if (typeof d.words_per_minute === 'number') rows.push([t('delivery.pace'), t('voice.wpm', { n: Math.round(d.words_per_minute) })]);
  if (typeof d.filler_count === 'number') rows.push([t('delivery.fillers'), String(d.filler_count)]);
  if (typeof d.pauses === 'number') rows.push([t('delivery.pauses'), String(d.pauses)]);
  if (typeof d.speaking_time === 'number') rows.push([t('delivery.speaking'), fmtClock(d.speaking_time)]);
  if (d.sentiment && d.sentiment.label) rows.push([t('voice.sentiment'), label('sentiment', d.sentiment.label)]);
  if (typeof d.confidence === 'number') rows.push([t('delivery.confidence'), `${Math.round(d.confidence * 100)}%`]);
  if (!rows.length) return null;
  return h('section', { class: 'delivery', id: 'delivery' }, h('h3', {}, t('delivery.title')),
    h('dl', { class: 'stats-inline' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
}

export function interviewView(root, { params }) {
  const id = Number(params.id);
  const st = { iv: null, q: null, result: null, next: undefined, voice: null, shownAt: performance.now(), busy: false };
  let disposed = false;
  const offs = [];

  const header = h('div', { class: 'iv-head' });
  const main = h('div', { class: 'iv-main' });
  loading(main);
  replace(root, pageTitle(t('iv.title')), header, main);

  function join() {
    if (st.iv) realtime.emit('join_interview', { session_id: st.iv.session_id });
  }
  offs.push(realtime.on('$connect', join));

  async function act(path, okMessage) {
    if (st.busy) return null;
    st.busy = true;
    try {
      const res = await api.post(`/interviews/${id}/${path}`);
      if (okMessage !== false) toast(res.message || okMessage);
      return res;
    } catch (err) {
      toast(err.message, 'error');
      return null;
    } finally {
      st.busy = false;
    }
  }

  async function pause() {
    stopVoice();
    const res = await act('pause');
    if (res) {
      st.iv = res.data;
      render();
    }
  }

  async function resume() {
    const res = await act('resume');
    if (res) {
      st.iv = res.data;
      st.shownAt = performance.now();
      render();
    }
  }

  async function end() {
    if (!window.confirm(t('iv.confirmEnd'))) return;
    stopVoice();
    const res = await act('end', false);
    if (res) navigate(`/reports/${id}`);
  }

  function renderHeader() {
    const iv = st.iv;
    const total = iv.total_questions;
    const pos = st.q ? st.q.position + 1 : Math.min(total, iv.current_question_index + 1);
    const paused = iv.status === 'paused';
    replace(header,
      h('p', { class: 'iv-meta' }, badge('status', iv.status), ' ', label('type', iv.interview_type), ' · ', label('difficulty', iv.difficulty)),
      h('p', { class: 'iv-progress', id: 'iv-progress' }, t('iv.progress', { n: pos, total })),
      h('progress', { max: String(total), value: String(Math.max(0, pos - (st.result ? 0 : 1))), 'aria-label': t('iv.progressLabel') }),
      h('div', { class: 'actions' },
        paused
          ? h('button', { type: 'button', id: 'resume-button', class: 'primary', on: { click: resume } }, t('iv.resume'))
          : h('button', { type: 'button', id: 'pause-button', on: { click: pause } }, t('iv.pause')),
        h('button', { type: 'button', id: 'end-button', class: 'danger', on: { click: end } }, t('iv.end'))));
  }

  function questionCard(q, locked) {
    const hints = Array.isArray(q.hints) && q.hints.length
      ? h('details', { class: 'hints', open: true }, h('summary', {}, t('iv.hints')), h('ul', {}, q.hints.map((x) => h('li', {}, x))))
      : null;
    return h('section', { class: 'card question', id: 'question', dataset: { questionId: String(q.id) } },
      h('p', { class: 'q-tags' },
        q.parent_question_id ? h('span', { class: 'badge badge-followup' }, t('iv.followUp')) : null,
        q.category ? h('span', { class: 'tag' }, label('category', q.category)) : null,
        q.skill ? h('span', { class: 'tag' }, q.skill) : null),
      h('h2', { class: 'q-text', id: 'question-text', lang: q.language === 'zh' ? 'zh-CN' : 'en' }, withCode(q.question_text)),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'link', on: { click: () => speak(q) } }, t('iv.listen'))),
      locked ? null : hints);
  }

  async function speak(q) {
    try {
      const blob = await api.fetchBlob(`/questions/${q.id}/audio`);
      const url = URL.createObjectURL(blob);
      const audio = new Audio(url);
      audio.addEventListener('ended', () => URL.revokeObjectURL(url));
      await audio.play();
    } catch (err) {
      toast(err.message || t('iv.noAudio'), 'error');
    }
  }

  function voicePanel() {
    const status = h('p', { class: 'voice-status', id: 'voice-status', role: 'status', dataset: { state: 'idle' } });
    const clock = h('p', { class: 'talk-clock', id: 'talk-clock', 'aria-label': t('voice.clock') }, fmtClock(0));
    const transcript = h('div', { class: 'live-transcript', id: 'live-transcript', 'aria-live': 'polite' });
    const hints = h('ul', { class: 'live-hints', id: 'live-hints', 'aria-live': 'polite' });
    const metrics = h('p', { class: 'live-metrics muted', id: 'live-metrics' });
    const panel = h('section', { class: 'voice-panel', id: 'voice-panel', hidden: true, 'aria-label': t('voice.panel') },
      h('div', { class: 'voice-top' }, h('span', { class: 'rec-dot', 'aria-hidden': 'true' }), clock, status),
      h('h3', {}, t('voice.transcript')), transcript,
      h('h3', {}, t('voice.liveHints')), hints, metrics);
    return { panel, status, clock, transcript, hints, metrics };
  }

  function stopVoice() {
    if (st.voice) {
      st.voice.release();
      st.voice = null;
    }
  }

  function answerForm(q) {
    const areaId = uid('answer');
    const area = h('textarea', { id: areaId, name: 'answer_text', rows: '8', maxlength: '10000', required: true, class: 'answer-text' });
    area.value = drafts.get(q.id) || '';
    const count = h('span', { class: 'muted char-count', 'aria-live': 'off' });
    const updateCount = () => {
      count.textContent = t('iv.chars', { n: area.value.length });
    };
    updateCount();
    area.addEventListener('input', () => {
      drafts.set(q.id, area.value);
      updateCount();
    });
    const submit = h('button', { type: 'submit', class: 'primary', id: 'submit-answer' }, t('iv.submit'));
    const skip = h('button', { type: 'button', id: 'skip-question' }, t('iv.skip'));
    const voiceBtn = h('button', { type: 'button', id: 'voice-button', 'aria-pressed': 'false' }, t('voice.start'));
    const vp = voicePanel();
    const paused = st.iv.status === 'paused';
    for (const el of [area, submit, skip, voiceBtn]) el.disabled = paused;

    const setVoiceState = (state, message, code) => {
      vp.status.dataset.state = state;
      vp.status.dataset.code = code || '';
      vp.status.textContent = message || '';
      const live = state === 'recording' || state === 'starting';
      voiceBtn.textContent = live ? t('voice.stopSubmit') : t('voice.start');
      voiceBtn.setAttribute('aria-pressed', live ? 'true' : 'false');
      // while speaking, stopping is the way to submit
      voiceBtn.classList.toggle('primary', live);
      submit.disabled = live || state === 'finishing';
      vp.panel.classList.toggle('recording', state === 'recording');
      if (state === 'unavailable' || state === 'error') {
        vp.panel.classList.add('voice-off');
        voiceBtn.disabled = state === 'unavailable';
        st.voice = null;
        area.focus();
      }
    };

    // Stop and submit: the server records what it heard and answers with the analysis.
    const finishVoice = async () => {
      const voice = st.voice;
      st.busy = true;
      voiceBtn.disabled = true;
      submit.disabled = true;
      try {
        const res = await voice.finish(Math.round((performance.now() - st.shownAt) / 1000));
        st.voice = null;
        drafts.delete(q.id);
        st.result = {
          analysis: res,
          answer_text: res.transcript ?? (res.answer && res.answer.answer_text),
          follow_up: res.follow_up,
          next_question: res.next_question,
          delivery: res.delivery,
        };
        st.next = res.next_question;
        try {
          st.iv = (await api.get(`/interviews/${id}`)).data;
        } catch (e) {
          // the header keeps the last known state
        }
        render();
      } catch (err) {
        // what was heard stays in the box, to fix and submit as text
        st.voice = null;
        if (voice.text() && !area.value.trim()) {
          area.value = voice.text();
          drafts.set(q.id, area.value);
          updateCount();
        }
        submit.disabled = false;
        if (['not_current', 'no_question', 'not_active'].includes(err.code)) load();
      } finally {
        st.busy = false;
      }
    };

    voiceBtn.addEventListener('click', async () => {
      if (st.voice) {
        await finishVoice();
        return;
      }
      vp.panel.hidden = false;
      vp.panel.classList.remove('voice-off');
      replace(vp.transcript);
      replace(vp.hints);
      vp.metrics.textContent = '';
      st.voice = new VoiceAnswer(st.iv.session_id, q.id, {
        onState: setVoiceState,
        onTick: (s) => {
          vp.clock.textContent = fmtClock(s);
        },
        onTranscript: (tr) => {
          replace(vp.transcript, h('span', { class: 'final' }, tr.finals || (tr.partial ? '' : tr.text)),
            tr.partial ? h('span', { class: 'partial' }, ` ${tr.partial}`) : null);
          vp.transcript.dataset.text = tr.text;
        },
        onAnalysis: (ev) => {
          const tips = Array.isArray(ev.suggestions) ? ev.suggestions : [];
          replace(vp.hints, tips.map((x) => h('li', {}, typeof x === 'string' ? x : x.message || JSON.stringify(x))));
          // ai/live.h's metrics: pace, fillers, the STAR parts heard, key points (with hints)
          const m = ev.metrics || {};
          const bits = [];
          const mood = ev.sentiment && (typeof ev.sentiment === 'string' ? ev.sentiment : ev.sentiment.label);
          if (mood) bits.push(`${t('voice.sentiment')}: ${label('sentiment', mood)}`);
          if (typeof m.words_per_minute === 'number') bits.push(t('voice.wpm', { n: Math.round(m.words_per_minute) }));
          if (typeof m.filler_count === 'number') bits.push(t('voice.fillers', { n: m.filler_count }));
          if (m.star && typeof m.star === 'object') {
            const heard = ['situation', 'task', 'action', 'result'].filter((k) => m.star[k]).map((k) => label('star', k));
            bits.push(`STAR: ${heard.length ? heard.join(' ') : '—'}`);
          }
          if (m.key_points && Array.isArray(m.key_points.covered) && Array.isArray(m.key_points.missing)) {
            const all = m.key_points.covered.length + m.key_points.missing.length;
            bits.push(t('voice.keyPoints', { n: m.key_points.covered.length, total: all }));
          }
          if (m.recognizer && m.recognizer.waiting) bits.push(t('voice.queued', { n: m.recognizer.queue_position || 1 }));
          vp.metrics.textContent = bits.join(' · ');
        },
      });
      st.voice.start();
    });
    if (!voiceSupported()) {
      voiceBtn.disabled = true;
      voiceBtn.title = t('voice.noBrowserSupport');
    }

    skip.addEventListener('click', async () => {
      if (st.busy) return;
      stopVoice();
      st.busy = true;
      try {
        const res = await api.post(`/interviews/${id}/skip`, { question_id: q.id });
        drafts.delete(q.id);
        st.iv = res.data.interview;
        showQuestion(res.data.next_question);
      } catch (err) {
        toast(err.message, 'error');
      } finally {
        st.busy = false;
      }
    });

    const form = h('form', { class: 'card answer-form', id: 'answer-form', novalidate: true },
      h('label', { for: areaId, class: 'answer-label' }, t('iv.yourAnswer')),
      area, count, vp.panel,
      h('div', { class: 'actions' }, submit, voiceBtn, skip));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (st.busy) return;
      if (st.voice) {
        await finishVoice();
        return;
      }
      const text = area.value.trim();
      if (!text) {
        toast(t('iv.emptyAnswer'), 'error');
        area.focus();
        return;
      }
      st.busy = true;
      submit.disabled = true;
      try {
        const res = await api.post(`/interviews/${id}/answers`, {
          question_id: q.id,
          answer_text: text,
          response_time: Math.round((performance.now() - st.shownAt) / 1000),
        });
        drafts.delete(q.id);
        st.iv = res.data.interview;
        st.result = res.data;
        st.next = res.data.next_question;
        render();
      } catch (err) {
        toast(err.message, 'error');
        submit.disabled = false;
        if (err.status === 409 || err.status === 422) load();
      } finally {
        st.busy = false;
      }
    });
    return form;
  }

  function resultCard() {
    const r = st.result;
    const nextBtn = st.next
      ? h('button', { type: 'button', class: 'primary', id: 'next-question', on: { click: () => showQuestion(st.next) } }, t('iv.next'))
      : h('button', { type: 'button', class: 'primary', id: 'finish-interview', on: { click: end } }, t('iv.finish'));
    return h('section', { class: 'card result', id: 'answer-result', tabindex: '-1' },
      h('h2', {}, t('iv.yourScore')),
      analysisView(r.analysis, { scoreId: 'answer-score' }),
      r.delivery ? deliveryView(r.delivery) : null,
      r.follow_up ? h('p', { class: 'notice' }, t('iv.followUpAdded')) : null,
      h('details', {}, h('summary', {}, t('iv.yourAnswer')), h('p', { class: 'answer-echo' }, r.answer_text)),
      h('div', { class: 'actions' }, nextBtn));
  }

  function showQuestion(q) {
    st.q = q;
    st.result = null;
    st.next = undefined;
    st.shownAt = performance.now();
    render();
    const text = document.getElementById('question-text');
    if (text) {
      text.setAttribute('tabindex', '-1');
      text.focus();
    }
  }

  function render() {
    if (disposed || !st.iv) return;
    renderHeader();
    const iv = st.iv;
    if (iv.status === 'cancelled') {
      replace(main, h('div', { class: 'card' }, h('p', {}, t('iv.cancelled')), h('a', { href: '/interviews/new', class: 'button' }, t('nav.newInterview'))));
      return;
    }
    const paused = iv.status === 'paused' ? h('p', { class: 'notice paused-banner', role: 'status' }, t('iv.pausedNotice')) : null;
    if (st.result) {
      replace(main, paused, questionCard(st.q, true), resultCard());
      const card = document.getElementById('answer-result');
      if (card) card.focus();
      return;
    }
    if (!st.q) {
      replace(main, paused, h('div', { class: 'card done', id: 'all-answered' }, h('p', {}, t('iv.allAnswered')),
        h('button', { type: 'button', class: 'primary', id: 'finish-interview', on: { click: end } }, t('iv.finish'))));
      return;
    }
    replace(main, paused, questionCard(st.q, false), answerForm(st.q));
  }

  async function load() {
    try {
      const [ivRes, qRes] = await Promise.all([api.get(`/interviews/${id}`), api.get(`/interviews/${id}/current-question`)]);
      if (disposed) return;
      st.iv = ivRes.data;
      if (st.iv.status === 'completed') {
        navigate(`/reports/${id}`, { replace: true });
        return;
      }
      st.q = qRes.data;
      st.result = null;
      join();
      render();
    } catch (err) {
      replace(main, errorBox(err, load));
    }
  }
  load();

  return () => {
    disposed = true;
    stopVoice();
    for (const off of offs) off();
    if (st.iv) realtime.emit('leave_interview', { session_id: st.iv.session_id });
  };
}
