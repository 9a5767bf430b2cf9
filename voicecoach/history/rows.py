"""Turning the history's SQLite rows into records, and surviving rows that are damaged or tampered.

A row whose values do not fit (a plan with ``"sets": "abc"``, a ``started_at`` that is not a time,
reps as text) is skipped and described in `damaged`; everything else is still read. The store
says what it skipped in one line (:meth:`HistoryStore.sessions`), so ``history``, ``progress``,
``export``, ``practice`` and ``simulate`` show the rest instead of a traceback.
"""

from __future__ import annotations

import json
import math
import sqlite3
from datetime import datetime
from typing import Any, Callable, Iterable, TypeVar

from voicecoach.history.records import DrillDone, PainRecord, PlannedItem, SessionRecord, SetRecord

T = TypeVar("T")
BAD_VALUE = (ValueError, TypeError, OverflowError)  # what decoding a tampered value raises


def time(value: Any) -> datetime | None:
    """A stored ISO time (None stays None); anything else raises ValueError."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a time")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value[:40]!r} is not a time") from None


def flag(value: Any) -> bool | None:
    """A stored 0/1 (None stays None)."""
    if value is None:
        return None
    if value not in (0, 1):
        raise ValueError(f"{value!r} is not 0 or 1")
    return bool(value)


def whole(value: Any, default: int | None = None) -> int | None:
    """A stored whole number (None or missing: `default`); text, floats and NaN raise ValueError."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{value!r} is not a whole number")
    return value


def number(value: Any) -> float | None:
    """A stored finite number (None stays None)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{value!r} is not a number")
    return value


def text(value: Any, optional: bool = True) -> str | None:
    """Stored text (None stays None when `optional`)."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not text")
    return value


def plan(stored: Any) -> tuple[PlannedItem, ...]:
    """The plan a session started with, from its JSON; a damaged plan raises ValueError."""
    items = json.loads(text(stored) or "[]")
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ValueError("the plan is not a list of drills")
    return tuple(PlannedItem(text(item.get("drill"), optional=False), whole(item.get("sets"), 1) or 1,
                             text(item.get("variation")), number(item.get("load_kg")),
                             whole(item.get("start_set"), 1) or 1) for item in items)


def _each(rows: Iterable[tuple], build: Callable[..., T], where: str, damaged: list[str]) -> tuple[T, ...]:
    out = []
    for row in rows:
        try:
            out.append(build(*row))
        except BAD_VALUE as error:
            damaged.append(f"{where}: {error}")
    return tuple(out)


def _set(drill, set_no, started, done, reps, target, tempo, verbosity, variation, load, early, form) -> SetRecord:
    return SetRecord(text(drill, optional=False), whole(set_no), time(started), time(done), whole(reps), whole(target),
                     number(tempo), text(verbosity), text(variation), number(load), flag(early), flag(form))


def _pain(at, drill, set_no, phrase) -> PainRecord:
    return PainRecord(time(at), text(drill), whole(set_no), text(phrase) or "")


def _drill_done(drill, sets_done, skipped) -> DrillDone:
    return DrillDone(text(drill, optional=False), whole(sets_done, 0), bool(flag(skipped)))


def session(conn: sqlite3.Connection, row: tuple, damaged: list[str], scan: str = "") -> SessionRecord | None:
    """One session and everything recorded in it; None (with a line in `damaged`) when the session
    row itself is damaged. Damaged sets, pains or drill rows are skipped one by one. ``scan`` is
    ``" NOT INDEXED"`` to read the tables around damaged indexes."""
    sid, started, ended, reason, language, plan_json, goal = row
    where = f"session {sid}"
    try:
        head = (time(started), time(ended), text(reason), text(language, optional=False), text(goal))
        if head[0] is None:
            raise ValueError("no start time")
    except BAD_VALUE as error:
        damaged.append(f"{where}: {error}")
        return None
    try:
        items = plan(plan_json)
    except BAD_VALUE as error:  # the sets done still count; only the plan is lost
        damaged.append(f"{where}, its plan: {error}")
        items = ()
    sets = _each(conn.execute(
        "SELECT drill, set_no, started_at, done_at, reps, target_reps, tempo_scale, verbosity, variation, load_kg, "
        f"ended_early, form_ok FROM sets{scan} WHERE session_id = ? ORDER BY id", (sid,)), _set, f"{where}, a set", damaged)
    pains = _each(conn.execute(f"SELECT at, drill, set_no, phrase FROM pains{scan} WHERE session_id = ? ORDER BY id", (sid,)),
                  _pain, f"{where}, a pain report", damaged)
    drills = _each(conn.execute(f"SELECT drill, sets_done, skipped FROM drills_done{scan} WHERE session_id = ? ORDER BY id",
                                (sid,)), _drill_done, f"{where}, a finished drill", damaged)
    commands = conn.execute("SELECT COUNT(*) FROM commands WHERE session_id = ?", (sid,)).fetchone()[0]
    started_at, ended_at, reason, language, goal = head
    return SessionRecord(sid, started_at, ended_at, reason, language, items, sets, pains, drills, commands, goal)
