"""The session's `Recorder`: every `Record` action of the coach goes into the history store.

Nothing is lost to a busy or full database: each record is queued in memory, in order, with the
time it happened, and written at once when the database can take it. While another program holds
the write lock (or the disk is full) the records wait in the queue; they are written at the next
record once the file is free again, and at :meth:`HistoryRecorder.close` (which waits a while for
the lock). One warning line says so. Records that still wait are also kept in a file beside the
database (:mod:`voicecoach.history.unsaved`), which the next session replays first: a lock held for
a whole session, or a kill while records wait, loses nothing; the coach says so once at the end.
A session holds the database's lease
(:mod:`voicecoach.history.lease`) from :func:`open_recorder` to ``close``: a second session on the
same file is refused.

:func:`open_recorder` never stops a workout for a bad file: when the database cannot be used at
all (read-only, newer schema, damaged) it prints one warning line and
records in memory instead, and ``recorder.save_failed`` / :meth:`HistoryRecorder.take_warning`
tell the coach to say so. A database locked by another program at the start is no such case: the
records queue as they would mid-session.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path
from typing import Any, Callable

from voicecoach.errors import notice
from voicecoach.events import RECORD_KINDS
from voicecoach.history import unsaved
from voicecoach.history.lease import Lease, take_lease
from voicecoach.history.store import BUSY_TIMEOUT_S, HistoryStore, StoreError, explain, open_store

log = logging.getLogger(__name__)

# Said once by the coach when the history cannot be saved.
SAVE_FAILED_LINE = "I can't save your progress today. We'll train anyway."
# Said once at the end when the database stayed locked: the workout waits in the .unsaved file.
KEPT_LINE = "I couldn't save this workout yet. It's kept safe, and I'll save it next time."
RETRY_TIMEOUT_S = 0.05  # while records wait, each new record tries the lock this long (the coach must not stall)
CLOSE_WAIT_S = 10.0  # at the end, how long to wait for a busy database to take the waiting records


def _busy(error: sqlite3.Error) -> bool:
    name = getattr(error, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(error)


class HistoryRecorder:
    """Writes each record to a :class:`HistoryStore`, one committed transaction per record.

    ``now`` gives wall-clock seconds for the timestamps (tests pass a fake clock). Records the
    database cannot take yet wait in :attr:`pending` (see the module docstring). After a failure
    other than a busy lock, ``save_failed`` is True and ``message`` says why in one line.
    """

    def __init__(self, store: HistoryStore, now: Callable[[], float] = time.time, message: str = "",
                 lease: Lease | None = None, warn: Callable[[str], None] = notice):
        self.store = store
        self.now = now
        self.session_id: int | None = None
        self.save_failed = bool(message)
        self.message = message
        self.lease = lease
        self.warn = warn
        self.pending: list[tuple[str, dict[str, Any], float]] = []  # (kind, data, at), oldest first
        self._warned = False
        self._told_waiting = False
        self._continue_id: int | None = None
        self._set: tuple[str, int] | None = None  # (drill, set) in progress, for pain reports without one
        self.unsaved: Path | None = None  # where waiting records are kept across processes (None: memory only)
        self._kept = False  # the unsaved file holds records
        self._told_kept = False
        self.memory_log: list[tuple[str, dict[str, Any], float]] | None = None  # a full disk: kept for the unsaved file

    # ---- resume ------------------------------------------------------------------------------

    def resume(self, session_id: int) -> None:
        """The next ``session_started`` continues this crashed session instead of starting one."""
        self._continue_id = session_id

    def abandon(self, session_id: int) -> None:
        """The person chose to start over: close the crashed session so it is not offered again."""
        at = self.now()
        try:
            self.store.end_session(session_id, at, "abandoned")
        except sqlite3.Error as error:
            self._failed(error)

    # ---- the Recorder protocol ---------------------------------------------------------------

    def record(self, kind: str, data: dict[str, Any]) -> None:
        """Store one `Record` (kinds and keys: :data:`voicecoach.events.RECORD_KINDS`)."""
        if kind not in RECORD_KINDS:
            raise ValueError(f"unknown record kind {kind!r}; known: {', '.join(RECORD_KINDS)}")
        self.pending.append((kind, dict(data), self.now()))
        if self.memory_log is not None:
            self.memory_log.append(self.pending[-1])
        self.flush()

    def flush(self) -> bool:
        """Write the waiting records, oldest first, until one cannot be written; True if none wait."""
        while self.pending:
            kind, data, at = self.pending[0]
            try:
                self._write(kind, data, at)
            except sqlite3.IntegrityError as error:  # this record can never be written: drop it, keep the rest
                log.warning("history record %s dropped: %s", kind, error)
            except sqlite3.Error as error:
                self._failed(error)
                self._keep()
                return False
            self.pending.pop(0)
            if self._kept:  # at once: a kill now writes at most this one record twice at the next start
                self._keep()
        if self._told_waiting:
            self._told_waiting = False
            self._set_timeout(BUSY_TIMEOUT_S)
            self.warn(f"history database {self.store.path} is free again; the waiting records are saved")
        return True

    def take_warning(self) -> str | None:
        """The line to say about saving, once, after the first failure; else None."""
        if self.save_failed and not self._warned:
            self._warned = True
            return SAVE_FAILED_LINE
        if self._kept and not self._told_kept and any(kind == "session_ended" for kind, _, _ in self.pending):
            self._told_kept = True  # the end itself could not be written: the lock outlasts the session
            return KEPT_LINE
        return None

    def close(self) -> None:
        """Write what still waits (waiting up to ``CLOSE_WAIT_S`` for a lock), close, give up the lease."""
        try:
            if self.pending and not self.store.in_memory:
                self._set_timeout(CLOSE_WAIT_S)
                if not self.flush():
                    kept = f"; they are kept in {self.unsaved} and saved at the next session" if self._kept else ""
                    self.warn(f"warning: {len(self.pending)} history records could not be saved yet ({self.message}){kept}")
            self.store.close()
            self._keep_memory_log()
        finally:
            if self.lease is not None:
                self.lease.release()

    def _keep_memory_log(self) -> None:
        """The database could not be opened for a full disk: if there is room now, keep the workout in
        the unsaved file (after what it holds already) for the next session to save."""
        if not self.memory_log or self.unsaved is None:
            return
        state, waiting, _ = unsaved.load(self.unsaved)
        try:
            unsaved.keep(self.unsaved, state, waiting + self.memory_log)
        except OSError as error:
            self.warn(f"warning: this workout ({len(self.memory_log)} history records) is lost: {self.unsaved} "
                      f"cannot be written either ({error.strerror or error})")
        else:
            self.warn(f"this workout is kept in {self.unsaved}; the next session saves it into the history")

    # ---- internals ---------------------------------------------------------------------------

    def _set_timeout(self, seconds: float) -> None:
        try:
            self.store.conn.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
        except sqlite3.Error:
            pass

    def _failed(self, error: sqlite3.Error, explained: StoreError | None = None) -> None:
        """A write failed: the records wait in memory; say so once."""
        explained = explained or explain(error, self.store.path)
        if not (_busy(error) or explained.busy):
            self.save_failed = True
        self.message = str(explained)
        if not self._told_waiting:
            self._told_waiting = True
            self._set_timeout(RETRY_TIMEOUT_S)
            self.warn(f"warning: {explained}; keeping this workout in memory and saving it when the file can take it")

    def _keep(self) -> None:
        """Mirror the waiting records into the unsaved file (or remove it once none wait)."""
        if self.unsaved is None or not (self.pending or self._kept):
            return
        state = {"session_id": self.session_id, "continue_id": self._continue_id, "set": self._set}
        try:
            unsaved.keep(self.unsaved, state, self.pending)
        except OSError as error:  # a full disk: they still wait in memory
            log.warning("cannot keep the waiting history records in %s: %s", self.unsaved, error)
            return
        self._kept = bool(self.pending)

    def replay(self) -> int:
        """Put the records an earlier session could not save in front of the queue and write them;
        return how many there were."""
        if self.unsaved is None:
            return 0
        try:
            state, waiting, bad = unsaved.load(self.unsaved)
        except OSError as error:  # no permission: leave it for whoever can read it
            self.warn(f"warning: cannot read {self.unsaved} ({error.strerror or error}); the records in it are not saved yet")
            return 0
        waiting = [(kind, data, at) for kind, data, at in waiting if kind in RECORD_KINDS]
        if bad:
            self.warn(f"warning: {bad} lines of {self.unsaved} could not be read; the rest are saved")
        if not waiting:
            return 0
        self.session_id, self._continue_id = state.get("session_id"), state.get("continue_id")
        self._set = tuple(state["set"]) if state.get("set") else None
        self.pending[:0] = waiting
        self._kept = True
        if self.flush():
            self.warn(f"saved {len(waiting)} history records an earlier session could not save")
        return len(waiting)

    def _session(self, at: float) -> int:
        if self.session_id is None:  # a record before session_started: keep it anyway
            self.session_id = self.store.start_session(at, "en", [])
        return self.session_id

    def _write(self, kind: str, data: dict[str, Any], now: float) -> None:
        """Write one record; the recorder's own state changes only once the write succeeded."""
        if kind == "session_started":
            if self._continue_id is not None:
                self.store.reopen_session(self._continue_id)
                self.session_id, self._continue_id = self._continue_id, None
            else:
                self.session_id = self.store.start_session(now, str(data.get("language") or "en"), list(data.get("plan") or []))
        elif kind == "set_started":
            self.store.start_set(self._session(now), now, data["drill"], int(data["set"]), data.get("variation"), data.get("load_kg"))
            self._set = (data["drill"], int(data["set"]))
        elif kind == "set_done":
            self.store.finish_set(self._session(now), now, data)
            self._set = None
        elif kind == "form_check":
            self.store.form_check(self._session(now), data["drill"], int(data["set"]), str(data.get("answer", "")))
        elif kind == "pain":
            drill, set_no = data.get("drill"), data.get("set")
            if drill is None and self._set is not None:
                drill, set_no = self._set
            self.store.pain(self._session(now), now, drill, None if set_no is None else int(set_no), str(data.get("phrase") or ""))
        elif kind == "command":
            self.store.command(self.session_id, now, data)
        elif kind == "drill_done":
            self.store.drill_done(self._session(now), now, data["drill"], data.get("sets_done") or 0, bool(data.get("skipped")))
        elif kind == "goal":
            self.store.set_goal(self._session(now), str(data.get("goal") or ""))
        elif kind == "session_ended":
            if self.session_id is not None:
                self.store.end_session(self.session_id, now, str(data.get("reason") or "completed"))
                self.session_id = None


