"""The microphone: a sounddevice raw input stream whose callback only copies and enqueues.

Blocks arrive as 16-bit mono at the device's rate (the model's rate when the device accepts it,
otherwise its native rate, resampled here with soxr). Iterating a :class:`MicrophoneCapture`
yields 16 kHz chunks; an empty chunk means "nothing arrived yet" (so the caller can check for a
stop request). Overflows are counted and logged, never fatal. If the microphone disappears, the
capture reports it once through ``on_device(False, detail)``, keeps yielding empty chunks, tries
to reopen it every ``retry_s`` seconds, and reports ``on_device(True, ...)`` once audio has
flowed again for ``back_after_s`` seconds (a suspended device can open and then send nothing:
announcing it back at once said "I can hear you again" falsely, over and over).

With a ``front_end`` (:class:`voicecoach.listen.frontend.FrontEnd`) the chunks are cleaned before
they are yielded: the echo canceller gets each chunk with what the coach was playing when it was
recorded, pulled from ``reference`` (:class:`voicecoach.listen.reference.ReferenceTap`) by the
block's ``inputBufferAdcTime``. ``on_cleaned()`` runs after each cleaned chunk (the listener's
echo gate). A front end that raises is dropped with one log line; the raw chunks go on.
"""

from __future__ import annotations

import collections
import logging
import queue
import time
from typing import Callable, Iterator

import numpy as np

from voicecoach.errors import UserError
from voicecoach.listen.wavsource import CHUNK_S, MODEL_RATE

log = logging.getLogger(__name__)

HOLD_S = 0.5  # at most this much microphone audio waits for the player's reference
BACK_AFTER_S = 5.0  # a reopened microphone must send audio this long before it is announced back


class NoMicrophone(UserError):
    """No input device at all (e.g. a headless box), or the one asked for does not exist."""


def input_devices() -> list[tuple[int, str, float]]:
    """(index, name, default sample rate) of every device with an input channel."""
    import sounddevice as sd

    return [(i, d["name"], d["default_samplerate"]) for i, d in enumerate(sd.query_devices())
            if d["max_input_channels"] > 0]


def resolve_input_device(spec: str | int | None) -> int | None:
    """A device index from an index or a case-insensitive name substring; None = system default.

    Raises :class:`NoMicrophone` when there is no input device, or none matches.
    """
    devices = input_devices()
    if not devices:
        raise NoMicrophone("no microphone found")
    if spec is None or spec == "":
        return None
    text = str(spec).strip()
    if text.isdigit():
        index = int(text)
        if any(i == index for i, _, _ in devices):
            return index
    else:
        for i, name, _ in devices:
            if text.lower() in name.lower():
                return i
    names = "; ".join(f"{i}: {name}" for i, name, _ in devices)
    raise NoMicrophone(f"no input device matches {text!r}; available: {names}")


def stream_rate(device: int | None, wanted: int = MODEL_RATE) -> int:
    """`wanted` if the device accepts it, else its native rate (we resample)."""
    import sounddevice as sd

    try:
        sd.check_input_settings(device=device, samplerate=wanted, channels=1, dtype="int16")
        return wanted
    except Exception:  # "Invalid sample rate" and friends
        return int(sd.query_devices(device, kind="input")["default_samplerate"])


def block_time(time_info, field: str, stream) -> float:
    """A callback's block time on the PortAudio stream clock; the stream's own time when the
    host API leaves it 0 (both ends then use the same clock again)."""
    value = getattr(time_info, field, 0.0) if time_info is not None else 0.0
    if not value and stream is not None:
        try:
            value = stream.time
        except Exception:  # noqa: BLE001 - a closing stream
            value = 0.0
    return float(value)


