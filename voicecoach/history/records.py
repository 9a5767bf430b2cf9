"""What the history store hands back: plain frozen dataclasses, no I/O.

The progression engine, the resume logic and the reports read these; only :mod:`.store` builds
them from SQLite rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class SetRecord:
    """One set of one drill. ``done_at`` is None for the set that was in progress at a crash."""

    drill: str
    set_no: int  # 1-based
    started_at: datetime
    done_at: datetime | None
    reps: int | None
    target_reps: int | None
    tempo_scale: float | None
    verbosity: str | None
    variation: str | None
    load_kg: float | None
    ended_early: bool | None
    form_ok: bool | None  # the form-check answer: True "yes", False "no", None not asked

    @property
    def finished(self) -> bool:
        return self.done_at is not None


@dataclass(frozen=True)
class PainRecord:
    """A pain report: when, in which drill and set, and the words heard."""

    at: datetime
    drill: str | None
    set_no: int | None
    phrase: str


@dataclass(frozen=True)
class DrillDone:
    """A drill the session finished (or skipped)."""

    drill: str
    sets_done: int
    skipped: bool


@dataclass(frozen=True)
class PlannedItem:
    """One item of the plan the session started with."""

    drill: str
    sets: int
    variation: str | None = None
    load_kg: float | None = None
    start_set: int = 1


@dataclass(frozen=True)
class SessionRecord:
    """One session with everything recorded in it. ``ended_at`` is None after a crash."""

    id: int
    started_at: datetime  # timezone-aware
    ended_at: datetime | None
    end_reason: str | None  # "completed" | "stopped" | "pain" | "abandoned" | None
    language: str
    plan: tuple[PlannedItem, ...]
    sets: tuple[SetRecord, ...]
    pains: tuple[PainRecord, ...]
    drills_done: tuple[DrillDone, ...]
    commands: int  # how many commands were heard
    goal: str | None = None  # the goal chosen in this session, if it was asked

    @property
    def day(self) -> date:
        """The local calendar day the session started on."""
        return self.started_at.astimezone().date()

    @property
    def interrupted(self) -> bool:
        return self.ended_at is None

    def finished_sets(self, drill: str | None = None) -> list[SetRecord]:
        """The finished sets, optionally of one drill, in set order."""
        return [s for s in self.sets if s.finished and (drill is None or s.drill == drill)]

    @property
    def total_reps(self) -> int:
        return sum(s.reps or 0 for s in self.finished_sets())

    def drill_ids(self) -> list[str]:
        """The drills the session has sets of, in the order first done (the plan's, if none)."""
        done = list(dict.fromkeys(s.drill for s in self.sets))
        return done or list(dict.fromkeys(p.drill for p in self.plan))
