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

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from cli_helpers import isolated_env
from fault_helpers import isolated  # noqa: F401 - a fixture

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


# ---- deeply nested TOML (item 9) ---------------------------------------------------------------------------

NESTED = "a = " + "[" * 5000 + "]" * 5000 + "\n"


def in_process(capsys, *argv: str) -> tuple[int, str]:
    """`voicecoach ARGV` in this process: (exit code, stderr)."""
    from voicecoach.cli import main

    code = main(list(argv))
    return code, capsys.readouterr().err


@pytest.mark.parametrize("where", ["--config", "default config", "user drill", "drills check"])
def test_deeply_nested_toml_is_one_line_not_a_recursion_error(isolated, capsys, where):
    nested = isolated / "nested.toml"
    nested.write_text(NESTED)
    argv = ["drills"]
    if where == "--config":
        argv = ["--config", str(nested), "drills"]
    elif where == "drills check":
        argv = ["drills", "check", str(nested)]
    else:
        folder = isolated / "config" / "voicecoach" / ("drills" if where == "user drill" else "")
        folder.mkdir(parents=True, exist_ok=True)
        nested.rename(folder / ("mine.toml" if where == "user drill" else "config.toml"))
    code, err = in_process(capsys, *argv)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert "not valid TOML" in err and "nested too deeply" in err


# ---- drill timing (item 10) ------------------------------------------------------------------------------

def wall_hinge_with(**values: str) -> str:
    """The built-in wall hinge's TOML with some `key = value` lines replaced."""
    from voicecoach.program.load import builtin_files

    text = next(f for f in builtin_files() if f.name == "wall_hinge.toml").read_text("utf-8")
    lines = text.splitlines()
    for key, value in values.items():
        index = next(i for i, line in enumerate(lines) if line.split("=")[0].strip() == key)
        lines[index] = f"{key} = {value}"
    return "\n".join(lines) + "\n"


def toml_float(value: float) -> str:
    return "nan" if value != value else "inf" if value == float("inf") else "-inf" if value == -float("inf") else repr(value)


@pytest.mark.parametrize("key, value, message", [
    ("descent", "nan", "tempo.descent: must be from 0.2 to 20 seconds (got nan)"),
    ("descent", "inf", "tempo.descent: must be from 0.2 to 20 seconds (got inf)"),
    ("descent", "1e308", "tempo.descent: must be from 0.2 to 20 seconds (got 1e+308)"),
    ("top", "0.1", "tempo.top: must be from 0.2 to 20 seconds (got 0.1)"),
    ("rest_s", "1e300", "rest_s: must be from 0 to 600 seconds (got 1e+300)"),
    ("rest_s", "-inf", "rest_s: must be from 0 to 600 seconds (got -inf)"),
    ("rest_s", "601", "rest_s: must be from 0 to 600 seconds (got 601)"),
])
def test_drill_timing_the_coach_cannot_run_is_refused_with_the_range(isolated, capsys, key, value, message):
    drill = isolated / "wall_hinge.toml"
    drill.write_text(wall_hinge_with(**{key: value}))
    code, err = in_process(capsys, "drills", "check", str(drill))
    assert code == 2 and err == f"voicecoach: wall_hinge.toml: drill 'wall_hinge': {message}\n"


def test_a_drill_built_in_code_with_timing_out_of_range_is_refused():
    import dataclasses

    from voicecoach.program.load import load_library

    drill = load_library(include_user=False)["wall_hinge"]
    with pytest.raises(ValueError, match=r"tempo.descent: must be from 0.2 to 20 seconds \(got nan\)"):
        dataclasses.replace(drill, tempo={**drill.tempo, "descent": float("nan")})
    with pytest.raises(ValueError, match=r"rest_s: must be from 0 to 600 seconds"):
        dataclasses.replace(drill, rest_s=1e300)


