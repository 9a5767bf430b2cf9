"""Text from a drill file is printed and spoken: control characters in it are removed on load.

A cue with a terminal escape sequence (``\\x1b[2J`` clears the screen) would be printed raw by
``drills show`` and ``simulate``; other control characters have no place in a spoken line either.
:func:`clean_table` removes them from every string of a parsed drill file and says once how many.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Callable

from voicecoach.errors import notice

# Whole escape sequences first (CSI "ESC [ ... letter", OSC "ESC ] ... BEL/ST", two-character ones),
# so no "[2J" is left behind; then any other control character (Unicode category Cc).
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]|\x9b[0-?]*[ -/]*[@-~]")


def clean_text(text: str) -> str:
    """`text` without escape sequences and control characters (a tab or newline becomes a space)."""
    text = _ESCAPES.sub("", text)
    return "".join(" " if ch in "\t\n\r" else ch for ch in text if ch in "\t\n\r" or unicodedata.category(ch) != "Cc")


def clean_table(table: Any, file: str, warn: Callable[[str], None] = notice) -> Any:
    """A copy of a parsed TOML value with every string cleaned; one warning naming `file` if anything was removed."""
    changed = 0

    def walk(value: Any) -> Any:
        nonlocal changed
        if isinstance(value, str):
            cleaned = clean_text(value)
            changed += cleaned != value
            return cleaned
        if isinstance(value, dict):  # an id is left as it is: its own check refuses anything but [a-z0-9_]
            return {walk(k): v if k == "id" else walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    cleaned = walk(table)
    if changed:
        warn(f"warning: {file}: removed control characters (such as terminal escape codes) from {changed} "
             f"text{'s' if changed != 1 else ''}")
    return cleaned
