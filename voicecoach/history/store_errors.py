"""Why the history database cannot be used, in one line: :class:`StoreError` and :func:`explain`."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from voicecoach.errors import UserError

# SQLite's primary error names -> what to tell the person (after "history database PATH ").
_REASONS = {
    "SQLITE_BUSY": "is locked by another program",
    "SQLITE_LOCKED": "is locked by another program",
    "SQLITE_READONLY": "is read-only",
    "SQLITE_CANTOPEN": "cannot be opened (missing folder or no permission)",
    "SQLITE_PERM": "cannot be written (no permission)",
    "SQLITE_NOTADB": "is damaged (not a SQLite database); move it aside to start a new history",
    "SQLITE_CORRUPT": "is damaged; move it aside to start a new history",
    "SQLITE_FULL": "cannot grow: the disk is full",
    "SQLITE_IOERR": "cannot be written (disk I/O error)",
}


class StoreError(UserError):
    """The history database cannot be used; the message says why in one line.

    ``busy``: only because another program holds its lock (waiting may help)."""

    busy = False
    full = False  # the disk is full (space may come back)

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(" ".join(message.split()), exit_code)  # one line, whatever SQLite said


def explain(error: BaseException, path: Path | str) -> StoreError:
    """Turn a sqlite3/OS error into a one-line StoreError naming the file and the cause."""
    if isinstance(error, StoreError):
        return error
    name = getattr(error, "sqlite_errorname", "") or ""
    if name.split("_")[1:2] in (["CANTOPEN"], ["READONLY"], ["PERM"]) and _unreadable(Path(path)):
        return StoreError(f"history database {path} cannot be read (no permission; it belongs to {_owner(Path(path))}); "
                          "use --db for a file of your own")
    if name.split("_")[1:2] in (["CANTOPEN"], ["READONLY"], ["PERM"]) and _read_only(Path(path)):
        name = "SQLITE_READONLY"
    if name.startswith("SQLITE_IOERR") and _disk_full(Path(path)):
        name = "SQLITE_FULL"  # SQLite reports a full disk during a write as an I/O error
    reason = next((text for code, text in _REASONS.items() if name == code or name.startswith(code + "_")), None)
    if reason is None and isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        reason = _REASONS["SQLITE_FULL"]
    if reason is None and isinstance(error, OSError):
        reason = f"cannot be created ({error.strerror or error})"
    if reason is None:
        reason = f"cannot be used ({error})"
    error_out = StoreError(f"history database {path} {reason}")
    error_out.busy = name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
    error_out.full = reason == _REASONS["SQLITE_FULL"]
    return error_out


def _disk_full(path: Path, margin: int = 1 << 20) -> bool:
    """Less than `margin` bytes are free where the database lives."""
    try:
        return shutil.disk_usage(path.parent if path.parent.exists() else Path.cwd()).free < margin
    except OSError:
        return False


def _access(path: Path, mode: int) -> bool:
    effective = os.access in os.supports_effective_ids  # as the process runs (sudo -u, setuid), not who started it
    return os.access(path, mode, effective_ids=effective)


def _unreadable(path: Path) -> bool:
    """The file is there but this user may not read it (another user's 0600 database)."""
    try:
        return path.is_file() and not _access(path, os.R_OK)
    except OSError:
        return False


def _owner(path: Path) -> str:
    try:
        import pwd

        return pwd.getpwuid(path.stat().st_uid).pw_name
    except (KeyError, OSError, ImportError):
        return "another user"


def _read_only(path: Path) -> bool:
    """The file, or the folder its journal files go in, cannot be written."""
    return (path.exists() and not os.access(path, os.W_OK)) or (path.parent.exists() and not os.access(path.parent, os.W_OK))


def check_db_path(path: Path | str) -> None:
    """Refuse (exit 2) a ``--db`` that is not a regular file or a new path: a folder, a device, a
    FIFO, a socket, or SQLite's own file beside another database. Creates nothing."""
    from voicecoach.outfile import check_regular

    path = Path(path)
    if path.is_dir():
        raise StoreError(f"history database {path} is a folder; give a file in it, e.g. --db {path / 'history.sqlite3'}",
                         exit_code=2)
    try:
        check_regular(path, "history database ")
    except UserError as error:
        raise StoreError(str(error), exit_code=2) from None
    companion_of(path)


def companion_of(path: Path) -> None:
    """Refuse a path that is SQLite's own file beside another database (``h.db-wal``): used as a
    database, it would wreck that database's write-ahead log."""
    for suffix in ("-wal", "-shm", "-journal"):
        base = Path(str(path)[: -len(suffix)])
        if str(path).endswith(suffix) and base.is_file():
            raise StoreError(f"history database {path} is SQLite's {suffix[1:]} file of {base}; give --db {base}",
                             exit_code=2)


