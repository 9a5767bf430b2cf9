"""Simulation scripts: what a person says, and when.

One line per utterance, ``<seconds> <spoken phrase>``, seconds from the session start::

    # wall hinge, first set
    12.5 next
    40   that hurts

Blank lines and ``#`` comments are ignored. Lines may come in any order; they are played in time
order (ties keep file order).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from voicecoach.errors import UserError
from voicecoach.infile import read_stdin_text, read_user_text


@dataclass(frozen=True)
class ScriptLine:
    """One utterance of the script."""

    t: float  # seconds from the session start
    phrase: str
    line_no: int = 0


def parse_script(text: str, source: str = "script") -> list[ScriptLine]:
    """Parse script text; a bad line raises UserError naming `source` and the line number."""
    out = []
    for number, raw in enumerate(text.splitlines(), start=1):
        content = raw.split("#", 1)[0].strip()
        if not content:
            continue
        head, _, phrase = content.partition(" ")
        try:
            t = float(head)
        except ValueError:
            raise UserError(f"{source}:{number}: expected '<seconds> <phrase>', got {raw.strip()!r}", 2) from None
        if not t >= 0 or t == float("inf"):
            raise UserError(f"{source}:{number}: time must be 0 or more seconds (got {head})", 2)
        if not phrase.strip():
            raise UserError(f"{source}:{number}: no phrase after the time {head}", 2)
        out.append(ScriptLine(t, " ".join(phrase.split()), number))
    return sorted(out, key=lambda s: s.t)


def read_script(path: str) -> list[ScriptLine]:
    """Read and parse a script file (a regular file of at most 1 MB); ``-`` reads standard input."""
    if path == "-":
        return parse_script(read_stdin_text(sys.stdin, "script"), "<stdin>")
    return parse_script(read_user_text(path, "script"), path)
