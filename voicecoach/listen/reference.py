"""The reference tap: what the player handed the output device, for the echo canceller.

The player's audio callback calls :meth:`ReferenceTap.push` with every block and the stream's
own clock for when it reaches the speaker (``time_info.outputBufferDacTime``): a copy and a
``deque.append``, nothing that can block (a bounded deque is safe between threads in CPython
without a lock). The capture side calls :meth:`ReferenceTap.pull` with the time its microphone
block was recorded (pulls follow each other sample by sample too, re-anchored only on a jump) (``time_info.inputBufferAdcTime``, the same PortAudio clock) and gets the
samples that were playing then, at 16 kHz, the same length as the block: the canceller then
only has to find the room's delay (the air, the device buffers it cannot see), which AEC3 does.

Blocks are resampled to 16 kHz in the pulling thread and written on a timeline: the first block
lands at its DAC time and the rest follow it sample by sample (the output stream is continuous,
and the resampler's own delay is then accounted for). A block whose time disagrees by more
than ``REANCHOR_S`` with where the run says it should be (an underrun, a reopened stream)
starts a new run at its own time.
"""

from __future__ import annotations

import collections
import threading
import time

import numpy as np

REANCHOR_S = 0.1  # a block (or a pull) this far from where the previous one ended starts a new run
# (stream clocks through PulseAudio jitter by tens of ms: following each stamp would tear holes
# and overlaps in the reference; AEC3 itself follows a steady delay)
INBOX_BLOCKS = 2048  # blocks kept until pulled (256-frame blocks at 22.05 kHz: 24 s)
PULL_REANCHOR_S = 1.0  # the microphone's blocks are counted, not stamped, unless its stamp is off by this much
STOPPED_S = 0.25  # no block from the player for this long: it has stopped (closed, device lost)
WAIT_S = 0.05  # how long a pull waits for the player to hand over the end of the span asked for


class ReferenceTap:
    """Player -> listener ring buffer of played audio, indexed by stream time (see the module docstring)."""

    def __init__(self, rate: int = 16000, seconds: float = 4.0):
        self.rate = rate
        self._inbox: collections.deque = collections.deque(maxlen=INBOX_BLOCKS)
        self._ring = np.zeros(int(seconds * rate), np.int16)
        self._t0: float | None = None
        self._write = 0  # absolute timeline index one past the last written sample
        self._next = 0.0  # where the next block should start if the stream runs on without a gap
        self._cursor: int | None = None  # where the next pull starts if the microphone runs on
        self._resampler = None
        self._source_rate = 0
        self.reanchors = 0
        self.pushed = 0
        self.pull_reanchors = 0
        self.offset_s = 0.0  # added to every pull's time (see ``align``): stamps that run early or late
        self.short_pulls = 0  # pulls that gave up waiting for the player (the rest is silence)
        self._arrived = threading.Event()
        self._last_push = 0.0  # monotonic time of the last push

    # ---- the audio thread -------------------------------------------------------------------

    def push(self, block: np.ndarray, dac_time: float, samplerate: int) -> None:
        """From the output callback: float32 mono samples as handed to the device, and when
        their first sample plays (stream clock, seconds)."""
        self._inbox.append((dac_time, np.array(block, np.float32), samplerate))
        self.pushed += 1
        self._last_push = time.monotonic()
        self._arrived.set()

    # ---- the listening thread -------------------------------------------------------------

    def _drain(self) -> None:
        import soxr

        while self._inbox:
            dac_time, block, samplerate = self._inbox.popleft()
            if self._t0 is None:
                self._t0 = dac_time
            at = (dac_time - self._t0) * self.rate  # where this block's first sample belongs
            if samplerate != self._source_rate or abs(at - self._next) > REANCHOR_S * self.rate:
                if self.pushed > 1 and samplerate == self._source_rate:
                    self.reanchors += 1
                self._source_rate = samplerate
                # a fresh resampler: its output starts with this block's first sample
                self._resampler = None if samplerate == self.rate else soxr.ResampleStream(samplerate, self.rate, 1, dtype="float32")
                start = int(round(at))
                if start > self._write:
                    self._fill(self._write, np.zeros(min(start - self._write, self._ring.size), np.int16))
                self._write, self._next = start, at
            self._next += block.size * self.rate / samplerate
            samples = block if self._resampler is None else self._resampler.resample_chunk(block)
            self._fill(self._write, np.clip(np.round(samples * 32767.0), -32768, 32767).astype(np.int16))
            self._write += samples.size

    def _fill(self, start: int, samples: np.ndarray) -> None:
        size = self._ring.size
        samples = samples[-size:]
        index = (np.arange(samples.size) + start) % size
        self._ring[index] = samples

    def _start(self, adc_time: float) -> int:
        start = int(round((adc_time + self.offset_s - self._t0) * self.rate))
        if self._cursor is not None and abs(start - self._cursor) <= PULL_REANCHOR_S * self.rate:
            return self._cursor  # contiguous with the previous pull
        return start

    def ready(self, adc_time: float, count: int) -> bool:
        """Has the player handed over everything a pull of this span would return? (True when
        nothing was ever played, or the player has stopped: there is nothing to wait for.)"""
        self._drain()
        if self._t0 is None or time.monotonic() - self._last_push > STOPPED_S:
            return True
        return self._start(adc_time) + count <= self._write

    def pull(self, adc_time: float, count: int, wait_s: float = WAIT_S) -> bytes | None:
        """`count` samples of what was playing from `adc_time` on (16-bit, at `rate`); None if
        nothing was ever played. Parts not played (or too old to keep) are silence.

        The end of a microphone block is about as old as the newest block the player has handed
        over: the pull waits up to `wait_s` for the player to get past it, because a hole in the
        reference is an echo the canceller cannot remove."""
        self._drain()
        if self._t0 is None:
            return None
        start = self._start(adc_time)
        if self._cursor is not None and start != self._cursor:
            self.pull_reanchors += 1
        self._cursor = start + count
        if start + count > self._write and wait_s > 0:
            deadline = time.monotonic() + wait_s
            while start + count > self._write and time.monotonic() < deadline:
                self._arrived.clear()
                self._drain()  # again after clearing: a push in between is not missed
                if start + count > self._write:
                    self._arrived.wait(max(0.0, deadline - time.monotonic()))
                    self._drain()
            if start + count > self._write:
                self.short_pulls += 1
        out = np.zeros(count, np.int16)
        oldest = max(0, self._write - self._ring.size)
        lo, hi = max(start, oldest), min(start + count, self._write)
        if hi > lo:
            out[lo - start: hi - start] = self._ring[np.arange(lo, hi) % self._ring.size]
        return out.tobytes()

    def set_offset(self, offset_s: float) -> None:
        """Pull from `offset_s` later than the microphone's stamps from now on (see :class:`Aligner`)."""
        self.offset_s = offset_s
        self._cursor = None

    def span(self, start_time: float, count: int) -> np.ndarray:
        """What is on the timeline from `start_time` (stream clock) for `count` samples, as it is
        now (no waiting, no cursor): for finding the delay."""
        self._drain()
        out = np.zeros(count, np.int16)
        if self._t0 is None:
            return out
        start = int(round((start_time - self._t0) * self.rate))
        oldest = max(0, self._write - self._ring.size)
        lo, hi = max(start, oldest), min(start + count, self._write)
        if hi > lo:
            out[lo - start: hi - start] = self._ring[np.arange(lo, hi) % self._ring.size]
        return out


