# Helpers for the spoken-answer tests: real read speech from Debian's pocketsphinx-testdata
# (LibriVox clips, already 16 kHz mono 16-bit WAV) with their reference transcripts, word error
# rate, streaming in 100 ms chunks in real time, and WebM/Opus made at test time the way a
# browser's MediaRecorder sends it (libopus through ctypes; the Matroska muxing by hand, with the
# Segment and Clusters of unknown size that Chrome writes). No FFmpeg command is needed.
import ctypes
import ctypes.util
import os
import struct
import time
import wave

SPEECH = "/usr/share/pocketsphinx/test/data/librivox"
CLIPS = {
    "sense_and_sensibility_01_austen_64kb-0920.wav":
        "had he married a more a amiable woman he might have been made still more respectable than he was",
    "sense_and_sensibility_01_austen_64kb-0880.wav": "he was not an ill disposed young man",
    "sense_and_sensibility_01_austen_64kb-0930.wav": "he might even have been made amiable himself",
}
RATE = 16000
CHUNK = RATE // 10 * 2  # 100 ms of pcm16


def speech_missing():
    missing = [c for c in CLIPS if not os.path.isfile(os.path.join(SPEECH, c))]
    return f"pocketsphinx-testdata missing ({missing[0]})" if missing else None


def clip_pcm(name, silence_s=1.0):
    """The clip's samples as pcm16 bytes, followed by silence_s of silence (a pause ends a segment)."""
    with wave.open(os.path.join(SPEECH, name), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 1, 2), name
        return w.readframes(w.getnframes()) + b"\0\0" * int(RATE * silence_s)


def wer_counts(ref, hyp):
    """(word edits, reference words) between two texts (lower case, words only)."""
    r = ref.lower().split()
    h = "".join(c if c.isalnum() or c.isspace() or c == "'" else " " for c in hyp.lower()).split()
    d = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(h) + 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (r[i - 1] != h[j - 1]))
            prev, d[j] = d[j], cur
    return d[len(h)], len(r)


def stream_chunks(emit, chunks, pace=0.1):
    """Sends each chunk through emit in order, pace seconds apart (real time for 100 ms chunks)."""
    start = time.monotonic()
    for i, c in enumerate(chunks):
        emit(c)
        left = start + (i + 1) * pace - time.monotonic()
        if left > 0:
            time.sleep(left)


def pcm_chunks(pcm):
    return [pcm[i:i + CHUNK] for i in range(0, len(pcm), CHUNK)]


# ---------- WebM/Opus ----------

_OPUS_APPLICATION_VOIP = 2048
_FRAME_MS = 20


def _opus():
    name = ctypes.util.find_library("opus") or "libopus.so.0"
    lib = ctypes.CDLL(name)
    lib.opus_encoder_create.restype = ctypes.c_void_p
    lib.opus_encoder_create.argtypes = [ctypes.c_int32, ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
    lib.opus_encode.restype = ctypes.c_int32
    lib.opus_encode.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int32]
    lib.opus_encoder_destroy.argtypes = [ctypes.c_void_p]
    return lib


def opus_missing():
    try:
        _opus()
    except OSError as e:
        return f"libopus missing: {e}"
    return None


def _vint_size(n):
    for length in range(1, 9):
        if n < (1 << (7 * length)) - 1:
            return ((1 << (7 * length)) | n).to_bytes(length, "big")
    raise ValueError(n)


def _el(eid, payload):
    return eid.to_bytes((eid.bit_length() + 7) // 8, "big") + _vint_size(len(payload)) + payload


def _uint(eid, v):
    return _el(eid, v.to_bytes(max(1, (v.bit_length() + 7) // 8), "big"))


UNKNOWN_SIZE = b"\x01\xff\xff\xff\xff\xff\xff\xff"


def webm_opus(pcm, frames_per_cluster=50):
    """pcm16 mono 16 kHz bytes as a WebM/Opus file (bytes), 20 ms frames, one Cluster a second."""
    lib = _opus()
    err = ctypes.c_int()
    enc = lib.opus_encoder_create(RATE, 1, _OPUS_APPLICATION_VOIP, ctypes.byref(err))
    assert enc and err.value == 0, err.value
    frame = RATE * _FRAME_MS // 1000
    packets = []
    try:
        out = ctypes.create_string_buffer(4000)
        for at in range(0, len(pcm), frame * 2):
            piece = pcm[at:at + frame * 2].ljust(frame * 2, b"\0")
            n = lib.opus_encode(enc, piece, frame, out, len(out))
            assert n > 0, n
            packets.append(out.raw[:n])
    finally:
        lib.opus_encoder_destroy(enc)
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, RATE, 0, 0)
    ebml = _el(0x1A45DFA3, _uint(0x4286, 1) + _uint(0x42F7, 1) + _uint(0x42F2, 4) + _uint(0x42F3, 8) +
               _el(0x4282, b"webm") + _uint(0x4287, 4) + _uint(0x4285, 2))
    info = _el(0x1549A966, _uint(0x2AD7B1, 1000000) + _el(0x4D80, b"ig-test") + _el(0x5741, b"ig-test"))
    track = _el(0xAE, _uint(0xD7, 1) + _uint(0x73C5, 1) + _uint(0x83, 2) + _el(0x86, b"A_OPUS") +
                _el(0x63A2, head) + _el(0xE1, _el(0xB5, struct.pack(">d", 48000.0)) + _uint(0x9F, 1)))
    body = [ebml, b"\x18\x53\x80\x67" + UNKNOWN_SIZE, info, _el(0x1654AE6B, track)]
    for c in range(0, len(packets), frames_per_cluster):
        body.append(b"\x1f\x43\xb6\x75" + UNKNOWN_SIZE + _uint(0xE7, c * _FRAME_MS))
        for k, p in enumerate(packets[c:c + frames_per_cluster]):
            body.append(_el(0xA3, b"\x81" + struct.pack(">hB", k * _FRAME_MS, 0x80) + p))
    return b"".join(body)