SECONDS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**400, 10**400),
                    st.sampled_from([0.2, 20, 0, 600, 0.19999, 20.0001, 600.5, -0.0]))


@PROPERTIES
@given(descent=SECONDS, rest=SECONDS)
def test_any_drill_timing_is_checked_in_range_or_one_line_per_field(tmp_path, capsys, descent, rest):
    from voicecoach.program.load import check_files
    from voicecoach.program.model import PHASE_SECONDS, REST_SECONDS

    drill = tmp_path / "wall_hinge.toml"
    spell = lambda v: toml_float(v) if isinstance(v, float) else str(v)  # noqa: E731
    drill.write_text(wall_hinge_with(descent=spell(descent), rest_s=spell(rest)))
    problems = {p.field: p.message for p in check_files([drill])}
    ok = lambda v, b: abs(v) < 10**30 and b.low <= v <= b.high  # noqa: E731 - nan compares False
    assert ("tempo.descent" not in problems) == ok(descent, PHASE_SECONDS), problems
    assert ("rest_s" not in problems) == ok(rest, REST_SECONDS), problems
    assert all("\n" not in m for m in problems.values())


# ---- tampered history rows (item 11) ----------------------------------------------------------------------

# (what, SQL on a history of two 9-set sessions, export rows lost): the damaged row is skipped, the rest shows
TAMPERED = [
    ("plan with text sets", "UPDATE sessions SET plan = '[{\"drill\": \"wall_hinge\", \"sets\": \"abc\"}]' WHERE id = 1", 0),
    ("plan with infinite sets", "UPDATE sessions SET plan = '[{\"drill\": \"wall_hinge\", \"sets\": 1e999}]' WHERE id = 1", 0),
    ("start that is not a date", "UPDATE sessions SET started_at = 'yesterday' WHERE id = 1", 9),
    ("end that is not a date", "UPDATE sessions SET ended_at = 'x' WHERE id = 1", 9),
    ("reps as text", "UPDATE sets SET reps = 'many' WHERE id = 1", 1),
    ("a set that finished 'soon'", "UPDATE sets SET done_at = 'soon' WHERE id = 4", 1),
    ("a pain report at no time", "INSERT INTO pains (session_id, at, drill, set_no, phrase) VALUES (1, 'never', 'x', 1, 'ow')", 0),
]
COMMANDS = [("history",), ("history", "--json"), ("progress",), ("progress", "--json"), ("export", "--csv", "-")]


def export_rows(capsys, db: Path) -> int:
    code, out, _ = run_captured(capsys, "export", "--csv", "-", "--db", str(db))
    assert code == 0
    return len(out.splitlines()) - 1


def run_captured(capsys, *argv: str) -> tuple[int, str, str]:
    from voicecoach.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("what, sql, lost", TAMPERED, ids=[t[0] for t in TAMPERED])
def test_a_tampered_history_row_is_said_once_and_the_rest_still_shows(isolated, capsys, what, sql, lost):
    import sqlite3

    from fault_helpers import make_history

    db = make_history(isolated / "h.sqlite3", sessions=2)
    clean = export_rows(capsys, db)
    with sqlite3.connect(db) as conn:
        conn.execute(sql)
    for command in COMMANDS:
        code, out, err = run_captured(capsys, *command, "--db", str(db))
        assert code == 0 and "Traceback" not in err, (command, err)
        assert err.count("\n") == 1 and "skipped a damaged record (session 1" in err, (command, err)
        assert out.strip()
    assert export_rows(capsys, db) == clean - lost


