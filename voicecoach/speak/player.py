"""Playback: one sounddevice output stream, clips played in order, earcons mixed on top.

The coach's own music (:mod:`voicecoach.speak.music`), when there is any, is mixed into the same
block, ducked while a clip plays, before the block is handed to the reference tap: the echo
canceller's reference is exactly what the device plays, voice and music alike.

The output callback only copies samples from ready-made arrays and drops small notes into a
queue; a notifier thread turns those into calls of ``notify(kind, tag, at, interrupted)``:

* ``"started"``: the clip's first samples were handed to PortAudio (``at`` = perf_counter then);
* ``"done"``: its last samples were handed over, or it was cut off (``interrupted=True``);
* ``"lost"``: the stream ended without being asked to (device unplugged, server gone).

:meth:`Player.stop` bumps a generation counter; the next callback (at most one block later,
256 samples = 12 ms at 22.05 kHz) cuts the current clip and drops every clip queued before the call.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

log = logging.getLogger(__name__)

BLOCKSIZE = 256  # frames per callback: the stop() granularity
READY_CALLBACKS = 8  # callbacks before the stream counts as running (PulseAudio: ~1.7 s after start)
LATENCY_S = 0.03  # output latency asked of PortAudio; "low" (23 ms via PulseAudio) underran here
PREFERRED_RATE = 22050  # espeak-ng and piper render at this rate; open the stream at it when allowed

Notify = Callable[[str, int, float, bool], None]  # (kind, tag, perf_counter seconds, interrupted)


@dataclass
class _Clip:
    samples: np.ndarray
    tag: int
    generation: int
    position: int = 0
    started: bool = False


@dataclass
class PlayerStats:
    """Counters the tests and the benchmark read."""

    cut_delays_s: list[float] = field(default_factory=list)  # stop() call -> the callback cut the clip
    first_sound_at: dict[int, float] = field(default_factory=dict)  # tag -> perf_counter of first non-silent block
    underflows: int = 0  # callbacks PortAudio flagged as late (the device ran dry)


_ALSA_HANDLER = None  # keep the ctypes callback alive


def quiet_alsa() -> None:
    """Route alsa-lib's own messages ("underrun occurred") to our debug log instead of stderr."""
    global _ALSA_HANDLER
    if _ALSA_HANDLER is not None:
        return
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("asound")
    if not name:
        return
    try:
        alsa = ctypes.CDLL(name)
        handler_type = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p)
        _ALSA_HANDLER = handler_type(lambda file, line, function, err, fmt: log.debug("alsa: %s", fmt))
        alsa.snd_lib_error_set_handler(_ALSA_HANDLER)
    except (OSError, AttributeError):  # not ALSA: nothing to quiet
        return


def open_sounddevice_stream(**kwargs):
    """The real stream factory: a started ``sounddevice.OutputStream``."""
    import sounddevice as sd

    quiet_alsa()
    stream = sd.OutputStream(**kwargs)
    stream.start()
    return stream


def pick_samplerate(device: int | None) -> int:
    """22050 Hz if the device takes it (no resampling), else the device's default rate."""
    import sounddevice as sd

    try:
        sd.check_output_settings(device=device, samplerate=PREFERRED_RATE, channels=1, dtype="float32")
        return PREFERRED_RATE
    except Exception:  # noqa: BLE001 - PortAudio says no in several ways
        return int(sd.query_devices(device, "output")["default_samplerate"])


