"""Issue 21, data loss and security (items 1-8, 19): outputs, the history database, its lock and modes.

Special files are made in a private temp folder: FIFOs, sockets and symlinks as any user, device
nodes with ``mknod`` when the suite runs as root (as CI does). The real /dev is never touched.
"""

from __future__ import annotations

import csv
import fcntl
import io
import os
import socket
import sqlite3
import stat
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from cli_helpers import run_cli
from history_driver import CRASH_PLAN, FakeClock, session_records
from fault_helpers import fill, files_in, history_rows, isolated, make_history, run, small_disk  # noqa: F401
from voicecoach.history import open_recorder
from voicecoach.history.recorder import KEPT_LINE
from voicecoach.history.repair import sqlite_uri
from voicecoach.history.store import open_readonly

IS_ROOT = os.geteuid() == 0
SPECIAL_KINDS = ("fifo", "socket", "chardev", "blockdev")


@pytest.fixture
def special(tmp_path):
    """make(kind, name) -> a special file of that kind in a private folder; sockets stay bound until the test ends."""
    folder = tmp_path / "sp"
    folder.mkdir()
    sockets = []

    def make(kind: str, name: str = "node") -> Path:
        path = folder / name
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
            os.mknod(path, kind_bit | 0o666, device)
        return path

    yield make
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


# ---- item 1: outputs go to regular files only, and through symlinks -----------------------------

OUTPUT_COMMANDS = {
    "export": ("export", "--csv"),
    "plot": ("history", "--plot"),
    "say": ("say", "Hello.", "--out"),
    "diagram": ("diagram", "--out"),
}


@pytest.mark.parametrize("kind", SPECIAL_KINDS)
@pytest.mark.parametrize("command", sorted(OUTPUT_COMMANDS))
def test_outputs_refuse_special_files(isolated, capsys, special, kind, command):
    node = special(kind, "out.csv" if command == "export" else "out.png")
    code, _, err = run(capsys, *OUTPUT_COMMANDS[command], str(node), "--db", str(isolated / "h.db")) \
        if command in ("export", "plot") else run(capsys, *OUTPUT_COMMANDS[command], str(node))
    assert code == 2 and err.count("\n") == 1, err
    assert "not a regular file" in err and str(node) in err
    assert kind_of(node) == kind  # the old code renamed a regular file over it
    assert sorted(os.listdir(node.parent)) == [node.name]  # no temporary file left beside it


@pytest.mark.parametrize("kind", ("fifo", "chardev"))
def test_an_output_through_a_link_to_a_special_file_is_refused(isolated, capsys, special, kind):
    node = special(kind)
    link = isolated / "link.csv"
    link.symlink_to(node)
    code, _, err = run(capsys, "export", "--csv", str(link), "--db", str(isolated / "h.db"))
    assert code == 2 and "not a regular file" in err
    assert link.is_symlink() and kind_of(node) == kind


@pytest.mark.parametrize("target_exists", [True, False])
def test_an_output_is_written_through_a_symlink(isolated, capsys, target_exists):
    db = make_history(isolated / "h.db")
    target = isolated / "real" / "sets.csv"
    target.parent.mkdir()
    if target_exists:
        target.write_text("last week\n")
    link = isolated / "link.csv"
    link.symlink_to(target)
    code, _, err = run(capsys, "export", "--csv", str(link), "--db", str(db))
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(target)  # the old code replaced the link
    assert target.read_text().startswith("session,") and target.read_text().count("\n") == 10
    assert files_in(target.parent) == {"sets.csv"}


@pytest.mark.parametrize("kind", SPECIAL_KINDS)
@pytest.mark.parametrize("command", ["simulate", "history", "export"])
def test_db_must_be_a_regular_file_or_a_new_path(isolated, capsys, special, kind, command):
    node = special(kind, "h.db")
    argv = {"simulate": ("simulate", "--drill", "wall_hinge"), "history": ("history",),
            "export": ("export", "--csv", str(isolated / "x.csv"))}[command]
    code, out, err = run(capsys, *argv, "--db", str(node))
    assert code == 2 and err.count("\n") == 1, err
    assert "history database" in err and "not a regular file" in err
    assert out == "" and kind_of(node) == kind
    assert sorted(os.listdir(node.parent)) == ["h.db"]  # no h.db-journal, h.db.lock
    assert not (isolated / "x.csv").exists()


# ---- item 2: a full disk never stops training ------------------------------------------------------


