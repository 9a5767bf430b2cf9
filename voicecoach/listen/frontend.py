"""The listening front end: echo cancellation (and optional noise suppression) before the recognizer.

The coach plays every sample it says itself, so the echo of its voice in the microphone is known:
WebRTC's AEC3 (``pywebrtc-audio``) takes the microphone block and the samples that were played
at the same moment (the *reference*) and removes what the room made of them. What is left is
the person, and the recognizer can listen all the time instead of only between the coach's lines.
AEC3's suppressor also clips a word said over the coach, so the recognizer *decodes* the output of
a linear canceller run beside it (:mod:`voicecoach.listen.linear_aec`), and only its voice
detectors *judge* AEC3's output (:class:`Cleaned`).

:class:`FrontEnd` is pure and stateful: ``process(mic, reference) -> cleaned`` over 16 kHz mono
int16 of any block length (it works in 10 ms frames inside), so it runs the same on a WAV, in a
simulated room and on a live microphone. It keeps a running **echo return loss enhancement**
(ERLE: how much quieter the output is than the microphone, in dB, over the recent frames where
the reference was playing) and says whether the canceller has ``converged`` or ``failed``
(the reference and the microphone on clocks that drift, a speaker with a long unknown delay):
then the listener falls back to half-duplex.

Measurements behind the constants: ``docs/listening.md`` ("The front end").
"""

from __future__ import annotations

import collections
import dataclasses
import itertools
import logging
import math
from typing import Callable

import numpy as np

from voicecoach.settings import ListenSettings

log = logging.getLogger(__name__)

FRAME_S = 0.01  # AEC3 works on 10 ms frames
ACTIVE_DBFS = -50.0  # a reference frame louder than this counts as "the coach is playing"
WINDOW_FRAMES = 200  # ERLE is the median over this many recent active frames (2 s of coach audio)
IDLE_FRAMES = 1000  # the noise floor: 10th percentile of this many recent frames without the coach
MIN_IDLE_FRAMES = 100  # "no echo here" needs a floor measured over at least this many (1 s)
AUDIBLE_FRAMES = 1000  # "is there an echo?" looks at the last 10 s of coach audio: a person who talks
# over the coach for a few seconds must not turn the canceller on where there is no echo (earbuds)
ERLE_FLOOR_DB = 10.0  # converged = the echo is at least this much quieter
AUDIBLE_DB = 6.0  # echo this far above the idle noise floor counts as audible (else: nothing to cancel)
AT_FLOOR_DB = 3.0  # in a noisy room, converged = the echo is down to this much above the noise floor
FAIL_AFTER_FRAMES = 500  # 5 s of coach audio without a good estimate: the canceller failed
NS_LEVELS = {"low": 0, "moderate": 1, "high": 2, "very_high": 3}  # WebRTC NS: 6, 12, 18, 21 dB


class Cleaned(bytes):
    """What the front end hands on: the samples the recognizer *decodes* (these bytes) and, in
    :attr:`judge`, the samples its voice detectors *judge* (speech or not, where an utterance
    ends). With the echo canceller on they differ: the decoder gets the linear canceller's output
    (the person's word whole, a little echo left), the detectors AEC3's (no echo, but a word said
    over the coach clipped). Code that knows nothing of this just uses the bytes."""

    judge: bytes


def judged(chunk: bytes) -> bytes:
    """The samples the voice detectors should judge for `chunk` (the chunk itself unless cleaned)."""
    return getattr(chunk, "judge", chunk)


class FrontEndUnavailable(RuntimeError):
    """The package that does the work is missing (an odd platform); say so and listen without it."""


def _db_array(energy: np.ndarray) -> np.ndarray:
    """Mean squares of int16 samples -> dBFS."""
    return 10.0 * np.log10(energy / (32768.0 ** 2) + 1e-12)


