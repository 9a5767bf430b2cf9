"""Writing an output file the user named (CSV, PNG, WAV, diagram) without ever losing data.

:func:`write_output` refuses a path that is the history database (or its ``-wal``/``-shm``/lock
files) or anything but a regular file (a device, a FIFO, a socket), writes into a temporary file
in the same folder and renames it into place: a failed write (a full disk, a crash) leaves the old
file as it was and no 0-byte or half-written file behind. A symlink is written *through*: its
target gets the new content, the link stays. A new file is private (0600); an overwritten one
keeps its mode.
"""

from __future__ import annotations

import errno
import os
import stat
import uuid
from pathlib import Path
from typing import Callable, Iterable

from voicecoach.errors import UserError
from voicecoach.paths import PRIVATE_FILE_MODE

DB_COMPANIONS = ("", "-wal", "-shm", "-journal", ".lock", ".unsaved")  # what SQLite and the session lease keep beside a database


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
    database or one of its companion files (whichever history the settings point at today), or
    not a regular file (a device, a FIFO, a socket)."""
    path = Path(path)
    check_regular(path)
    for other in protected:
        if _same_file(path, Path(other)):
            raise UserError(f"{path} is {what} ({other.name}); choose another output file", exit_code=2)
    if _is_database(path):
        raise UserError(f"{path} is a database; choose another output file", exit_code=2)
    for suffix in DB_COMPANIONS[1:]:
        base = Path(str(path)[: -len(suffix)])
        if str(path).endswith(suffix) and _is_database(base):
            raise UserError(f"{path} belongs to the database {base.name}; choose another output file", exit_code=2)


_KINDS = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISSOCK, "a socket"))


def special_kind(path: Path | str) -> str | None:
    """What `path` is when it exists and is neither a regular file nor a folder ("a FIFO"...); else None.

    Symlinks are followed: a link to /dev/null is a character device."""
    try:
        mode = os.stat(path).st_mode
    except OSError:  # missing, a dangling link, a name too long: not a special file
        return None
    return next((text for test, text in _KINDS if test(mode)), None)


def check_regular(path: Path | str, what: str = "") -> None:
    """Raise a UserError (exit 2) when `path` is a device, FIFO or socket: voicecoach only writes regular files.

    `what` starts the message ("history database ")."""
    kind = special_kind(path)
    if kind is not None:
        raise UserError(f"{what}{path} is {kind}, not a regular file; give a file name", exit_code=2)


def through_links(path: Path) -> Path:
    """The file a write to `path` must land in: the final target of a symlink (which need not exist yet)."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


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

    `protected`: files the output must never replace (see :func:`database_files`). A symlink is
    written through (its target is replaced, the link stays). The new file gets the old one's
    mode, or 0600 when there was none.
    """
    path = Path(path)
    try:
        check_not_protected(path, protected)
        if path.is_dir():
            raise UserError(f"cannot write {path}: it is a folder; give a file name", exit_code=2)
        target = through_links(path)
    except OSError as error:  # a name too long, a loop of links...
        raise write_error(path, error) from None
    temp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        result = write(temp)
        os.chmod(temp, _kept_mode(target))
        os.replace(temp, target)
    except OSError as error:
        raise write_error(path, error) from None
    finally:
        try:
            temp.unlink(missing_ok=True)
        except OSError:
            pass
    return result


def _kept_mode(path: Path) -> int:
    """The permission bits a rewritten `path` keeps: its own when it exists, else private."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return PRIVATE_FILE_MODE
