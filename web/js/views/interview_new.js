// Starting an interview: a parsed resume, the type, the difficulty, how many questions, the
// language, hints, and optionally the job description to tailor the questions to.
import * as api from '../api.js';
import { h, replace, uid } from '../dom.js';
import { fmtDate, getLang, label, t } from '../i18n.js';
import { navigate } from '../router.js';
import { errorBox, loading, pageTitle, showFieldErrors } from '../ui.js';

const TYPES = ['mixed', 'technical', 'behavioral', 'project', 'system_design', 'general'];
const DIFFICULTIES = ['easy', 'medium', 'hard'];

function select(name, labelText, options, value) {
  const id = uid(name);
  return h('div', { class: 'field' },
    h('label', { for: id }, labelText),
    h('select', { id, name }, options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))));
}

export async function newInterviewView(root, { query }) {
  loading(root);
  let resumes;
  try {
    resumes = (await api.get('/resumes?per_page=100')).data.filter((r) => r.status === 'completed');
  } catch (err) {
    replace(root, pageTitle(t('new.title')), errorBox(err, () => newInterviewView(root, { query })));
    return;
  }
  if (!resumes.length) {
    replace(root, pageTitle(t('new.title')),
      h('div', { class: 'card' }, h('p', {}, t('new.noResume')), h('a', { class: 'button primary', href: '/resumes' }, t('new.goUpload'))));
    return;
  }
  const wanted = Number(query.get('resume')) || resumes[0].id;
  const status = h('p', { class: 'form-status', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'start-interview' }, t('new.start'));
  const diffName = uid('difficulty');
  const jdId = uid('jd');
  const countId = uid('count');
  const hintsId = uid('hints');
  const form = h('form', { class: 'card form-grid', id: 'new-interview-form', novalidate: true },
    select('resume_id', t('new.resume'), resumes.map((r) => [String(r.id), `${r.file_name} (${fmtDate(r.created_at, false)})`]), String(wanted)),
    select('interview_type', t('new.type'), TYPES.map((v) => [v, label('type', v)]), 'mixed'),
    h('fieldset', { class: 'field' },
      h('legend', {}, t('new.difficulty')),
      h('div', { class: 'radio-row' }, DIFFICULTIES.map((d) => {
        const id = uid(`diff-${d}`);
        return h('span', { class: 'radio' },
          h('input', { type: 'radio', id, name: 'difficulty', value: d, checked: d === 'medium', 'data-group': diffName }),
          h('label', { for: id }, label('difficulty', d)));
      }))),
    h('div', { class: 'field' },
      h('label', { for: countId }, t('new.count')),
      h('input', { id: countId, name: 'question_count', type: 'number', min: '1', max: '30', value: '5', inputmode: 'numeric' })),
    select('language', t('new.language'), [['en', 'English'], ['zh', '中文']], getLang()),
    h('div', { class: 'field checkbox' },
      h('input', { type: 'checkbox', id: hintsId, name: 'hints' }),
      h('label', { for: hintsId }, t('new.hints'))),
    h('div', { class: 'field wide' },
      h('label', { for: jdId }, t('new.jd')),
      h('textarea', { id: jdId, name: 'job_description', rows: '5', maxlength: '5000', placeholder: t('new.jdPlaceholder') })),
    status,
    h('div', { class: 'actions wide' }, submit),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const body = {
      resume_id: Number(f.get('resume_id')),
      interview_type: f.get('interview_type'),
      difficulty: f.get('difficulty'),
      question_count: Number(f.get('question_count')) || 5,
      language: f.get('language'),
      hints: f.get('hints') === 'on',
    };
    const jd = String(f.get('job_description') || '').trim();
    if (jd) body.job_description = jd;
    submit.disabled = true;
    status.textContent = t('new.generating');
    showFieldErrors(form, null);
    try {
      const res = await api.post('/interviews', body);
      navigate(`/interviews/${res.data.id}`);
    } catch (err) {
      status.textContent = err.message;
      showFieldErrors(form, err.details);
      submit.disabled = false;
    }
  });
  replace(root, pageTitle(t('new.title')), form);
}
