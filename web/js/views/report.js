// The report of a finished interview: the overall score, a radar of the dimensions (with the
// numbers as bars beside it), strengths, weaknesses, suggestions, weakest topics, and each
// question reviewed with its key points and the model answer in outline.
import * as api from '../api.js';
import { h, replace, withCode } from '../dom.js';
import { fmtDate, fmtDuration, fmtScore, label, t } from '../i18n.js';
import { radarChart, scoreBars } from '../charts.js';
import { badge, errorBox, loading, pageTitle, scoreClass } from '../ui.js';

const DIMENSIONS = ['relevance', 'coverage', 'depth', 'structure', 'clarity'];

// A model answer as an outline: one point per sentence (Latin or CJK punctuation).
function outline(text) {
  if (!text) return [];
  return String(text).split(/(?<=[.!?])\s+|(?<=[。！？])/).map((s) => s.trim()).filter(Boolean);
}

function list(title, items, id) {
  if (!items || !items.length) return null;
  return h('section', { class: 'card', id }, h('h2', {}, title), h('ul', {}, items.map((x) => h('li', {}, x))));
}

function questionReview(q, answer, i) {
  const covered = new Set(answer && answer.analysis ? answer.analysis.covered_points : []);
  const points = answer && Array.isArray(answer.expected_points) ? answer.expected_points : [];
  const model = outline(q.model_answer);
  return h('li', { class: 'card review-item', dataset: { status: q.status } },
    h('div', { class: 'review-head' },
      h('h3', {}, `${i + 1}. `, withCode(q.question_text)),
      h('p', { class: 'review-score' }, badge('answerStatus', q.status), ' ',
        q.score !== null && q.score !== undefined ? h('strong', { class: scoreClass(q.score) }, `${fmtScore(q.score)}/100`) : null)),
    q.summary ? h('p', { class: 'muted' }, q.summary) : null,
    points.length
      ? h('section', {}, h('h4', {}, t('report.keyPoints')),
        h('ul', { class: 'key-points' }, points.map((p) => h('li', { class: covered.has(p) ? 'covered' : 'missed' },
          h('span', { class: 'visually-hidden' }, covered.has(p) ? t('report.coveredMark') : t('report.missedMark')), p))))
      : null,
    model.length
      ? h('section', { class: 'model-answer' }, h('h4', {}, t('report.modelAnswer')), h('ul', {}, model.map((s) => h('li', {}, withCode(s)))))
      : null,
    answer && answer.answer_text
      ? h('details', {}, h('summary', {}, t('report.yourAnswer')), h('p', { class: 'answer-echo' }, answer.answer_text))
      : null);
}

export async function reportView(root, { params }) {
  const id = Number(params.id);
  loading(root);
  let iv;
  let fb;
  let answers;
  try {
    [iv, fb, answers] = await Promise.all([
      api.get(`/interviews/${id}`).then((r) => r.data),
      api.get(`/interviews/${id}/feedback`).then((r) => r.data),
      api.get(`/interviews/${id}/answers`).then((r) => r.data).catch(() => []),
    ]);
  } catch (err) {
    const back = err.status === 422 ? h('a', { class: 'button', href: `/interviews/${id}` }, t('report.continue')) : null;
    replace(root, pageTitle(t('report.title')), errorBox(err, () => reportView(root, { params })), back);
    return;
  }
  const dims = DIMENSIONS.filter((d) => fb.dimension_scores && d in fb.dimension_scores)
    .map((d) => ({ key: d, label: label('dimension', d), value: fb.dimension_scores[d] }));
  const byPosition = new Map(answers.map((a) => [a.position, a]));
  const answerFor = (q, i) => {
    const a = byPosition.get(i);
    if (a && a.question_text === q.question_text) return a;
    return answers.find((x) => x.question_text === q.question_text) || null;
  };
  const overall = fb.overall_score;
  replace(root,
    pageTitle(t('report.title')),
    h('p', { class: 'muted' }, label('type', iv.interview_type), ' · ', label('difficulty', iv.difficulty), ' · ', fmtDate(iv.ended_at || iv.created_at)),
    h('div', { class: 'report-top' },
      h('section', { class: 'card overall', id: 'overall' },
        h('h2', {}, t('report.overall')),
        h('p', { class: ['score-big', scoreClass(overall)], id: 'overall-score', dataset: { score: overall === null ? '' : String(overall) } },
          h('span', { class: 'score-number' }, fmtScore(overall)), overall === null ? null : h('span', { class: 'score-max' }, '/100')),
        overall === null ? h('p', { class: 'muted' }, t('report.noScore')) : null,
        h('dl', { class: 'stats-inline' },
          h('dt', {}, t('report.answered')), h('dd', {}, String(fb.answered ?? 0)),
          h('dt', {}, t('report.skipped')), h('dd', {}, String(fb.skipped ?? 0)),
          h('dt', {}, t('report.unanswered')), h('dd', {}, String(fb.unanswered ?? 0)),
          h('dt', {}, t('report.duration')), h('dd', {}, fmtDuration(fb.duration ?? iv.duration)))),
      h('section', { class: 'card dimensions', id: 'dimension-chart' },
        h('h2', {}, t('report.dimensions')),
        dims.length >= 3 ? radarChart(dims, t('report.dimensions')) : null,
        scoreBars(dims, 'dimension-bars'))),
    h('div', { class: 'report-lists' },
      list(t('report.strengths'), fb.strengths, 'strengths'),
      list(t('report.weaknesses'), fb.weaknesses, 'weaknesses'),
      list(t('report.suggestions'), fb.suggestions, 'suggestions')),
    fb.weakest_topics && fb.weakest_topics.length
      ? h('section', { class: 'card', id: 'weakest-topics' }, h('h2', {}, t('report.weakest')),
        h('ul', { class: 'chips' }, fb.weakest_topics.map((x) => h('li', { class: 'chip chip-weak' }, typeof x === 'string' ? x : x.topic))))
      : null,
    h('section', { id: 'review' }, h('h2', {}, t('report.review')),
      h('ol', { class: 'review-list' }, (fb.questions || []).map((q, i) => questionReview(q, answerFor(q, i), i)))),
    h('p', { class: 'actions' }, h('a', { class: 'button', href: '/history' }, t('report.toHistory')),
      h('a', { class: 'button primary', href: `/interviews/new?resume=${iv.resume_id || ''}` }, t('report.again'))));
}