class Player:
    """Plays mono float32 clips on one output device. Thread-safe: enqueue/stop from any thread."""

    def __init__(
        self,
        notify: Notify,
        device: int | None = None,
        samplerate: int | None = None,
        blocksize: int = BLOCKSIZE,
        stream_factory: Callable[..., object] = open_sounddevice_stream,
    ):
        self._notify = notify
        self.device = device
        self.samplerate = samplerate or pick_samplerate(device)
        self.blocksize = blocksize
        self._stream_factory = stream_factory
        self._pending: collections.deque[_Clip] = collections.deque()
        self._overlays: list[_Clip] = []
        self._overlay_inbox: collections.deque[_Clip] = collections.deque()
        self._current: _Clip | None = None
        self._generation = 0
        self._stop_requested_at = 0.0
        self._notes: queue.SimpleQueue = queue.SimpleQueue()
        self._closing = False
        self.stats = PlayerStats()
        self._stream = None
        self._callbacks = 0
        self.ready = threading.Event()  # set once the device really pulls audio (see wait_ready)
        self.tap: Callable[[np.ndarray, float, int], None] | None = None  # (block, DAC time, rate): the echo canceller's reference
        self.music = None  # a voicecoach.speak.music.MusicMixer: mixed under the clips, ducked while they play
        self.paused = False  # the stream is stopped while idle (see pause); the next clip restarts it
        self._pause_lock = threading.Lock()
        self._notifier = threading.Thread(target=self._deliver, name="voicecoach-player-notes", daemon=True)
        self._notifier.start()
        self.open()

    # ---- control (any thread) ----

    def open(self) -> None:
        """Open and start the output stream (again, after a lost device). Raises if it cannot."""
        self._closing = False
        self._callbacks = 0
        self.ready.clear()
        self._stream = self._stream_factory(
            device=self.device,
            samplerate=self.samplerate,
            channels=1,
            dtype="float32",
            blocksize=self.blocksize,
            latency=LATENCY_S,
            callback=self._callback,
            finished_callback=self._finished,
        )

    def enqueue(self, samples: np.ndarray, tag: int) -> None:
        """Play a clip (at the player's rate) after the ones already queued."""
        self._pending.append(_Clip(np.asarray(samples, dtype=np.float32), tag, self._generation))
        self.resume()

    def overlay(self, samples: np.ndarray) -> None:
        """Mix a short sound (an earcon) on top of whatever plays, starting now."""
        self._overlay_inbox.append(_Clip(np.asarray(samples, dtype=np.float32), -1, self._generation))
        self.resume()

    def pause(self) -> None:
        """Stop the stream while there is nothing to say for a long time (`serve` idling): a
        running output stream costs a callback every block even when silent (2.6 % of a core
        here). Anything queued is dropped; the next clip, or :meth:`resume`, restarts it."""
        with self._pause_lock:
            if self.paused or self._stream is None:
                return
            self.stop()
            self._closing = True  # not a lost device
            stream, self._stream = self._stream, None
            self.paused = True
            try:
                stream.abort()
                stream.close()
            except Exception as error:  # noqa: BLE001 - the device went away meanwhile
                log.debug("pausing the output stream: %s", error)

    def resume(self) -> None:
        """Restart a paused stream (no-op otherwise). A fresh stream needs a moment before it pulls
        audio (through PulseAudio about 1.5 s, PipeWire about 50 ms): resume early if you can."""
        with self._pause_lock:
            if not self.paused:
                return
            self.paused = False
            self.open()

    def stop(self) -> None:
        """Cut the current clip and drop everything queued so far (within one block)."""
        self._stop_requested_at = time.perf_counter()
        self._generation += 1

    def wait_ready(self, timeout: float = 3.0) -> bool:
        """Wait until the device pulls audio steadily. Through PulseAudio a new stream takes
        about 1.7 s before it does; a line said earlier starts that late."""
        return self.ready.wait(timeout)

    def busy(self) -> bool:
        """True while a clip plays or waits."""
        return self._current is not None or bool(self._pending)

    def close(self) -> None:
        """Stop the stream for good."""
        self._closing = True
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.abort()  # stop() would wait for the device to play out its buffer
                stream.close()
            except Exception as error:  # noqa: BLE001 - closing a dead device
                log.debug("closing the output stream: %s", error)
        self._notes.put(None)

    # ---- the audio thread ----

    def _callback(self, outdata, frames, time_info, status) -> None:
        out = outdata[:, 0]
        out.fill(0.0)
        now = time.perf_counter()
        if status is not None and status.output_underflow:
            self.stats.underflows += 1
        if self._callbacks < READY_CALLBACKS:
            self._callbacks += 1
            if self._callbacks == READY_CALLBACKS:
                self.ready.set()
        generation = self._generation
        if self._current is not None and self._current.generation < generation:
            self._notes.put(("done", self._current.tag, now, True))
            self.stats.cut_delays_s.append(now - self._stop_requested_at)
            self._current = None
        while self._pending and self._pending[0].generation < generation:
            self._notes.put(("done", self._pending.popleft().tag, now, True))
        filled = 0
        while filled < frames:
            if self._current is None:
                if not self._pending:
                    break
                self._current = self._pending.popleft()
            clip = self._current
            if not clip.started:
                clip.started = True
                self._notes.put(("started", clip.tag, now, False))
            part = clip.samples[clip.position : clip.position + frames - filled]
            out[filled : filled + part.size] = part
            if part.size and clip.tag not in self.stats.first_sound_at and np.any(np.abs(part) > 0.01):
                self.stats.first_sound_at[clip.tag] = now
            filled += part.size
            clip.position += part.size
            if clip.position >= clip.samples.size:
                self._notes.put(("done", clip.tag, now, False))
                self._current = None
        while self._overlay_inbox:
            self._overlays.append(self._overlay_inbox.popleft())
        if self._overlays:
            self._overlays = [o for o in self._overlays if o.generation >= generation]
            for clip in self._overlays:
                part = clip.samples[clip.position : clip.position + frames]
                out[: part.size] += part
                clip.position += part.size
            self._overlays = [o for o in self._overlays if o.position < o.samples.size]
            np.clip(out, -1.0, 1.0, out=out)
        music = self.music
        if music is not None:  # before the tap: the reference is what is played
            music.mix(out, ducked=filled > 0 or self._current is not None)
            np.clip(out, -1.0, 1.0, out=out)
        if self.tap is not None:
            self.tap(out, getattr(time_info, "outputBufferDacTime", 0.0) or getattr(self._stream, "time", 0.0), self.samplerate)

    def _finished(self) -> None:
        if not self._closing:
            self._notes.put(("lost", -1, time.perf_counter(), True))

    # ---- the notifier thread ----

    def _deliver(self) -> None:
        while (note := self._notes.get()) is not None:
            try:
                self._notify(*note)
            except Exception:  # noqa: BLE001 - a bad listener must not stop playback notes
                log.exception("player listener failed on %s", note)
