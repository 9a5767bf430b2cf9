"""The history database: SQLite (standard library), WAL mode, a schema version table, migrations.

Every write is its own transaction, committed before the call returns, with ``synchronous=FULL``:
a kill -9 or a power cut at any moment loses at most what had not been written yet (the set in
progress). A set is a row from ``set_started`` on; ``set_done`` fills it in (``done_at``).

:func:`open_store` raises :class:`StoreError` (a one-line :class:`UserError`) when the file is
locked, read-only, from a newer voicecoach, damaged, or the disk is full.
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Sequence

from voicecoach.paths import PRIVATE_FILE_MODE, make_private_dir
from voicecoach.history.store_errors import StoreError, check_db_path, explain  # noqa: F401 (re-exported)
from voicecoach import errors
from voicecoach.history import rows
from voicecoach.history.repair import first_line, problems, rebuild, rows_readable, sqlite_uri
from voicecoach.history.records import SessionRecord

# Schema step N brings a database from version N-1 to N. Append steps; never edit a shipped one.
MIGRATIONS: tuple[str, ...] = (
    # v1: sessions, sets (with the form-check answer), drills done, pain reports, commands heard.
    """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,             -- ISO 8601, UTC
        ended_at TEXT,                        -- NULL while running or after a crash
        end_reason TEXT,                      -- completed | stopped | pain | abandoned
        language TEXT NOT NULL DEFAULT 'en',
        plan TEXT NOT NULL DEFAULT '[]'       -- JSON: [{"drill", "sets", "variation", "load_kg", "start_set"}]
    );
    CREATE TABLE sets (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        drill TEXT NOT NULL,
        set_no INTEGER NOT NULL,              -- 1-based
        started_at TEXT NOT NULL,
        done_at TEXT,                         -- NULL: in progress when the session stopped
        reps INTEGER,
        target_reps INTEGER,
        tempo_scale REAL,
        verbosity TEXT,
        variation TEXT,
        load_kg REAL,
        ended_early INTEGER,
        form_ok INTEGER,                      -- form check: 1 yes, 0 no, NULL not asked
        UNIQUE (session_id, drill, set_no)
    );
    CREATE TABLE drills_done (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        drill TEXT NOT NULL,
        sets_done INTEGER NOT NULL,
        skipped INTEGER NOT NULL,
        at TEXT NOT NULL,
        UNIQUE (session_id, drill)
    );
    CREATE TABLE pains (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        at TEXT NOT NULL,
        drill TEXT,
        set_no INTEGER,
        phrase TEXT NOT NULL
    );
    CREATE TABLE commands (
        id INTEGER PRIMARY KEY,
        session_id INTEGER REFERENCES sessions(id),
        at TEXT NOT NULL,
        command TEXT NOT NULL,
        text TEXT,
        confidence REAL,
        engine TEXT,
        source TEXT,
        state TEXT
    );
    CREATE INDEX sets_by_session ON sets (session_id);
    CREATE INDEX pains_by_session ON pains (session_id);
    """,
    # v2: the person's goal (004: sets and reps "depending on your goals"), asked once.
    """
    ALTER TABLE sessions ADD COLUMN goal TEXT;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
BUSY_TIMEOUT_S = 2.0  # how long to wait for another program's write lock before giving up

def _now_iso(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).isoformat(timespec="milliseconds")


def schema_version(conn: sqlite3.Connection, path: Path | str = "") -> int:
    """The schema version a database is at; a tampered one (text, a fraction) is a StoreError."""
    found = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
    if isinstance(found, bool) or not isinstance(found, int):
        conn.close()
        raise StoreError(f"history database {path} is damaged (schema version {str(found)[:20]!r}); "
                         "move it aside to start a new history")
    return found