@pytest.mark.parametrize("existing", [False, True])
def test_simulate_on_a_full_disk_trains_anyway_and_names_the_file(isolated, capsys, small_disk, existing):
    db = small_disk / "h.db"
    if existing:
        make_history(db)
    filler = fill(small_disk)
    code, out, err = run(capsys, "simulate", "--drill", "wall_hinge", "--db", str(db))
    filler.unlink()
    assert code == 0, err  # the old code: exit 1, "voicecoach: No space left on device"
    assert "session complete" in out.lower() or out.count("\n") > 20
    lines = err.splitlines()
    assert lines and all(str(db) in line for line in lines), err
    assert any("full" in line for line in lines) and len(lines) <= 2
    if existing:
        assert history_rows(db)[:2] == (1, 9)  # what was there is still there


# ---- item 3: a lock file never collides with a database ------------------------------------------


def test_a_database_named_like_the_lock_file_is_never_wiped(isolated, capsys):
    other = make_history(isolated / "a.db.lock")
    code, _, err = run(capsys, "simulate", "--drill", "wall_hinge", "--db", str(isolated / "a.db"))
    assert code == 2 and err.count("\n") == 1, err
    assert "is not voicecoach's lock file" in err and str(other) in err
    assert history_rows(other) == (1, 9, ["ok"])  # the old code truncated it to the session's pid
    assert not (isolated / "a.db").exists()  # refused before anything was made


@pytest.mark.parametrize("content", [b"", b"12345", b"4242\n"])
def test_a_lock_file_left_behind_is_reused(isolated, capsys, content):
    (isolated / "h.db.lock").write_bytes(content)
    code, _, err = run(capsys, "simulate", "--drill", "wall_hinge", "--db", str(isolated / "h.db"))
    assert code == 0, err
    assert history_rows(isolated / "h.db")[:2] == (1, 3)


# ---- item 4: a lock held for a whole session loses nothing ----------------------------------------


def locked_session(path: Path, monkeypatch, close: bool = True):
    """One CRASH_PLAN session recorded while another program holds BEGIN EXCLUSIVE on `path` the
    whole time; returns (the other connection, lines the coach said, warnings)."""
    from voicecoach.history import recorder as recorder_module

    monkeypatch.setattr(recorder_module, "CLOSE_WAIT_S", 0.05)
    make_history(path)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    warnings, said = [], []
    recorder = open_recorder(path, now=FakeClock(2_000_000_000.0), timeout=0.05, warn=warnings.append)
    for kind, data in session_records(CRASH_PLAN):
        recorder.record(kind, data)
        said.append(recorder.take_warning())
    if close:
        recorder.close()
    else:  # killed: nothing after the last record runs
        recorder.lease.release()
    return other, [line for line in said if line], warnings


@pytest.mark.parametrize("close", [True, False], ids=["closed", "killed"])
def test_a_lock_held_for_the_whole_session_is_saved_by_the_next_one(tmp_path, monkeypatch, close):
    path = tmp_path / "h.db"
    other, said, warnings = locked_session(path, monkeypatch, close)
    assert said == [KEPT_LINE]  # said once, at the end (the old recorder said nothing)
    kept = Path(f"{path}.unsaved")
    assert kept.exists() and stat.S_IMODE(kept.stat().st_mode) == 0o600
    if close:
        assert f"could not be saved yet" in warnings[-1] and str(kept) in warnings[-1]
    other.execute("ROLLBACK")
    other.close()
    assert history_rows(path)[:2] == (1, 9)  # only the earlier session is in the file so far
    warnings = []
    recorder = open_recorder(path, now=FakeClock(2_100_000_000.0), warn=warnings.append)
    assert warnings == [f"saved {len(list(session_records(CRASH_PLAN)))} history records an earlier session could not save"]
    recorder.close()
    assert not kept.exists()
    sessions = open_readonly(path).sessions()
    assert len(sessions) == 2 and len(sessions[1].finished_sets()) == 9 and sessions[1].end_reason == "completed"


def test_kept_records_wait_again_while_the_lock_is_still_held(tmp_path, monkeypatch):
    path = tmp_path / "h.db"
    other, _, _ = locked_session(path, monkeypatch)
    recorder = open_recorder(path, now=FakeClock(2_100_000_000.0), timeout=0.05, warn=lambda line: None)
    for kind, data in session_records(CRASH_PLAN):  # a third session, still locked
        recorder.record(kind, data)
    recorder.close()
    other.execute("ROLLBACK")
    other.close()
    open_recorder(path, warn=lambda line: None).close()
    sessions = open_readonly(path).sessions()
    assert [len(s.finished_sets()) for s in sessions] == [9, 9, 9]
    assert all(s.end_reason == "completed" for s in sessions)


