"""The coach's own spoken lines (``lines.toml``), numbers as words, and how long a line takes to say.

Lines are data: :func:`line` fills a template from ``lines.toml``; :func:`refusal` picks the answer
to a command that does not apply in a state. :func:`speech_seconds` estimates speaking time from
the text and the speaking rate; the coach plans with it and ``simulate`` plays with it.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources
from typing import Any

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
         "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()

# Time a speech engine spends around a line, and on a pause mark inside it (seconds).
LINE_OVERHEAD_S = 0.2
PAUSE_MARK_S = 0.25
_INNER_PAUSE = re.compile(r"[,.;:?!](?=\s)")
_SENTENCE_START = re.compile(r"(^|[.?!]\s+)([a-z])")


def number_word(n: int) -> str:
    """A whole number 0..999 as English words ("twelve", "forty-five"); larger ones as digits."""
    if n < 0 or n >= 1000:
        return str(n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    hundreds, rest = divmod(n, 100)
    return f"{_ONES[hundreds]} hundred" + (f" and {number_word(rest)}" if rest else "")


def spoken_number(value: float) -> int | str:
    """Whole numbers become ints (spoken as words by :func:`line`); others stay as digits ("12.5")."""
    return int(value) if float(value).is_integer() else f"{value:g}"


def in_sentence(name: str) -> str:
    """A drill name inside a sentence: "Wall hip hinge" -> "wall hip hinge" (acronyms kept)."""
    return name[0].lower() + name[1:] if len(name) > 1 and not name[1].isupper() else name


def speech_seconds(text: str, rate_wpm: float) -> float:
    """Estimated seconds to say `text` at `rate_wpm` words per minute (pauses at inner punctuation)."""
    words = len(text.split())
    if not words:
        return 0.0
    return LINE_OVERHEAD_S + words * 60.0 / max(rate_wpm, 1.0) + PAUSE_MARK_S * len(_INNER_PAUSE.findall(text))


@cache
def _table() -> dict[str, dict[str, str]]:
    text = resources.files("voicecoach.coach").joinpath("lines.toml").read_text("utf-8")
    return tomllib.loads(text)


def line(key: str, *, sentence: bool = True, **fields: Any) -> str:
    """The line ``section.name`` with its {fields} filled in; ints are spoken as words.

    `sentence`: capitalise the start of each sentence (False for a part of a longer line).
    """
    section, name = key.split(".", 1)
    template = _table()[section][name]
    spoken = {k: number_word(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in fields.items()}
    text = template.format(**spoken)
    return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), text) if sentence else text


def table(section: str) -> dict[str, str]:
    """One section of ``lines.toml`` as it is (templates unfilled)."""
    return _table()[section]


def refusal(command: str, state: str) -> str:
    """What the coach says to `command` when the current `state` does not accept it."""
    table = _table()["refuse"]
    return table.get(f"{command}.{state}") or table.get(command) or table["default"]


def all_templates() -> dict[str, str]:
    """Every template, keyed ``section.name`` (for consistency tests and pre-rendering)."""
    return {f"{s}.{k}": v for s, table in _table().items() for k, v in table.items()}


# ---- what to say in each phase of a rep -------------------------------------------------------

VERBOSITY_LEVELS = ("terse", "normal", "full")  # least to most talk


def cue_rotation(cues: dict[str, tuple[str, ...]], phases: tuple[str, ...]) -> list[tuple[str, str]]:
    """Every (phase, cue) of the rep phases, round robin: first cue of each phase, then the second..."""
    longest = max((len(cues.get(p, ())) for p in phases), default=0)
    return [(p, cues[p][k]) for k in range(longest) for p in phases if k < len(cues.get(p, ()))]


def join_and(items: list[str] | tuple[str, ...]) -> str:
    """"a, b and c"."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
