"""Records the history database could not take yet, kept in a file beside it until it can.

While another program holds the database's write lock (or the disk is full), the recorder's
waiting records are also written to ``<database>.unsaved`` (JSON lines, 0600, replaced atomically
each time the queue changes). The next session on that database replays them first, so a lock
held for a whole session, or a kill while records wait, loses nothing. The first line is the
recorder's state before the first waiting record (which session it belongs to, the set in
progress); each further line is one record: ``{"kind", "data", "at"}``.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from voicecoach.paths import PRIVATE_FILE_MODE

Waiting = list[tuple[str, dict[str, Any], float]]


def unsaved_path(db: Path | str) -> Path:
    """The file beside the database (beside its target, when it is a symlink)."""
    return Path(f"{os.path.realpath(db)}.unsaved")


def keep(path: Path, state: dict[str, Any], waiting: Waiting) -> None:
    """Replace the file with `state` and the `waiting` records (remove it when none wait).

    Raises OSError (a full disk): the records still wait in memory."""
    if not waiting:
        path.unlink(missing_ok=True)
        return
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    lines = [json.dumps({"state": state})] + [json.dumps({"kind": k, "data": d, "at": at}) for k, d, at in waiting]
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, PRIVATE_FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def load(path: Path) -> tuple[dict[str, Any], Waiting, int]:
    """(state, waiting records, lines that could not be read) from the file; empty when there is none.

    Raises OSError when it exists but cannot be read."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return {}, [], 0
    state: dict[str, Any] = {}
    waiting: Waiting = []
    bad = 0
    for number, line in enumerate(text.splitlines()):
        try:
            item = json.loads(line)
            if number == 0:
                state = dict(item["state"])
            else:
                waiting.append((str(item["kind"]), dict(item["data"]), float(item["at"])))
        except (ValueError, KeyError, TypeError):
            bad += 1
    return state, waiting, bad
