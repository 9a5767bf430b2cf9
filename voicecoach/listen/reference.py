"""The reference tap: what the player handed the output device, for the echo canceller.

The player's audio callback calls :meth:`ReferenceTap.push` with every block and the stream's
own clock for when it reaches the speaker (``time_info.outputBufferDacTime``): a copy and a
``deque.append``, nothing that can block (a bounded deque is safe between threads in CPython
without a lock). The capture side calls :meth:`ReferenceTap.pull` with the time its microphone
block was recorded (``time_info.inputBufferAdcTime``, the same PortAudio clock) and gets the
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

import numpy as np

REANCHOR_S = 0.02  # a block this far from where the previous one ended starts a new run
INBOX_BLOCKS = 2048  # blocks kept until pulled (256-frame blocks at 22.05 kHz: 24 s)


class ReferenceTap:
    """Player -> listener ring buffer of played audio, indexed by stream time (see the module docstring)."""

    def __init__(self, rate: int = 16000, seconds: float = 4.0):
        self.rate = rate
        self._inbox: collections.deque = collections.deque(maxlen=INBOX_BLOCKS)
        self._ring = np.zeros(int(seconds * rate), np.int16)
        self._t0: float | None = None
        self._write = 0  # absolute timeline index one past the last written sample
        self._next = 0.0  # where the next block should start if the stream runs on without a gap
        self._resampler = None
        self._source_rate = 0
        self.reanchors = 0
        self.pushed = 0

    # ---- the audio thread -------------------------------------------------------------------

    def push(self, block: np.ndarray, dac_time: float, samplerate: int) -> None:
        """From the output callback: float32 mono samples as handed to the device, and when
        their first sample plays (stream clock, seconds)."""
        self._inbox.append((dac_time, np.array(block, np.float32), samplerate))
        self.pushed += 1

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

    def pull(self, adc_time: float, count: int) -> bytes | None:
        """`count` samples of what was playing from `adc_time` on (16-bit, at `rate`); None if
        nothing was ever played. Parts not played (or too old to keep) are silence."""
        self._drain()
        if self._t0 is None:
            return None
        start = int(round((adc_time - self._t0) * self.rate))
        out = np.zeros(count, np.int16)
        oldest = max(0, self._write - self._ring.size)
        lo, hi = max(start, oldest), min(start + count, self._write)
        if hi > lo:
            out[lo - start: hi - start] = self._ring[np.arange(lo, hi) % self._ring.size]
        return out.tobytes()
