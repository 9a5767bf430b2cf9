"""Issue 13, point 7 through the real coach: simulated days recorded in a history database move
a person up no faster than the criteria, met in two sessions, allow."""

from coach_helpers import library
from history_driver import DayClock
from voicecoach.coach.script import ScriptLine
from voicecoach.coach.simulate import simulate
from voicecoach.history import open_recorder, plan_today
from voicecoach.settings import Settings

# What the person answers to each question (matched on the question's words).
ANSWERS = {"Any pain in your low back?": "no", "Does it still hurt?": "no", "strength, or endurance?": "endurance",
           "How many kilos": "eight kilos"}


def answer_everything(plan, settings, form="yes"):
    """A script answering every question 1 s after it starts, and "ready" to every ready prompt."""
    script: list[ScriptLine] = []
    while True:
        transcript = simulate(library(), plan, settings, script)
        pending = None
        for e in transcript:
            if e.who != "coach" or any(e.t < s.t <= e.t + 12 for s in script):
                continue
            reply = next((r for q, r in ANSWERS.items() if q in e.text), None)
            if reply is None and e.state == "form_check" and e.text.endswith("?"):
                reply = form
            if reply is None and "Say ready when you are" in e.text:
                reply = "ready"
            if reply:
                pending = ScriptLine(e.t + 1.0, reply)
                break
        if pending is None:
            return script
        script = sorted([*script, pending], key=lambda s: s.t)


def test_six_perfect_days_through_the_coach_climb_one_rung_per_two_sessions(tmp_path):
    settings = Settings()
    clock = DayClock()  # one session a day: qualifying sessions are on different days (issue 19)
    recorder = open_recorder(tmp_path / "history.sqlite3", now=clock)
    climbed = []
    for _day in range(6):
        clock.day(_day)
        plan = plan_today(library(), recorder.store)
        climbed.append(next(i.drill_id for i in plan.items if not i.primer_for))
        simulate(library(), plan, settings, answer_everything(plan, settings), recorder=recorder)
    assert climbed == ["wall_hinge", "wall_hinge", "dowel_hinge", "dowel_hinge", "bodyweight_rdl", "bodyweight_rdl"]
    assert plan_today(library(), recorder.store).items[0].variation == "fingertips_at_ears"
    recorder.close()
