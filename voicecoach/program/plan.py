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
    load_kg: float | None = None  # for drills with an external load, when known (the last one used)
    start_set: int = 1  # > 1 when resuming an interrupted session
    primer_for: str | None = None  # this is the one unloaded set that must be clean before that drill
    tempo_scale: float = 1.0  # > 1 on a gentle day (after pain)
    reps: int | None = None  # reps per set when a goal picked them from the drill's range


@dataclass(frozen=True)
class Plan:
    """A session's drills in order, and lines to say at the welcome (promotion, step back, resume).

    `pain_check`: the last session had pain, so the coach first asks whether it still hurts.
    `ask_goal`: no goal is known yet and a drill today has a range of sets and reps (three-drills).
    """

    items: tuple[PlanItem, ...]
    announcements: tuple[str, ...] = ()
    pain_check: bool = False
    ask_goal: bool = False


def primer_item(library: Library, drill_id: str) -> PlanItem | None:
    """The unloaded check set a loaded drill needs first (three-drills), or None for an unloaded drill."""
    drill = library[drill_id]
    if not drill.loaded or not drill.primer:
        return None
    primer = library[drill.primer]
    return PlanItem(primer.id, 1, primer.variations[0].id if primer.variations else None, primer_for=drill.id)


def with_primers(library: Library, items: list[PlanItem]) -> list[PlanItem]:
    """`items` with each loaded drill's unloaded check set before it (three-drills; also its warm-up)."""
    out: list[PlanItem] = []
    for item in items:
        primer = primer_item(library, item.drill_id) if item.start_set == 1 else None
        out += [primer, item] if primer else [item]
    return out


def single_drill_plan(library: Library, drill_id: str) -> Plan:
    """A plan of one drill at its default sets (``ID`` or ``ID:VARIATION``; easiest variation
    first), after its unloaded check set if it is loaded. An unknown id is a :class:`UserError`."""
    drill_id, _, variation = drill_id.partition(":")
    if drill_id not in library.drills:
        raise UserError(f"unknown drill {drill_id!r}; choose one of: {', '.join(d.id for d in library.ordered())}", 2)
    drill = library[drill_id]
    ids = [v.id for v in drill.variations]
    if variation and variation not in ids:
        raise UserError(f"drill {drill_id!r} has no variation {variation!r}; choose one of: {', '.join(ids) or 'none'}", 2)
    variation = variation or (ids[0] if ids else None)
    items = with_primers(library, [PlanItem(drill_id, drill.sets.target, variation)])
    return Plan(tuple(items), ask_goal=drill.reps.low != drill.reps.high and bool(library.goals))


def first_day_plan(library: Library) -> Plan:
    """A new person's first session: the bottom rung of the ladder."""
    return single_drill_plan(library, library.ladder[0])