def test_a_text_schema_version_is_one_line_and_simulate_trains_anyway(isolated, capsys):
    import sqlite3

    from fault_helpers import make_history

    db = make_history(isolated / "h.sqlite3")
    with sqlite3.connect(db) as conn:
        conn.executescript("DROP TABLE schema_version; CREATE TABLE schema_version (version, applied_at);"
                           "INSERT INTO schema_version VALUES ('abc', 'x');")
    code, _, err = run_captured(capsys, "history", "--db", str(db))
    assert code == 1 and err == f"voicecoach: history database {db} is damaged (schema version 'abc'); move it aside to start a new history\n"
    code, out, err = run_captured(capsys, "simulate", "--drill", "wall_hinge", "--db", str(db))
    assert code == 0 and err.count("\n") == 1 and "this workout will not be saved" in err and out


COLUMNS = {"sessions": ["started_at", "ended_at", "end_reason", "plan", "goal"],
           "sets": ["drill", "set_no", "started_at", "done_at", "reps", "target_reps", "tempo_scale", "verbosity",
                    "variation", "load_kg", "ended_early", "form_ok"],
           "pains": ["at", "drill", "set_no", "phrase"], "drills_done": ["drill", "sets_done", "skipped"]}
ROW_VALUES = st.one_of(st.none(), st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=True, allow_infinity=True),
                       st.text(max_size=12), st.binary(max_size=8),
                       st.sampled_from(["[]", "{}", '[{"drill": 1}]', '[{"drill": "x", "sets": -1e999}]', "2026-13-01"]))


@PROPERTIES
@given(table_column=st.sampled_from([(t, c) for t, cs in COLUMNS.items() for c in cs]), value=ROW_VALUES,
       command=st.sampled_from(COMMANDS))
def test_any_tampered_value_is_exit_0_or_one_line(isolated, capsys, table_column, value, command):
    import sqlite3

    from fault_helpers import make_history

    db = isolated / "h.sqlite3"
    if not db.exists():  # one history per test run, tampered further by each example
        make_history(db, sessions=2)
        with sqlite3.connect(db) as conn:
            conn.execute("INSERT INTO pains (session_id, at, drill, set_no, phrase) SELECT 1, started_at, drill, 1, 'ow' "
                         "FROM sets LIMIT 1")
    table, column = table_column
    with sqlite3.connect(db) as conn:
        try:
            conn.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = (SELECT MIN(rowid) FROM {table})", (value,))
        except sqlite3.IntegrityError:  # NOT NULL, CHECK: the database itself refuses the tampering
            return
    code, out, err = run_captured(capsys, *command, "--db", str(db))
    assert code == 0 and "Traceback" not in err and err.count("\n") <= 1, (table, column, value, err)


# ---- model download --url (items 12 and 16) -------------------------------------------------------------------

class RawServer:
    """A loopback server that answers every request with the same raw bytes (a broken web server)."""

    def __init__(self, answer: bytes):
        import socket
        import threading

        self.answer = answer
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/model.zip"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(self.answer.replace(b"{url}", self.url.encode()))

    def close(self) -> None:
        self.sock.close()


ANSWERS = {
    "bad status line": b"HTTP/1.1 abc nonsense\r\n\r\n",
    "not http at all": b"SSH-2.0-OpenSSH_9.6\r\n",
    "a redirect loop": b"HTTP/1.1 302 Found\r\nLocation: {url}\r\nContent-Length: 0\r\n\r\n",
    "a broken header": b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\nabc",
}


@pytest.mark.parametrize("answer", sorted(ANSWERS))
def test_a_broken_server_is_one_line(isolated, capsys, answer):
    server = RawServer(ANSWERS[answer])
    try:
        code, out, err = run_captured(capsys, "model", "download", "--quiet", "--url", server.url, "--dest", str(isolated / "m"))
    finally:
        server.close()
    errors = [line for line in err.splitlines() if "plain http" not in line]
    assert code == 1 and len(errors) == 1 and errors[0].startswith("voicecoach: download "), err
    assert not list((isolated / "m").glob("*/")), "no model folder from a refused download"


