// Charts drawn as SVG (no chart library): a radar of the answer dimensions, horizontal score bars,
// and a line of scores over time. Each carries a title and a text description for screen readers,
// and callers put the numbers beside it as text too.
import { h, svg, uid } from './dom.js';
import { fmtScore } from './i18n.js';
import { scoreClass } from './ui.js';

function labelled(el, title, desc) {
  const tid = uid('chart-title');
  const did = uid('chart-desc');
  el.setAttribute('role', 'img');
  el.setAttribute('aria-labelledby', `${tid} ${did}`);
  el.prepend(svg('title', { id: tid }, title), svg('desc', { id: did }, desc));
  return el;
}

// items: [{label, value 0..100}] (at least 3 axes).
export function radarChart(items, title) {
  // wide enough for the axis labels beside the polygon ("Coverage 100")
  const w = 460;
  const hgt = 330;
  const cx = w / 2;
  const cy = hgt / 2 + 5;
  const r = 115;
  const n = items.length;
  const point = (i, v) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
    return [cx + Math.cos(a) * r * (v / 100), cy + Math.sin(a) * r * (v / 100)];
  };
  const root = svg('svg', { viewBox: `0 0 ${w} ${hgt}`, class: 'chart radar', width: w, height: hgt });
  for (const level of [25, 50, 75, 100]) {
    const pts = items.map((_, i) => point(i, level).join(',')).join(' ');
    root.append(svg('polygon', { points: pts, class: 'radar-grid' }));
  }
  items.forEach((it, i) => {
    const [x, y] = point(i, 100);
    root.append(svg('line', { x1: cx, y1: cy, x2: x, y2: y, class: 'radar-axis' }));
    const [lx, ly] = point(i, 112);
    const anchor = Math.abs(lx - cx) < 5 ? 'middle' : lx > cx ? 'start' : 'end';
    root.append(
      svg('text', { x: lx, y: ly + 4, 'text-anchor': anchor, class: 'chart-label' }, `${it.label} ${fmtScore(it.value)}`),
    );
  });
  const data = items.map((it, i) => point(i, Math.max(0, Math.min(100, Number(it.value) || 0))).join(',')).join(' ');
  root.append(svg('polygon', { points: data, class: 'radar-data' }));
  items.forEach((it, i) => {
    const [x, y] = point(i, Math.max(0, Math.min(100, Number(it.value) || 0)));
    root.append(svg('circle', { cx: x, cy: y, r: 4, class: 'radar-point' }, svg('title', {}, `${it.label}: ${fmtScore(it.value)}`)));
  });
  return labelled(root, title, items.map((it) => `${it.label} ${fmtScore(it.value)}`).join(', '));
}

// items: [{label, value 0..100 or null}] as labelled bars with their numbers.
export function scoreBars(items, className = '') {
  return h(
    'dl',
    { class: ['score-bars', className] },
    items.map((it) => {
      const v = it.value === null || it.value === undefined ? null : Math.max(0, Math.min(100, Number(it.value)));
      const fill = h('span', { class: ['bar-fill', scoreClass(v)] });
      fill.style.width = `${v ?? 0}%`;
      return h(
        'div',
        { class: 'score-bar', dataset: { key: it.key || it.label } },
        h('dt', {}, it.label),
        h('dd', {}, h('span', { class: 'bar-track', 'aria-hidden': 'true' }, fill), h('span', { class: 'bar-value' }, fmtScore(v))),
      );
    }),
  );
}

// points: [{date (ISO), value 0..100, label}] oldest first.
export function lineChart(points, title, formatX) {
  const w = 900;
  const hgt = 300;
  const m = { l: 40, r: 16, t: 16, b: 40 };
  const iw = w - m.l - m.r;
  const ih = hgt - m.t - m.b;
  const root = svg('svg', { viewBox: `0 0 ${w} ${hgt}`, class: 'chart line-chart', preserveAspectRatio: 'xMidYMid meet' });
  const x = (i) => m.l + (points.length <= 1 ? iw / 2 : (iw * i) / (points.length - 1));
  const y = (v) => m.t + ih - (ih * Math.max(0, Math.min(100, v))) / 100;
  for (const v of [0, 25, 50, 75, 100]) {
    root.append(svg('line', { x1: m.l, x2: w - m.r, y1: y(v), y2: y(v), class: 'grid-line' }));
    root.append(svg('text', { x: m.l - 8, y: y(v) + 4, 'text-anchor': 'end', class: 'chart-label' }, String(v)));
  }
  const step = Math.max(1, Math.ceil(points.length / 8));
  points.forEach((p, i) => {
    if (i % step === 0 || i === points.length - 1) {
      root.append(svg('text', { x: x(i), y: hgt - m.b + 20, 'text-anchor': 'middle', class: 'chart-label' }, formatX(p.date)));
    }
  });
  if (points.length > 1) {
    root.append(svg('polyline', { points: points.map((p, i) => `${x(i)},${y(p.value)}`).join(' '), class: 'line-path' }));
  }
  points.forEach((p, i) => {
    root.append(
      svg('circle', { cx: x(i), cy: y(p.value), r: 5, class: ['line-point', scoreClass(p.value)].join(' ') }, svg('title', {}, p.label)),
    );
  });
  return labelled(root, title, points.map((p) => p.label).join('; '));
}