def open_recorder(path: Path | str, now: Callable[[], float] = time.time, timeout: float | None = None,
                  warn: Callable[[str], None] | None = None) -> HistoryRecorder:
    """A recorder on the database at ``path``, holding its lease; or an in-memory one if it cannot be used.

    Raises :class:`~voicecoach.history.lease.SessionBusy` when another session holds the lease.
    On any other failure the one-line reason goes to ``warn`` (default: stderr, in the CLI's style)
    and ``recorder.save_failed`` is True; the workout goes on either way.
    """
    warn = warn or notice
    lease = take_lease(path) if str(path) != ":memory:" else None
    try:
        store = open_store(path) if timeout is None else open_store(path, timeout=timeout)
    except StoreError as error:
        if error.exit_code == 2:  # a wrong path (a folder): the person must fix the command, not train unsaved
            raise
        if error.busy:  # locked by another program: record into the queue and write once it lets go
            try:
                store = open_store(path, check_writable=False, **({} if timeout is None else {"timeout": timeout}))
            except StoreError:
                pass
            else:
                recorder = HistoryRecorder(store, now, lease=lease, warn=warn)
                recorder._failed(sqlite3.OperationalError(str(error)), explained=error)
                recorder.unsaved = unsaved.unsaved_path(path)
                recorder.replay()
                return recorder
        if error.full:  # space may come back by the end: keep the records to put beside the database then
            warn(f"warning: {error}; keeping this workout in memory")
            recorder = HistoryRecorder(HistoryStore.memory(), now, message=str(error), lease=lease, warn=warn)
            recorder.unsaved, recorder.memory_log = unsaved.unsaved_path(path), []
            return recorder
        warn(f"warning: {error}; this workout will not be saved")
        return HistoryRecorder(HistoryStore.memory(), now, message=str(error), lease=lease, warn=warn)
    except BaseException:
        if lease is not None:
            lease.release()
        raise
    if store.notice:
        warn(store.notice)
    recorder = HistoryRecorder(store, now, lease=lease, warn=warn)
    recorder.unsaved = unsaved.unsaved_path(path)
    recorder.replay()
    return recorder
