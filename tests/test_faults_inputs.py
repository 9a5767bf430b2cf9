"""Issue 21, part 2: hostile inputs. Every input the user names (config, script, drill file, typed
commands, WAV, URL) is read without hanging, without unbounded memory and without a traceback:
one line, exit 0, 1 or 2, nothing created on refusal.

Endless and blocking inputs run in a subprocess with a time and memory limit, so a regression is a
failure here, not a hung or swapping test run. Only ``/dev/zero`` and ``/dev/null`` of the real
/dev are used, and only as inputs.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from cli_helpers import isolated_env

DEADLINE_S = 30  # every refusal here takes well under a second of work; a hang is a failure
MEMORY_CAP = 1 << 30  # 1 GiB of address space: reading /dev/zero into memory dies, not the machine
PROPERTIES = settings(max_examples=12, derandomize=True, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture])


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def voicecoach(home: Path, *args: str, stdin=subprocess.DEVNULL, **env: str) -> subprocess.CompletedProcess:
    """`voicecoach ARGS` in a subprocess with `stdin` (a file, a pipe, or None for a closed one)."""
    pass_fds = ()
    if stdin is None:  # `<&-`: the child starts with file descriptor 0 closed
        command = [sys.executable, "-c", "import os, sys, runpy; os.close(0); sys.stdin = None; "
                   "sys.argv = ['voicecoach', *sys.argv[1:]]; runpy.run_module('voicecoach', run_name='__main__')", *args]
        stdin = subprocess.DEVNULL
    else:
        command = [sys.executable, "-m", "voicecoach", *args]
    try:
        return subprocess.run(command, stdin=stdin, capture_output=True, text=True, timeout=DEADLINE_S,
                              env=isolated_env(home, **env), preexec_fn=_cap_memory, pass_fds=pass_fds)
    except subprocess.TimeoutExpired:
        pytest.fail(f"voicecoach {' '.join(args)} still ran after {DEADLINE_S} s (a hang)")


def one_line(result: subprocess.CompletedProcess, code: int = 2) -> str:
    """The one line of stderr of a refused command (exit `code`, no traceback); returns it."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == code, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("voicecoach: "), result.stderr
    return lines[0]


