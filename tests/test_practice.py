"""`voicecoach practice` wired end to end: today's plan, history, and the resume question."""

import sqlite3

from cli_helpers import run_cli
from history_driver import FakeClock, session_records
from voicecoach.history import open_recorder
from voicecoach.program.plan import Plan, PlanItem

TEXT_ONLY = {"VOICECOACH_VOICE_ENGINE": "none"}  # speech is tested in test_speak_*; here the wiring


def interrupted_db(path):
    """A history whose last session lost power in set 2 of the dowel hinge."""
    recorder = open_recorder(path, now=FakeClock())
    for kind, data in session_records(Plan((PlanItem("dowel_hinge", 3),))):
        recorder.record(kind, data)
        if kind == "set_started" and data["set"] == 2:
            break
    recorder.store.conn.close()


def practice(tmp_path, db, stdin, *flags):
    return run_cli(tmp_path, "practice", "--text", "--rate", "450", "--db", str(db), *flags, stdin=stdin, timeout=120, **TEXT_ONLY)


def test_typed_stop_ends_the_session_and_it_is_recorded(tmp_path):
    db = tmp_path / "h.sqlite3"
    result = practice(tmp_path, db, "stop\n")
    assert result.returncode == 0, result.stderr
    assert "COACH: Welcome. Today: three sets of wall hip hinge, then three sets of glute bridge." in result.stdout
    assert "COACH: Well done. See you next time." in result.stdout
    rows = sqlite3.connect(db).execute("select end_reason from sessions").fetchall()
    assert rows == [("stopped",)]


def test_interrupted_session_is_offered_and_resumed_by_a_typed_answer(tmp_path):
    db = tmp_path / "h.sqlite3"
    interrupted_db(db)
    result = practice(tmp_path, db, "resume\nstop\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "COACH: Last time you stopped in set 2 of the dowel hip hinge. Say resume to pick up there, or new to start over." in out
    assert "COACH: Picking up at set 2 of the dowel hip hinge." in out
    assert sqlite3.connect(db).execute("select count(*) from sessions").fetchone() == (1,)  # the same session goes on


def test_new_starts_over_and_closes_the_interrupted_session(tmp_path):
    db = tmp_path / "h.sqlite3"
    interrupted_db(db)
    result = practice(tmp_path, db, "new\nstop\n")
    assert "COACH: Starting a new session." in result.stdout
    reasons = [r for (r,) in sqlite3.connect(db).execute("select end_reason from sessions order by id")]
    assert reasons == ["abandoned", "stopped"]


def test_resume_flag_skips_the_question(tmp_path):
    db = tmp_path / "h.sqlite3"
    interrupted_db(db)
    result = practice(tmp_path, db, "stop\n", "--resume")
    assert "Last time you stopped" not in result.stdout
    assert "COACH: Picking up at set 2 of the dowel hip hinge." in result.stdout


def test_unusable_database_still_trains_and_says_so(tmp_path):
    db = tmp_path / "h.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    result = practice(tmp_path, db, "stop\n")
    assert result.returncode == 0
    assert "this workout will not be saved" in result.stderr
    assert "COACH: I can't save your progress today. We'll train anyway." in result.stdout
    assert db.read_bytes() == b"this is not a database" * 100  # nothing damaged
