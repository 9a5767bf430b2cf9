"""Writing an output file the user named (CSV, PNG, WAV, diagram) without ever losing data.

:func:`write_output` refuses a path that is the history database (or its ``-wal``/``-shm``/lock
files), writes into a temporary file in the same folder and renames it into place: a failed write
(a full disk, a crash) leaves the old file as it was and no 0-byte or half-written file behind.
"""

from __future__ import annotations

import errno
import os
import uuid
from pathlib import Path
from typing import Callable, Iterable

from voicecoach.errors import UserError

DB_COMPANIONS = ("", "-wal", "-shm", "-journal", ".lock")  # what SQLite and the session lease keep beside a database


def database_files(db: Path | str) -> list[Path]:
    """The history database and every file kept beside it."""
    return [Path(f"{db}{suffix}") for suffix in DB_COMPANIONS]


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.expanduser().resolve() == b.expanduser().resolve()
    except (OSError, RuntimeError):  # a name too long, a loop of links: not the same file as a real one
        return False


def check_not_protected(path: Path, protected: Iterable[Path], what: str = "the history database") -> None:
    """Raise a UserError (exit 2) when `path` is one of the `protected` files, or any SQLite
    database or one of its companion files (whichever history the settings point at today)."""
    path = Path(path)
    for other in protected:
        if _same_file(path, Path(other)):
            raise UserError(f"{path} is {what} ({other.name}); choose another output file", exit_code=2)
    if _is_database(path):
        raise UserError(f"{path} is a database; choose another output file", exit_code=2)
    for suffix in DB_COMPANIONS[1:]:
        base = Path(str(path)[: -len(suffix)])
        if str(path).endswith(suffix) and _is_database(base):
            raise UserError(f"{path} belongs to the database {base.name}; choose another output file", exit_code=2)


def _is_database(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def write_error(path: Path, error: OSError) -> UserError:
    """One line for an output file that cannot be written; says when the disk is full."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return UserError(f"cannot write {path}: the disk is full; free some space and run it again")
    if isinstance(error, IsADirectoryError) or Path(path).is_dir():
        return UserError(f"cannot write {path}: it is a folder; give a file name", exit_code=2)
    return UserError(f"cannot write {path} ({error.strerror or error})")


def write_output(path: Path | str, write: Callable[[Path], object], protected: Iterable[Path] = ()) -> object:
    """Call ``write(temp_path)``, then rename the temporary file onto `path`; return what `write` returned.

    `protected`: files the output must never replace (see :func:`database_files`).
    """
    path = Path(path)
    try:
        check_not_protected(path, protected)
        if path.is_dir():
            raise UserError(f"cannot write {path}: it is a folder; give a file name", exit_code=2)
    except OSError as error:  # a name too long, a loop of links...
        raise write_error(path, error) from None
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        result = write(temp)
        os.replace(temp, path)
    except OSError as error:
        raise write_error(path, error) from None
    finally:
        try:
            temp.unlink(missing_ok=True)
        except OSError:
            pass
    return result
