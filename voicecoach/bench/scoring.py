"""Scoring the benchmark: pure functions over corpus items and the decisions a pipeline took.

No audio and no engines here, so every figure can be unit-tested on hand-made results:

* the *outcome* of a command item is its first decision (or ``"none"``);
* *latency* is decision time minus the item's known word end (the corpus placed the word);
* *accuracy* per SNR bucket and a *confusion matrix* (expected x decided, ``none`` included);
* *per hour* rates: decisions on audio that holds no command (false accepts, self-triggers).

A decision of kind ``"ask"`` (the coach would confirm before acting, e.g. an unsure "stop") counts
as right when its command is right, but it is not an accept on negatives: it is reported apart.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

NONE = "none"  # the outcome of an item where nothing was decided


@dataclass(frozen=True)
class Decision:
    """One command a pipeline decided, at an audio time (seconds from the start of the item's file)."""

    command: str
    at: float
    kind: str = "act"  # "act" | "ask" (would confirm first)
    confidence: float = math.nan
    source: str = ""  # "partial" | "final" | "keyword" ...


@dataclass(frozen=True)
class Scored:
    """What scoring needs of a corpus item."""

    id: str
    category: str
    expected: str | None
    word_end: float | None
    snr_db: float | None
    duration: float


Results = Mapping[str, Sequence[Decision]]  # item id -> decisions in time order


def snr_bucket(snr_db: float | None) -> str:
    """The accuracy row an item belongs to: "clean" or "20 dB", "10 dB", ..."""
    return "clean" if snr_db is None else f"{snr_db:g} dB"


def outcome(decisions: Sequence[Decision]) -> str:
    """What a command item was heard as: its first decision's command, or ``"none"``."""
    return decisions[0].command if decisions else NONE


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation; NaN for no values."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latencies(items: Iterable[Scored], results: Results) -> list[float]:
    """Seconds from the end of the word to a correct first decision, for every command item that has one."""
    out = []
    for item in items:
        decisions = results.get(item.id, ())
        if item.expected and item.word_end is not None and outcome(decisions) == item.expected:
            out.append(decisions[0].at - item.word_end)
    return out


def confusion(items: Iterable[Scored], results: Results) -> dict[str, dict[str, int]]:
    """expected command -> decided command (or "none") -> count, for items that hold a command."""
    table: dict[str, Counter] = defaultdict(Counter)
    for item in items:
        if item.expected:
            table[item.expected][outcome(results.get(item.id, ()))] += 1
    return {expected: dict(row) for expected, row in sorted(table.items())}


def accuracy(items: Iterable[Scored], results: Results) -> tuple[int, int]:
    """(right, total) over items that hold a command."""
    right = total = 0
    for item in items:
        if item.expected:
            total += 1
            right += outcome(results.get(item.id, ())) == item.expected
    return right, total


def accuracy_by_snr(items: Iterable[Scored], results: Results) -> dict[str, tuple[int, int]]:
    """SNR bucket -> (right, total), buckets ordered clean first, then loudest noise last."""
    groups: dict[str, list[Scored]] = defaultdict(list)
    for item in items:
        if item.expected:
            groups[snr_bucket(item.snr_db)].append(item)
    order = sorted(groups, key=lambda b: -math.inf if b == "clean" else -float(b.split()[0]))
    return {bucket: accuracy(groups[bucket], results) for bucket in order}


def ratio(right: int, total: int) -> float:
    """right / total as a percentage; NaN for no items."""
    return 100.0 * right / total if total else math.nan


def hours(items: Iterable[Scored]) -> float:
    """Total audio duration in hours."""
    return sum(item.duration for item in items) / 3600.0


def decisions_per_hour(items: Sequence[Scored], results: Results, kind: str = "act") -> tuple[int, float]:
    """(count, count per hour) of decisions of one kind over items (negatives or self-speech)."""
    count = sum(1 for item in items for d in results.get(item.id, ()) if d.kind == kind)
    span = hours(items)
    return count, (count / span if span else math.nan)


def false_accepts(items: Sequence[Scored], results: Results) -> dict[str, int]:
    """Which commands were falsely accepted on audio that holds none, and how often."""
    return dict(Counter(d.command for item in items for d in results.get(item.id, ()) if d.kind == "act"))