def files_in(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


# ---- endless and blocking files (item 14) -------------------------------------------------------------

def special_file(tmp_path: Path, kind: str) -> Path:
    """A path that is a FIFO, /dev/zero, or a symlink to one of them."""
    fifo = tmp_path / "pipe.toml"
    if not fifo.exists():
        os.mkfifo(fifo)
    target = {"fifo": fifo, "zero": Path("/dev/zero")}[kind.removeprefix("link-")]
    if not kind.startswith("link-"):
        return target
    link = tmp_path / f"{kind}.toml"
    link.symlink_to(target)
    return link


KINDS = ["fifo", "zero", "link-fifo", "link-zero"]
USES = {
    "config": lambda f: ("--config", str(f), "drills"),
    "script": lambda f: ("simulate", "--drill", "wall_hinge", "--script", str(f)),
    "drill check": lambda f: ("drills", "check", str(f)),
}


@pytest.mark.parametrize("use", sorted(USES))
@pytest.mark.parametrize("kind", KINDS)
def test_a_fifo_or_dev_zero_as_an_input_file_is_refused_in_one_line(tmp_path, kind, use):
    path = special_file(tmp_path, kind)
    before = files_in(tmp_path)
    line = one_line(voicecoach(tmp_path, *USES[use](path)))
    assert path.name in line and ("pipe (FIFO)" in line or "device" in line) and "regular file" in line
    assert files_in(tmp_path) == before


@pytest.mark.parametrize("kind", KINDS)
def test_a_fifo_or_dev_zero_among_the_users_drills_is_one_problem_line(tmp_path, kind):
    drills = tmp_path / "config" / "voicecoach" / "drills"
    drills.mkdir(parents=True)
    path = special_file(tmp_path, kind)
    (drills / "mine.toml").symlink_to(path)
    line = one_line(voicecoach(tmp_path, "drills"))
    assert line.startswith(f"voicecoach: {drills / 'mine.toml'}: drill '?': (file): is ")


def test_the_default_config_as_a_fifo_is_refused_not_waited_on(tmp_path):
    config = tmp_path / "config" / "voicecoach" / "config.toml"
    config.parent.mkdir(parents=True)
    os.mkfifo(config)
    assert "is a pipe (FIFO), not a config file" in one_line(voicecoach(tmp_path, "drills"))


@pytest.mark.parametrize("use", sorted(USES))
def test_an_input_file_over_one_megabyte_is_refused_in_one_line(tmp_path, use):
    big = tmp_path / "big.toml"
    big.write_bytes(b"# " + b"x" * 1_000_000 + b"\n")
    line = one_line(voicecoach(tmp_path, *USES[use](big)))
    assert "big.toml: " in line and ": more than 1 MB; a " in line


def test_a_script_on_endless_stdin_is_refused_in_one_line(tmp_path):
    with open("/dev/zero", "rb") as zero:
        line = one_line(voicecoach(tmp_path, "simulate", "--drill", "wall_hinge", "--script", "-", stdin=zero))
    assert line == "voicecoach: <stdin>: more than 1 MB; a script is a small text file"


# ---- closed stdin (item 13) -----------------------------------------------------------------------------

def test_a_script_from_a_closed_stdin_is_one_line(tmp_path):
    line = one_line(voicecoach(tmp_path, "simulate", "--drill", "wall_hinge", "--script", "-", stdin=None))
    assert line == "voicecoach: <stdin>: standard input is closed; give the script as a file or pipe it in"


TEXT_ONLY = {"VOICECOACH_VOICE_ENGINE": "none"}


def practice(tmp_path: Path, stdin, **env: str) -> subprocess.CompletedProcess:
    return voicecoach(tmp_path, "practice", "--text", "--rate", "450", "--count-in", "0", "--drill", "wall_hinge",
                      "--db", str(tmp_path / "h.sqlite3"), stdin=stdin, **TEXT_ONLY, **env)


def test_practice_with_a_closed_stdin_ends_as_with_ctrl_d(tmp_path):
    result = practice(tmp_path, None)
    assert "Traceback" not in result.stderr and result.returncode == 0, result.stderr
    assert "the keyboard stopped (standard input is closed); ending as with Ctrl-D" in result.stderr
    assert "COACH: Well done. See you next time." in result.stdout


# ---- the keyboard (items 14 and 15) -----------------------------------------------------------------------

def test_practice_on_endless_stdin_ends_as_with_ctrl_d(tmp_path):
    with open("/dev/zero", "rb") as zero:
        result = practice(tmp_path, zero)
    assert "Traceback" not in result.stderr and result.returncode == 0, result.stderr
    assert "the keyboard stopped (a line of more than 1000 characters" in result.stderr


def test_a_byte_that_is_not_utf8_is_a_word_not_the_end_of_the_keyboard(tmp_path):
    typed = tmp_path / "typed.txt"
    typed.write_bytes(b"caf\xff\nstop\n")
    with open(typed, "rb") as stdin:
        result = practice(tmp_path, stdin, PYTHONIOENCODING="utf-8:strict")
    assert "Traceback" not in result.stderr and result.returncode == 0, result.stderr
    assert "keyboard stopped" not in result.stderr
    assert "COACH: Well done. See you next time." in result.stdout  # the typed stop after it was heard


def test_a_keyboard_that_fails_ends_the_session_as_with_ctrl_d():
    """Whatever kills the reading thread, the session gets its InputClosed."""
    import queue

    from voicecoach.coach.clock import MonotonicClock
    from voicecoach.coach.commands import load_vocabulary
    from voicecoach.session import InputClosed, read_keyboard

    class Broken:
        def readline(self, size=-1):
            raise OSError(5, "Input/output error")

    events: queue.Queue = queue.Queue()
    read_keyboard(Broken(), events, load_vocabulary("en"), MonotonicClock()).join(timeout=DEADLINE_S)
    assert events.get_nowait() == InputClosed()
