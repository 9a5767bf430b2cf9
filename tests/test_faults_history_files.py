"""Issue 21, data loss (items 1-6, 19): the history database as a path, on a full disk, beside its
lock, under a lock held all session, with damaged indexes, with a name like an SQLite URI, refused."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import stat
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from cli_helpers import run_cli
from fault_helpers import fill, files_in, history_rows, isolated, make_history, run, small_disk  # noqa: F401
from history_driver import CRASH_PLAN, FakeClock, session_records
from special_files import PROPS, SPECIAL_KINDS, kind_of, make_special, rows_of, special  # noqa: F401
from voicecoach.history import open_recorder
from voicecoach.history.recorder import KEPT_LINE
from voicecoach.history.store import open_readonly


# A person who says "no" to the low-back question after the wall hinge's first set: unanswered,
# the coach waits there (issue 19: silence is never "no pain"), and the session keeps one set.
ANSWERED_SCRIPT = Path(tempfile.mkdtemp(prefix="vc-answers-")) / "no-pain.script"
ANSWERED_SCRIPT.write_text("170.5 no\n", encoding="utf-8")
ANSWERED = ("--script", str(ANSWERED_SCRIPT))


# ---- item 1: --db is a regular file or a new path ------------------------------------------------


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
    code, out, err = run(capsys, "simulate", *ANSWERED, "--drill", "wall_hinge", "--db", str(db))
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
    code, _, err = run(capsys, "simulate", *ANSWERED, "--drill", "wall_hinge", "--db", str(isolated / "a.db"))
    assert code == 2 and err.count("\n") == 1, err
    assert "is not voicecoach's lock file" in err and str(other) in err
    assert history_rows(other) == (1, 9, ["ok"])  # the old code truncated it to the session's pid
    assert not (isolated / "a.db").exists()  # refused before anything was made


@pytest.mark.parametrize("content", [b"", b"12345", b"4242\n"])
def test_a_lock_file_left_behind_is_reused(isolated, capsys, content):
    (isolated / "h.db.lock").write_bytes(content)
    code, _, err = run(capsys, "simulate", *ANSWERED, "--drill", "wall_hinge", "--db", str(isolated / "h.db"))
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
    assert run(capsys, "simulate", "--db", str(db), "--drill", "wall_hinge", *ANSWERED)[0] == 0
    damage_index(db, index)
    code, out, err = run(capsys, "history", "--db", str(db))
    assert code == 0 and "damaged indexes" in err and err.count("\n") == 1, err
    assert "Wall hip hinge  3     36" in out, out  # the old code: 0 sets, 0 reps
    code, _, err = run(capsys, "export", "--db", str(db), "--csv", str(isolated / "x.csv"))
    assert code == 0 and (isolated / "x.csv").read_text().count("\n") == 4  # header and three sets
    code, _, err = run(capsys, "simulate", "--db", str(db), "--drill", "wall_hinge", *ANSWERED)  # a session rebuilds it
    assert code == 0 and err.count("\n") == 1 and "rebuilt it" in err, err
    assert history_rows(db) == (2, 6, ["ok"])
    assert Path(f"{db}.damaged").exists()  # kept, never thrown away
    code, _, err = run(capsys, "history", "--db", str(db))
    assert code == 0 and err == ""


# ---- item 6: a --db is a path, never an SQLite URI ---------------------------------------------------


@pytest.mark.parametrize("name", ["file:x.db", "file:x.db?mode=memory", "x.db?mode=ro", "x#1.db", "50%.db"])
def test_db_names_that_look_like_uris_are_plain_files(isolated, capsys, monkeypatch, name):
    monkeypatch.chdir(isolated)
    code, _, err = run(capsys, "simulate", "--db", name, "--drill", "wall_hinge", *ANSWERED)
    assert code == 0 and err == "", err
    assert rows_of(isolated / name) == (1, 3)  # the old code wrote into x.db (or memory)
    assert not (isolated / "x.db").exists()
    code, out, _ = run(capsys, "history", "--db", name)
    assert code == 0 and "Wall hip hinge  3     36" in out
    with (isolated / f"{name}.lock").open() as lease:  # the lock guards the file the data went into
        fcntl.flock(lease, fcntl.LOCK_EX)
        code, _, err = run(capsys, "simulate", "--db", name, "--drill", "wall_hinge", *ANSWERED)
    assert code == 1 and "another voicecoach session" in err


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


# ---- property ------------------------------------------------------------------------------------------


@settings(PROPS, max_examples=12)
@given(name=st.text(st.sampled_from("file:x.db?mode=memory&ro#%20 "), min_size=1, max_size=16).filter(
    lambda n: n.strip(" ") == n and n not in (".", "..") and not n.endswith(("-wal", "-shm", "-journal"))))
def test_any_db_name_is_the_file_of_that_name(tmp_path, capsys, monkeypatch, name):
    case = Path(tempfile.mkdtemp(dir=tmp_path))
    monkeypatch.chdir(case)
    code, _, err = run(capsys, "simulate", "--db", name, "--drill", "wall_hinge", *ANSWERED)
    assert code == 0 and err == "", err
    assert rows_of(case / name) == (1, 3)
    assert {p.name for p in case.iterdir()} <= {name, f"{name}.lock", f"{name}-wal", f"{name}-shm"}


def test_a_workout_on_a_full_disk_is_kept_if_room_comes_back_by_the_end(small_disk):
    db = make_history(small_disk / "h.db")
    filler = fill(small_disk)
    warnings: list[str] = []
    recorder = open_recorder(db, now=FakeClock(2_000_000_000.0), warn=warnings.append)
    assert warnings == [f"warning: history database {db} cannot grow: the disk is full; keeping this workout in memory"]
    for kind, data in session_records(CRASH_PLAN):
        recorder.record(kind, data)
    filler.unlink()  # room again before the session ends
    recorder.close()
    assert warnings[-1] == f"this workout is kept in {db}.unsaved; the next session saves it into the history"
    open_recorder(db, warn=warnings.append).close()  # the next session
    assert [len(s.finished_sets()) for s in open_readonly(db).sessions()] == [9, 9]  # the old code lost the second


def test_a_workout_on_a_disk_that_stays_full_is_lost_in_one_line(small_disk):
    db = make_history(small_disk / "h.db")
    fill(small_disk)
    warnings: list[str] = []
    recorder = open_recorder(db, now=FakeClock(2_000_000_000.0), warn=warnings.append)
    for kind, data in session_records(CRASH_PLAN):
        recorder.record(kind, data)
    recorder.close()
    assert len(warnings) == 2 and warnings[1].startswith("warning: this workout (") and f"{db}.unsaved" in warnings[1]


@pytest.mark.parametrize("kind", ["fifo", "socket", "symlink"])
def test_a_special_file_at_the_lock_path_is_refused_and_left_alone(isolated, capsys, kind):
    lock = isolated / "h.db.lock"
    sockets: list = []
    if kind == "symlink":
        lock.symlink_to(isolated / "elsewhere")  # the old code created the link's target as the lock
    else:
        make_special(lock, kind, sockets)
    try:
        code, _, err = run(capsys, "simulate", *ANSWERED, "--drill", "wall_hinge", "--db", str(isolated / "h.db"))
    finally:
        for sock in sockets:
            sock.close()
    assert code == 2 and err.count("\n") == 1 and "is not voicecoach's lock file" in err, err
    assert not (isolated / "h.db").exists() and not (isolated / "elsewhere").exists()
