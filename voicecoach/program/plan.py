"""Today's plan: which drills, in which order, how many sets. Built by the progression engine
(from history) or by hand (``--drill ID``); run by the coach."""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.errors import UserError
from voicecoach.program.model import Library


@dataclass(frozen=True)
class PlanItem:
    """One drill of today's session."""

    drill_id: str
    sets: int
    variation: str | None = None  # a Variation id of the drill, when it has variations
    load_kg: float | None = None  # for drills with an external load, when known
    start_set: int = 1  # > 1 when resuming an interrupted session


@dataclass(frozen=True)
class Plan:
    """A session's drills in order, and lines to say at the welcome (promotion, step back, resume)."""

    items: tuple[PlanItem, ...]
    announcements: tuple[str, ...] = ()


def single_drill_plan(library: Library, drill_id: str) -> Plan:
    """A plan of one drill at its default sets (easiest variation first); an unknown id is a
    :class:`UserError` listing the drills."""
    if drill_id not in library.drills:
        raise UserError(f"unknown drill {drill_id!r}; choose one of: {', '.join(d.id for d in library.ordered())}", 2)
    drill = library[drill_id]
    variation = drill.variations[0].id if drill.variations else None
    return Plan((PlanItem(drill_id, drill.sets.target, variation),))


def first_day_plan(library: Library) -> Plan:
    """A new person's first session: the bottom rung of the ladder."""
    return single_drill_plan(library, library.ladder[0])
