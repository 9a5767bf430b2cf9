"""Simulated sessions for the history tests: the `Record` sequence a coach emits for a plan.

Used two ways:
- in-process: :func:`session_records` builds the records of one session for a simulated person;
  :func:`run_session` feeds them to a recorder.
- as a subprocess for the crash test: ``python tests/history_driver.py DB`` records one session of
  :data:`CRASH_PLAN` (resuming an interrupted one, as ``practice --resume`` would) and prints a
  line before and after every record, so the test can kill it in the middle of one.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fakes import FakeClock  # noqa: E402,F401  (the history tests import it from here)
from voicecoach.program.plan import Plan, PlanItem  # noqa: E402


@dataclass(frozen=True)
class SetOutcome:
    """What the simulated person does in one set."""

    reps: int
    form: str = "yes"  # answer to the form check
    pain: str | None = None  # a phrase, if they report pain during the set


class DayClock:
    """Wall-clock seconds on a given day (from a Monday, 07:30 local time); a second per reading."""

    MONDAY = datetime(2025, 6, 2, 7, 30).timestamp()
    DAY = 86_400.0

    def __init__(self):
        self.now = self.MONDAY

    def day(self, n: int, hour: float = 0.0) -> None:
        self.now = self.MONDAY + n * self.DAY + hour * 3600

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


# (drill, set_no, variation, target reps) -> outcome
Person = Callable[[str, int, "str | None", int], SetOutcome]


def perfect(drill: str, set_no: int, variation: str | None, target: int) -> SetOutcome:
    """Does every rep with good form."""
    return SetOutcome(target)


def library_reps(drill_id: str) -> int:
    """The drill's target reps from the built-in library."""
    from voicecoach.program.load import load_library

    global _LIBRARY
    _LIBRARY = _LIBRARY or load_library(include_user=False)
    return _LIBRARY[drill_id].reps.target if drill_id in _LIBRARY.drills else 10


_LIBRARY = None


def session_records(plan: Plan, person: Person = perfect, target_reps: Callable[[str], int] = library_reps,
                    commands_per_set: int = 1) -> Iterator[tuple[str, dict]]:
    """The records of one session, as the coach emits them (kinds and keys: RECORD_KINDS)."""
    yield "session_started", {"plan": [{"drill": i.drill_id, "sets": i.sets, "variation": i.variation,
                                        "load_kg": i.load_kg, "start_set": i.start_set} for i in plan.items], "language": "en"}
    for item in plan.items:
        done = 0
        for set_no in range(item.start_set, item.sets + 1):
            target = target_reps(item.drill_id)
            yield "set_started", {"drill": item.drill_id, "set": set_no, "variation": item.variation, "load_kg": item.load_kg}
            for _ in range(commands_per_set):
                yield "command", {"command": "next", "text": "next", "confidence": 0.93, "engine": "vosk", "source": "partial", "state": "counting"}
            outcome = person(item.drill_id, set_no, item.variation, target)
            if outcome.pain:
                yield "pain", {"drill": item.drill_id, "set": set_no, "phrase": outcome.pain}
                yield "set_done", _set_done(item, set_no, outcome.reps, target, ended_early=True)
                yield "session_ended", {"reason": "pain"}
                return
            yield "set_done", _set_done(item, set_no, outcome.reps, target, ended_early=outcome.reps < target)
            yield "form_check", {"drill": item.drill_id, "set": set_no, "answer": outcome.form}
            done += 1
        yield "drill_done", {"drill": item.drill_id, "sets_done": done, "skipped": False}
    yield "session_ended", {"reason": "completed"}


def _set_done(item: PlanItem, set_no: int, reps: int, target: int, ended_early: bool) -> dict:
    return {"drill": item.drill_id, "set": set_no, "reps": reps, "target_reps": target, "tempo_scale": 1.0,
            "verbosity": "normal", "variation": item.variation, "load_kg": item.load_kg, "ended_early": ended_early}


def run_session(recorder, plan: Plan, person: Person = perfect, target_reps: Callable[[str], int] = library_reps) -> None:
    for kind, data in session_records(plan, person, target_reps):
        recorder.record(kind, data)


# The crash test's session: three drills, three sets each.
CRASH_PLAN = Plan((PlanItem("wall_hinge", 3), PlanItem("dowel_hinge", 3), PlanItem("glute_bridge", 3)))


def crash_main(db: str) -> int:
    """Record CRASH_PLAN into ``db`` (resuming an interrupted session), reporting each commit.

    Paced by standard input: each line read is a number of records it may write before it waits
    again; at end of input it runs freely to the end. It prints ``BEGIN kind`` before a record
    and ``COMMITTED kind drill set`` once it is committed.
    """
    from voicecoach.history import find_interrupted, open_recorder

    recorder = open_recorder(db)
    if recorder.save_failed:
        print(f"FAILED {recorder.message}", flush=True)
        return 1
    plan = CRASH_PLAN
    point = find_interrupted(recorder.store)
    if point is not None:
        plan = point.plan
        recorder.resume(point.session_id)
        print(f"START resume {point.drill_id} {point.set_no}", flush=True)
    else:
        print("START new", flush=True)
    credit, free = 0, False
    for kind, data in session_records(plan, commands_per_set=3):
        while credit <= 0 and not free:
            line = sys.stdin.readline()
            credit, free = (int(line), False) if line.strip() else (0, True)
        print(f"BEGIN {kind}", flush=True)
        recorder.record(kind, data)  # committed when this returns
        credit -= 1
        print(f"COMMITTED {kind} {data.get('drill', '-')} {data.get('set', '-')}", flush=True)
    print("END", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(crash_main(sys.argv[1]))
