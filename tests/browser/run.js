// Drives Debian's Chromium (playwright-core, pinned in package-lock.json) through the web UI as a
// person would, for tests/e2e/test_browser.py. One JSON argument says what to do:
//   {"scenario": "journey", "base", "resume" (file path), "artifacts" (screenshot dir), "answers"}
//     registers, drops the resume on the upload zone, waits for its parsed card, starts an
//     interview, answers by typing (each score checked), ends it, reads the report and the history
//     chart, switches to Chinese, reloads (the session survives), logs out;
//   {"scenario": "voice", "base", "refresh_token", "interview_id", "wav", "artifacts"}
//     answers the current question by voice through Chromium's fake microphone (the WAV file);
//   {"scenario": "offline", "base", "resume", "artifacts"}
//     the same with Socket.IO blocked: parse status by polling, voice answers refused clearly;
//   {"scenario": "refresh", "base", "wait_ms", "artifacts"}
//     stays logged in past the access token's lifetime (the page renews it silently).
// Prints one JSON object: what was seen. Exits 1 (with "error" and a screenshot) on a failure.
'use strict';

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const BASE_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
const STEP_MS = 30000;

const cfg = JSON.parse(process.argv[2]);
const out = { screenshots: [], console_errors: [], steps: [] };
fs.mkdirSync(cfg.artifacts, { recursive: true });

