// A spoken answer (realtime/voice.h on the server): the microphone (getUserMedia) recorded by
// MediaRecorder as WebM/Opus in short chunks, each sent as an `audio_stream` event (a binary
// attachment) while the answer is spoken; the server answers with `transcript` and
// `real_time_analysis` events. Finishing sends `answer_complete`: the server transcribes the last
// words, records the answer (with its delivery metrics and recording) and acknowledges with its
// analysis. The first chunk is acknowledged too: a refusal, an `error` event, or no answer and no
// transcript at all means live transcription is unavailable, and the caller is told why (typing
// still works).
import { t } from './i18n.js';
import * as realtime from './realtime.js';

const CHUNK_MS = 250;
const JOIN_ACK_MS = 5000;
const FIRST_ACK_MS = 8000;
const COMPLETE_ACK_MS = 60000; // the rest of the audio is recognised first (a fraction of real time)
const MIME = 'audio/webm;codecs=opus';

export function voiceSupported() {
  return Boolean(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder &&
    MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(MIME));
}

// callbacks: onState(state, message, code), onTranscript({text, finals, partial, confidence}),
// onAnalysis(payload), onTick(seconds). States: starting, recording, finishing, done, unavailable, error.
export class VoiceAnswer {
  constructor(sessionId, questionId, callbacks) {
    this.sessionId = sessionId;
    this.questionId = questionId;
    this.cb = callbacks;
    this.finals = '';
    this.partial = '';
    this.full = null;
    this.seq = 0;
    this.sending = Promise.resolve();
    this.stopped = false;
    this.finishing = false;
    this.offs = [];
    this.startedAt = 0;
    this.heard = false; // the server has sent a transcript or an analysis for this answer
  }

  text() {
    if (this.full !== null) return this.full;
    return [this.finals, this.partial].filter(Boolean).join(' ').trim();
  }

  // code: the server's (asr_unavailable, asr_language, not_current...) or the page's own
  // (no_browser, no_socket, denied, no_mic, no_ack, no_result).
  fail(state, message, code) {
    if (this.stopped) return;
    this.release();
    this.cb.onState(state, message, code);
  }

  async start() {
    if (!voiceSupported()) {
      this.fail('unavailable', t('voice.noBrowserSupport'), 'no_browser');
      return;
    }
    this.cb.onState('starting', t('voice.starting'));
    if (!(await realtime.whenConnected(5000))) {
      this.fail('unavailable', t('voice.noSocket'), 'no_socket');
      return;
    }
    // audio is taken only for an interview this socket has joined: make sure it has, first
    try {
      const ack = await realtime.emitAck('join_interview', { session_id: this.sessionId }, JOIN_ACK_MS);
      if (ack && ack.success === false) {
        this.fail('error', ack.message, ack.code);
        return;
      }
    } catch (e) {
      this.fail('unavailable', t('voice.noSocket'), 'no_socket');
      return;
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true },
      });
    } catch (err) {
      const denied = err && err.name === 'NotAllowedError';
      this.fail('error', denied ? t('voice.denied') : t('voice.noMic'), denied ? 'denied' : 'no_mic');
      return;
    }
    if (this.stopped) {
      this.release();
      return;
    }
    this.listen();
    this.recorder = new MediaRecorder(this.stream, { mimeType: MIME, audioBitsPerSecond: 32000 });
    this.recorder.addEventListener('dataavailable', (e) => {
      if (e.data && e.data.size > 0) this.send(e.data);
    });
    this.recorder.start(CHUNK_MS);
    this.startedAt = performance.now();
    this.clock = setInterval(() => this.cb.onTick((performance.now() - this.startedAt) / 1000), 250);
    this.cb.onState('recording', t('voice.recording'));
  }

  listen() {
    const mine = (ev) => ev && (!ev.session_id || ev.session_id === this.sessionId) &&
      (!ev.question_id || ev.question_id === this.questionId);
    this.offs.push(realtime.on('transcript', (ev) => {
      if (!mine(ev)) return;
      this.heard = true;
      if (typeof ev.transcript === 'string') this.full = ev.transcript;
      if (ev.is_final) {
        this.finals = [this.finals, ev.text].filter(Boolean).join(' ');
        this.partial = '';
      } else {
        this.partial = ev.text || '';
      }
      this.cb.onTranscript({ text: this.text(), finals: this.finals, partial: this.partial, confidence: ev.confidence });
    }));
    this.offs.push(realtime.on('real_time_analysis', (ev) => {
      if (!mine(ev)) return;
      this.heard = true;
      this.cb.onAnalysis(ev);
    }));
    this.offs.push(realtime.on('error', (ev) => {
      if (ev && ev.session_id && ev.session_id !== this.sessionId) return;
      if (!this.finishing) this.fail('unavailable', (ev && ev.message) || t('voice.unavailable'), ev && ev.code);
    }));
  }

  // Chunks go out in order, one at a time; the first waits for the server's acknowledgement.
  send(blob) {
    const seq = this.seq;
    this.seq += 1;
    this.sending = this.sending.then(async () => {
      if (this.stopped) return;
      const audio = await blob.arrayBuffer();
      const payload = { session_id: this.sessionId, question_id: this.questionId, audio, format: 'webm' };
      if (seq > 0) {
        realtime.emit('audio_stream', payload);
        return;
      }
      let ack;
      try {
        ack = await realtime.emitAck('audio_stream', payload, FIRST_ACK_MS);
      } catch (e) {
        // no acknowledgement: unavailable, unless the server is visibly transcribing anyway
        if (!this.heard) this.fail('unavailable', t('voice.noAnswer'), 'no_ack');
        return;
      }
      if (ack && ack.success === false) this.fail('unavailable', ack.message || t('voice.unavailable'), ack.code);
    });
  }

  // Stops recording, sends the last chunk and `answer_complete`; resolves the server's answer
  // (answer_analysis plus the stored answer), or throws an Error with the server's message.
  async finish(responseTime) {
    if (this.stopped || !this.recorder) throw new Error(t('voice.unavailable'));
    this.finishing = true;
    this.cb.onState('finishing', t('voice.finishing'));
    const flushed = new Promise((resolve) => this.recorder.addEventListener('stop', resolve, { once: true }));
    this.recorder.stop();
    await flushed;
    clearInterval(this.clock);
    for (const tr of this.stream.getTracks()) tr.stop();
    await this.sending;
    if (this.stopped) throw new Error(t('voice.unavailable'));
    let ack;
    try {
      ack = await realtime.emitAck('answer_complete',
        { session_id: this.sessionId, question_id: this.questionId, response_time: responseTime }, COMPLETE_ACK_MS);
    } catch (e) {
      this.fail('error', t('voice.noResult'), 'no_result');
      const err = new Error(t('voice.noResult'));
      err.code = 'no_result';
      throw err;
    }
    if (!ack || ack.success === false) {
      const msg = (ack && ack.message) || t('voice.noResult');
      this.fail('error', msg, ack && ack.code);
      const err = new Error(msg);
      err.code = ack && ack.code;
      throw err;
    }
    if (typeof ack.transcript === 'string') this.full = ack.transcript;
    this.release();
    this.cb.onState('done', t('voice.done'));
    return ack;
  }

  release() {
    this.stopped = true;
    clearInterval(this.clock);
    for (const off of this.offs) off();
    this.offs = [];
    if (this.recorder && this.recorder.state !== 'inactive') {
      try {
        this.recorder.stop();
      } catch (e) {
        // already stopped
      }
    }
    if (this.stream) for (const tr of this.stream.getTracks()) tr.stop();
  }
}
