"""Reading one drill table field by field: each problem is collected, never raised at once.

:class:`Checker` is used by :mod:`voicecoach.program.load`; each method returns the value (or
None) and records a :class:`DrillProblem` naming the file, the drill and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voicecoach.program.model import Bounds, Range

MAX_CUE_WORDS = 12  # a cue must fit inside one phase of a rep
MAX_LINE_WORDS = 30  # any other spoken line


@dataclass(frozen=True)
class DrillProblem:
    """One thing wrong with one field of one drill in one file."""

    file: str
    drill: str
    field: str
    message: str

    def __str__(self) -> str:
        drill = self.drill if self.drill.isprintable() else self.drill.encode("unicode_escape").decode("ascii")
        return f"{self.file}: drill '{drill}': {self.field}: {self.message}"  # one line, whatever the id holds


class Checker:
    """Reads one drill table field by field, collecting problems instead of stopping at the first."""

    def __init__(self, file: str, table: dict[str, Any], seeds: dict[str, dict[str, str]]):
        self.file = file
        self.table = table
        self.seeds = seeds
        self.drill = table.get("id") if isinstance(table.get("id"), str) else "?"
        self.problems: list[DrillProblem] = []
        self.links: list[tuple[str, str]] = []  # (field, drill id) this drill points at

    def problem(self, field: str, message: str) -> None:
        self.problems.append(DrillProblem(self.file, self.drill, field, message))

    def unknown_keys(self, table: dict[str, Any], allowed: set[str], where: str) -> None:
        for key in sorted(set(table) - allowed):
            name = f"{where}.{key}" if where else key
            self.problem(name, f"unknown key; allowed: {', '.join(sorted(allowed))}")

    def get(self, table: dict[str, Any], key: str, where: str, kind: type | tuple, required: bool = True) -> Any:
        """The value of `key`, or None after recording a missing/wrong-type problem."""
        name = f"{where}.{key}" if where else key
        if key not in table:
            if required:
                self.problem(name, "missing")
            return None
        value = table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            wanted = " or ".join(_TYPE_WORDS[k] for k in kinds)
            self.problem(name, f"must be {wanted} (got {type(value).__name__} {value!r})")
            return None
        return value

    def text(self, table: dict[str, Any], key: str, where: str = "", required: bool = True, max_words: int = MAX_LINE_WORDS) -> str | None:
        value = self.get(table, key, where, str, required)
        if value is None:
            return None
        name = f"{where}.{key}" if where else key
        if not value.strip():
            self.problem(name, "must not be empty")
            return None
        self.check_words(name, value, max_words)
        return value.strip()

    def check_words(self, name: str, line: str, max_words: int) -> None:
        words = len(line.split())
        if words > max_words:
            self.problem(name, f"{words} words is too long to say; at most {max_words}")

    def lines(self, table: dict[str, Any], key: str, where: str = "", required: bool = True,
              allow_empty: bool = False, max_words: int = MAX_LINE_WORDS) -> tuple[str, ...]:
        value = self.get(table, key, where, list, required)
        name = f"{where}.{key}" if where else key
        if value is None:
            return ()
        if not value and not allow_empty:
            self.problem(name, "must not be empty")
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.problem(f"{name}[{i}]", f"must be a non-empty string (got {item!r})")
                continue
            self.check_words(f"{name}[{i}]", item, max_words)
            out.append(item.strip())
        return tuple(out)

    def positive(self, table: dict[str, Any], key: str, where: str = "", whole: bool = False) -> float | None:
        value = self.get(table, key, where, int if whole else (int, float))
        if value is None:
            return None
        if value <= 0:
            name = f"{where}.{key}" if where else key
            self.problem(name, f"must be more than 0 (got {value})")
            return None
        return value

    def seconds(self, table: dict[str, Any], key: str, bounds: Bounds, where: str = "") -> float | None:
        """A duration within `bounds` (finite, in range; the range is in the message), or None."""
        value = self.get(table, key, where, (int, float))
        if value is None:
            return None
        problem = bounds.problem(value)
        if problem:
            self.problem(f"{where}.{key}" if where else key, problem)
            return None
        return float(value)

    def range(self, key: str) -> Range | None:
        value = self.get(self.table, key, "", (int, list))
        if value is None:
            return None
        if isinstance(value, int):
            value = [value, value]
        if len(value) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            self.problem(key, f"must be a whole number or [low, high] (got {value!r})")
            return None
        low, high = value
        if low <= 0 or high < low:
            self.problem(key, f"must be more than 0 with low <= high (got {value!r})")
            return None
        return Range(low, high)

    def source(self, table: dict[str, Any], key: str, where: str = "") -> str | None:
        value = self.get(table, key, where, str)
        return None if value is None else self.seed(f"{where}.{key}" if where else key, value)

    def seed(self, name: str, value: str) -> str | None:
        """The source key ("baird") a fact cites: one of program.toml's [sources]."""
        if value not in self.seeds:
            self.problem(name, f"{value!r} is not a source; use one of {', '.join(sorted(self.seeds))}")
            return None
        return value


_TYPE_WORDS = {str: "text", int: "a whole number", float: "a number", list: "a list", dict: "a table", bool: "true or false"}
