"""The session's `Recorder`: every `Record` action of the coach goes into the history store.

:func:`open_recorder` never stops a workout: when the database cannot be used (locked, read-only,
newer schema, damaged, full disk) it prints one warning line and records in memory instead, and
``recorder.save_failed`` / :meth:`HistoryRecorder.take_warning` tell the coach to say so. The same
happens if a write fails mid-session: what was saved stays saved, the rest goes to memory.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path
from typing import Any, Callable

from voicecoach.events import RECORD_KINDS
from voicecoach.history.store import HistoryStore, StoreError, explain, open_store

# Said once by the coach when the history cannot be saved.
SAVE_FAILED_LINE = "I can't save your progress today. We'll train anyway."


class HistoryRecorder:
    """Writes each record to a :class:`HistoryStore`, one committed transaction per record.

    ``now`` gives wall-clock seconds for the timestamps (tests pass a fake clock). After a
    storage failure, ``save_failed`` is True, ``message`` says why in one line, and recording goes
    on in memory.
    """

    def __init__(self, store: HistoryStore, now: Callable[[], float] = time.time, message: str = ""):
        self.store = store
        self.now = now
        self.session_id: int | None = None
        self.save_failed = bool(message)
        self.message = message
        self._warned = False
        self._continue_id: int | None = None
        self._set: tuple[str, int] | None = None  # (drill, set) in progress, for pain reports without one

    # ---- resume ------------------------------------------------------------------------------

    def resume(self, session_id: int) -> None:
        """The next ``session_started`` continues this crashed session instead of starting one."""
        self._continue_id = session_id

    def abandon(self, session_id: int) -> None:
        """The person chose to start over: close the crashed session so it is not offered again."""
        self._safely(lambda: self.store.end_session(session_id, self.now(), "abandoned"))

    # ---- the Recorder protocol ---------------------------------------------------------------

    def record(self, kind: str, data: dict[str, Any]) -> None:
        """Store one `Record` (kinds and keys: :data:`voicecoach.events.RECORD_KINDS`)."""
        if kind not in RECORD_KINDS:
            raise ValueError(f"unknown record kind {kind!r}; known: {', '.join(RECORD_KINDS)}")
        self._safely(lambda: self._write(kind, data))

    def take_warning(self) -> str | None:
        """The line to say about saving, once, after the first failure; else None."""
        if self.save_failed and not self._warned:
            self._warned = True
            return SAVE_FAILED_LINE
        return None

    def close(self) -> None:
        self.store.close()

    # ---- internals ---------------------------------------------------------------------------

    def _safely(self, write: Callable[[], None]) -> None:
        try:
            write()
        except sqlite3.Error as error:
            self._fall_back(explain(error, self.store.path))
            write()

    def _fall_back(self, error: StoreError) -> None:
        """Keep what is saved, close the file, carry on in memory."""
        print(f"voicecoach: warning: {error}; this workout is not being saved", file=sys.stderr)
        try:
            self.store.close()
        except sqlite3.Error:
            pass
        self.store = HistoryStore.memory()
        self.save_failed = True
        self.message = str(error)
        if self.session_id is not None:
            self.session_id = self.store.start_session(self.now(), "en", [])

    def _session(self) -> int:
        if self.session_id is None:  # a record before session_started: keep it anyway
            self.session_id = self.store.start_session(self.now(), "en", [])
        return self.session_id

    def _write(self, kind: str, data: dict[str, Any]) -> None:
        now = self.now()
        if kind == "session_started":
            if self._continue_id is not None:
                self.session_id, self._continue_id = self._continue_id, None
                self.store.reopen_session(self.session_id)
            else:
                self.session_id = self.store.start_session(now, str(data.get("language") or "en"), list(data.get("plan") or []))
        elif kind == "set_started":
            self._set = (data["drill"], int(data["set"]))
            self.store.start_set(self._session(), now, data["drill"], int(data["set"]), data.get("variation"), data.get("load_kg"))
        elif kind == "set_done":
            self.store.finish_set(self._session(), now, data)
            self._set = None
        elif kind == "form_check":
            self.store.form_check(self._session(), data["drill"], int(data["set"]), str(data.get("answer", "")))
        elif kind == "pain":
            drill, set_no = data.get("drill"), data.get("set")
            if drill is None and self._set is not None:
                drill, set_no = self._set
            self.store.pain(self._session(), now, drill, None if set_no is None else int(set_no), str(data.get("phrase") or ""))
        elif kind == "command":
            self.store.command(self.session_id, now, data)
        elif kind == "drill_done":
            self.store.drill_done(self._session(), now, data["drill"], data.get("sets_done") or 0, bool(data.get("skipped")))
        elif kind == "goal":
            self.store.set_goal(self._session(), str(data.get("goal") or ""))
        elif kind == "session_ended":
            if self.session_id is not None:
                self.store.end_session(self.session_id, now, str(data.get("reason") or "completed"))
                self.session_id = None


def open_recorder(path: Path | str, now: Callable[[], float] = time.time, timeout: float | None = None,
                  warn: Callable[[str], None] | None = None) -> HistoryRecorder:
    """A recorder on the database at ``path``, or an in-memory one if it cannot be used.

    On failure the one-line reason goes to ``warn`` (default: stderr) and ``recorder.save_failed``
    is True; the workout goes on either way.
    """
    try:
        store = open_store(path) if timeout is None else open_store(path, timeout=timeout)
    except StoreError as error:
        line = f"voicecoach: warning: {error}; this workout will not be saved"
        (warn or (lambda text: print(text, file=sys.stderr)))(line)
        return HistoryRecorder(HistoryStore.memory(), now, message=str(error))
    return HistoryRecorder(store, now)