def migrate(conn: sqlite3.Connection, migrations: Sequence[str] = MIGRATIONS, path: Path | str = "") -> int:
    """Bring the database up to ``len(migrations)``; return the version it was at.

    Raises :class:`StoreError` if it is newer than this voicecoach knows. Each step and its
    version row commit together, so an interrupted migration leaves the previous version intact.
    """
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
    found = schema_version(conn, path)
    if found > len(migrations):
        raise StoreError(
            f"history database {path} was written by a newer voicecoach (schema {found}; this one knows up to "
            f"{len(migrations)}); upgrade voicecoach or use --db for another file"
        )
    for version in range(found + 1, len(migrations) + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(migrations[version - 1]):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version VALUES (?, ?)", (version, _now_iso(datetime.now().timestamp())))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return found


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (executescript would commit on its own)."""
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    return [s for s in out if s]


class HistoryStore:
    """One open history database. Each write method commits before it returns."""

    def __init__(self, conn: sqlite3.Connection, path: Path | str, notice: str = "", read_around: bool = False):
        self.conn = conn
        self.path = path
        self.notice = notice  # one line to show once (damaged indexes rebuilt or read around), or ""
        self._scan = " NOT INDEXED" if read_around else ""  # damaged indexes: read the tables without them
        self._damage_said = False  # a damaged row is said once per open store

    @classmethod
    def memory(cls) -> HistoryStore:
        """A store that keeps nothing once closed (the fallback when the file cannot be used)."""
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        migrate(conn)
        return cls(conn, ":memory:")

    @property
    def in_memory(self) -> bool:
        return self.path == ":memory:"

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    # ---- writes (each one transaction) --------------------------------------------------------

    def start_session(self, at: float, language: str, plan: list[dict]) -> int:
        """A new session row; returns its id."""
        with self._write() as c:
            cur = c.execute("INSERT INTO sessions (started_at, language, plan) VALUES (?, ?, ?)",
                            (_now_iso(at), language or "en", json.dumps(plan)))
            return int(cur.lastrowid)

    def start_set(self, session_id: int, at: float, drill: str, set_no: int, variation: str | None, load_kg: float | None) -> None:
        """A set began (a set started again after a resume keeps its row and restarts its clock)."""
        with self._write() as c:
            c.execute(
                "INSERT INTO sets (session_id, drill, set_no, started_at, variation, load_kg) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (session_id, drill, set_no) DO UPDATE SET started_at = excluded.started_at, "
                "variation = excluded.variation, load_kg = excluded.load_kg, done_at = NULL",
                (session_id, drill, set_no, _now_iso(at), variation, load_kg),
            )

    def finish_set(self, session_id: int, at: float, data: dict) -> None:
        """A set ended: reps done and the settings it ran with (keys of the ``set_done`` record)."""
        row = (
            data.get("reps"), data.get("target_reps"), data.get("tempo_scale"), data.get("verbosity"),
            data.get("variation"), data.get("load_kg"), None if data.get("ended_early") is None else int(bool(data["ended_early"])),
        )
        with self._write() as c:
            c.execute(
                "INSERT INTO sets (session_id, drill, set_no, started_at, done_at, reps, target_reps, tempo_scale, "
                "verbosity, variation, load_kg, ended_early) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (session_id, drill, set_no) DO UPDATE SET done_at = excluded.done_at, reps = excluded.reps, "
                "target_reps = excluded.target_reps, tempo_scale = excluded.tempo_scale, verbosity = excluded.verbosity, "
                "variation = excluded.variation, load_kg = excluded.load_kg, ended_early = excluded.ended_early",
                (session_id, data["drill"], int(data["set"]), _now_iso(at), _now_iso(at), *row),
            )

    def form_check(self, session_id: int, drill: str, set_no: int, answer: str) -> None:
        """The yes/no form-check answer for a set."""
        ok = {"yes": 1, "no": 0}.get(str(answer).lower())
        with self._write() as c:
            c.execute("UPDATE sets SET form_ok = ? WHERE session_id = ? AND drill = ? AND set_no = ?", (ok, session_id, drill, set_no))

    def pain(self, session_id: int, at: float, drill: str | None, set_no: int | None, phrase: str) -> None:
        with self._write() as c:
            c.execute("INSERT INTO pains (session_id, at, drill, set_no, phrase) VALUES (?, ?, ?, ?, ?)",
                      (session_id, _now_iso(at), drill, set_no, phrase or ""))

    def command(self, session_id: int | None, at: float, data: dict) -> None:
        with self._write() as c:
            c.execute(
                "INSERT INTO commands (session_id, at, command, text, confidence, engine, source, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (session_id, _now_iso(at), str(data.get("command", "")), data.get("text"), data.get("confidence"),
                 data.get("engine"), data.get("source"), data.get("state")),
            )

    def drill_done(self, session_id: int, at: float, drill: str, sets_done: int, skipped: bool) -> None:
        with self._write() as c:
            c.execute(
                "INSERT INTO drills_done (session_id, drill, sets_done, skipped, at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (session_id, drill) DO UPDATE SET sets_done = excluded.sets_done, skipped = excluded.skipped, at = excluded.at",
                (session_id, drill, int(sets_done or 0), int(bool(skipped)), _now_iso(at)),
            )

    def set_goal(self, session_id: int, goal: str) -> None:
        """The goal the person chose in this session ("strength" | "endurance")."""
        with self._write() as c:
            c.execute("UPDATE sessions SET goal = ? WHERE id = ?", (goal, session_id))

    def end_session(self, session_id: int, at: float, reason: str) -> None:
        """Mark a session ended: "completed", "stopped", "pain", or "abandoned" (the person said new)."""
        with self._write() as c:
            c.execute("UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ?", (_now_iso(at), reason, session_id))

    def reopen_session(self, session_id: int) -> None:
        """Continue a crashed session (resume): it is running again."""
        with self._write() as c:
            c.execute("UPDATE sessions SET ended_at = NULL, end_reason = NULL WHERE id = ?", (session_id,))

    # ---- reads ---------------------------------------------------------------------------------

    def sessions(self, limit: int | None = None) -> list[SessionRecord]:
        """Sessions oldest first (the newest ``limit`` of them when given), with their sets and pains.

        Damaged rows are skipped and said once (:mod:`.rows`); the rest is read."""
        query = "SELECT id, started_at, ended_at, end_reason, language, plan, goal FROM sessions ORDER BY id"
        rows = self.conn.execute(query).fetchall()
        if limit is not None:
            rows = rows[-limit:] if limit > 0 else []
        return [s for s in (self._session(row) for row in rows) if s is not None]

    def last_session(self) -> SessionRecord | None:
        row = self.conn.execute("SELECT id, started_at, ended_at, end_reason, language, plan, goal FROM sessions "
                                "ORDER BY id DESC LIMIT 1").fetchone()
        return None if row is None else self._session(row)

    def _session(self, row: tuple) -> SessionRecord | None:
        damaged: list[str] = []
        record = rows.session(self.conn, row, damaged, self._scan)
        if damaged and not self._damage_said:
            self._damage_said = True
            errors.notice(f"history database {self.path}: skipped a damaged record ({damaged[0]}); the rest is shown")
        return record

    def commands(self) -> list[dict]:
        """Every command heard, oldest first (for tuning recognition)."""
        cols = ("session_id", "at", "command", "text", "confidence", "engine", "source", "state")
        return [dict(zip(cols, row)) for row in self.conn.execute(f"SELECT {', '.join(cols)} FROM commands ORDER BY id")]


def open_store(path: Path | str, *, create: bool = True, timeout: float = BUSY_TIMEOUT_S,
               migrations: Sequence[str] = MIGRATIONS, check_writable: bool = True) -> HistoryStore:
    """Open (creating and migrating as needed) the history database at ``path``.

    Raises :class:`StoreError` when it is locked, read-only, newer, damaged, or the disk is full.
    ``check_writable`` also takes and releases the write lock once, so a locked or read-only file
    is found now rather than at the first set.
    """
    path = Path(path)
    check_db_path(path)
    if not create and not path.exists():
        raise StoreError(f"history database {path} does not exist yet")
    conn = None
    notice = ""
    made: Path | None = None  # the empty file made here, removed again if SQLite cannot use it

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(sqlite_uri(path), uri=True, timeout=timeout, isolation_level=None, check_same_thread=False)

    try:
        make_private_dir(path.parent)
        if create and not path.exists():  # made private before SQLite writes into it (its -wal/-shm take its mode)
            target = Path(os.path.realpath(path))  # a dangling symlink: its target
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, PRIVATE_FILE_MODE))
            made = target
        conn = connect()
        damage = problems(conn)
        if damage and rows_readable(conn):  # only indexes are damaged: every row is still there
            try:
                kept = rebuild(conn, path)
            except (sqlite3.Error, OSError):
                raise StoreError(f"history database {path} has damaged indexes and cannot be rebuilt here; "
                                 "`voicecoach history` still shows every session") from None
            notice = f"history database {path} had damaged indexes; rebuilt it (the damaged file is kept as {kept.name})"
            conn = connect()
        elif damage:
            raise StoreError(f"history database {path} is damaged ({first_line(damage)}); move it aside to start a new history")
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise StoreError(f"history database {path} cannot use write-ahead logging (journal mode {mode})")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn, migrations, path)
        if check_writable:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE schema_version SET version = version WHERE version = (SELECT MAX(version) FROM schema_version)")
            conn.execute("ROLLBACK")
    except (sqlite3.Error, OSError, StoreError) as error:
        if conn is not None:
            conn.close()
        if made is not None and made.exists() and made.stat().st_size == 0:
            made.unlink()
        raise explain(error, path) from None
    return HistoryStore(conn, path, notice)


def open_readonly(path: Path | str) -> HistoryStore:
    """Open an existing history database for reading only: nothing is created, migrated or locked.

    Works while a session writes it (WAL readers never block), and on a read-only disk (where
    SQLite cannot even create its ``-shm`` file, the file is read as immutable).
    """
    path = Path(path)
    check_db_path(path)
    conn = None
    for flags in ({"mode": "ro"}, {"mode": "ro", "immutable": "1"}):
        try:
            conn = sqlite3.connect(sqlite_uri(path, **flags), uri=True, isolation_level=None,
                                   check_same_thread=False, timeout=BUSY_TIMEOUT_S)
            found = schema_version(conn, path)
            break
        except sqlite3.Error as error:
            if conn is not None:
                conn.close()
                conn = None
            last = error
            if "no such table" in str(error):  # a database voicecoach never wrote into
                raise StoreError(f"history database {path} has no voicecoach history in it") from None
    else:
        raise explain(last, path) from None
    if found != SCHEMA_VERSION:
        conn.close()
        if found > SCHEMA_VERSION:
            raise StoreError(f"history database {path} was written by a newer voicecoach (schema {found}); upgrade voicecoach")
        return open_store(path, create=False, check_writable=False)  # an older schema: migrate it first
    if problems(conn) and rows_readable(conn):
        return HistoryStore(conn, path, f"history database {path} has damaged indexes; every session is shown by reading "
                                        "around them (the next session rebuilds them)", read_around=True)
    return HistoryStore(conn, path)


def integrity_problems(path: Path | str) -> list[str]:
    """``PRAGMA integrity_check`` of a database file: [] when it is sound."""
    conn = sqlite3.connect(sqlite_uri(path), uri=True)
    try:
        rows = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
    finally:
        conn.close()
    return [] if rows == ["ok"] else rows