class FrontEnd:
    """Echo cancellation + optional noise suppression over 16 kHz mono int16 (see the module docstring).

    ``process(mic, reference)``: `reference` is what the coach played, time-aligned to `mic` and
    the same length, or None while nothing plays. Returns cleaned audio of the same length as
    `mic` (10 ms later when blocks are not whole 10 ms frames: the delay is fixed once seen); when
    cancelling echo, a :class:`Cleaned`: the linear canceller's output to decode, AEC3's to judge.
    """

    def __init__(self, settings: ListenSettings, sample_rate: int = 16000):
        self.sample_rate = sample_rate
        self.cancels = settings.echo_cancel in ("auto", "webrtc")
        level = NS_LEVELS.get(settings.noise_suppression)
        self.suppresses = level is not None
        self._frame = int(round(sample_rate * FRAME_S))
        self._apm = None
        if self.cancels or self.suppresses:
            try:
                from pywebrtc_audio import AudioProcessor
            except ImportError as error:
                raise FrontEndUnavailable(f"echo cancellation needs pywebrtc-audio ({error})") from None
            self._apm = AudioProcessor(sample_rate, echo_cancellation=self.cancels,
                                       noise_suppression=self.suppresses, ns_level=level or 0)
        self._linear = None  # what the recognizer decodes, when cancelling (and not suppressing noise)
        self.linear_missing = ""  # why there is none where there should be (said once by make_front_end)
        if self.cancels and not self.suppresses:
            from voicecoach.listen.linear_aec import LinearCancellerUnavailable, LinearEchoCanceller

            try:
                self._linear = LinearEchoCanceller(sample_rate)
            except LinearCancellerUnavailable as error:
                self.linear_missing = f"{error}; words said over the coach are heard less well"
                log.warning("%s", self.linear_missing)
        self._mic = np.zeros(0, np.int16)
        self._ref = np.zeros(0, np.int16)
        self._out = np.zeros(0, np.int16)
        self._decode = np.zeros(0, np.int16)  # the linear canceller's output, in step with _out
        self.cancelling = self.cancels  # False while there is nothing to cancel (earbuds)
        self.latency_samples = 0
        # echo bookkeeping
        self._erle = collections.deque(maxlen=WINDOW_FRAMES)  # per active frame: dB
        self._echo_db = collections.deque(maxlen=AUDIBLE_FRAMES)  # per active frame: mic dBFS (the last 10 s)
        self._idle_db = collections.deque(maxlen=IDLE_FRAMES)  # per idle frame: mic dBFS
        self.active_frames = 0  # frames with the reference playing, ever
        self._since_good = 0  # active frames since the estimate was last good
        self._converged = False
        self.failed = False  # sticky: the canceller did not converge (or lost it) for FAIL_AFTER_FRAMES

    # ---- the work -----------------------------------------------------------------------------

    def process(self, mic: bytes, reference: bytes | None = None) -> bytes:
        """Clean one block; see the class docstring."""
        near = np.frombuffer(mic, np.int16)
        far = np.frombuffer(reference, np.int16) if reference is not None else np.zeros(near.size, np.int16)
        if far.size != near.size:
            far = np.resize(far, near.size) if far.size else np.zeros(near.size, np.int16)
        self._mic = np.concatenate([self._mic, near])
        self._ref = np.concatenate([self._ref, far])
        step = self._frame
        whole = self._mic.size - self._mic.size % step
        if whole:
            mic_part, ref_part = self._mic[:whole], self._ref[:whole]
            # No echo to cancel (earbuds): AEC3 with nothing to adapt to still suppresses the
            # person while the reference plays (a word 5-26 dB quieter), so it gets silence, and
            # its output is not used at all (even fed silence it cost 5 points of commands obeyed).
            nothing_to_cancel = self.cancels and not self.echo_audible and len(self._erle) >= WINDOW_FRAMES
            self.cancelling = self.cancels and not nothing_to_cancel
            far = np.zeros_like(ref_part) if nothing_to_cancel else ref_part
            # whole frames at once: AEC3 splits them into 10 ms frames itself (identical output)
            out = self._apm.process(mic_part, far) if self._apm is not None else mic_part
            if nothing_to_cancel and not self.suppresses:
                out = mic_part  # AEC3 still runs, so its state stays in step for when an echo appears
            self._account(mic_part.reshape(-1, step), ref_part.reshape(-1, step), out.reshape(-1, step))
            self._out = np.concatenate([self._out, out])
            if self._linear is not None:
                decode = self._linear.process(mic_part, far)
                self._decode = np.concatenate([self._decode, mic_part if nothing_to_cancel else decode])
            self._mic, self._ref = self._mic[whole:], self._ref[whole:]
        if near.size > self._out.size:  # blocks that are not whole frames: delay the output, once, by a frame
            self._out = np.concatenate([np.zeros(step, np.int16), self._out])
            self._decode = np.concatenate([np.zeros(step, np.int16), self._decode])
            self.latency_samples += step
        result, self._out = self._out[:near.size], self._out[near.size:]
        decode, self._decode = self._decode[:near.size], self._decode[near.size:]  # (empty without _linear)
        if self._linear is None or not self.cancelling:
            return result.tobytes()  # nothing cancelled: what is decoded is what is judged
        cleaned = Cleaned(decode.tobytes())
        cleaned.judge = result.tobytes()
        return cleaned

    def _account(self, near: np.ndarray, far: np.ndarray, out: np.ndarray) -> None:
        """Update the echo figures from a run of frames (rows)."""
        near_e = np.mean(near.astype(np.float64) ** 2, axis=1)
        far_db = _db_array(np.mean(far.astype(np.float64) ** 2, axis=1))
        active = far_db >= ACTIVE_DBFS
        self._idle_db.extend(_db_array(near_e[~active]))
        count = int(active.sum())
        if not count:
            return
        out_e = np.mean(out[active].astype(np.float64) ** 2, axis=1)
        self.active_frames += count
        self._erle.extend(10.0 * np.log10((near_e[active] + 1.0) / (out_e + 1.0)))
        self._echo_db.extend(_db_array(near_e[active]))
        if not self.cancels:
            return
        cancelled = len(self._erle) == WINDOW_FRAMES and self.erle_db >= self.erle_needed_db
        # "nothing to cancel" needs a whole window: an echo may arrive late
        if cancelled or (len(self._erle) == WINDOW_FRAMES and not self.echo_audible):
            self._converged, self._since_good = True, 0
        else:
            self._converged = False
            self._since_good += count
            if self._since_good >= FAIL_AFTER_FRAMES:
                self.failed = True

    # ---- what it knows ----------------------------------------------------------------------------

    @property
    def erle_db(self) -> float:
        """Echo return loss enhancement: median dB over the recent frames with the reference
        playing (NaN before any). Robust to a word said over the coach, which lowers a few frames."""
        return float(np.median(self._erle)) if self._erle else math.nan

    def _recent_echo_db(self) -> list[float]:
        """The microphone levels of the last :data:`WINDOW_FRAMES` frames with the coach playing."""
        return list(itertools.islice(self._echo_db, max(0, len(self._echo_db) - WINDOW_FRAMES), None))

    @property
    def echo_dbfs(self) -> float:
        """Median microphone level over the recent frames with the reference playing (NaN before any)."""
        return float(np.median(self._recent_echo_db())) if self._echo_db else math.nan

    @property
    def idle_dbfs(self) -> float:
        """The room's noise floor: a low percentile of the microphone level in recent frames
        without the coach (low, because an echo that comes late or a person talking fills some)."""
        return float(np.percentile(self._idle_db, 10)) if self._idle_db else -100.0

    @property
    def echo_to_noise_db(self) -> float:
        """How far the echo stands above the room's noise floor (the loud end of it, 90th
        percentile of the recent frames with the coach playing); NaN before any."""
        return float(np.percentile(self._recent_echo_db(), 90)) - self.idle_dbfs if self._echo_db else math.nan

    @property
    def erle_needed_db(self) -> float:
        """The ERLE that counts as converged: ``ERLE_FLOOR_DB``, less in a noisy room, where no
        canceller can take the echo further down than the noise (``AT_FLOOR_DB`` above it)."""
        return max(AT_FLOOR_DB, min(ERLE_FLOOR_DB, self.echo_to_noise_db - AT_FLOOR_DB))

    @property
    def echo_audible(self) -> bool:
        """Does the microphone hear the coach at all? (With earbuds it does not: nothing to cancel.)

        Judged on the *typical* frame of the last 10 s with the coach playing (the median), not
        the loud end: a person who talks over the coach fills some of those frames with their own
        voice, and that must not turn the canceller on for an echo that is not there (it then
        cut their words)."""
        if not self._echo_db:
            return False
        if len(self._idle_db) < MIN_IDLE_FRAMES:
            return True  # no floor to compare with yet (a few reverberant pauses): assume an echo
        return float(np.median(self._echo_db)) - self.idle_dbfs >= AUDIBLE_DB

    @property
    def converged(self) -> bool:
        """The echo is at least :attr:`erle_needed_db` quieter now, or was inaudible in the first place."""
        return self._converged