class MicrophoneCapture:
    """Microphone chunks at the model's rate; see the module docstring."""

    def __init__(self, device: str = "", rate: int = MODEL_RATE, block_s: float = CHUNK_S,
                 on_device: Callable[[bool, str], None] | None = None, retry_s: float = 2.0,
                 silence_timeout_s: float = 4.0, back_after_s: float = BACK_AFTER_S,
                 clock: Callable[[], float] = time.monotonic, front_end=None, reference=None,
                 on_cleaned: Callable[[], None] | None = None):
        self.device_spec = device
        self.rate = rate
        self.block_s = block_s
        self.on_device = on_device or (lambda available, detail: None)
        self.retry_s = retry_s
        self.silence_timeout_s = silence_timeout_s  # no blocks this long from a running stream = lost
        self.back_after_s = back_after_s  # a reopened microphone is "back" after sending audio this long
        self.clock = clock
        self.overflows = 0
        self.front_end = front_end
        self.reference = reference
        self.on_cleaned = on_cleaned
        self._aligner = None  # finds the real delay between the stamps and the echo
        self._pending: collections.deque[tuple[bytes, float]] = collections.deque()  # waiting for their reference
        self._logged_overflows = 0
        self._queue: queue.SimpleQueue[tuple[bytes, float]] = queue.SimpleQueue()
        self._stream = None
        self._resampler = None
        self._closed = False
        self.device_name = ""

    # ---- the PortAudio callback: copy and enqueue, nothing else -----------------------------

    def _callback(self, indata, frames, time_info, status) -> None:
        if status.input_overflow:
            self.overflows += 1
        self._queue.put_nowait((bytes(indata), block_time(time_info, "inputBufferAdcTime", self._stream)))

    # ---- opening and reopening ---------------------------------------------------------------

    def open(self) -> None:
        """Open and start the stream; raises :class:`NoMicrophone` if there is no usable input."""
        import sounddevice as sd
        import soxr

        device = resolve_input_device(self.device_spec)
        device_rate = stream_rate(device, self.rate)
        try:
            stream = sd.RawInputStream(device=device, samplerate=device_rate, channels=1, dtype="int16",
                                       blocksize=int(device_rate * self.block_s), callback=self._callback)
            stream.start()
        except sd.PortAudioError as error:
            raise NoMicrophone(f"cannot open the microphone ({error})") from None
        self._stream = stream
        self.device_name = sd.query_devices(device, kind="input")["name"]
        self._resampler = None if device_rate == self.rate else soxr.ResampleStream(device_rate, self.rate, 1, dtype="int16")
        log.info("listening on %s at %d Hz", self.device_name, device_rate)

    def _close_stream(self) -> None:
        if self._stream is not None:
            try:
                self._stream.abort()
                self._stream.close()
            except Exception:  # the device is already gone
                pass
            self._stream = None

    def _reopen(self) -> bool:
        """Try to open the microphone again.

        A plain reopen first: re-initialising PortAudio (to rescan devices, which it lists once)
        closes every stream in the process, the coach's voice included, so it is the last resort,
        used only when the device is not in the list at all.
        """
        import sounddevice as sd

        self._close_stream()
        try:
            self.open()
            return True
        except (UserError, Exception) as error:  # noqa: BLE001  (PortAudioError is not an OSError)
            log.debug("microphone not back yet: %s", error)
        try:
            sd._terminate()
            sd._initialize()
            self.open()
            return True
        except (UserError, Exception) as error:  # noqa: BLE001
            log.debug("microphone not back after a device rescan: %s", error)
            return False

    # ---- reading ------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[bytes]:
        if self._stream is None:
            self.open()
        last_block = self.clock()
        lost_since: float | None = None
        back_from: float | None = None  # reopened and not yet announced: audio has flowed since then
        announced_lost = False
        while not self._closed:
            try:
                block, recorded_at = self._queue.get(timeout=0.2)
            except queue.Empty:
                if self._closed:
                    break
                now = self.clock()
                if lost_since is None and (self._stream is None or now - last_block > self.silence_timeout_s or not self._stream.active):
                    lost_since, back_from = now, None
                    self._close_stream()
                    if not announced_lost:  # a microphone that comes and goes is announced lost once
                        announced_lost = True
                        self.on_device(False, "the microphone stopped sending audio")
                if lost_since is not None and now - lost_since >= self.retry_s:
                    lost_since = now
                    if self._reopen():
                        lost_since = None
                        last_block = back_from = self.clock()
                yield b""
                continue
            last_block = self.clock()
            if back_from is not None and last_block - back_from >= self.back_after_s:
                back_from, announced_lost = None, False  # "back" only once audio has really flowed
                self.on_device(True, self.device_name)
            if self.overflows != self._logged_overflows:
                log.warning("microphone overflow: %d blocks lost so far", self.overflows)
                self._logged_overflows = self.overflows
            cleaned = self._clean_ready(self._convert(block), recorded_at)
            yield from cleaned or [b""]

    def _convert(self, block: bytes) -> bytes:
        if self._resampler is None:
            return block
        return self._resampler.resample_chunk(np.frombuffer(block, np.int16)).tobytes()

    def _clean_ready(self, chunk: bytes, recorded_at: float) -> list[bytes]:
        """Clean the chunks whose reference the player has handed over. Through a sound server
        the player's blocks come in bursts; a chunk waits for its reference (at most
        ``HOLD_S``), because a hole in the reference is an echo that cannot be cancelled."""
        if self.front_end is None or self.reference is None:
            waiting = [c for c, _ in self._pending]  # (a front end dropped after a failure)
            self._pending.clear()
            return waiting + ([self._clean(chunk, recorded_at)] if chunk else [])
        if chunk:
            self._pending.append((chunk, recorded_at))
        out = []
        while self._pending:
            first, at = self._pending[0]
            held = sum(len(c) for c, _ in self._pending) / 2 / MODEL_RATE
            if not self.reference.ready(at, len(first) // 2) and held < HOLD_S:
                break
            self._pending.popleft()
            out.append(self._clean(first, at))
        return out

    def _clean(self, chunk: bytes, recorded_at: float) -> bytes:
        if self.front_end is None or not chunk:
            return chunk
        try:
            reference = None
            if self.reference is not None:
                reference = self.reference.pull(recorded_at, len(chunk) // 2, wait_s=0.0)
                if self._aligner is None:
                    from voicecoach.listen.reference import Aligner

                    self._aligner = Aligner(self.reference)
                self._aligner.feed(chunk, recorded_at, reference is not None and any(reference))
            cleaned = self.front_end.process(chunk, reference)
            if self.on_cleaned is not None:
                self.on_cleaned()
            return cleaned
        except Exception:  # noqa: BLE001 - never lose the microphone to the front end
            log.exception("the listening front end failed; listening to the raw microphone from now on")
            self.front_end = None
            return chunk

    def close(self) -> None:
        """Stop the stream; iteration ends."""
        self._closed = True
        self._close_stream()
