"""The coach's timing: an agenda of timed steps, and when the coach's own speech ends.

The coach never sleeps. Every timer is an entry (clock time -> step name and arguments) that runs
when the clock reaches it (:meth:`Agenda.advance`). Speech takes time: :meth:`Agenda.speak` books a
line after whatever is still being said and returns whether it was booked, so the next step can
be planned after it (:meth:`Agenda.after_speech`). Pausing moves every entry aside with the time
it had left (:meth:`Agenda.freeze`); resuming puts them back, shifted (:meth:`Agenda.resume`).
"""

from __future__ import annotations

import heapq
import itertools
from typing import Any, Callable

BUSY_TOLERANCE_S = 0.05  # speech ending this close to now counts as done

Entry = tuple[float, int, str, tuple]


class Agenda:
    """Timed steps and the speech clock of one coach."""

    def __init__(self) -> None:
        self.now = 0.0
        self.busy_until = 0.0  # when the last booked line ends
        self.speaking = 0  # lines booked and not yet reported done
        self._entries: list[Entry] = []
        self._frozen: list[Entry] = []
        self._seq = itertools.count()

    # ---- time ----------------------------------------------------------------------------------

    def advance(self, t: float, run: Callable[[str, tuple], None]) -> None:
        """Run every step due up to `t`, each at its own time (``run(name, args)``), then stand at `t`."""
        while self._entries and self._entries[0][0] <= t:
            due, _seq, name, args = heapq.heappop(self._entries)
            self.now = max(self.now, due)
            run(name, args)
        self.now = max(self.now, t)

    def at(self, delay: float, step: str, *args: Any) -> None:
        """Run step `step` `delay` seconds from now."""
        heapq.heappush(self._entries, (self.now + delay, next(self._seq), step, args))

    def after_speech(self, pause: float, step: str, *args: Any) -> None:
        """Run step `step` `pause` seconds after the coach stops talking."""
        self.at(self.speech_lead() + pause, step, *args)

    def speech_lead(self) -> float:
        """Seconds until the coach stops talking (0 when it is quiet)."""
        return max(self.now, self.busy_until) - self.now

    def clear(self) -> None:
        """Drop every pending step."""
        self._entries.clear()

    def next_due(self) -> float | None:
        return self._entries[0][0] if self._entries else None

    def remaining(self, frozen: bool = False) -> list[float]:
        """Seconds left on each pending step, soonest first (the frozen ones with `frozen`)."""
        if frozen:
            return sorted(r for r, *_ in self._frozen)
        return sorted(due - self.now for due, *_ in self._entries)

    def freeze(self) -> None:
        """Before a pause: keep each step's remaining time."""
        self._frozen = [(due - self.now, seq, name, args) for due, seq, name, args in self._entries]

    def resume(self) -> None:
        """Put the frozen steps back, counted from when the coach stops talking."""
        start = max(self.now, self.busy_until)
        for remaining, seq, name, args in self._frozen:
            heapq.heappush(self._entries, (start + remaining, seq, name, args))
        self._frozen = []

    # ---- speech --------------------------------------------------------------------------------

    def busy(self) -> bool:
        return self.busy_until > self.now + BUSY_TOLERANCE_S

    def speak(self, seconds: float, *, interrupt: bool = False) -> None:
        """Book a line of `seconds` after the current one (or cutting it off: `interrupt`)."""
        if interrupt:
            self.busy_until = self.now
            self.speaking = 0
        start = max(self.now, self.busy_until)
        self.busy_until = start + seconds
        self.speaking += 1

    def cut(self) -> None:
        """Whatever is playing is cut off by the next line."""
        self.busy_until = self.now

    def speech_done(self) -> None:
        """A line finished playing: when the last one has, the coach is quiet now."""
        self.speaking = max(0, self.speaking - 1)
        if self.speaking == 0:
            self.busy_until = min(self.busy_until, self.now)
