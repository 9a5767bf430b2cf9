"""History store and recorder on real SQLite files: schema, migrations, what each record stores,
a commit per record, and bad databases (locked, read-only, newer, damaged, full disk)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from fault_helpers import fill, read_only, small_disk  # noqa: F401  (a real 8 MiB tmpfs: full and read-only disks are real)
from history_driver import CRASH_PLAN, FakeClock, SetOutcome, run_session, session_records
from voicecoach.events import RECORD_KINDS
from voicecoach.history import SAVE_FAILED_LINE, open_recorder, open_store
from voicecoach.history.store import open_readonly
from voicecoach.history.store import MIGRATIONS, SCHEMA_VERSION, StoreError, integrity_problems, migrate
from voicecoach.program.plan import Plan, PlanItem


def version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
    finally:
        conn.close()


def columns(path: Path, table: str) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    finally:
        conn.close()


# ---- schema and migrations ----------------------------------------------------------------------


def test_new_database_is_wal_with_the_current_schema(tmp_path):
    path = tmp_path / "deep" / "folder" / "history.sqlite3"
    open_store(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY version")] == list(range(1, SCHEMA_VERSION + 1))
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"sessions", "sets", "drills_done", "pains", "commands", "schema_version"} <= tables
    conn.close()


@pytest.mark.parametrize("old", range(SCHEMA_VERSION))
def test_migrates_from_every_earlier_schema_keeping_data(tmp_path, old):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    if old > 0:
        migrate(conn, MIGRATIONS[:old])
        conn.execute("INSERT INTO sessions (started_at, language, plan) VALUES ('2025-01-01T10:00:00+00:00', 'en', '[]')")
    conn.close()
    store = open_store(path)
    assert version(path) == SCHEMA_VERSION
    assert len(store.sessions()) == (1 if old > 0 else 0)
    store.close()


def test_migration_machinery_applies_new_steps_in_order_and_keeps_data(tmp_path):
    path = tmp_path / "h.sqlite3"
    recorder = open_recorder(path, now=FakeClock())
    run_session(recorder, CRASH_PLAN)
    recorder.close()
    future = (*MIGRATIONS, "ALTER TABLE sessions ADD COLUMN note TEXT;", "CREATE TABLE goals (drill TEXT);")
    store = open_store(path, migrations=future)
    assert version(path) == SCHEMA_VERSION + 2
    assert "note" in columns(path, "sessions")
    assert len(store.sessions()[0].finished_sets()) == 9
    store.close()


def test_a_failing_migration_step_leaves_the_previous_version_intact(tmp_path):
    path = tmp_path / "h.sqlite3"
    open_store(path).close()
    broken = (*MIGRATIONS, "ALTER TABLE sessions ADD COLUMN note TEXT;\nCREATE TABLE sessions (x);")
    with pytest.raises(StoreError, match="cannot be used"):
        open_store(path, migrations=broken)
    assert version(path) == SCHEMA_VERSION
    assert "note" not in columns(path, "sessions")
    assert integrity_problems(path) == []


# ---- what gets recorded -------------------------------------------------------------------------


def full_record(kind: str) -> dict:
    """A record of each kind with every key of the contract filled in."""
    values = {"plan": [{"drill": "wall_hinge", "sets": 3, "variation": None, "start_set": 1}], "language": "en",
              "drill": "wall_hinge", "set": 1, "variation": None, "load_kg": None, "reps": 12, "target_reps": 12,
              "tempo_scale": 1.2, "verbosity": "terse", "ended_early": False, "answer": "yes", "phrase": "my back hurts",
              "command": "next", "text": "next", "confidence": 0.81, "engine": "vosk", "source": "partial",
              "state": "counting", "sets_done": 1, "skipped": False, "reason": "completed", "goal": "strength"}
    return {key: values[key] for key in RECORD_KINDS[kind]}


def test_every_record_kind_of_the_contract_is_stored(tmp_path):
    path = tmp_path / "h.sqlite3"
    recorder = open_recorder(path, now=FakeClock())
    order = ["session_started", "command", "goal", "set_started", "set_done", "form_check", "pain", "drill_done", "session_ended"]
    assert sorted(order) == sorted(RECORD_KINDS)
    for kind in order:
        recorder.record(kind, full_record(kind))
    recorder.close()
    store = open_store(path)
    session = store.sessions()[0]
    (s,) = session.sets
    assert (s.drill, s.set_no, s.reps, s.target_reps, s.tempo_scale, s.verbosity, s.form_ok, s.ended_early) == \
        ("wall_hinge", 1, 12, 12, 1.2, "terse", True, False)
    assert [(p.drill, p.set_no, p.phrase) for p in session.pains] == [("wall_hinge", 1, "my back hurts")]
    assert [(d.drill, d.sets_done, d.skipped) for d in session.drills_done] == [("wall_hinge", 1, False)]
    assert session.end_reason == "completed" and session.plan[0].drill == "wall_hinge"
    assert session.goal == "strength"
    (command,) = store.commands()
    assert (command["command"], command["confidence"], command["engine"], command["state"]) == ("next", 0.81, "vosk", "counting")
    store.close()


def test_variation_load_and_a_no_to_the_form_check(tmp_path):
    path = tmp_path / "h.sqlite3"
    recorder = open_recorder(path, now=FakeClock())
    plan = Plan((PlanItem("bodyweight_rdl", 2, "fingertips_at_ears"), PlanItem("weighted_rdl", 2, None, 16.0)))
    run_session(recorder, plan, person=lambda d, n, v, t: SetOutcome(t, form="no" if n == 2 else "yes"))
    sets = open_store(path).sessions()[0].sets
    assert [(s.drill, s.variation, s.load_kg, s.form_ok) for s in sets] == [
        ("bodyweight_rdl", "fingertips_at_ears", None, True), ("bodyweight_rdl", "fingertips_at_ears", None, False),
        ("weighted_rdl", None, 16.0, True), ("weighted_rdl", None, 16.0, False)]


def test_pain_without_a_drill_is_filed_under_the_set_in_progress(tmp_path):
    recorder = open_recorder(tmp_path / "h.sqlite3", now=FakeClock())
    recorder.record("session_started", full_record("session_started"))
    recorder.record("set_started", {"drill": "dowel_hinge", "set": 2, "variation": None, "load_kg": None})
    recorder.record("pain", {"drill": None, "set": None, "phrase": "that hurts"})
    (pain,) = recorder.store.sessions()[0].pains
    assert (pain.drill, pain.set_no, pain.phrase) == ("dowel_hinge", 2, "that hurts")


def test_unknown_record_kind_is_a_programming_error(tmp_path):
    recorder = open_recorder(tmp_path / "h.sqlite3")
    with pytest.raises(ValueError, match="unknown record kind 'rep_done'"):
        recorder.record("rep_done", {})


def test_each_record_is_committed_before_record_returns(tmp_path):
    """Another connection (another process after a crash) sees every record at once."""
    path = tmp_path / "h.sqlite3"
    recorder = open_recorder(path, now=FakeClock())
    reader = sqlite3.connect(path)
    count = lambda table: reader.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: E731
    seen = []
    for kind, data in session_records(Plan((PlanItem("wall_hinge", 2),))):
        recorder.record(kind, data)
        seen.append((kind, count("sessions"), count("sets"), count("commands"),
                     reader.execute("SELECT COUNT(*) FROM sets WHERE done_at IS NOT NULL").fetchone()[0]))
    assert seen[:5] == [("session_started", 1, 0, 0, 0), ("set_started", 1, 1, 0, 0), ("command", 1, 1, 1, 0),
                        ("set_done", 1, 1, 1, 1), ("form_check", 1, 1, 1, 1)]
    assert reader.execute("SELECT end_reason FROM sessions").fetchone()[0] == "completed"
    reader.close()


# ---- bad databases: a clear message, the workout goes on in memory --------------------------------


def workout_goes_on(recorder) -> None:
    """A whole session records without raising, and the coach is told once to say so."""
    run_session(recorder, CRASH_PLAN)
    assert recorder.save_failed
    assert recorder.take_warning() == SAVE_FAILED_LINE
    assert recorder.take_warning() is None
    assert len(recorder.store.sessions()[-1].finished_sets()) >= 1


def test_locked_database(tmp_path):
    """Locked by another program at the start: the workout is kept in memory and saved once the lock
    is let go (the old recorder trained unsaved: everything was lost)."""
    path = tmp_path / "h.sqlite3"
    open_store(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    warnings = []
    recorder = open_recorder(path, timeout=0.05, warn=warnings.append)
    assert warnings == [f"warning: history database {path} is locked by another program; keeping this workout in "
                        "memory and saving it when the file can take it"]
    assert "locked" in recorder.message and not recorder.save_failed
    run_session(recorder, CRASH_PLAN)
    assert recorder.pending
    other.execute("ROLLBACK")
    other.close()
    recorder.close()
    (session,) = open_store(path).sessions()
    assert len(session.finished_sets()) == 9 and session.end_reason == "completed"


def test_locked_in_the_middle_of_a_session_loses_nothing(tmp_path, capsys):
    """D4: another program holds the write lock mid-session; once it lets go, every record is saved
    (the old recorder warned once, went to memory and lost sets 3 to 9 and the end of the session)."""
    path = tmp_path / "h.sqlite3"
    recorder = open_recorder(path, now=FakeClock(), timeout=0.05)
    records = list(session_records(CRASH_PLAN))
    for kind, data in records[:9]:  # two sets
        recorder.record(kind, data)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    for kind, data in records[9:20]:
        recorder.record(kind, data)
    assert recorder.pending and "locked" in recorder.message
    assert not recorder.save_failed and recorder.take_warning() is None  # it will be saved: the coach says nothing
    assert len(open_readonly(path).sessions()[0].finished_sets()) == 2  # readers are not blocked
    other.execute("ROLLBACK")  # the lock is freed: the next record writes everything waiting
    other.close()
    for kind, data in records[20:25]:
        recorder.record(kind, data)
    assert recorder.pending == []
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    for kind, data in records[25:]:  # locked again up to the end: close() writes the rest once it is free
        recorder.record(kind, data)
    other.execute("ROLLBACK")
    other.close()
    recorder.close()
    err = capsys.readouterr().err
    assert err.count("is locked by another program") == 2 and "is free again" in err
    (session,) = open_store(path).sessions()
    assert len(session.finished_sets()) == 9 and session.end_reason == "completed"
    assert [d.drill for d in session.drills_done] == ["wall_hinge", "dowel_hinge", "glute_bridge"]


def test_newer_schema(tmp_path):
    path = tmp_path / "h.sqlite3"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version VALUES (?, '2030-01-01')", (SCHEMA_VERSION + 5,))
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match=rf"newer voicecoach \(schema {SCHEMA_VERSION + 5}; this one knows up to {SCHEMA_VERSION}\)"):
        open_store(path)
    recorder = open_recorder(path, warn=lambda line: None)
    assert "newer voicecoach" in recorder.message
    workout_goes_on(recorder)
    assert version(path) == SCHEMA_VERSION + 5  # left as it was


def test_damaged_database_not_sqlite(tmp_path):
    path = tmp_path / "h.sqlite3"
    path.write_bytes(b"this is not a database, just some text " * 200)
    with pytest.raises(StoreError, match="is damaged .*move it aside"):
        open_store(path)
    recorder = open_recorder(path, warn=lambda line: None)
    workout_goes_on(recorder)
    assert path.read_bytes().startswith(b"this is not a database")  # not overwritten


def test_damaged_database_bad_page(tmp_path):
    path = tmp_path / "h.sqlite3"
    recorder = open_recorder(path, now=FakeClock())
    for _ in range(3):
        run_session(recorder, CRASH_PLAN)
    recorder.close()
    with open(path, "r+b") as f:
        f.seek(4096 * 2)  # a table's root page
        f.write(bytes(range(256)) * 16)
    with pytest.raises(StoreError, match="is damaged"):
        open_store(path)
    workout_goes_on(open_recorder(path, warn=lambda line: None))


def test_full_disk_mid_session_keeps_what_was_saved(small_disk, capsys):
    folder = small_disk
    path = folder / "h.sqlite3"
    recorder = open_recorder(path, now=FakeClock())
    run_session(recorder, CRASH_PLAN)  # a first, complete session
    records = list(session_records(CRASH_PLAN))
    for kind, data in records[:9]:  # two sets of the second session
        recorder.record(kind, data)
    filler = fill(folder)
    for kind, data in records[9:] + records * 3:  # keeps training: enough writes to need new pages
        recorder.record(kind, data)
    assert recorder.save_failed
    assert "the disk is full" in recorder.message
    assert "cannot grow: the disk is full" in capsys.readouterr().err
    assert recorder.take_warning() == SAVE_FAILED_LINE
    filler.unlink()
    assert integrity_problems(path) == []
    sessions = open_store(path).sessions()
    assert len(sessions[0].finished_sets()) == 9 and sessions[0].end_reason == "completed"
    assert len(sessions[1].finished_sets()) >= 2


def test_read_only_database(small_disk):
    folder = small_disk
    path = folder / "h.sqlite3"
    recorder = open_recorder(path, now=FakeClock())
    run_session(recorder, CRASH_PLAN)
    recorder.close()
    with read_only(folder):
        warnings = []
        recorder = open_recorder(path, warn=warnings.append)
        assert warnings == [f"warning: history database {path} is read-only; this workout will not be saved"]
        workout_goes_on(recorder)
    assert len(open_store(path).sessions()) == 1
