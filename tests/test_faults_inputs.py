"""Issue 21, part 2: endless and blocking inputs. A FIFO, /dev/zero or a socket as a config, script,
drill file or WAV, an endless or closed stdin, and a keyboard that breaks: one line, exit 2 (or the
session ends as with Ctrl-D), never a hang, unbounded memory or a traceback; nothing created.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from fault_helpers import isolated  # noqa: F401 - a fixture
from input_helpers import DEADLINE_S, files_in, one_line, voicecoach


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
    assert "the keyboard stopped (standard input is closed); ending as with Ctrl-D; the next `voicecoach practice` offers" in result.stderr
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
    assert events.get_nowait() == InputClosed("keyboard")  # not "eof": the session stays open to resume


def test_a_keyboard_that_breaks_mid_session_leaves_the_session_to_resume(tmp_path):
    """Ctrl-D is the person's choice to stop; a keyboard that breaks (here a line with no end, as
    /dev/zero gives) is not: the session ends the same way but stays open, like Ctrl-C."""
    import sqlite3

    from practice_driver import Practice

    db = tmp_path / "h.db"
    session = Practice(tmp_path, db, env=TEXT_ONLY)
    session.wait_for(r"Set two of three")
    session.type("x" * 5000)
    code, err = session.finish()
    assert code == 0 and "Traceback" not in err and "the keyboard stopped (a line of more than 1000" in err
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT ended_at, end_reason FROM sessions").fetchall() == [(None, None)]
        assert conn.execute("SELECT COUNT(*) FROM sets WHERE done_at IS NOT NULL").fetchone()[0] >= 1

# ---- a FIFO or /dev/zero as a WAV (item 14) ---------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_a_fifo_or_dev_zero_as_a_wav_is_refused_in_one_line(tmp_path, kind):
    path = special_file(tmp_path, kind)
    line = one_line(voicecoach(tmp_path, "listen", "--wav", str(path)))
    assert str(path) in line and "not a WAV file; give a regular file" in line


# ---- any special file as any input path (the fault suite's new class) ------------------------------------------

def make_special(folder: Path, kind: str) -> Path:
    """A FIFO, /dev/zero, /dev/null, a socket, a symlink loop or a folder, each maybe behind a symlink."""
    import socket

    base = kind.removeprefix("link-")
    if base in ("zero", "null"):
        target = Path(f"/dev/{base}")
    else:
        target = folder / f"special-{base}"
        if base == "fifo":
            os.mkfifo(target)
        elif base == "socket":
            server = socket.socket(socket.AF_UNIX)
            server.bind(str(target))  # left bound: a live socket file
            make_special.sockets.append(server)
        elif base == "loop":
            target.symlink_to(target)
        else:
            target.mkdir()
    if not kind.startswith("link-"):
        return target
    link = folder / f"link-to-{base}"
    link.symlink_to(target)
    return link


make_special.sockets = []
SPECIAL_KINDS = [*(f"{p}{k}" for k in ("fifo", "zero", "null", "socket", "loop", "folder") for p in ("", "link-"))]
INPUT_USES = {
    "--config": lambda f: ("--config", str(f), "drills"),
    "VOICECOACH_CONFIG": lambda f: ("drills",),
    "--script": lambda f: ("simulate", "--drill", "wall_hinge", "--script", str(f)),
    "drills check": lambda f: ("drills", "check", str(f)),
    "--wav": lambda f: ("listen", "--wav", str(f)),
}


@settings(max_examples=16, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(SPECIAL_KINDS), use=st.sampled_from(sorted(INPUT_USES)))
def test_any_special_file_as_any_input_is_one_line_exit_2_and_nothing_created(tmp_path_factory, kind, use):
    folder = tmp_path_factory.mktemp("special")
    path = make_special(folder, kind)
    before = files_in(folder)
    env = {"VOICECOACH_CONFIG": str(path)} if use == "VOICECOACH_CONFIG" else {}
    try:
        line = one_line(voicecoach(folder, *INPUT_USES[use](path), **env))
    finally:
        for server in make_special.sockets:
            server.close()
        make_special.sockets.clear()
    assert str(path) in line or path.name in line
    assert files_in(folder) == before
