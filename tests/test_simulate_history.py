"""`simulate --db`: simulated days through the real coach build history that moves a person up."""

from history_driver import DayClock
from voicecoach.coach.script import ScriptLine
from voicecoach.coach.simulate import simulate
from voicecoach.history import open_recorder, plan_today
from voicecoach.program.load import load_library
from voicecoach.settings import Settings

from cli_helpers import run_cli


def answer_every_form_check(library, plan, settings, answer="yes"):
    """A script that answers each form-check question 2 s after it starts (found by re-simulating),
    and "no" to the low-back question (silence is never "no pain": issue 19)."""
    script: list[ScriptLine] = []
    replies = {"form_check": answer, "back_check": "no"}
    while True:
        transcript = simulate(library, plan, settings, script)
        asked = [(e.t, e.state) for e in transcript if e.who == "coach" and e.state in replies and e.text.endswith("?")]
        unanswered = [(t, st) for t, st in asked if not any(t < s.t <= t + 10 for s in script)]
        if not unanswered:
            return script
        t, state = unanswered[0]
        script = sorted([*script, ScriptLine(t + 2.0, replies[state])], key=lambda s: s.t)


def test_simulated_days_climb_the_ladder_through_the_real_coach(tmp_path):
    library = load_library(include_user=False)
    settings = Settings()
    clock = DayClock()  # one session a day: qualifying sessions are on different days (issue 19)
    recorder = open_recorder(tmp_path / "history.sqlite3", now=clock)
    climbed = []
    for _day in range(3):
        clock.day(_day)
        plan = plan_today(library, recorder.store)
        climbed.append(plan.items[0].drill_id)
        simulate(library, plan, settings, answer_every_form_check(library, plan, settings), recorder=recorder)
    recorder.close()
    # 3 x 12 with good form on the wall (seed 000), in two sessions (a team choice).
    assert climbed == ["wall_hinge", "wall_hinge", "dowel_hinge"]


def test_no_good_form_answers_means_no_promotion(tmp_path):
    """The two sessions that promote with "yes" (above) do not with "no"."""
    library = load_library(include_user=False)
    recorder = open_recorder(tmp_path / "history.sqlite3")
    for _day in range(2):
        plan = plan_today(library, recorder.store)
        simulate(library, plan, Settings(), answer_every_form_check(library, plan, Settings(), answer="no"), recorder=recorder)
    assert plan_today(library, recorder.store).items[0].drill_id == "wall_hinge"
    recorder.close()


def test_simulate_cli_records_to_db(tmp_path):
    db = tmp_path / "h.sqlite3"
    result = run_cli(tmp_path, "simulate", "--db", str(db), "--count-in", "1")
    assert result.returncode == 0, result.stderr
    history = run_cli(tmp_path, "history", "--json", "--db", str(db))
    assert history.returncode == 0, history.stderr
    assert '"wall_hinge"' in history.stdout or "Wall hip hinge" in history.stdout