BAD_URLS = ["http://[::1", "http://[::1]:port/x.zip", "https://exa mple.com/m.zip", "https://example.com/m.zip\r\nX: y",
            "https://example.com/\nm.zip", "https://example.com/\tm.zip", "https:///m.zip", "ftp://example.com/m.zip",
            "https://example.com/\x00.zip", "https://example.com/\x7f.zip"]


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_url_that_is_not_a_web_address_is_one_line_exit_2(isolated, capsys, url):
    dest = isolated / "m"
    code, out, err = run_captured(capsys, "model", "download", "--quiet", "--url", url, "--dest", str(dest))
    assert code == 2 and err.count("\n") == 1 and err.startswith("voicecoach: --url "), err
    assert not dest.exists()


@PROPERTIES
@given(url=st.builds(lambda head, junk, tail: head + junk + tail, st.sampled_from(["http://", "https://", "https://h/", ""]),
                     st.text(st.characters(max_codepoint=0x10ffff), max_size=6),
                     st.sampled_from(["", "/m.zip", "]", "[", ":x", "\r\n"])))
def test_any_url_passes_the_check_only_without_spaces_or_control_characters(isolated, capsys, url):
    from voicecoach.errors import UserError
    from voicecoach.listen import model

    try:
        model.check_url(url)
    except UserError as error:
        assert error.exit_code == 2 and "\n" not in str(error) and "\r" not in str(error)
        return
    assert not any(ch.isspace() or not ch.isprintable() for ch in url)


# ---- one line, not Vosk's own (item 16) -----------------------------------------------------------------------

def silent_wav(path: Path, seconds: float = 0.5, rate: int = 16000) -> Path:
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\0\0" * int(seconds * rate))
    return path


@pytest.mark.parametrize("command", [("model", "check"), ("listen", "--engine", "vosk", "--wav", "{wav}", "--model")])
def test_a_junk_vosk_model_is_our_one_line_without_vosks_native_error(isolated, capfd, command):
    from voicecoach.cli import main

    wav = silent_wav(isolated / "quiet.wav")
    command = tuple(str(wav) if part == "{wav}" else part for part in command)
    junk = isolated / "junk"
    (junk / "am").mkdir(parents=True)
    (junk / "am" / "final.mdl").write_bytes(b"junk")
    code = main([*command, str(junk)])
    err = capfd.readouterr().err
    assert code in (1, 2) and err.count("\n") == 1 and err.startswith("voicecoach: "), err
    assert "ERROR (VoskAPI" not in err


# ---- exit codes (item 18) -------------------------------------------------------------------------------

LONG = "n" * 300  # longer than any file system's NAME_MAX


@pytest.mark.parametrize("argv", [
    ("simulate", "--drill", "wall_hinge", "--db", LONG), ("history", "--db", LONG), ("progress", "--db", LONG),
    ("export", "--csv", "-", "--db", LONG), ("export", "--csv", f"{LONG}.csv"), ("say", "hi", "--out", f"{LONG}.wav"),
    ("diagram", "--out", f"{LONG}.svg"), ("history", "--plot", f"{LONG}.png"),
], ids=lambda argv: " ".join(a if a != LONG else "LONG" for a in argv)[:40])
def test_a_file_name_that_is_too_long_is_exit_2_in_one_line(isolated, capsys, monkeypatch, argv):
    monkeypatch.chdir(isolated)
    monkeypatch.setenv("VOICECOACH_VOICE_ENGINE", "none")
    code, _, err = run_captured(capsys, *argv)
    assert code == 2 and err.count("\n") == 1 and "File name too long; give a shorter name" in err, err


def test_serve_sessions_0_is_exit_2(isolated, capsys):
    code, _, err = run_captured(capsys, "serve", "--sessions", "0")
    assert code == 2 and err == "voicecoach: --sessions 0: must be 1 or more\n"


