"""The team's targets, as data, and PASS/FAIL for a measured figure. Targets are not test assertions:
the benchmark reports them beside each figure so a regression is visible at a glance."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Goal:
    """A target for one figure: `value <op> target` in `unit`."""

    op: str  # "<=" | ">="
    target: float
    unit: str

    def text(self) -> str:
        """How the goal prints, e.g. "<= 150 ms"."""
        return f"{self.op} {self.target:g} {self.unit}".rstrip()

    def status(self, value: float | None) -> str:
        """PASS or FAIL for a measured value; "n/m" when nothing was measured."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "n/m"
        ok = value <= self.target if self.op == "<=" else value >= self.target
        return "PASS" if ok else "FAIL"


GOALS: dict[str, Goal] = {
    "latency_p50": Goal("<=", 150, "ms"),  # decision after the end of the word
    "latency_p95": Goal("<=", 250, "ms"),
    "accuracy_clean": Goal(">=", 98, "%"),
    "accuracy_10 dB": Goal(">=", 95, "%"),
    "accuracy_6 dB": Goal(">=", 90, "%"),
    "false_accepts_per_hour": Goal("<=", 0.5, "/h"),
    "self_triggers_per_hour": Goal("<=", 0, "/h"),  # with gating: zero
    "rtf": Goal("<=", 0.05, ""),  # CPU seconds per audio second while listening
    "start_to_first_word": Goal("<=", 1.0, "s"),
    "cached_cue_first_audio": Goal("<=", 30, "ms"),
    # whole sessions (voicecoach.bench.hearing): what a person experiences
    "session_first_time_95": Goal(">=", 95, "%"),  # earbuds and a quiet room
    "session_first_time_90": Goal(">=", 90, "%"),  # household noise 10 dB below the speech
    "session_unwanted_per_hour": Goal("<=", 0.5, "/h"),  # self-triggers and false accepts together
    "stream_ratio": Goal(">=", 0.98, ""),  # accuracy as one stream / one file at a time
}


def goal_for(key: str | None) -> Goal | None:
    """The goal of a figure key, or None when the figure has none."""
    return GOALS.get(key) if key else None
