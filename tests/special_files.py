"""Special files for the fault suite (issue 21): FIFOs, sockets, device nodes and links in a private folder.

Device nodes are made with ``mknod`` only when the suite runs as root (as CI does); the real /dev
is never touched.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from voicecoach.history.repair import sqlite_uri

IS_ROOT = os.geteuid() == 0
SPECIAL_KINDS = ("fifo", "socket", "chardev", "blockdev")
# the fault properties of issue 21: derandomized, so every run tries the same cases
PROPS = settings(max_examples=int(os.environ.get("VOICECOACH_FAULT_EXAMPLES", "40")), deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


def make_special(path: Path, kind: str, sockets: list) -> Path:
    """Make a special file of `kind` at `path`; a bound socket is appended to `sockets` (close them after)."""
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        sockets.append(sock)
    else:
        if not IS_ROOT:
            pytest.skip("making a device node (mknod) needs root; FIFOs and sockets cover the refusal here")
        kind_bit, device = (stat.S_IFCHR, os.makedev(1, 3)) if kind == "chardev" else (stat.S_IFBLK, os.makedev(7, 200))
        os.mknod(path, kind_bit | 0o600, device)
    return path


@pytest.fixture
def special(tmp_path):
    """make(kind, name) -> a special file of that kind in a private folder; sockets stay bound until the test ends."""
    folder = tmp_path / "sp"
    folder.mkdir()
    sockets: list = []
    yield lambda kind, name="node": make_special(folder / name, kind, sockets)
    for sock in sockets:
        sock.close()


def rows_of(path: Path) -> tuple[int, int]:
    """(sessions, finished sets) in the database file at `path`, whatever its name."""
    conn = sqlite3.connect(sqlite_uri(path, mode="ro"), uri=True)
    try:
        return (conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0],
                conn.execute("SELECT COUNT(*) FROM sets WHERE done_at IS NOT NULL").fetchone()[0])
    finally:
        conn.close()


def kind_of(path: Path) -> str:
    mode = os.lstat(path).st_mode
    for test, name in ((stat.S_ISFIFO, "fifo"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "chardev"),
                       (stat.S_ISBLK, "blockdev"), (stat.S_ISLNK, "symlink"), (stat.S_ISREG, "file")):
        if test(mode):
            return name
    return "other"