async function shot(page, name) {
  const file = path.join(cfg.artifacts, `${cfg.scenario}-${String(out.screenshots.length + 1).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  out.screenshots.push(file);
}

function step(name) {
  out.steps.push(name);
}

function watch(page) {
  page.on('console', (m) => {
    if (m.type() === 'error') out.console_errors.push(m.text());
  });
  page.on('pageerror', (e) => out.console_errors.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => d.accept());
}

// Drops a file on the drop zone the way a drag from the desktop does (a DataTransfer with a File).
async function dropFile(page, selector, file) {
  const data = fs.readFileSync(file).toString('base64');
  await page.evaluate(([sel, name, b64]) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], name, { type: 'application/octet-stream' }));
    const zone = document.querySelector(sel);
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, [selector, path.basename(file), data]);
}

// Form controls without a label (for=, wrapping label, aria-label or aria-labelledby).
function unlabelled(page) {
  return page.$$eval('main input:not([type=hidden]), main select, main textarea, header select', (els) =>
    els.filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
      .map((e) => e.outerHTML.slice(0, 120)));
}

// Keyboard: the first Tab reaches the skip link, and a focused control shows a focus ring.
async function keyboard(page) {
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => document.activeElement.className);
  await page.focus('#lang-select');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  const ring = await page.evaluate(() => {
    const s = getComputedStyle(document.activeElement);
    return { id: document.activeElement.id, style: s.outlineStyle, width: s.outlineWidth };
  });
  return { first, ring };
}

async function journey(page) {
  const email = `browser-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  await page.goto(`${cfg.base}/`);
  await page.waitForSelector('h1');
  out.home_title = await page.textContent('h1');
  out.keyboard = await keyboard(page);
  await shot(page, 'home');

  await page.click('a[href="/register"] >> nth=0');
  await page.waitForSelector('#register-form');
  await page.fill('#register-form input[name=email]', email);
  await page.fill('#register-form input[name=username]', 'Browser Tester');
  await page.fill('#register-form input[name=password]', 'correct-horse-9');
  out.unlabelled = await unlabelled(page);
  await shot(page, 'register');
  await page.click('#register-form button[type=submit]');
  await page.waitForURL(/\/resumes$/);
  step('registered');

  // the socket comes up for live parse status
  await page.waitForSelector('#rt-state[data-state=connected]', { timeout: STEP_MS });
  out.realtime = 'connected';

  // the upload: dropped on the zone; the progress bar reaches 100
  await dropFile(page, '#dropzone', cfg.resume);
  await page.waitForFunction(() => document.querySelector('#upload-progress')?.value === 100, null, { timeout: STEP_MS });
  await page.waitForSelector('#resume-detail[data-status=completed] .resume-card', { timeout: 90000 });
  const detail = await page.$('#resume-detail');
  out.resume = {
    status_source: await detail.getAttribute('data-status-source'),
    name: (await page.textContent('.rc-name')).trim(),
    skills: await page.$$eval('.resume-card .rc-section .chips > .chip', (els) => els.map((e) => e.textContent)),
    timeline_items: await page.$$eval('.resume-card .timeline-item', (els) => els.length),
    confidence: (await page.textContent('.confidence-overall')).trim(),
    list_items: await page.$$eval('#resume-list .resume-item', (els) => els.length),
  };
  await shot(page, 'resume-parsed');
  step('resume parsed');

  // parse it again: the detail goes back to pending and comes back completed, live
  await page.evaluate(() => {
    window.__statuses = [];
    const el = document.querySelector('#resume-detail');
    new MutationObserver(() => window.__statuses.push(el.dataset.status)).observe(el, { attributes: true, attributeFilter: ['data-status'] });
  });
  await page.click('#reparse-button');
  await page.waitForFunction(() => window.__statuses.length > 0 && document.querySelector('#resume-detail').dataset.status === 'completed' &&
    document.querySelector('#resume-detail .resume-card'), null, { timeout: 90000 });
  out.reparse_statuses = await page.evaluate(() => window.__statuses);
  step('reparsed');

  await page.click('#resume-detail a[href^="/interviews/new"]');
  await page.waitForSelector('#new-interview-form');
  await page.selectOption('#new-interview-form select[name=interview_type]', 'technical');
  await page.check('#new-interview-form input[name=difficulty][value=medium]');
  await page.fill('#new-interview-form input[name=question_count]', String(cfg.answers));
  await page.selectOption('#new-interview-form select[name=language]', 'en');
  await page.check('#new-interview-form input[name=hints]');
  await page.fill('#new-interview-form textarea[name=job_description]', 'Backend engineer: Python, Go, PostgreSQL, Kubernetes, payments.');
  out.unlabelled.push(...(await unlabelled(page)));
  await shot(page, 'new-interview');
  await page.click('#start-interview');
  await page.waitForURL(/\/interviews\/\d+$/, { timeout: STEP_MS });
  out.interview_id = Number(page.url().split('/').pop());
  step('interview started');

  out.answers = [];
  for (let i = 0; i < cfg.answers; i++) {
    await page.waitForSelector('#question-text', { timeout: STEP_MS });
    const question = (await page.textContent('#question-text')).trim();
    const progress = (await page.textContent('#iv-progress')).trim();
    const hints = await page.$$eval('.hints li', (els) => els.map((e) => e.textContent));
    const answer = `In my payments work I would handle this as follows. ${hints.join('. ')}. ` +
      'For example, at Stripe I measured the result: latency went down by 40% after the change, because we ' +
      'looked at the trade-offs first and then rolled it out step by step.';
    await page.fill('#answer-form textarea[name=answer_text]', answer);
    if (i === 0) {
      out.unlabelled.push(...(await unlabelled(page)));
      await shot(page, 'question');
    }
    await page.click('#submit-answer');
    await page.waitForSelector('#answer-score', { timeout: STEP_MS });
    const score = Number(await page.getAttribute('#answer-score', 'data-score'));
    const bars = await page.$$eval('#answer-result .dimension-bars .score-bar', (els) => els.map((e) => e.dataset.key));
    out.answers.push({ question, progress, score, bars, feedback: (await page.textContent('.analysis-feedback')).trim() });
    if (i === 0) await shot(page, 'answer-scored');
    if (i + 1 < cfg.answers && (await page.$('#next-question'))) {
      await page.click('#next-question');
    } else {
      break;
    }
  }
  step('answered');

  // pause and resume once, then end
  await page.click('#pause-button');
  await page.waitForSelector('#resume-button');
  out.paused = await page.isVisible('.paused-banner');
  await page.click('#resume-button');
  await page.waitForSelector('#pause-button');
  await page.click('#end-button');
  await page.waitForURL(/\/reports\/\d+$/, { timeout: STEP_MS });
  await page.waitForSelector('#overall-score', { timeout: STEP_MS });
  out.report = {
    overall: await page.getAttribute('#overall-score', 'data-score'),
    radar_points: await page.$$eval('#dimension-chart svg.radar circle', (els) => els.length),
    review_items: await page.$$eval('#review .review-item', (els) => els.length),
    model_outline_points: await page.$$eval('#review .model-answer li', (els) => els.length),
    weakest: await page.$$eval('#weakest-topics .chip', (els) => els.map((e) => e.textContent)),
  };
  await shot(page, 'report');
  step('report');

  await page.click('nav a[href="/history"]');
  await page.waitForSelector('#score-chart svg circle', { timeout: STEP_MS });
  out.history = {
    points: await page.$$eval('#score-chart svg circle', (els) => els.length),
    total: (await page.textContent('#stat-total .tile-value')).trim(),
    rows: await page.$$eval('#interview-list tbody tr', (els) => els.length),
  };
  await shot(page, 'history');
  step('history');

  // Chinese, switched from the header; the choice survives a reload, and so does the session
  await page.selectOption('#lang-select', 'zh');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  out.zh_title = (await page.textContent('h1')).trim();
  await shot(page, 'history-zh');
  await page.reload();
  await page.waitForSelector('#score-chart svg circle', { timeout: STEP_MS });
  out.after_reload = { title: (await page.textContent('h1')).trim(), user: (await page.textContent('#user-name')).trim() };
  out.storage = await page.evaluate(() => ({ session: Object.keys(sessionStorage), local: Object.keys(localStorage) }));
  out.cookies = (await page.context().cookies()).length;
  step('reloaded');

  // delete the resume (the confirmation is accepted)
  await page.click('nav a[href="/resumes"]');
  await page.click('#resume-list .resume-item a');
  await page.waitForSelector('#resume-detail[data-status=completed] #delete-button');
  await page.click('#delete-button');
  await page.waitForSelector('#resume-list[data-count="0"]', { timeout: STEP_MS });
  out.after_delete = (await page.textContent('#resume-list')).trim();
  step('deleted');

  await page.click('#logout-button');
  await page.waitForURL(/\/login/);
  out.after_logout = await page.evaluate(() => Object.keys(sessionStorage));
  await shot(page, 'logged-out');
  step('logged out');
}

async function offline(page) {
  await page.route('**/socket.io/**', (route) => route.abort());
  const email = `offline-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  await page.goto(`${cfg.base}/register`);
  await page.fill('#register-form input[name=email]', email);
  await page.fill('#register-form input[name=password]', 'correct-horse-9');
  await page.click('#register-form button[type=submit]');
  await page.waitForURL(/\/resumes$/);
  await page.setInputFiles('#dropzone input[type=file]', cfg.resume);
  await page.waitForSelector('#resume-detail[data-status=completed] .resume-card', { timeout: 90000 });
  out.resume = { status_source: await page.getAttribute('#resume-detail', 'data-status-source') };
  out.realtime = await page.getAttribute('#rt-state', 'data-state');
  await page.click('#resume-detail a[href^="/interviews/new"]');
  await page.waitForSelector('#new-interview-form');
  await page.fill('#new-interview-form input[name=question_count]', '1');
  await page.click('#start-interview');
  await page.waitForSelector('#question-text', { timeout: STEP_MS });
  await page.click('#voice-button');
  await page.waitForFunction(() => ['unavailable', 'error'].includes(document.querySelector('#voice-status')?.dataset.state),
    null, { timeout: STEP_MS });
  out.voice = {
    state: await page.getAttribute('#voice-status', 'data-state'),
    message: (await page.textContent('#voice-status')).trim(),
    button_disabled: await page.isDisabled('#voice-button'),
  };
  await shot(page, 'voice-refused');
  // typing still works
  await page.fill('#answer-form textarea[name=answer_text]', 'I would measure first, then change one thing at a time.');
  await page.click('#submit-answer');
  await page.waitForSelector('#answer-score', { timeout: STEP_MS });
  out.typed_score = Number(await page.getAttribute('#answer-score', 'data-score'));
  await shot(page, 'no-socket');
}

// A short-lived access token (the server's JWT_ACCESS_TOKEN_EXPIRES): the page renews it before it
// expires, so API calls made after the first token's expiry never see a 401.
async function refresh(page) {
  const seen = { refreshes: 0, unauthorized: [] };
  page.on('response', (r) => {
    if (r.url().endsWith('/api/v1/auth/refresh') && r.status() === 200) seen.refreshes += 1;
    if (r.status() === 401) seen.unauthorized.push(r.url());
  });
  const email = `refresh-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  await page.goto(`${cfg.base}/register`);
  await page.fill('#register-form input[name=email]', email);
  await page.fill('#register-form input[name=password]', 'correct-horse-9');
  await page.click('#register-form button[type=submit]');
  await page.waitForURL(/\/resumes$/);
  await page.waitForTimeout(cfg.wait_ms);
  await page.click('nav a[href="/history"]');
  await page.waitForSelector('#stat-total', { timeout: STEP_MS });
  out.refresh = { ...seen, title: (await page.textContent('h1')).trim(), url: page.url() };
}

async function voice(page) {
  await page.goto(`${cfg.base}/interviews/${cfg.interview_id}`);
  await page.waitForSelector('#question-text', { timeout: STEP_MS });
  await page.waitForSelector('#rt-state[data-state=connected]', { timeout: STEP_MS });
  out.question = (await page.textContent('#question-text')).trim();
  await page.click('#voice-button');
  await page.waitForFunction(() => ['recording', 'unavailable', 'error'].includes(document.querySelector('#voice-status')?.dataset.state),
    null, { timeout: STEP_MS });
  // a refusal may come with the first chunk's acknowledgement: give it the time it needs; else
  // speak until the live transcript has a few words and a live analysis has come
  const settled = await page.waitForFunction(() => {
    const st = document.querySelector('#voice-status').dataset.state;
    const text = document.querySelector('#live-transcript').dataset.text || '';
    const analysed = document.querySelector('#live-metrics').textContent.trim() !== '';
    return st === 'unavailable' || st === 'error' || (text.trim().split(/\s+/).length >= 5 && analysed) ? st : null;
  }, null, { timeout: 45000 }).then((h) => h.jsonValue(), () => 'timeout');
  out.voice = {
    state: await page.getAttribute('#voice-status', 'data-state'),
    code: await page.getAttribute('#voice-status', 'data-code'),
    message: (await page.textContent('#voice-status')).trim(),
    settled,
    clock: (await page.textContent('#talk-clock')).trim(),
  };
  await shot(page, 'voice-live');
  if (out.voice.state !== 'recording') return;
  out.voice.live_transcript = await page.getAttribute('#live-transcript', 'data-text');
  out.voice.live_hints = await page.$$eval('#live-hints li', (els) => els.map((e) => e.textContent));
  out.voice.live_metrics = (await page.textContent('#live-metrics')).trim();
  // stop and submit: the server records what it heard and acknowledges with the analysis
  await page.click('#voice-button');
  await page.waitForSelector('#answer-score', { timeout: 90000 });
  out.voice.score = Number(await page.getAttribute('#answer-score', 'data-score'));
  out.voice.answer = (await page.textContent('#answer-result .answer-echo')).trim();
  out.voice.delivery = await page.$$eval('#delivery dt', (els) => els.map((e) => e.textContent));
  out.voice.progress = (await page.textContent('#iv-progress')).trim();
  await shot(page, 'voice-scored');
}

(async () => {
  const args = [...BASE_FLAGS];
  if (cfg.scenario === 'voice') {
    args.push('--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${cfg.wav}`);
  }
  const browser = await chromium.launch({ executablePath: cfg.chromium || '/usr/bin/chromium', args });
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  if (cfg.scenario === 'voice') {
    await context.grantPermissions(['microphone'], { origin: cfg.base });
    await context.addInitScript((token) => {
      if (!sessionStorage.getItem('ig.refresh_token')) sessionStorage.setItem('ig.refresh_token', token);
    }, cfg.refresh_token);
  }
  const page = await context.newPage();
  watch(page);
  let code = 0;
  try {
    if (cfg.scenario === 'voice') await voice(page);
    else if (cfg.scenario === 'offline') await offline(page);
    else if (cfg.scenario === 'refresh') await refresh(page);
    else await journey(page);
  } catch (e) {
    out.error = String(e && e.stack ? e.stack : e);
    out.url = page.url();
    try {
      await shot(page, 'failure');
    } catch (e2) {
      // the page may be gone
    }
    code = 1;
  }
  await browser.close();
  process.stdout.write(JSON.stringify(out));
  process.exit(code);
})();
