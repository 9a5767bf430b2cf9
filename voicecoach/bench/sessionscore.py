"""Session figures from simulated sessions: what a person experiences, as numbers. Pure logic.

Each :class:`~voicecoach.bench.hearing.SessionLog` holds the person's intentions (a command they
wanted, with every attempt at saying it) and every decision the listening pipeline handed the
coach. A decision belongs to an attempt when it comes between the attempt's first word and
``REACTION_S`` after its end (the persona retries at that point). Then, per session set:

* **obeyed first time**: the first attempt's first decision is the intended command (a
  "Stop the workout?" question for an intended stop counts: the person answers it), split by
  whether the attempt began while the coach was talking;
* **missed** / **wrong action** per 100 commands: the first attempt got no decision / a different one;
* **unwanted actions per hour**: decisions that no attempt asked for (self-triggers, false accepts
  on the person's other speech or on noise) plus wrong actions, per hour of session;
* **latency**: decision time minus the end of the word, for right decisions, p50 / p95;
* **a person's cost**: attempts per intention until obeyed; intentions never obeyed;
* the **confusion** of intended vs acted on first attempts;
* **where hearing breaks**: obeyed first time per measured RT60 of the room and per distance of
  the person from the microphone (:data:`RT60_BINS`, :data:`DISTANCE_BINS`), and the measured
  RT60s themselves.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Iterable

import numpy as np

REACTION_S = 2.0  # a decision this long after the word ends still answers it
RT60_BINS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.8)  # seconds: bin edges for the per-RT60 figures
DISTANCE_BINS = (0.0, 1.0, 1.5, 2.0, 2.5, 3.0)  # metres: the first bin is earbuds (person close)


def _attribute(log) -> tuple[dict[tuple[int, int], list], list]:
    """Decisions per (intention id, attempt number), and the decisions no attempt explains."""
    attempts = log.attempts
    owned: dict[tuple[int, int], list] = {}
    stray = []
    for decision in log.decisions:
        open_ = [a for a in attempts if a.start <= decision.at <= a.word_end + REACTION_S]
        # the attempt it answers: one of the same command not yet answered, else the latest one
        same = [a for a in open_ if a.command == decision.command and (a.group, a.number) not in owned]
        owner = same[0] if same else (open_[-1] if open_ else None)
        if owner is None:
            stray.append(decision)
        else:
            owned.setdefault((owner.group, owner.number), []).append(decision)
    return owned, stray


def _cause(log, decision) -> str:
    """Why a stray decision happened: the person's other speech, the coach's own voice, or noise."""
    if any(start <= decision.at <= end + 1.0 for start, end, _ in log.distractors):
        return "false_accept"
    if any(start <= decision.at <= end + 1.0 for start, end in log.coach_talk):
        return "self_trigger"
    return "noise"


def score(logs: Iterable) -> dict:
    """The figures over a set of sessions (see the module doc); NaN where nothing was measured."""
    logs = list(logs)
    first = {"between": [0, 0], "over": [0, 0]}  # [right, total]
    missed = wrong = total = 0
    unwanted = Counter()
    latencies: list[float] = []
    attempts_needed: list[int] = []
    never = 0
    confusion: Counter = Counter()
    by_rt60: dict[str, list[int]] = {}  # bin -> [right first time, commands]
    by_distance: dict[str, list[int]] = {}
    hours = sum(log.duration_s for log in logs) / 3600.0
    for log in logs:
        owned, stray = _attribute(log)
        for decision in stray:
            unwanted[_cause(log, decision)] += 1
        for intention in log.intentions:
            if not intention.attempts:
                continue
            total += 1
            attempt0 = intention.attempts[0]
            decisions = owned.get((intention.id, 0), [])
            acted = decisions[0].command if decisions else "none"
            confusion[(intention.command, acted)] += 1
            split = first["over" if attempt0.over_coach else "between"]
            split[1] += 1
            for table, value, edges in ((by_rt60, log.rt60_s, RT60_BINS),
                                        (by_distance, attempt0.distance_m, DISTANCE_BINS)):
                tally = table.setdefault(_bin(value, edges), [0, 0])
                tally[0] += acted == intention.command
                tally[1] += 1
            if acted == intention.command:
                split[0] += 1
            elif acted == "none":
                missed += 1
            else:
                wrong += 1
            for attempt in intention.attempts:
                for decision in owned.get((intention.id, attempt.number), []):
                    if decision.command == intention.command:
                        latencies.append(decision.at - attempt.word_end)
                        break
                    unwanted["wrong_action"] += 1
            right_at = next((a.number for a in intention.attempts
                             if any(d.command == intention.command for d in owned.get((intention.id, a.number), []))), None)
            if right_at is None:
                never += 1
            else:
                attempts_needed.append(right_at + 1)
    right = first["between"][0] + first["over"][0]
    unwanted_total = sum(unwanted.values())
    return {
        "sessions": len(logs),
        "hours": round(hours, 3),
        "commands": total,
        "obeyed_first_time": _ratio(right, total),
        "obeyed_first_time_between_lines": _ratio(*first["between"]),
        "obeyed_first_time_over_coach": _ratio(*first["over"]),
        "commands_between_lines": first["between"][1],
        "commands_over_coach": first["over"][1],
        "missed_per_100": _ratio(missed * 100, total),
        "wrong_per_100": _ratio(wrong * 100, total),
        "unwanted_per_hour": round(unwanted_total / hours, 2) if hours else math.nan,
        "unwanted": dict(unwanted),
        "latency_p50_s": _percentile(latencies, 50),
        "latency_p95_s": _percentile(latencies, 95),
        "attempts_per_command": round(float(np.mean(attempts_needed)), 3) if attempts_needed else math.nan,
        "never_obeyed": never,
        "confusion": {f"{said}->{acted}": n for (said, acted), n in sorted(confusion.items())},
        "rt60_measured_s": sorted(round(log.rt60_s, 2) for log in logs if not math.isnan(log.rt60_s)),
        "first_time_by_rt60": _rates(by_rt60, RT60_BINS),
        "first_time_by_distance": _rates(by_distance, DISTANCE_BINS),
    }


def _bin(value: float, edges: tuple[float, ...]) -> str:
    """The label of the bin `value` falls in ("-" for NaN, open-ended past the last edge)."""
    if math.isnan(value):
        return "-"
    for low, high in zip(edges, edges[1:]):
        if value < high:
            return f"{low:g}-{high:g}"
    return f">={edges[-1]:g}"


def _rates(tallies: dict[str, list[int]], edges: tuple[float, ...]) -> dict[str, list]:
    """{bin: [first-time ratio, commands]} in bin order."""
    order = [_bin(low, edges) for low in edges[:-1]] + [f">={edges[-1]:g}", "-"]
    return {label: [_ratio(*tallies[label]), tallies[label][1]] for label in order if label in tallies}


def _ratio(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else math.nan


def _percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 3) if values else math.nan