@pytest.mark.parametrize("model", ["folder", "missing"])
def test_a_model_path_that_is_not_a_model_is_exit_2_like_a_file(isolated, capsys, model):
    path = isolated if model == "folder" else isolated / "nope"
    wav = silent_wav(isolated / "quiet.wav")
    code, _, err = run_captured(capsys, "listen", "--engine", "vosk", "--wav", str(wav), "--model", str(path))
    assert code == 2 and err.count("\n") == 1 and str(path) in err, err


def test_say_on_a_device_that_is_not_there_is_exit_2(pulse_server, tmp_path):
    from audio_devices import pulse_env

    env = pulse_env()
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    done = subprocess.run([sys.executable, "-m", "voicecoach", "say", "hi", "--device", "99"], env=env,
                          capture_output=True, text=True, timeout=DEADLINE_S)
    assert done.returncode == 2 and done.stderr == "voicecoach: no output device with index 99; see: voicecoach devices\n"


# ---- drill files: a BOM, ids (item 20) ------------------------------------------------------------------------

def test_a_drill_file_with_a_utf8_bom_loads_like_a_config_file_does(isolated, capsys):
    text = wall_hinge_with(id='"my_hinge"')
    drills = isolated / "config" / "voicecoach" / "drills"
    drills.mkdir(parents=True)
    (drills / "mine.toml").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    code, out, err = run_captured(capsys, "drills", "check", str(drills / "mine.toml"))
    assert code == 0 and err == "", err
    code, out, err = run_captured(capsys, "drills", "show", "my_hinge")
    assert code == 0 and "Wall hip hinge" in out


@pytest.mark.parametrize("drill_id", ["a:b", "a\\nb", "Wall", "wall hinge", "=cmd", "é"])
def test_a_drill_id_that_drill_cannot_name_is_refused(isolated, capsys, drill_id):
    drill = isolated / "mine.toml"
    drill.write_text(wall_hinge_with(id=f'"{drill_id}"'))
    code, _, err = run_captured(capsys, "drills", "check", str(drill))
    assert code == 2 and "id: must be lower-case letters, digits and _ only, so --drill can name it" in err
    assert err.count("\n") == 1


# ---- WAV files as recorders make them (items 14 and 20) -----------------------------------------------------

def write_wav_any(path: Path, samples: np.ndarray, rate: int, encoding: str, channels: int = 1,
                  extensible: bool = False) -> Path:
    """`samples` (float, -1..1, mono) as a WAV file: "pcm8", "pcm16", "pcm24", "pcm32", "float32" or "float64"."""
    import struct

    data = np.repeat(samples[:, None], channels, axis=1).reshape(-1)
    if encoding == "pcm8":
        raw, bits, tag = (np.round(data * 127) + 128).astype(np.uint8).tobytes(), 8, 1
    elif encoding == "pcm16":
        raw, bits, tag = np.round(data * 32767).astype("<i2").tobytes(), 16, 1
    elif encoding == "pcm24":
        ints = np.round(data * 8388607).astype("<i4")
        raw, bits, tag = ints.view(np.uint8).reshape(-1, 4)[:, :3].tobytes(), 24, 1
    elif encoding == "pcm32":
        raw, bits, tag = np.round(data * 2147483647).astype("<i4").tobytes(), 32, 1
    else:
        bits = int(encoding[5:])
        raw, tag = data.astype("<f4" if bits == 32 else "<f8").tobytes(), 3
    align = channels * bits // 8
    fmt = struct.pack("<HHIIHH", 0xFFFE if extensible else tag, channels, rate, rate * align, align, bits)
    if extensible:  # cbSize, valid bits, channel mask, then the sub-format GUID (its first two bytes: the tag)
        fmt += struct.pack("<HHI", 22, bits, 0) + struct.pack("<H", tag) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"LIST" + struct.pack("<I", 4) + b"INFO" + \
        b"data" + struct.pack("<I", len(raw)) + raw
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


ENCODINGS = [("pcm24", 2, False), ("float32", 1, False), ("float64", 1, False), ("pcm32", 6, True), ("pcm16", 2, True),
             ("pcm8", 1, False), ("float32", 2, True)]


