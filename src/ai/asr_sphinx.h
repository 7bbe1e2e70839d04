/* The offline speech recogniser: PocketSphinx 5prealpha (Debian's libpocketsphinx) with the US
 * English model of pocketsphinx-en-us, behind ai/asr.h.
 *
 * A decoder holds about 100 MB (acoustic model, language model, dictionary), so the engine keeps
 * a small pool of them (ASR_DECODERS), made on first use, shared by every stream:
 *   - a stream holds a decoder only while it recognises: it gives it back at the end of a speech
 *     segment when another stream is waiting, and at finish or close;
 *   - a stream that finds no decoder is queued (first come, first served) and buffers its audio;
 *     asr_stream_info_get reports it waiting and its place in the queue; once it has a decoder,
 *     its buffered audio is recognised at its next call;
 *   - a decoder held by a stream that has made no call for idle_ms (a client that went quiet
 *     mid-answer) goes to a waiting stream: the quiet stream's segment is finalised on its behalf
 *     and delivered at its next call, which then queues again.
 * Segments end at pauses by PocketSphinx's own voice-activity detection (its -vad_postspeech,
 * half a second of silence). Chinese has no offline model: opening a Chinese stream fails with
 * ASR_SPHINX_ZH_MESSAGE (text answers still work; a transcription endpoint would handle it).
 *
 * asr_sphinx_open silences PocketSphinx's own logging (a process-wide library setting). */
#ifndef IG_AI_ASR_SPHINX_H
#define IG_AI_ASR_SPHINX_H

#include "ai/asr.h"

/* Debian's pocketsphinx-en-us: en-us/ (acoustic model), en-us.lm.bin, cmudict-en-us.dict. */
#define ASR_SPHINX_MODEL_DIR "/usr/share/pocketsphinx/model/en-us"
/* How long a held decoder may go without a call before a waiting stream takes it. */
#define ASR_SPHINX_IDLE_MS 3000
/* What a Chinese stream is told (EN, then ZH). */
#define ASR_SPHINX_ZH_MESSAGE                                                                                   \
    "Live transcription of Chinese needs a transcription endpoint; the offline recognizer knows English only. " \
    "Please type your answer. 中文语音转写需要配置语音识别服务，请输入文字作答。"

typedef struct asr_sphinx_opts {
    const char *model_dir; /* NULL: ASR_SPHINX_MODEL_DIR */
    int decoders;          /* pool size, >= 1 (ASR_DECODERS) */
    double max_seconds;    /* a stream's default audio cap, > 0 (ASR_MAX_UTTERANCE_SECONDS) */
    int idle_ms;           /* <= 0: ASR_SPHINX_IDLE_MS */
} asr_sphinx_opts;

/* Checks that the model files exist (IG_EIO naming the missing one and the Debian package) and
 * makes the engine; decoders are loaded when first needed (a second or so each). *out is the
 * caller's to asr_engine_close. */
ig_status asr_sphinx_open(const asr_sphinx_opts *o, asr_engine **out, ig_err *err);

#endif