# ---- item 5: a damaged index never hides finished sets ---------------------------------------------


def damage_index(db: Path, index: str) -> None:
    """Overwrite the first 16 bytes of the index's root page (the page header)."""
    conn = sqlite3.connect(db)
    root, page = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (index,)).fetchone()[0], \
        conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(db, "r+b") as f:
        f.seek((root - 1) * page)
        f.write(b"\xff" * 16)


@pytest.mark.parametrize("index", ["sets_by_session", "sqlite_autoindex_sets_1", "pains_by_session"])
def test_a_damaged_index_is_read_around_then_rebuilt(isolated, capsys, index):
    db = isolated / "e.db"
    assert run(capsys, "simulate", "--db", str(db), "--drill", "wall_hinge")[0] == 0
    damage_index(db, index)
    code, out, err = run(capsys, "history", "--db", str(db))
    assert code == 0 and "damaged indexes" in err and err.count("\n") == 1, err
    assert "Wall hip hinge  3     36" in out, out  # the old code: 0 sets, 0 reps
    code, _, err = run(capsys, "export", "--db", str(db), "--csv", str(isolated / "x.csv"))
    assert code == 0 and (isolated / "x.csv").read_text().count("\n") == 4  # header and three sets
    code, _, err = run(capsys, "simulate", "--db", str(db), "--drill", "wall_hinge")  # a session rebuilds it
    assert code == 0 and err.count("\n") == 1 and "rebuilt it" in err, err
    assert history_rows(db) == (2, 6, ["ok"])
    assert Path(f"{db}.damaged").exists()  # kept, never thrown away
    code, _, err = run(capsys, "history", "--db", str(db))
    assert code == 0 and err == ""


# ---- item 6: a --db is a path, never an SQLite URI ---------------------------------------------------


@pytest.mark.parametrize("name", ["file:x.db", "file:x.db?mode=memory", "x.db?mode=ro", "x#1.db", "50%.db"])
def test_db_names_that_look_like_uris_are_plain_files(isolated, capsys, monkeypatch, name):
    monkeypatch.chdir(isolated)
    code, _, err = run(capsys, "simulate", "--db", name, "--drill", "wall_hinge")
    assert code == 0 and err == "", err
    assert rows_of(isolated / name) == (1, 3)  # the old code wrote into x.db (or memory)
    assert not (isolated / "x.db").exists()
    code, out, _ = run(capsys, "history", "--db", name)
    assert code == 0 and "Wall hip hinge  3     36" in out
    with (isolated / f"{name}.lock").open() as lease:  # the lock guards the file the data went into
        fcntl.flock(lease, fcntl.LOCK_EX)
        code, _, err = run(capsys, "simulate", "--db", name, "--drill", "wall_hinge")
    assert code == 1 and "another voicecoach session" in err


# ---- item 7: private data stays private, chosen modes are kept --------------------------------------


