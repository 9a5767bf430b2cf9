"""Time as an input: the coach never reads the time itself, it is told.

:class:`MonotonicClock` is the real clock of a live session; :class:`FakeClock` is moved by hand in
tests and in ``voicecoach simulate``, so a twenty-minute session runs in milliseconds.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Seconds since the session started; never goes backwards."""

    def now(self) -> float: ...


class MonotonicClock:
    """The real clock: ``time.monotonic()`` counted from construction."""

    def __init__(self) -> None:
        self._start = time.monotonic()

    def now(self) -> float:
        """Seconds since this clock was made."""
        return time.monotonic() - self._start


class FakeClock:
    """A clock that only moves when told to (tests, simulation)."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)

    def now(self) -> float:
        """The current fake time."""
        return self._now

    def advance(self, seconds: float) -> float:
        """Move forward by `seconds` (not negative); return the new time."""
        if seconds < 0:
            raise ValueError(f"a clock cannot go backwards ({seconds} s)")
        self._now += seconds
        return self._now

    def set(self, t: float) -> float:
        """Move forward to time `t` (not earlier than now); return it."""
        return self.advance(t - self._now)