def echo_cancel_mode(settings: ListenSettings, notice: Callable[[str], None] = print,
                     system_canceller: Callable[[], str | None] | None = None,
                     have_reference: bool = True) -> str:
    """Which canceller runs: ``"webrtc"`` (ours), ``"system"`` (the sound server's) or ``"off"``.

    ``echo_cancel = "auto"`` uses the sound server's when it has one loaded (`system_canceller()`
    names its module; said once), else ours. Ours needs the played samples (`have_reference`).
    """
    mode = settings.echo_cancel
    if mode == "auto" and system_canceller is not None:
        found = system_canceller()
        if found:
            notice(f"the sound server cancels echo ({found}); using it")
            return "system"
    if mode in ("auto", "webrtc"):
        return "webrtc" if have_reference else "off"
    return mode


def initial_barge_in(setting: str, mode: str) -> str:
    """The decider's barge-in mode at the start: ``"auto"`` is full barge-in where the sound
    server cancels the echo, half-duplex otherwise (with ours, :class:`EchoGate` lifts it to full
    once the canceller has converged); ``"half"`` and ``"full"`` are what they say."""
    if setting != "auto":
        return setting
    return "full" if mode == "system" else "half"


def make_front_end(settings: ListenSettings, notice: Callable[[str], None] = print,
                   system_canceller: Callable[[], str | None] | None = None,
                   have_reference: bool = True) -> FrontEnd | None:
    """The front end the settings ask for (see :func:`echo_cancel_mode`), or None when there is
    nothing for it to do. Raises :class:`FrontEndUnavailable` when its package is missing."""
    mode = echo_cancel_mode(settings, notice, system_canceller, have_reference)
    if mode != "webrtc" and settings.noise_suppression not in NS_LEVELS:
        return None
    front_end = FrontEnd(dataclasses.replace(settings, echo_cancel=mode))
    if front_end.linear_missing:
        notice(front_end.linear_missing)
    return front_end


