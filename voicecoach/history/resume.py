"""Resume after a crash or power cut: find where the last session stopped, offer to pick it up.

Wiring in ``voicecoach practice``::

    point = find_interrupted(recorder.store, library)
    if point:                                  # say point.prompt; listen for resume / new
        if choice == "resume":                 # or --resume
            plan = point.plan
            recorder.resume(point.session_id)  # the sets go on in the same session
        else:                                  # "new" or --new
            recorder.abandon(point.session_id)
            plan = plan_today(library, recorder.store)
"""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.coach.lines import in_sentence
from voicecoach.history.records import PlannedItem, SessionRecord
from voicecoach.program.model import Library
from voicecoach.program.plan import Plan, PlanItem


@dataclass(frozen=True)
class ResumePoint:
    """An interrupted session and where to pick it up."""

    session_id: int
    drill_id: str
    set_no: int  # the set to start with (the one in progress, or the next one)
    plan: Plan  # what is left: its first item starts at ``set_no``
    prompt: str  # the spoken question: resume or new


def _drill_phrase(drill_id: str, library: Library | None) -> str:
    if library is not None and drill_id in library.drills:
        return f"the {in_sentence(library[drill_id].name)}"
    return f"the {drill_id.replace('_', ' ')}"


def _planned(session: SessionRecord, library: Library | None) -> list[PlannedItem]:
    """The session's plan; rebuilt from its sets when the plan was not recorded."""
    if session.plan:
        return list(session.plan)
    items: list[PlannedItem] = []
    for drill in session.drill_ids():
        sets = library[drill].sets.target if library is not None and drill in library.drills else \
            max(s.set_no for s in session.sets if s.drill == drill)
        items.append(PlannedItem(drill, sets))
    return items


def resume_point(session: SessionRecord, library: Library | None = None) -> ResumePoint | None:
    """Where an interrupted session stopped, or None when there is nothing to resume
    (it ended properly, nothing was started, all planned sets were done, or pain was reported)."""
    if not session.interrupted or session.pains or not session.sets:
        return None
    items = _planned(session, library)
    done_drills = {d.drill for d in session.drills_done}
    for index, item in enumerate(items):
        if item.drill in done_drills:
            continue
        finished = [s.set_no for s in session.finished_sets(item.drill)]
        next_set = max(finished, default=item.start_set - 1) + 1
        if next_set > item.sets:
            continue
        first = PlanItem(item.drill, item.sets, _variation(session, item), _load(session, item), next_set)
        rest = tuple(PlanItem(i.drill, i.sets, i.variation, i.load_kg, i.start_set) for i in items[index + 1:])
        where = f"set {next_set} of {_drill_phrase(item.drill, library)}"
        prompt = f"Last time you stopped in {where}. Say resume to pick up there, or new to start over."
        return ResumePoint(session.id, item.drill, next_set, Plan((first, *rest), (f"Picking up at {where}.",)), prompt)
    return None


def _variation(session: SessionRecord, item: PlannedItem) -> str | None:
    """The variation the drill was last done at in the session (else the planned one)."""
    used = [s.variation for s in session.sets if s.drill == item.drill and s.variation]
    return used[-1] if used else item.variation


def _load(session: SessionRecord, item: PlannedItem) -> float | None:
    used = [s.load_kg for s in session.sets if s.drill == item.drill and s.load_kg is not None]
    return used[-1] if used else item.load_kg


def find_interrupted(store, library: Library | None = None) -> ResumePoint | None:
    """The resume point of the most recent session, if it was interrupted (see :func:`resume_point`)."""
    session = store.last_session()
    return None if session is None else resume_point(session, library)
