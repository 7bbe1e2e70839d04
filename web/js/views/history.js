// Progress across interviews: the scores over time as a line chart, the averages per dimension
// and per type, the weakest topics, and every interview with a way back to it.
import * as api from '../api.js';
import { h, replace } from '../dom.js';
import { fmtDate, fmtScore, fmtShortDate, label, t } from '../i18n.js';
import { lineChart, scoreBars } from '../charts.js';
import { badge, errorBox, loading, pageTitle } from '../ui.js';

const DIMENSIONS = ['relevance', 'coverage', 'depth', 'structure', 'clarity'];

function tile(name, value, id) {
  return h('div', { class: 'tile', id }, h('p', { class: 'tile-value' }, value), h('p', { class: 'tile-label' }, name));
}

export async function historyView(root) {
  loading(root);
  let stats;
  let interviews;
  try {
    [stats, interviews] = await Promise.all([
      api.get('/interviews/stats').then((r) => r.data),
      api.get('/interviews?per_page=100').then((r) => r.data),
    ]);
  } catch (err) {
    replace(root, pageTitle(t('history.title')), errorBox(err, () => historyView(root)));
    return;
  }
  const points = (stats.scores_over_time || []).filter((p) => p.score !== null && p.score !== undefined)
    .map((p) => ({
      date: p.date,
      value: p.score,
      label: `${fmtDate(p.date)}: ${fmtScore(p.score)} (${label('type', p.interview_type)}, ${label('difficulty', p.difficulty)})`,
    }));
  const dims = DIMENSIONS.filter((d) => stats.dimensions && d in stats.dimensions)
    .map((d) => ({ key: d, label: label('dimension', d), value: stats.dimensions[d] }));
  const byType = Object.entries(stats.by_type || {});
  const weakest = stats.weakest_topics || [];
  replace(root,
    pageTitle(t('history.title')),
    h('div', { class: 'tiles' },
      tile(t('history.total'), String(stats.total_interviews ?? 0), 'stat-total'),
      tile(t('history.average'), fmtScore(stats.average_score), 'stat-average'),
      tile(t('history.best'), fmtScore(stats.best_score), 'stat-best'),
      tile(t('history.latest'), fmtScore(stats.latest_score), 'stat-latest')),
    h('section', { class: 'card', id: 'score-chart' },
      h('h2', {}, t('history.overTime')),
      points.length ? lineChart(points, t('history.overTime'), fmtShortDate) : h('p', { class: 'muted' }, t('history.noScores'))),
    h('div', { class: 'report-lists' },
      dims.length ? h('section', { class: 'card' }, h('h2', {}, t('history.dimensions')), scoreBars(dims, 'dimension-bars')) : null,
      byType.length ? h('section', { class: 'card' }, h('h2', {}, t('history.byType')),
        h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('history.type')), h('th', { scope: 'col' }, t('history.count')), h('th', { scope: 'col' }, t('history.average')))),
          h('tbody', {}, byType.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, label('type', k)), h('td', {}, String(v.count)), h('td', {}, fmtScore(v.average_score))))))) : null,
      weakest.length ? h('section', { class: 'card' }, h('h2', {}, t('history.weakest')),
        h('ul', {}, weakest.map((w) => h('li', {}, `${w.topic} — ${fmtScore(w.average_score)} (${t('history.answers', { n: w.answers })})`)))) : null),
    h('section', { class: 'card', id: 'interview-list' },
      h('h2', {}, t('history.all')),
      interviews.length
        ? h('table', { class: 'table-list' },
          h('thead', {}, h('tr', {}, [t('history.date'), t('history.type'), t('history.difficulty'), t('history.status'), t('history.score'), ''].map((x) => h('th', { scope: 'col' }, x)))),
          h('tbody', {}, interviews.map((iv) => h('tr', {},
            h('td', {}, fmtDate(iv.created_at)),
            h('td', {}, label('type', iv.interview_type)),
            h('td', {}, label('difficulty', iv.difficulty)),
            h('td', {}, badge('status', iv.status)),
            h('td', {}, fmtScore(iv.overall_score)),
            h('td', {}, iv.status === 'completed'
              ? h('a', { href: `/reports/${iv.id}` }, t('history.viewReport'))
              : iv.status === 'active' || iv.status === 'paused' ? h('a', { href: `/interviews/${iv.id}` }, t('history.continue')) : '')))))
        : h('p', { class: 'muted' }, t('history.none'), ' ', h('a', { href: '/interviews/new' }, t('nav.newInterview')))));
}
