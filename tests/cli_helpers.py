"""Run the real `voicecoach` entry point in a subprocess with an isolated home."""

import os
import subprocess
import sys
from pathlib import Path


def isolated_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment whose XDG dirs point into `home`, so the user's real config never leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOICECOACH_")}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
    )
    env.update(extra)
    return env


def run_cli(home: Path, *args: str, stdin: str | None = None, timeout: float = 60, **env: str) -> subprocess.CompletedProcess:
    """`voicecoach ARGS...` as a user would run it; returns the finished process (text mode)."""
    return subprocess.run(
        [sys.executable, "-m", "voicecoach", *args],
        input=stdin, capture_output=True, text=True, timeout=timeout, env=isolated_env(home, **env),
    )
