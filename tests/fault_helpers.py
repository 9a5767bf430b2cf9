"""Shared pieces of the fault suite (tests/test_faults*.py): an isolated CLI, a history, a small disk."""

from __future__ import annotations

import errno
import os
import sqlite3
import struct
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from history_driver import CRASH_PLAN, FakeClock, session_records
from userns import in_namespace, is_root
from voicecoach.cli import main
from voicecoach.history import open_recorder


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """The process environment of a fresh user: XDG dirs in tmp_path, no VOICECOACH_* variables."""
    for name in list(os.environ):
        if name.startswith("VOICECOACH_"):
            monkeypatch.delenv(name)
    for var, sub in (("HOME", "home"), ("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache")):
        monkeypatch.setenv(var, str(tmp_path / sub))
    return tmp_path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """`voicecoach ARGV` in this process: (exit code, stdout, stderr)."""
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def make_history(path: Path, sessions: int = 1) -> Path:
    """A history database with `sessions` complete sessions of CRASH_PLAN (9 sets each)."""
    recorder = open_recorder(path, now=FakeClock())
    for _ in range(sessions):
        for kind, data in session_records(CRASH_PLAN):
            recorder.record(kind, data)
    recorder.close()
    return path


def history_rows(path: Path) -> tuple[int, int, list[str]]:
    """(sessions, finished sets, integrity check) of a database file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        sessions = conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
        sets = conn.execute("SELECT COUNT(*) FROM sets WHERE done_at IS NOT NULL").fetchone()[0]
        check = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()
    return sessions, sets, check


def wav_header(rate: int, channels: int = 1, frames: int = 0) -> bytes:
    """A 16-bit PCM WAV header with any sample rate (0 included) and `frames` silent frames."""
    data = b"\0\0" * channels * frames
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * channels * 2, channels * 2, 16)
    return b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + \
        b"data" + struct.pack("<I", len(data)) + data


@pytest.fixture
def small_disk(tmp_path):
    """A real 8 MiB tmpfs: full and read-only disks are real. Root mounts it here (as CI does); for a
    normal user the test runs again in a child pytest that is root of its own user and mount
    namespace (:func:`run_in_own_namespace`, called by conftest), and this empty folder is unused."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if not is_root():
        yield mount
        return
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0755", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


@contextmanager
def read_only(mount: Path):
    """`mount` (the small disk) read-only for the block: a read-only bind remount, so the kernel
    answers EROFS; unlike remounting the tmpfs itself it also works in a user namespace."""
    subprocess.run(["mount", "-o", "remount,ro,bind", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["mount", "-o", "remount,rw,bind", str(mount)], check=True)


def needs_own_namespace(item: pytest.Item) -> bool:
    """Whether `item` needs a mount this process cannot make (a normal user's small_disk)."""
    return "small_disk" in getattr(item, "fixturenames", ()) and not is_root()


def run_in_own_namespace(item: pytest.Item, basetemp: Path) -> None:
    """Run the one test `item` in a child pytest that is root of its own user and mount namespace
    (so small_disk mounts a real tmpfs there); fail with the child's output when it does not pass."""
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
            f"--basetemp={basetemp}", item.nodeid]
    done = subprocess.run(in_namespace(argv), cwd=item.config.rootpath, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        pytest.fail(f"in its own user and mount namespace (exit {done.returncode}):\n{done.stdout[-4000:]}{done.stderr[-2000:]}",
                    pytrace=False)


def fill(folder: Path) -> Path:
    """Fill the file system `folder` is on; returns the filler file (unlink it to free the space)."""
    filler = folder / ".filler"
    with open(filler, "wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 65536)
        except OSError as error:
            assert error.errno == errno.ENOSPC
        try:
            while True:
                out.write(b"\0" * 512)
        except OSError:
            pass
    return filler


def files_in(folder: Path) -> set[str]:
    """Every file name under `folder` (relative), for "no stray files" checks."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
