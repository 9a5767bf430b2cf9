"""Issue 15, real processes: kill -9 of `practice` at random moments, SIGTERM and Ctrl-C, two sessions on one database.

`practice --text` is driven by tests/practice_driver.py (a person who answers every prompt at
once). The first kill trial plays the coach's voice into a PulseAudio virtual speaker; the others
are text only, to keep the suite fast. ``VOICECOACH_FAULT_TRIALS`` sets how many kill trials run
(20, as the issue asks; set it lower for a quick local run).
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3

import pytest

from audio_devices import pulse_env
from fault_helpers import fill, history_rows, small_disk  # noqa: F401
from practice_driver import Practice

TRIALS = int(os.environ.get("VOICECOACH_FAULT_TRIALS", "20"))
TEXT_ONLY = {"VOICECOACH_VOICE_ENGINE": "none"}
SESSION_LINES = 38  # lines a whole driven session prints (welcome to "See you next time")
RESUME = re.compile(r"Last time you stopped in set (\d) of the wall hip hinge")


def committed(db) -> tuple[int, int]:
    """(sessions, finished sets) committed so far, read while the session may still be writing."""
    if not db.exists():
        return 0, 0
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return (conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0],
                conn.execute("SELECT COUNT(*) FROM sets WHERE done_at IS NOT NULL").fetchone()[0])
    except sqlite3.OperationalError:  # killed before the schema was committed
        return 0, 0
    finally:
        conn.close()


def expected_resume(db) -> int | None:
    """The set the next practice must offer, worked out from the rows themselves (None: no offer)."""
    conn = sqlite3.connect(db)
    try:
        row = conn.execute("SELECT id, ended_at FROM sessions ORDER BY id DESC LIMIT 1").fetchone()
        if row is None or row[1] is not None:
            return None
        sid = row[0]
        if conn.execute("SELECT COUNT(*) FROM drills_done WHERE session_id = ?", (sid,)).fetchone()[0] or \
                not conn.execute("SELECT COUNT(*) FROM sets WHERE session_id = ?", (sid,)).fetchone()[0]:
            return None
        done = conn.execute("SELECT COALESCE(MAX(set_no), 0) FROM sets WHERE session_id = ? AND done_at IS NOT NULL",
                            (sid,)).fetchone()[0]
    finally:
        conn.close()
    return done + 1 if done < 3 else None


def offered(home, db, env) -> int | None:
    """Start practice again and read the resume offer (then stop without recording anything)."""
    again = Practice(home, db, env=env, respond=False)
    first = again.wait_for(r"Last time you stopped|Welcome")
    again.type("stop")
    code, err = again.finish()
    assert code == 0 and "Traceback" not in err, err
    match = RESUME.search(first)
    return int(match.group(1)) if match else None


@pytest.fixture
def speaker_env(virtual_speaker):
    return pulse_env(sink=virtual_speaker.sink)


@pytest.mark.parametrize("trial", range(TRIALS))
def test_kill_9_during_practice_loses_no_saved_record_and_resumes_at_the_right_set(tmp_path, trial, request):
    env = request.getfixturevalue("speaker_env") if trial == 0 else TEXT_ONLY
    db = tmp_path / "h.db"
    rng = random.Random(1500 + trial)
    session = Practice(tmp_path, db, env=env)
    session.wait_for_lines(rng.randint(4, SESSION_LINES - 4))
    before = committed(db)
    session.kill()
    after = history_rows(db) if db.exists() else (0, 0, ["ok"])
    assert after[2] == ["ok"]
    assert after[:2] >= before  # everything committed before the kill is still there
    expected = expected_resume(db) if db.exists() else None
    assert offered(tmp_path, db, TEXT_ONLY) == expected


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_ctrl_c_end_a_session_so_it_can_be_resumed(tmp_path, how):
    db = tmp_path / "h.db"
    session = Practice(tmp_path, db, env=TEXT_ONLY)
    session.wait_for(r"Set two of three")
    session.process.send_signal(how)
    code, err = session.finish()
    assert code == 130 and "interrupted; the next `voicecoach practice` offers to pick up" in err
    assert "Traceback" not in err
    ended = sqlite3.connect(db).execute("SELECT ended_at, end_reason FROM sessions").fetchall()
    assert ended == [(None, None)]  # left open: the old Ctrl-C recorded "stopped" and nothing could be resumed
    assert offered(tmp_path, db, TEXT_ONLY) == 2


def test_a_second_practice_on_the_same_database_is_refused(tmp_path):
    db = tmp_path / "h.db"
    first = Practice(tmp_path, db, env=TEXT_ONLY, respond=False)
    first.wait_for(r"Welcome")
    second = Practice(tmp_path, db, env=TEXT_ONLY, respond=False)
    code, err = second.finish()
    assert code == 1
    assert err.strip() == (f"voicecoach: another voicecoach session (process {first.process.pid}) is using the history "
                           f"database {db}; finish that one first, or use --db for another file")
    assert second.lines == ["<EOF>"]  # it offered nothing, said nothing
    first.type("stop")
    code, err = first.finish()
    assert code == 0, err
    assert sqlite3.connect(db).execute("SELECT end_reason FROM sessions").fetchall() == [("stopped",)]


def test_t9_practice_with_the_speech_cache_on_a_full_disk_goes_on_uncached(tmp_path, small_disk, speaker_env):
    filler = fill(small_disk)
    db = tmp_path / "h.db"
    session = Practice(tmp_path, db, env={**speaker_env, "XDG_CACHE_HOME": str(small_disk)})
    session.wait_for(r"Set one of three")
    session.type("stop")
    code, err = session.finish()
    assert code == 0 and "Traceback" not in err, err  # the old practice ended with exit 1 (RenderError)
    assert err.count("voicecoach: the speech cache") == 1 and "is full; speaking without it" in err
    assert "See you next time" in session.lines[-2]
    assert history_rows(db)[0] == 1
    filler.unlink()
