"""Drive a real `voicecoach practice --text` process like a person who answers every prompt at once.

The driver reads the coach's printed lines and types the answer each one asks for (next through
the set-up, ready, done to end a set early, yes to the form check, next to skip the rest), so a
whole session runs in seconds of real time. Used by tests/test_faults_process.py.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path

from cli_helpers import isolated_env

COACH = "COACH: "


def answer(text: str, phase: str) -> tuple[str | None, str]:
    """The typed reply to one coach line, and the phase after it ("intro", "set", "after")."""
    if "Say resume to pick up there" in text:
        return "resume", phase
    if "Say ready" in text:
        return "ready", "set"
    if phase == "set":  # the set has begun: end it at once
        return "done", "after"
    if text.endswith("?") and phase == "after":  # "Any pain in your low back?" is a no; a form check a yes
        return ("no" if "pain" in text.lower() or "hurt" in text.lower() else "yes"), phase
    if text.startswith("Rest ") and phase == "after":
        return "next", "after"
    if phase == "intro":
        return "next", phase
    return None, phase


class Practice:
    """One `practice --text` process on `db`, answered by :func:`answer` from a reader thread."""

    def __init__(self, home: Path, db: Path, *flags: str, env: dict | None = None, respond: bool = True):
        self.lines: list[str] = []
        self.seen = threading.Condition()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "voicecoach", "practice", "--text", "--rate", "450", "--count-in", "0",
             "--db", str(db), *flags],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1,
            env=isolated_env(home, **(env or {})))
        self.respond = respond
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        phase = "intro"
        for raw in self.process.stdout:
            text = raw.rstrip("\n")
            reply = None
            if text.startswith(COACH):
                reply, phase = answer(text[len(COACH):], phase)
            with self.seen:
                self.lines.append(text)
                self.seen.notify_all()
            if reply and self.respond:
                self.type(reply)
        with self.seen:
            self.lines.append("<EOF>")
            self.seen.notify_all()

    def type(self, command: str) -> None:
        """Type one command (ignored once the process has closed its input)."""
        try:
            self.process.stdin.write(command + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass

    def wait_for_lines(self, count: int, timeout: float = 60.0) -> list[str]:
        """Block until the coach has printed `count` lines (or the output ended)."""
        with self.seen:
            self.seen.wait_for(lambda: len(self.lines) >= count or "<EOF>" in self.lines, timeout=timeout)
            return list(self.lines)

    def wait_for(self, pattern: str, timeout: float = 60.0) -> str:
        """Block until a printed line matches `pattern`; returns it."""
        regex = re.compile(pattern)
        with self.seen:
            found = self.seen.wait_for(lambda: any(regex.search(l) for l in self.lines) or "<EOF>" in self.lines,
                                       timeout=timeout)
            match = next((l for l in self.lines if regex.search(l)), None)
        assert found and match is not None, f"never printed {pattern!r}; got {self.lines[-8:]}"
        return match

    def finish(self, timeout: float = 60.0) -> tuple[int, str]:
        """Close the input (Ctrl-D), wait; (exit code, stderr)."""
        try:
            self.process.stdin.close()
        except OSError:
            pass
        code = self.process.wait(timeout=timeout)
        self.reader.join(timeout=10)
        return code, self.process.stderr.read()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)
        self.reader.join(timeout=10)