class EchoGate:
    """Full barge-in only while the canceller works: half-duplex until it has converged, and
    for good once it has failed (said once, in one line). Call :meth:`update` after each block.

    `set_barge_in("half" | "full")` applies the mode (the listener's decider); nothing happens
    when the person asked for half-duplex anyway (`wanted` is the ``barge_in`` setting: ``"auto"``
    and ``"full"`` both follow the canceller).
    """

    FAILED = "echo cancellation is not working here; only stop, pause and pain are heard while the coach talks"

    def __init__(self, front_end: FrontEnd, wanted: str, set_barge_in: Callable[[str], None],
                 notice: Callable[[str], None] = print):
        self.front_end = front_end
        self.wanted = wanted
        self.set_barge_in = set_barge_in
        self.notice = notice
        self.mode: str | None = None
        self._ever_converged = False
        self.update()

    def update(self) -> None:
        """Follow the front end's state."""
        if self.wanted == "half":
            return
        fe = self.front_end
        if not fe.cancels:  # noise suppression only: nothing here says the coach is not heard
            mode = "full" if self.wanted == "full" else "half"
        else:
            self._ever_converged |= fe.converged
            mode = "full" if self._ever_converged and not fe.failed else "half"
        if mode == self.mode:
            return
        if fe.failed:
            self.notice(self.FAILED)
        self.mode = mode
        self.set_barge_in(mode)
