// A parsed resume as a card: contact, skills as chips, experience and education as timelines,
// projects, the rest as lists, and the parser's confidence overall and per field.
import { h } from '../dom.js';
import { fmtPercent, label, t } from '../i18n.js';
import { scoreBars } from '../charts.js';

function section(title, ...body) {
  return h('section', { class: 'rc-section' }, h('h3', {}, title), ...body);
}

function period(e) {
  const fmt = (v, raw) => {
    if (v === 'present') return t('resume.present');
    return v || raw || '';
  };
  const a = fmt(e.start, e.start_raw);
  const b = fmt(e.end, e.end_raw);
  if (!a && !b) return '';
  return `${a || '?'} – ${b || '?'}`;
}

function months(n) {
  if (!n) return null;
  const y = Math.floor(n / 12);
  const m = n % 12;
  return t('resume.duration', { y, m });
}

function link(url) {
  // only web links become anchors; anything else stays text
  const safe = /^https?:\/\//i.test(url);
  return safe ? h('a', { href: url, rel: 'noopener noreferrer', target: '_blank' }, url) : url;
}

function contact(info) {
  const rows = [
    ['email', info.email],
    ['phone', info.phone],
    ['location', info.location],
    ['years', info.years_of_experience !== null && info.years_of_experience !== undefined ? t('resume.yearsValue', { n: info.years_of_experience }) : null],
  ].filter(([, v]) => v);
  const links = Array.isArray(info.links) ? info.links : [];
  return section(
    t('resume.contact'),
    h('p', { class: 'rc-name' }, info.name || t('resume.noName')),
    rows.length ? h('dl', { class: 'rc-contact' }, rows.map(([k, v]) => [h('dt', {}, t(`resume.${k}`)), h('dd', {}, v)])) : null,
    links.length ? h('ul', { class: 'rc-links' }, links.map((u) => h('li', {}, link(u)))) : null,
    info.summary ? h('p', { class: 'rc-summary' }, info.summary) : null,
  );
}

function skills(list) {
  if (!list.length) return section(t('resume.skills'), h('p', { class: 'muted' }, t('resume.none')));
  return section(
    t('resume.skills'),
    h(
      'ul',
      { class: 'chips', 'aria-label': t('resume.skills') },
      list.map((s) => h('li', { class: ['chip', `chip-${s.category || 'other'}`], title: label('skillCategory', s.category || 'other') }, s.name)),
    ),
  );
}

function timeline(title, items, render) {
  if (!items.length) return null;
  return section(title, h('ol', { class: 'timeline' }, items.map((it) => h('li', { class: 'timeline-item' }, render(it)))));
}

function experienceItem(e) {
  const head = [e.title, e.company].filter(Boolean).join(' · ');
  return [
    h('p', { class: 'tl-when' }, period(e), e.duration_months ? ` (${months(e.duration_months)})` : ''),
    h('p', { class: 'tl-what' }, head || t('resume.untitled')),
    e.location ? h('p', { class: 'muted' }, e.location) : null,
    e.bullets && e.bullets.length ? h('ul', { class: 'tl-bullets' }, e.bullets.map((b) => h('li', {}, b))) : null,
    e.skills && e.skills.length ? h('ul', { class: 'chips chips-small' }, e.skills.map((s) => h('li', { class: 'chip' }, s))) : null,
  ];
}

function educationItem(e) {
  const degree = e.degree ? label('degree', e.degree) : e.degree_raw;
  return [
    h('p', { class: 'tl-when' }, period(e)),
    h('p', { class: 'tl-what' }, [e.school, [degree, e.major].filter(Boolean).join(', ')].filter(Boolean).join(' · ') || t('resume.untitled')),
    e.gpa ? h('p', { class: 'muted' }, `GPA ${e.gpa}`) : null,
  ];
}

function projects(list) {
  if (!list.length) return null;
  return section(
    t('resume.projects'),
    h(
      'ul',
      { class: 'rc-projects' },
      list.map((p) =>
        h(
          'li',
          { class: 'rc-project' },
          h('p', { class: 'tl-what' }, p.name || t('resume.untitled'), p.role ? ` · ${p.role}` : ''),
          period(p) ? h('p', { class: 'tl-when' }, period(p)) : null,
          p.description ? h('p', {}, p.description) : null,
          p.tech_stack && p.tech_stack.length ? h('ul', { class: 'chips chips-small' }, p.tech_stack.map((s) => h('li', { class: 'chip' }, s))) : null,
          p.url ? h('p', {}, link(p.url)) : null,
        ),
      ),
    ),
  );
}

function plainList(title, list) {
  if (!list || !list.length) return null;
  return section(title, h('ul', {}, list.map((x) => h('li', {}, typeof x === 'string' ? x : JSON.stringify(x)))));
}

function confidence(conf) {
  const keys = ['name', 'email', 'phone', 'skills', 'experience', 'education', 'projects'];
  return section(
    t('resume.confidence'),
    h('p', { class: 'rc-confidence' }, t('resume.overall'), ' ', h('strong', { class: 'confidence-overall' }, fmtPercent(conf.overall))),
    scoreBars(
      keys.filter((k) => k in conf).map((k) => ({ key: k, label: t(`resume.field.${k}`), value: Math.round(conf[k] * 100) })),
      'confidence-bars',
    ),
  );
}

// The card for a resume's parse_result.
export function resumeCard(result) {
  const info = result.basic_info || {};
  return h(
    'article',
    { class: 'resume-card', 'aria-label': t('resume.parsed') },
    h('div', { class: 'rc-grid' }, h('div', { class: 'rc-main' },
      contact(info),
      skills(result.skills || []),
      timeline(t('resume.experience'), result.experience || [], experienceItem),
      timeline(t('resume.education'), result.education || [], educationItem),
      projects(result.projects || []),
      plainList(t('resume.certifications'), result.certifications),
      plainList(t('resume.awards'), result.awards),
      plainList(t('resume.languages'), result.languages),
    ), h('aside', { class: 'rc-side' },
      confidence(result.confidence || {}),
      result.edited ? h('p', { class: 'muted' }, t('resume.edited')) : null,
    )),
  );
}
