"""One live session per history database: an advisory lock on ``<database>.lock``.

A session (``practice``, ``serve``, ``simulate --db``) holds the lease for as long as it records.
A second one on the same database is refused at once, before it could offer the live session as
"Last time you stopped in..." and write the same rows twice. The lock is the kernel's (``flock``):
it goes away with the process, even after a kill -9 or a power cut, so a stale lease never blocks.
Reading the history (``history``, ``progress``, ``export``) needs no lease.
"""

from __future__ import annotations

import fcntl
import os
import stat
from pathlib import Path

from voicecoach.errors import UserError
from voicecoach.history.store_errors import check_db_path
from voicecoach.paths import PRIVATE_FILE_MODE, make_private_dir


class SessionBusy(UserError):
    """Another voicecoach session is recording into this history database."""


def lease_path(db: Path | str) -> Path:
    """The lock file beside the database (beside its target, when the database is a symlink)."""
    return Path(f"{os.path.realpath(db)}.lock")


class Lease:
    """The held lease; :meth:`release` (or process exit) gives it up."""

    def __init__(self, fd: int, path: Path):
        self.fd = fd
        self.path = path

    def __del__(self):  # a holder that forgot to release (a test, a crash in our own code)
        self.release()

    def release(self) -> None:
        """Give the lease up (idempotent)."""
        if self.fd >= 0:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
            finally:
                os.close(self.fd)
                self.fd = -1


def take_lease(db: Path | str) -> Lease | None:
    """Take the database's lease; raise :class:`SessionBusy` if another session holds it.

    Returns None when there is no place for the lock file (a read-only folder): then no session
    can write the database either, so there is nothing to guard.
    """
    check_db_path(db)  # a folder, a device, another database's -wal: refused before any file is made
    path = lease_path(db)
    _check_lock_file(path, db)
    try:
        make_private_dir(path.parent)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, PRIVATE_FILE_MODE)
    except OSError:
        return None
    if not _is_lock(fd):  # made between the check and the open: still never truncated
        os.close(fd)
        _check_lock_file(path, db)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        owner = _read_owner(fd)
        os.close(fd)
        who = f" (process {owner})" if owner else ""
        raise SessionBusy(f"another voicecoach session{who} is using the history database {db}; "
                          "finish that one first, or use --db for another file") from None
    try:  # who holds it, for the "process N" in a refusal; on a full disk the lock works without it
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
    except OSError:
        pass
    return Lease(fd, path)


LOCK_MAX_BYTES = 32  # a lock file holds its owner's process id and nothing else


def _is_lock(fd: int) -> bool:
    """The open file looks like a lock file: a regular file holding nothing or a process id."""
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > LOCK_MAX_BYTES:
        return False
    return os.pread(fd, LOCK_MAX_BYTES, 0).strip().isdigit() or info.st_size == 0


def _check_lock_file(path: Path, db: Path | str) -> None:
    """Refuse (exit 2) when something other than a lock file is at the lock path (a database named
    ``X.lock`` beside ``X``, a link, a FIFO, a device): taking the lease would wipe or block on it.
    Only a regular file is ever opened here."""
    try:
        ok = stat.S_ISREG(os.lstat(path).st_mode)
    except FileNotFoundError:
        return
    except OSError:
        ok = False
    if ok:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:  # no permission: not ours to touch
            ok = False
        else:
            try:
                ok = _is_lock(fd)
            finally:
                os.close(fd)
    if not ok:
        raise UserError(f"history database {db} cannot be locked: {path} is not voicecoach's lock file; "
                        "move it aside or use --db for another file", exit_code=2)


def _read_owner(fd: int) -> str:
    try:
        return os.pread(fd, 32, 0).decode(errors="replace").strip()
    except OSError:
        return ""


def check_free(db: Path | str) -> None:
    """Raise :class:`SessionBusy` now if another session holds the lease (before any device is opened).

    Creates nothing: with no lock file there is no other session (the session itself makes it)."""
    check_db_path(db)
    if not os.path.lexists(lease_path(db)):
        return
    lease = take_lease(db)
    if lease is not None:
        lease.release()