ALIGN_S = 1.5  # seconds of microphone audio, while the coach plays, used to find the delay
SEARCH_S = 0.8  # the delay is looked for within this much either way
MOVE_S = 0.1  # a newly found delay this different from the current one moves the pulls
MARGIN_S = 0.12  # the reference is made to lead its echo by about this much


def echo_lag(mic: np.ndarray, reference: np.ndarray, rate: int = 16000) -> tuple[float, float]:
    """Where `mic` best matches `reference` (which starts ``SEARCH_S`` earlier than `mic`):
    (seconds the echo comes after the reference's stamps, peak-to-mean strength). PHAT-weighted
    cross-correlation, so the room's colouring does not move the peak."""
    n = 1 << int(np.ceil(np.log2(mic.size + reference.size)))
    spectrum = np.fft.rfft(mic.astype(np.float64), n) * np.conj(np.fft.rfft(reference.astype(np.float64), n))
    corr = np.fft.irfft(spectrum / (np.abs(spectrum) + 1e-9), n)
    search = int(SEARCH_S * rate)
    shifts = np.arange(-2 * search, 1)  # mic[j] ~ reference[j - shift]; delay = shift + search
    values = np.abs(corr[shifts])
    best = int(np.argmax(values))
    strength = float(values[best] / (np.mean(values) + 1e-12))
    return (int(shifts[best]) + search) / rate, strength


class Aligner:
    """Finds how far the echo really is from the stream clocks' stamps and moves the
    tap's pulls so that the reference leads its echo by ``MARGIN_S``: the stamps through a
    sound server can be hundreds of ms off (PulseAudio's reported output latency ran 280 ms
    ahead of its monitor here, and settled only seconds after the start), more than AEC3's delay
    search. Looks again at every ``ALIGN_S`` of the coach's audio; moves only by more than
    ``MOVE_S`` (each move costs AEC3 a moment to adapt). Feed it every raw block."""

    def __init__(self, tap: ReferenceTap, rate: int = 16000, min_strength: float = 8.0):
        self.tap, self.rate, self.min_strength = tap, rate, min_strength
        self._blocks: list[np.ndarray] = []
        self._start: float | None = None
        self.delay_s: float | None = None  # found: seconds from a stamp to its echo
        self.tries = 0  # windows looked at
        self.moves = 0  # times the pulls were moved

    def feed(self, block: bytes, recorded_at: float, reference_playing: bool) -> None:
        """One raw microphone block, its stamp, and whether the coach was playing."""
        if not self._blocks and not reference_playing:
            return
        if not self._blocks:
            self._start = recorded_at
        self._blocks.append(np.frombuffer(block, np.int16))
        if sum(b.size for b in self._blocks) < ALIGN_S * self.rate:
            return
        mic = np.concatenate(self._blocks)
        self._blocks = []
        self.tries += 1
        reference = self.tap.span(self._start - SEARCH_S, mic.size + int(2 * SEARCH_S * self.rate))
        if not np.any(reference):
            return
        delay, strength = echo_lag(mic, reference, self.rate)
        if strength >= self.min_strength and (self.delay_s is None or abs(delay - self.delay_s) > MOVE_S):
            self.delay_s = delay
            self.moves += 1
            self.tap.set_offset(MARGIN_S - delay)