@pytest.fixture
def umask():
    """set(mask) for this test; the old umask comes back after it."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("mask", [0o000, 0o022])
def test_the_history_and_its_folder_are_private_under_any_umask(isolated, capsys, umask, mask):
    umask(mask)
    data = isolated / "data" / "voicecoach"
    db = data / "history.sqlite3"
    recorder = open_recorder(db, now=FakeClock(), warn=lambda line: None)
    recorder.record("session_started", {"plan": [], "language": "en"})
    wal = Path(f"{db}-wal")
    assert wal.exists() and mode(wal) == 0o600 and mode(Path(f"{db}-shm")) == 0o600
    recorder.close()
    assert mode(data) == 0o700  # the old code: 0777 under umask 000
    assert mode(db) == 0o600  # the old code: 0644 under umask 022, 0666 under 000
    assert mode(Path(f"{db}.lock")) == 0o600


def test_a_folder_the_user_made_keeps_its_mode(isolated, umask):
    shared = isolated / "shared"
    shared.mkdir(mode=0o750)
    open_recorder(shared / "h.db", warn=lambda line: None).close()
    assert mode(shared) == 0o750 and mode(shared / "h.db") == 0o600


@pytest.mark.parametrize("existing", [None, 0o600, 0o640, 0o400])
def test_an_export_is_private_and_an_overwritten_one_keeps_its_mode(isolated, capsys, umask, existing):
    umask(0o022)
    db = make_history(isolated / "h.db")
    out = isolated / "sets.csv"
    if existing is not None:
        out.write_text("old\n")
        os.chmod(out, existing)
    code, _, err = run(capsys, "export", "--db", str(db), "--csv", str(out))
    assert code == 0, err
    assert out.read_text().startswith("session,")
    assert mode(out) == (existing or 0o600)  # the old code: 0644 whatever it was


# ---- item 19: a refused command leaves nothing behind -----------------------------------------------


@pytest.mark.parametrize("argv", [
    ("practice", "--text", "--drill", "nope", "--db", "{d}/p.db"),
    ("simulate", "--drill", "nope", "--db", "{d}/p.db"),
    ("simulate", "--db", "{d}/X-wal"),
    ("practice", "--text", "--db", "{d}/X-wal"),
    ("simulate", "--db", "{d}/X.shm-shm"),
])
def test_a_refused_command_creates_nothing(tmp_path, argv):
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "X").write_bytes(b"")  # a database SQLite has not written into yet
    (folder / "X.shm").write_bytes(b"")
    result = run_cli(tmp_path, *(arg.format(d=folder) for arg in argv), stdin="", timeout=60)
    assert result.returncode == 2 and result.stderr.count("voicecoach:") >= 1, result.stderr
    assert "Traceback" not in result.stderr
    assert files_in(folder) == {"X", "X.shm"}  # the old code made p.db and p.db.lock, or X-wal.lock
    assert not (tmp_path / "data").exists()


# ---- item 8: no formula, escape sequence or Lua code smuggled in through user text ----------------


def test_csv_cells_that_would_run_as_formulas_are_escaped(tmp_path, capsys):
    db = tmp_path / "h.db"
    recorder = open_recorder(db, now=FakeClock(), warn=lambda line: None)
    evil = "=cmd|' /C calc'!A0"
    for kind, data in [("session_started", {"plan": [], "language": "en"}),
                       ("set_started", {"drill": evil, "set": 1, "variation": "@SUM(A1)", "load_kg": -2.5}),
                       ("pain", {"phrase": "+1 ouch"}),
                       ("set_done", {"drill": evil, "set": 1, "reps": 3, "target_reps": 12, "variation": "@SUM(A1)",
                                     "load_kg": -2.5}),
                       ("pain", {"drill": "-x", "set": 2, "phrase": "\tsharp"})]:
        recorder.record(kind, data)
    recorder.close()
    out = tmp_path / "x.csv"
    code, _, err = run(capsys, "export", "--db", str(db), "--csv", str(out))
    assert code == 0, err
    rows = list(csv.DictReader(out.open(newline="")))
    assert rows[0]["drill"] == "'" + evil and rows[0]["variation"] == "'@SUM(A1)"  # the old code: the formula as is
    assert rows[0]["pain"] == "'+1 ouch" and rows[0]["load_kg"] == "-2.5"  # numbers stay numbers
    assert rows[1]["drill"] == "'-x" and rows[1]["pain"] == "'\tsharp"


def test_escape_sequences_in_a_user_drill_are_removed_with_a_warning(tmp_path):
    from voicecoach.program.load import builtin_files

    text = next(f for f in builtin_files() if f.name == "glute_bridge.toml").read_text()
    text = text.replace('id = "glute_bridge"', 'id = "my_bridge"', 1).replace(
        'name = "Glute bridge"', 'name = "\\u001b[2J\\u001b[31mMy bridge\\u0007"', 1).replace(
        '"Brace your belly."', '"Brace\\u001b]0;pwned\\u0007 your belly.\\u009b1m"', 1)
    folder = tmp_path / "config" / "voicecoach" / "drills"
    folder.mkdir(parents=True)
    (folder / "my_bridge.toml").write_text(text)
    shown = run_cli(tmp_path, "drills", "show", "my_bridge")
    assert shown.returncode == 0, shown.stderr
    assert "My bridge" in shown.stdout and "\x1b" not in shown.stdout and "\x07" not in shown.stdout
    assert shown.stderr.count("\n") == 1 and "my_bridge.toml" in shown.stderr and "control characters" in shown.stderr
    simulated = run_cli(tmp_path, "simulate", "--drill", "my_bridge")
    assert simulated.returncode == 0, simulated.stderr
    assert "Brace your belly." in simulated.stdout
    assert not any(ch in simulated.stdout for ch in "\x1b\x07\x9b")  # the old code printed them raw


@pytest.mark.parametrize("name", ["USB\nos.execute('touch /tmp/pwned') --", 'USB" }', "USB'", "a\\b", "USB*", "\x1b[31mUSB",
                                  "x" * 101])
@pytest.mark.parametrize("option", ["--speaker", "--microphone"])
def test_the_installer_refuses_device_names_that_would_break_the_lua_rule(tmp_path, option, name):
    from test_pi_install import Sandbox

    box = Sandbox(tmp_path, dry=False, lite=True)
    result = box.run("--no-model", option, name)
    assert result.returncode == 2, result.stdout + result.stderr  # the old script wrote a rule that runs the code
    assert result.stderr.count("\n") == 1 and "one line" in result.stderr
    assert box.changes() == [] and not (box.home / ".config/wireplumber").exists()


def test_the_installer_takes_a_plain_device_name(tmp_path):
    from test_pi_install import Sandbox

    box = Sandbox(tmp_path, dry=True, lite=True)
    result = box.run("--dry-run", "--no-model", "--speaker", "USB PnP (2) - C-Media", "--sound", "pipewire")
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"*USB PnP (2) - C-Media*"' in result.stdout


def test_practice_under_a_lock_held_throughout_says_so_once_and_the_next_one_saves_it(tmp_path):
    db = make_history(tmp_path / "h.db")
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    first = run_cli(tmp_path, "practice", "--text", "--rate", "450", "--db", str(db), stdin="stop\n", timeout=120,
                    VOICECOACH_VOICE_ENGINE="none")
    assert first.returncode == 0, first.stderr
    assert first.stdout.count(f"COACH: {KEPT_LINE}") == 1, first.stdout  # the old session only warned on stderr
    assert f"{db}.unsaved" in first.stderr
    other.execute("ROLLBACK")
    other.close()
    second = run_cli(tmp_path, "practice", "--text", "--rate", "450", "--db", str(db), stdin="stop\n", timeout=120,
                     VOICECOACH_VOICE_ENGINE="none")
    assert second.returncode == 0 and "an earlier session could not save" in second.stderr, second.stderr
    reasons = [r for (r,) in sqlite3.connect(db).execute("SELECT end_reason FROM sessions ORDER BY id")]
    assert reasons == ["completed", "stopped", "stopped"]
    assert not Path(f"{db}.unsaved").exists()


# ---- properties (hypothesis, derandomized): special files, odd names, hostile text --------------------

PROPS = settings(max_examples=int(os.environ.get("VOICECOACH_FAULT_EXAMPLES", "40")), deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])
PATH_ARGUMENTS = {  # command line with {p} where the path goes, and whether the path is the database
    "export-csv": (("export", "--db", "{db}", "--csv", "{p}"), False),
    "history-plot": (("history", "--db", "{db}", "--plot", "{p}"), False),
    "diagram-out": (("diagram", "--out", "{p}"), False),
    "simulate-db": (("simulate", "--drill", "wall_hinge", "--db", "{p}"), True),
    "history-db": (("history", "--db", "{p}"), True),
    "progress-db": (("progress", "--db", "{p}"), True),
    "export-db": (("export", "--csv", "{out}", "--db", "{p}"), True),
}
PATH_KINDS = ["fifo", "socket", "chardev", "blockdev", "link-to-fifo", "dangling-link", "folder"]


def make_kind(folder: Path, kind: str, sockets: list) -> Path:
    """A path of `kind` in `folder` (device nodes only as root; a FIFO stands in for them otherwise)."""
    path = folder / "target"
    if kind in ("chardev", "blockdev") and not IS_ROOT:
        kind = "fifo"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        sockets.append(sock)
    elif kind in ("chardev", "blockdev"):
        bit, device = (stat.S_IFCHR, os.makedev(1, 3)) if kind == "chardev" else (stat.S_IFBLK, os.makedev(7, 200))
        os.mknod(path, bit | 0o600, device)
    elif kind == "link-to-fifo":
        os.mkfifo(folder / "fifo")
        path.symlink_to(folder / "fifo")
    elif kind == "dangling-link":
        path.symlink_to(folder / "elsewhere.out")
    elif kind == "folder":
        path.mkdir()
    return path


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: kind_of(p) for p in folder.iterdir()}


@PROPS
@given(command=st.sampled_from(sorted(PATH_ARGUMENTS)), kind=st.sampled_from(PATH_KINDS))
def test_any_special_file_as_any_path_argument(tmp_path, capsys, command, kind):
    """Exit 0/1/2 in one line, no traceback; a special file stays what it was; a refusal makes no file;
    the history is intact."""
    case = Path(tempfile.mkdtemp(prefix=f"{command}-{kind}-", dir=tmp_path))
    history = make_history(case / "history.db")
    folder = case / "paths"
    folder.mkdir()
    sockets: list = []
    try:
        path = make_kind(folder, kind, sockets)
        before = snapshot(folder)
        argv, is_db = PATH_ARGUMENTS[command]
        code, _, err = run(capsys, *(a.format(p=path, db=history, out=case / "out.csv") for a in argv))
    finally:
        for sock in sockets:
            sock.close()
    assert code in (0, 1, 2) and "Traceback" not in err
    problems = [line for line in err.splitlines() if not line.startswith("voicecoach: wrote ")]
    assert len(problems) <= 1, err
    if kind == "dangling-link" and code == 0 and command not in ("history-db", "progress-db", "export-db"):
        # written through the link, the link kept (reading a database that is not there yet makes nothing)
        assert path.is_symlink() and (folder / "elsewhere.out").is_file()
    else:
        assert snapshot(folder) == before, (err, snapshot(folder))
    if kind not in ("dangling-link", "folder"):
        assert code == 2 and "not a regular file" in err, err
    assert history_rows(history) == (1, 9, ["ok"])
    if is_db and code == 2:
        assert not (case / "out.csv").exists()


CELL_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)


@PROPS
@given(drill=CELL_TEXT.filter(bool), variation=CELL_TEXT, phrase=CELL_TEXT)
def test_no_exported_text_cell_starts_a_formula_and_every_text_comes_back(tmp_path, drill, variation, phrase):
    from voicecoach.history.report import FORMULA_STARTS, export_csv

    store_path = Path(tempfile.mkdtemp(dir=tmp_path)) / "h.db"
    recorder = open_recorder(store_path, now=FakeClock(), warn=lambda line: None)
    for kind, data in [("session_started", {"plan": [], "language": "en"}),
                       ("set_started", {"drill": drill, "set": 1, "variation": variation or None, "load_kg": None}),
                       ("pain", {"phrase": phrase}),
                       ("set_done", {"drill": drill, "set": 1, "reps": 1, "target_reps": 1, "variation": variation or None})]:
        recorder.record(kind, data)
    sessions = recorder.store.sessions()
    recorder.close()
    buffer = io.StringIO(newline="")
    export_csv(sessions, buffer)
    (row,) = list(csv.DictReader(io.StringIO(buffer.getvalue(), newline="")))
    for column, original in (("drill", drill), ("variation", variation), ("pain", phrase)):
        cell = row[column]
        assert not cell.startswith(FORMULA_STARTS), (column, cell)
        assert (cell[1:] if original.startswith(FORMULA_STARTS) else cell) == original


@PROPS
@given(text=st.text(max_size=40))
def test_cleaned_drill_text_has_no_control_characters_and_keeps_the_rest(text):
    import unicodedata

    from voicecoach.program.cleantext import clean_text

    cleaned = clean_text(text)
    assert not any(unicodedata.category(ch) == "Cc" for ch in cleaned)
    assert clean_text(cleaned) == cleaned
    if not any(unicodedata.category(ch) == "Cc" for ch in text):
        assert cleaned == text


@settings(PROPS, max_examples=12)
@given(name=st.text(st.sampled_from("file:x.db?mode=memory&ro#%20 "), min_size=1, max_size=16).filter(
    lambda n: n.strip(" ") == n and n not in (".", "..") and not n.endswith(("-wal", "-shm", "-journal"))))
def test_any_db_name_is_the_file_of_that_name(tmp_path, capsys, monkeypatch, name):
    case = Path(tempfile.mkdtemp(dir=tmp_path))
    monkeypatch.chdir(case)
    code, _, err = run(capsys, "simulate", "--db", name, "--drill", "wall_hinge")
    assert code == 0 and err == "", err
    assert rows_of(case / name) == (1, 3)
    assert {p.name for p in case.iterdir()} <= {name, f"{name}.lock", f"{name}-wal", f"{name}-shm"}
