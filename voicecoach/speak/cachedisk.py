"""The speech cache's disk: a private folder, a room check before each render, and a scratch
folder for the lines that cannot be cached (a full or read-only disk)."""

from __future__ import annotations

import atexit
import errno
import os
import shutil
import tempfile
from pathlib import Path

from voicecoach import paths
from voicecoach.coach.lines import speech_seconds
from voicecoach.paths import PRIVATE_FILE_MODE

CACHE_FILE_MODE = PRIVATE_FILE_MODE  # rendered speech is private (a umask of 000 must not make it world-writable)
MIN_FREE_BYTES = 1 << 20  # below this the cache's disk counts as full


def make_private_dir(path: Path) -> None:
    """Create a folder only its owner can use (also when it exists already: tighten it)."""
    paths.make_private_dir(path, tighten=True)


def room_for(directory: Path, text: str, rate_wpm: int) -> bool:
    """Is there room on `directory`'s disk for the line's WAV (with a margin)?"""
    needed = max(MIN_FREE_BYTES, int(3 * speech_seconds(text, rate_wpm) * 22050 * 2))
    try:
        return shutil.disk_usage(directory).free >= needed
    except OSError:
        return True  # cannot tell: try, and let the write say


def cache_unwritable(directory: Path, error: BaseException, space_only: bool = False) -> bool:
    """Did a render fail because of the cache's disk (full, read-only, no permission)?"""
    code = getattr(error, "errno", None)
    if code in (errno.ENOSPC, errno.EDQUOT):
        return True
    if not space_only and code in (errno.EROFS, errno.EACCES, errno.EPERM):
        return True
    try:
        return shutil.disk_usage(directory).free < MIN_FREE_BYTES
    except OSError:
        return not space_only


_scratch: Path | None = None


def scratch_dir() -> Path:
    """A private temporary folder for lines that cannot be cached, removed when the process exits."""
    global _scratch
    if _scratch is None or not _scratch.is_dir():
        _scratch = Path(tempfile.mkdtemp(prefix="voicecoach-speech-"))
        atexit.register(shutil.rmtree, _scratch, True)
    return _scratch