@pytest.mark.parametrize("encoding, channels, extensible", ENCODINGS, ids=[f"{e}x{c}{'-ext' if x else ''}" for e, c, x in ENCODINGS])
def test_wavs_of_any_width_float_or_channels_are_read_as_16k_mono(tmp_path, encoding, channels, extensible):
    from voicecoach.listen.wavsource import read_wav

    t = np.arange(48000) / 48000
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    reference = read_wav(write_wav_any(tmp_path / "ref.wav", tone, 48000, "pcm16"))
    got = read_wav(write_wav_any(tmp_path / "x.wav", tone, 48000, encoding, channels, extensible))
    assert got.dtype == np.int16 and len(got) == len(reference) == 16000
    tolerance = 300 if encoding == "pcm8" else 3  # 8-bit audio is coarse by nature
    assert np.abs(got.astype(int) - reference).max() <= tolerance


def test_a_24_bit_stereo_48k_recording_is_heard(isolated, tmp_path, capsys):
    """The whole way: a command said into a recorder's format is decided by the real recognizer."""
    import json

    import soxr

    from speech_audio import espeak, pad
    from voicecoach.cli import main

    speech, _ = pad(espeak("repeat"))
    at_48k = soxr.resample(speech.astype(np.float32) / 32768, 16000, 48000)
    wav = write_wav_any(tmp_path / "recorder.wav", at_48k, 48000, "pcm24", channels=2)
    assert main(["listen", "--wav", str(wav), "--engine", "pocketsphinx", "--json"]) == 0
    heard = [json.loads(line)["command"] for line in capsys.readouterr().out.splitlines()]
    assert heard == ["repeat"]


def test_an_unsupported_wav_encoding_is_one_line(isolated, capsys):
    import struct

    wav = isolated / "adpcm.wav"
    fmt = struct.pack("<HHIIHH", 0x11, 1, 16000, 8000, 256, 4)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", 4) + b"\0" * 4
    wav.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    code, _, err = run_captured(capsys, "listen", "--wav", str(wav))
    assert code == 2 and err == f"voicecoach: {wav}: cannot read encoding 0x0011 WAV audio (convert with: sox adpcm.wav -b 16 out.wav)\n"


