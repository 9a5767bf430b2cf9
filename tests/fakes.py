"""Stand-ins shared by the tests, one of each: a sound stream, a clock, a recorder (pure logic only:
real devices come from audio_devices.py)."""

from __future__ import annotations

import numpy as np


class FakeStream:
    """Stands in for ``sounddevice.OutputStream`` (a ``Player``'s ``stream_factory``): it keeps the
    player's callbacks, `pull` runs the audio callback block by block, ``time`` is the stream's own
    clock, and ``log`` lists open/abort/close. ``abort`` calls the finished callback, as PortAudio
    does when a stream ends, asked or not."""

    def __init__(self, log: list[str] | None = None, **kwargs):
        self.callback = kwargs["callback"]
        self.finished_callback = kwargs["finished_callback"]
        self.blocksize = kwargs["blocksize"]
        self.time = 42.0
        self.stopped = False
        self.log = [] if log is None else log
        self.log.append("open")

    def pull(self, blocks: int = 1) -> np.ndarray:
        """Run the callback for `blocks` blocks; what it wrote, mono."""
        out = []
        for _ in range(blocks):
            block = np.full((self.blocksize, 1), 9.0, dtype=np.float32)  # garbage the callback must overwrite
            self.callback(block, self.blocksize, None, None)
            out.append(block[:, 0].copy())
        return np.concatenate(out)

    def abort(self) -> None:
        self.stopped = True
        self.log.append("abort")
        self.finished_callback()

    def close(self) -> None:
        self.log.append("close")


class FakeClock:
    """Seconds as a callable: each reading first moves ``now`` on by `step` (the history's
    timestamps: a second per reading); with ``step=0`` it moves only when a test sets ``now``."""

    def __init__(self, start: float = 1_750_000_000.0, step: float = 1.0):
        self.now = start
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


class ListRecorder:
    """A Recorder that keeps (kind, data) pairs."""

    def __init__(self):
        self.records: list[tuple[str, dict]] = []

    def record(self, kind, data):
        self.records.append((kind, data))
