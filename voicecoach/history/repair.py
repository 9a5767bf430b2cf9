"""A history database whose indexes are damaged still holds every row: read around them, or rebuild.

``PRAGMA quick_check`` at open finds the damage. SQLite's own REINDEX and VACUUM cannot run over a
damaged index page (they fail with "database disk image is malformed"), but a table read with
``NOT INDEXED`` never touches an index. So readers (``history``, ``export``) read around the
indexes, and a session rebuilds the file: a fresh copy with the same schema and every row, read
``NOT INDEXED``; the damaged file is kept beside it as ``<database>.damaged``.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path
from urllib.parse import quote


def sqlite_uri(path: Path | str, **params: str) -> str:
    """A ``file:`` URI for `path` (made absolute, every special character quoted): a ``--db`` named
    ``file:x.db`` or ``x.db?mode=memory`` stays a plain file name."""
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"file:{quote(os.path.abspath(path))}" + (f"?{query}" if query else "")


def problems(conn: sqlite3.Connection) -> list[str]:
    """``PRAGMA quick_check``: [] when the file is sound."""
    rows = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
    return [] if rows == ["ok"] else rows


def first_line(found: list[str]) -> str:
    """The first line of a ``quick_check`` report that says something (its ``***`` headers skipped)."""
    lines = [line for entry in found for line in entry.splitlines() if line and not line.startswith("***")]
    return lines[0] if lines else (found[0] if found else "")


def tables(conn: sqlite3.Connection) -> list[str]:
    """The tables of the database (SQLite's own excluded)."""
    return [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid")]


def rows_readable(conn: sqlite3.Connection) -> bool:
    """Every row of every table can be read without its indexes (the damage is in indexes only)."""
    try:
        for table in tables(conn):
            conn.execute(f'SELECT * FROM "{table}" NOT INDEXED').fetchall()
    except sqlite3.DatabaseError:
        return False
    return True


def rebuild(conn: sqlite3.Connection, path: Path) -> Path:
    """Copy the database open on `conn` (at `path`) into a fresh file with sound indexes, keep the
    damaged one as ``<path>.damaged`` and put the copy in its place; return the kept file.

    `conn` is closed once the copy is made. Raises sqlite3.Error / OSError when the rows cannot all be read or written;
    then the original is left as it was."""
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.rebuild")
    try:
        schema = [sql for (sql,) in conn.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
            "ORDER BY type = 'index', rowid")]
        conn.execute("ATTACH DATABASE ? AS fresh", (sqlite_uri(temp),))
        fresh = sqlite3.connect(sqlite_uri(temp), uri=True, isolation_level=None)
        try:
            for sql in schema:
                fresh.execute(sql)
        finally:
            fresh.close()
        conn.execute("BEGIN")
        for table in tables(conn):
            # WHERE 1: no transfer optimisation, which would copy the damaged index pages as they are
            conn.execute(f'INSERT INTO fresh."{table}" SELECT * FROM main."{table}" NOT INDEXED WHERE 1')
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE fresh")
        conn.close()
        check = sqlite3.connect(sqlite_uri(temp), uri=True)
        try:
            if problems(check):
                raise sqlite3.DatabaseError("the rebuilt copy is not sound")
        finally:
            check.close()
        os.chmod(temp, os.stat(path).st_mode & 0o7777)
        kept = Path(f"{path}.damaged")
        os.replace(path, kept)
        if Path(f"{path}-wal").exists():  # the old file's log goes with it, never onto the new one
            os.replace(f"{path}-wal", f"{kept}-wal")
        Path(f"{path}-shm").unlink(missing_ok=True)
        os.replace(temp, path)
        return kept
    finally:
        temp.unlink(missing_ok=True)
        Path(f"{temp}-journal").unlink(missing_ok=True)
