"""The coach's commands: simulate (text and JSON), practice --text, diagram."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from voicecoach.cli import main

ROOT = Path(__file__).resolve().parent.parent
LINE = re.compile(r"^\[\d\d:\d\d\.\d\] (COACH: .+|USER: .+ -> \S.*)$")


def test_simulate_prints_the_issue_format(capsys, tmp_path):
    script = tmp_path / "s.txt"
    script.write_text("# a comment\n60.5 ready   # start\n75 blah blah\n90 that hurts\n95 stop\n")
    assert main(["simulate", "--drill", "wall_hinge", "--script", str(script)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out and all(LINE.match(line) for line in out), [l for l in out if not LINE.match(l)]
    assert "[01:00.5] USER: ready -> next" in out
    assert "[01:15.0] USER: blah blah -> (not understood)" in out
    assert "[01:30.0] USER: that hurts -> pain" in out
    assert "[01:30.0] COACH: Stop. Stand up slowly, hands on your thighs if you need them." in out


def test_simulate_json_is_one_object_per_line(capsys):
    assert main(["simulate", "--drill", "glute_bridge", "--json", "--count-in", "2"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows and all(set(r) == {"t", "who", "text", "command", "state"} for r in rows)
    assert all(r["who"] == "coach" and r["command"] is None for r in rows)
    assert [r["t"] for r in rows] == sorted(r["t"] for r in rows)
    # nobody answers "Any pain in your low back?": asked again, then the coach waits (issue 19)
    assert rows[-1]["state"] == "back_check" and rows[-1]["text"].startswith("I'll wait.")


def test_simulate_reads_the_script_from_stdin(monkeypatch, capsys):
    import io
    monkeypatch.setattr(sys, "stdin", io.StringIO("5 stop\n"))
    assert main(["simulate", "--script", "-"]) == 0
    assert "[00:05.0] USER: stop -> stop" in capsys.readouterr().out


@pytest.mark.parametrize("text,message", [
    ("abc next\n", "s.txt:1: expected '<seconds> <phrase>'"),
    ("\n\n5\n", "s.txt:3: no phrase after the time 5"),
    ("-3 next\n", "s.txt:1: time must be 0 or more seconds"),
])
def test_a_bad_script_is_one_line_error(tmp_path, capsys, text, message):
    script = tmp_path / "s.txt"
    script.write_text(text)
    assert main(["simulate", "--script", str(script)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_unknown_drill_and_missing_script_are_user_errors(capsys, tmp_path):
    assert main(["simulate", "--drill", "nope"]) == 2
    assert "unknown drill 'nope'; choose one of: wall_hinge" in capsys.readouterr().err
    assert main(["simulate", "--script", str(tmp_path / "missing.txt")]) == 2
    assert "cannot read script" in capsys.readouterr().err


def test_diagram_svg_and_mermaid(tmp_path, capsys):
    svg = tmp_path / "coach.svg"
    assert main(["diagram", "--out", str(svg)]) == 0
    text = svg.read_text()
    assert "<svg" in text and "form_check" in text and "safety" in text
    mmd = tmp_path / "coach.mmd"
    assert main(["diagram", "--out", str(mmd)]) == 0
    text = mmd.read_text()
    assert text.lstrip("-\n ").startswith("voicecoach coach") and "stateDiagram-v2" in text
    assert "back_check --> form_check: advance [form_check_due]" in text


def test_practice_text_runs_from_typed_commands():
    result = subprocess.run([sys.executable, "-m", "voicecoach", "practice", "--text", "--drill", "wall_hinge"],
                            input="stop\n", capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "COACH: Stopping here." in result.stdout
    assert "COACH: Well done. See you next time." in result.stdout


def test_every_coach_command_has_help():
    for command in ("practice", "simulate", "diagram"):
        result = subprocess.run([sys.executable, "-m", "voicecoach", command, "--help"], capture_output=True,
                                text=True, timeout=60, cwd=ROOT)
        assert result.returncode == 0 and "usage: voicecoach " + command in result.stdout
