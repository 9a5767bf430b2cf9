"""CLI contracts: `voicecoach history [--json] [--plot]`, `progress [--json]`, `export --csv`."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from history_driver import FakeClock, SetOutcome, session_records
from voicecoach.cli import build_parser, main
from voicecoach.history import open_recorder
from voicecoach.history.report import CSV_COLUMNS
from voicecoach.program.plan import Plan, PlanItem

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db(tmp_path, monkeypatch):
    """Two sessions: three good wall-hinge sets; then a dowel session with pain in set 2."""
    monkeypatch.delenv("VOICECOACH_DB", raising=False)
    monkeypatch.delenv("VOICECOACH_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no config file
    path = tmp_path / "h.sqlite3"
    recorder = open_recorder(path, now=FakeClock())
    for kind, data in session_records(Plan((PlanItem("wall_hinge", 3),))):
        recorder.record(kind, data)
    recorder.now.now += 86_400
    hurt = lambda d, n, v, t: SetOutcome(3, pain="ouch my back") if n == 2 else SetOutcome(t)  # noqa: E731
    for kind, data in session_records(Plan((PlanItem("dowel_hinge", 3),)), hurt):
        recorder.record(kind, data)
    recorder.close()
    return path


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_history_json_contract(db, capsys):
    code, out, _ = run(capsys, "history", "--json", "--db", str(db))
    assert code == 0
    first, second = json.loads(out)
    assert {"id", "date", "started_at", "ended_at", "end_reason", "interrupted", "drills", "sets", "reps", "pain",
            "pain_reports", "set_details"} <= set(first)
    assert (first["drills"], first["sets"], first["reps"], first["pain"]) == (["wall_hinge"], 3, 36, False)
    assert (second["drills"], second["sets"], second["reps"], second["pain"]) == (["dowel_hinge"], 2, 11, True)
    assert second["pain_reports"][0]["phrase"] == "ouch my back" and second["pain_reports"][0]["set"] == 2
    assert second["end_reason"] == "pain"


def test_history_text_and_the_env_override(db, capsys, monkeypatch):
    code, out, _ = run(capsys, "history", "--db", str(db))
    lines = out.strip().splitlines()
    assert code == 0 and lines[0].split() == ["DATE", "TIME", "DRILLS", "SETS", "REPS", "PAIN", "END"]
    assert "Wall hip hinge" in lines[1] and " 36 " in lines[1] and "completed" in lines[1]
    assert "Dowel hip hinge" in lines[2] and "PAIN" in lines[2]
    monkeypatch.setenv("VOICECOACH_DB", str(db))
    assert run(capsys, "history")[1] == out


def test_progress_json_and_text(db, capsys):
    code, out, _ = run(capsys, "progress", "--json", "--db", str(db))
    data = json.loads(out)
    assert code == 0
    # one wall session is half of the two the criterion needs; pain on the dowel hinge that day: held
    assert (data["drill"], data["step"], data["of"]) == ("wall_hinge", 1, 6)
    assert data["last_change"]["kind"] == "held_for_pain"
    assert data["criterion"] == {"kind": "promoted", "sets": 3, "reps": 12, "good_form": True, "variation": None,
                                 "rule": "three sets of twelve with good form",
                                 "leads_to": {"drill": "dowel_hinge", "variation": None}}
    assert [step["status"] for step in data["ladder"]] == ["current", "ahead", "ahead", "ahead", "ahead", "ahead"]
    assert data["summary"].count(". ") == 1
    code, out, _ = run(capsys, "progress", "--db", str(db))
    assert "[>] Wall hip hinge" in out and "To move on to the dowel hip hinge, do three sets of twelve" in out
    assert "Last change: You reported pain last time, so today we stay with the wall hip hinge." in out


def test_export_csv_for_a_physiotherapist(db, tmp_path, capsys):
    target = tmp_path / "out.csv"
    code, _, err = run(capsys, "export", "--csv", str(target), "--db", str(db))
    assert code == 0 and f"wrote {target} (5 rows)" in err
    rows = list(csv.DictReader(target.open()))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [(r["drill"], r["set"], r["reps"], r["form_check"], r["pain"]) for r in rows] == [
        ("wall_hinge", "1", "12", "yes", ""), ("wall_hinge", "2", "12", "yes", ""), ("wall_hinge", "3", "12", "yes", ""),
        ("dowel_hinge", "1", "8", "yes", ""), ("dowel_hinge", "2", "3", "", "ouch my back")]


def test_history_plot_writes_a_png(db, tmp_path, capsys):
    target = tmp_path / "reps.png"
    code, _, err = run(capsys, "history", "--plot", str(target), "--db", str(db))
    assert code == 0 and "2 drills" in err
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_without_matplotlib_is_one_clear_line(db, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as on a lean Pi install
    code, out, err = run(capsys, "history", "--plot", str(tmp_path / "x.png"), "--db", str(db))
    assert code == 1
    assert err == "voicecoach: --plot needs matplotlib: pip install 'voicecoach[plot]'\n"


def test_no_history_yet(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("VOICECOACH_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no config file
    missing = tmp_path / "none.sqlite3"
    assert run(capsys, "history", "--db", str(missing))[1] == "No sessions yet.\n"
    assert json.loads(run(capsys, "history", "--json", "--db", str(missing))[1]) == []
    assert "[>] Wall hip hinge" in run(capsys, "progress", "--db", str(missing))[1]
    assert not missing.exists()  # reading does not create it


def test_damaged_database_is_one_line_and_non_zero(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("VOICECOACH_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no config file
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"garbage" * 1000)
    for argv in (["history"], ["progress"], ["export", "--csv", str(tmp_path / "x.csv")]):
        code, out, err = run(capsys, *argv, "--db", str(bad))
        assert code == 1 and out == ""
        assert err == f"voicecoach: history database {bad} is damaged (not a SQLite database); move it aside to start a new history\n"


def test_every_history_command_has_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in ("history", "progress", "export"):
        p = sub.choices[name]
        assert p.description
        for action in p._actions:
            assert action.help, (name, action.dest)
        assert any(a.dest == "store.db" for a in p._actions)


def test_the_console_entry_point(db):
    """The real command in a subprocess, as a script would call it."""
    result = subprocess.run([sys.executable, "-m", "voicecoach", "history", "--json", "--db", str(db)],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert [s["reps"] for s in json.loads(result.stdout)] == [36, 11]
