// A spoken answer: the microphone (getUserMedia) recorded by MediaRecorder as WebM/Opus in short
// chunks, each sent as an `audio_stream` event (a binary attachment) while the answer is spoken;
// the server answers with `transcript` and `real_time_analysis` events. Stopping sends
// `answer_complete` so the last words are transcribed. The first chunk is acknowledged: a refusal,
// an `error` event or no answer at all means live transcription is unavailable, and the caller is
// told why (typing still works).
import { t } from './i18n.js';
import * as realtime from './realtime.js';

const CHUNK_MS = 250;
const FIRST_ACK_MS = 8000;
const COMPLETE_ACK_MS = 15000;
const MIME = 'audio/webm;codecs=opus';

export function voiceSupported() {
  return Boolean(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder &&
    MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(MIME));
}

// callbacks: onState(state, message), onTranscript({text, finals, partial, confidence}),
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
    this.offs = [];
    this.startedAt = 0;
    this.seconds = 0;
  }

  text() {
    if (this.full !== null) return this.full;
    return [this.finals, this.partial].filter(Boolean).join(' ').trim();
  }

  fail(state, message) {
    if (this.stopped) return;
    this.release();
    this.cb.onState(state, message);
  }

  async start() {
    if (!voiceSupported()) {
      this.fail('unavailable', t('voice.noBrowserSupport'));
      return;
    }
    this.cb.onState('starting', t('voice.starting'));
    if (!(await realtime.whenConnected(5000))) {
      this.fail('unavailable', t('voice.noSocket'));
      return;
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true },
      });
    } catch (err) {
      this.fail('error', err && err.name === 'NotAllowedError' ? t('voice.denied') : t('voice.noMic'));
      return;
    }
    this.listen();
    this.recorder = new MediaRecorder(this.stream, { mimeType: MIME, audioBitsPerSecond: 32000 });
    this.recorder.addEventListener('dataavailable', (e) => {
      if (e.data && e.data.size > 0) this.send(e.data);
    });
    this.recorder.start(CHUNK_MS);
    this.startedAt = performance.now();
    this.clock = setInterval(() => {
      this.seconds = (performance.now() - this.startedAt) / 1000;
      this.cb.onTick(this.seconds);
    }, 250);
    this.cb.onState('recording', t('voice.recording'));
  }

  listen() {
    const mine = (ev) => !ev || !ev.session_id || ev.session_id === this.sessionId;
    this.offs.push(realtime.on('transcript', (ev) => {
      if (!mine(ev) || !ev) return;
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
      if (mine(ev)) this.cb.onAnalysis(ev);
    }));
    this.offs.push(realtime.on('error', (ev) => {
      if (!this.stopped) this.fail('unavailable', (ev && ev.message) || t('voice.unavailable'));
    }));
  }

  // Chunks go out in order, one at a time; the first waits for the server's acknowledgement.
  send(blob) {
    const seq = this.seq;
    this.seq += 1;
    this.sending = this.sending.then(async () => {
      if (this.stopped && seq > 0 && !this.finishing) return;
      const audio = await blob.arrayBuffer();
      const payload = { session_id: this.sessionId, question_id: this.questionId, audio, format: 'webm', seq };
      if (seq === 0) {
        let ack;
        try {
          ack = await realtime.emitAck('audio_stream', payload, FIRST_ACK_MS);
        } catch (e) {
          this.fail('unavailable', t('voice.noAnswer'));
          return;
        }
        if (ack && ack.success === false) this.fail('unavailable', ack.message || t('voice.unavailable'));
      } else {
        realtime.emit('audio_stream', payload);
      }
    });
  }

  // Stops recording, flushes the last chunk, asks the server for the final transcript; resolves
  // the transcript as heard.
  async stop() {
    if (this.stopped || !this.recorder) return this.text();
    this.finishing = true;
    this.cb.onState('finishing', t('voice.finishing'));
    const flushed = new Promise((resolve) => this.recorder.addEventListener('stop', resolve, { once: true }));
    this.recorder.stop();
    await flushed;
    clearInterval(this.clock);
    for (const tr of this.stream.getTracks()) tr.stop();
    await this.sending;
    if (this.stopped) return this.text();
    try {
      const ack = await realtime.emitAck('answer_complete',
        { session_id: this.sessionId, question_id: this.questionId, answer: this.text() }, COMPLETE_ACK_MS);
      if (ack && typeof ack.transcript === 'string') this.full = ack.transcript;
    } catch (e) {
      // no final word from the server: keep what was heard
    }
    this.release();
    this.cb.onState('done', t('voice.done'));
    return this.text();
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