def test_a_long_wav_is_streamed_not_read_whole(tmp_path):
    """A 5-minute 48 kHz stereo recording (61 MB): memory grows by the 16 kHz mono result, not the file."""
    wav = tmp_path / "long.wav"
    second = np.repeat(np.round(8000 * np.sin(2 * np.pi * 440 * np.arange(48000) / 48000)).astype("<i2"), 2).tobytes()
    import wave

    with wave.open(str(wav), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(48000)
        for _ in range(320):
            w.writeframes(second)
    script = ("import resource, sys; from voicecoach.listen.wavsource import read_wav; import soxr; "
              "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; samples = read_wav(sys.argv[1]); "
              "print(len(samples), (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)")
    done = subprocess.run([sys.executable, "-c", script, str(wav)], capture_output=True, text=True, timeout=120)
    samples, growth_mb = map(int, done.stdout.split())
    assert samples == 320 * 16000
    assert growth_mb < 40, f"{growth_mb} MB for a {wav.stat().st_size >> 20} MB file"  # 255 MB before streaming


@pytest.mark.parametrize("kind", KINDS)
def test_a_fifo_or_dev_zero_as_a_wav_is_refused_in_one_line(tmp_path, kind):
    path = special_file(tmp_path, kind)
    line = one_line(voicecoach(tmp_path, "listen", "--wav", str(path)))
    assert str(path) in line and "not a WAV file; give a regular file" in line


# ---- --plot writes what its name says (item 20) ---------------------------------------------------------------

@pytest.mark.parametrize("name, starts", [("x.svg", b"<?xml"), ("x.SVG", b"<?xml"), ("x.png", b"\x89PNG"), ("x.pdf", b"%PDF")])
def test_plot_writes_the_format_its_suffix_names(isolated, capsys, name, starts):
    from fault_helpers import make_history

    db = make_history(isolated / "h.sqlite3")
    code, _, err = run_captured(capsys, "history", "--plot", str(isolated / name), "--db", str(db))
    assert code == 0, err
    assert (isolated / name).read_bytes().startswith(starts)


def test_plot_to_a_suffix_it_cannot_draw_is_refused_before_anything(isolated, capsys):
    from fault_helpers import make_history

    db = make_history(isolated / "h.sqlite3")
    code, _, err = run_captured(capsys, "history", "--plot", str(isolated / "x.jpg"), "--db", str(db))
    assert code == 2 and err == f"voicecoach: --plot {isolated / 'x.jpg'}: cannot draw a .jpg file; name it .png, .svg or .pdf\n"
    assert not (isolated / "x.jpg").exists()


# ---- another user's database (item 20) ------------------------------------------------------------------------

@pytest.fixture
def shared_folder():
    """A folder in /tmp any user may enter (tmp_path's parents are root's own, 0700)."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="voicecoach-shared-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


@pytest.mark.parametrize("command", [("history",), ("progress",), ("export", "--csv", "-")])
def test_another_users_private_database_is_no_permission_not_read_only(isolated, capsys, monkeypatch, shared_folder, command):
    from fault_helpers import make_history

    monkeypatch.setenv("XDG_CONFIG_HOME", str(shared_folder / "config"))  # nobody may look there: no config
    db = make_history(shared_folder / "h.sqlite3")
    db.chmod(0o600)
    os.seteuid(65534)  # nobody, for this call only (the suite runs as root, as CI does)
    try:
        code, _, err = run_captured(capsys, *command, "--db", str(db))
    finally:
        os.seteuid(0)
    assert code == 1 and err == (f"voicecoach: history database {db} cannot be read (no permission; it belongs to root); "
                                 "use --db for a file of your own\n")


# ---- say --out plays nothing, whatever the line (item 16) -------------------------------------------------------

def test_say_out_with_the_longest_line_writes_it_and_plays_nothing(tmp_path):
    """A 1000-character "word": pyttsx3 used to hand back an empty file and then play the line
    through aplay itself (8 ALSA lines, exit 1); now the file is written and nothing is played."""
    from voicecoach.speak.wav import wav_duration

    out = tmp_path / "long.wav"
    env = isolated_env(tmp_path, PULSE_SERVER="unix:/nonexistent/native")  # no sound server: any playback would say so
    done = subprocess.run([sys.executable, "-m", "voicecoach", "say", "x" * 1000, "--out", str(out)], env=env,
                          capture_output=True, text=True, timeout=DEADLINE_S * 2)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert wav_duration(out) > 5.0


# ---- damaged pages (items 11 and 16) ---------------------------------------------------------------------------

@PROPERTIES
@given(page=st.integers(2, 12), offset=st.sampled_from([0, 8, 100, 2000, 4000]), junk=st.sampled_from([b"\xff", b"\0", b"\x7f"]),
       command=st.sampled_from([*COMMANDS, ("simulate", "--drill", "wall_hinge")]))
def test_a_damaged_page_is_at_most_one_line_never_a_traceback(isolated, tmp_path_factory, capsys, page, offset, junk, command):
    from fault_helpers import make_history

    folder = tmp_path_factory.mktemp("page")
    db = make_history(folder / "h.sqlite3", sessions=3)
    with open(db, "r+b") as f:
        f.seek((page - 1) * 4096 + offset)
        f.write(junk * 16)
    code, out, err = run_captured(capsys, *command, "--db", str(db))
    assert code in (0, 1) and "Traceback" not in err and err.count("\n") <= 1, (page, offset, command, err)


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
