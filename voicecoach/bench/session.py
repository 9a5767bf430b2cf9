"""Session figures: `voicecoach practice --text` start to its first spoken line (wall time, peak
RSS) and the CPU time of a simulated full session (`voicecoach simulate`). Both run the real CLI in
a child process, so import and start-up costs count; rusage comes from ``os.wait4``."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

TIMEOUT_S = 120.0  # a child that runs longer is killed and reported as failed

# Runs `voicecoach` and writes its own peak RSS (VmHWM, kB) to a file at exit. wait4's ru_maxrss
# cannot be used: a spawned child inherits the high-water mark of the parent's memory before exec.
_WRAPPER = """
import atexit, runpy, sys
path = sys.argv.pop(1)
def dump():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            open(path, 'w').write(line.split()[1])
atexit.register(dump)
sys.argv = ['voicecoach', *sys.argv[1:]]
runpy.run_module('voicecoach', run_name='__main__')
"""


@dataclass
class ChildRun:
    """What one child process cost."""

    ok: bool
    first_line_s: float | None = None  # wall seconds from spawn to the first non-empty stdout line
    cpu_s: float | None = None  # user + system CPU seconds
    peak_rss_mb: float | None = None
    wall_s: float | None = None
    detail: str = ""  # the first line, or why it failed


def child_env(home: Path) -> dict[str, str]:
    """An environment with its own empty config, data and cache folders under `home`."""
    env = dict(os.environ)
    env.update(XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
               XDG_CACHE_HOME=str(home / "cache"), VOICECOACH_CONFIG=str(home / "config" / "none.toml"))
    return env


def run_child(args: Sequence[str], home: Path, stdin: bytes = b"stop\n", stdin_after_first_line: bool = False,
              timeout: float = TIMEOUT_S) -> ChildRun:
    """Run ``python -m voicecoach <args>`` to its end and measure it.

    With `stdin_after_first_line`, `stdin` is written only once the first line has appeared (so a
    "stop" does not race the start-up being measured).
    """
    home.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rss_file = home / "peak_rss_kb"
    rss_file.unlink(missing_ok=True)
    proc = subprocess.Popen([sys.executable, "-c", _WRAPPER, str(rss_file), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=child_env(home), cwd=str(home))
    first: dict[str, object] = {}
    got_first, finished = threading.Event(), threading.Event()
    errors: list[str] = []

    def read_stdout() -> None:
        for raw in proc.stdout:
            if raw.strip() and not got_first.is_set():
                first.update(at=time.perf_counter() - started, line=raw.decode(errors="replace").strip())
                got_first.set()
        got_first.set()

    def read_stderr() -> None:
        errors.extend(raw.decode(errors="replace").rstrip() for raw in proc.stderr)

    def watchdog() -> None:
        if not finished.wait(timeout):
            proc.kill()

    readers = [threading.Thread(target=f, daemon=True) for f in (read_stdout, read_stderr, watchdog)]
    for thread in readers:
        thread.start()
    if stdin_after_first_line:
        got_first.wait(timeout)
    try:
        proc.stdin.write(stdin)
        proc.stdin.close()
    except (BrokenPipeError, OSError):
        pass
    _, status, usage = os.wait4(proc.pid, 0)
    finished.set()
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    for thread in readers[:2]:
        thread.join(timeout=5)
    peak = int(rss_file.read_text()) / 1024.0 if rss_file.exists() else None
    run = ChildRun(proc.returncode == 0, first.get("at"), usage.ru_utime + usage.ru_stime, peak, wall,
                   str(first.get("line", "")))
    if not run.ok:
        last = [e for e in errors if e.strip()]
        run.detail = last[-1] if last else f"exit {proc.returncode}"
    return run
