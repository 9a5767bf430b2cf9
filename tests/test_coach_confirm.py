"""A borderline stop or skip is confirmed before the coach acts on it."""

from coach_helpers import command, make_coach, run_until
from voicecoach.events import CommandUnsure, Say


def says(actions):
    return [a.text for a in actions if isinstance(a, Say)]


def unsure(coach, name):
    return coach.handle(CommandUnsure(name, name, 0.55, "vosk", at=coach.now))


def test_unsure_stop_asks_and_yes_stops():
    coach = make_coach("wall_hinge")
    coach.begin_session(0.0)
    run_until(coach, "set")
    assert says(unsure(coach, "stop")) == ["Stop the workout? Say yes or no."]
    assert coach.state == "set"
    assert {"yes", "no"} <= {c.value for c in coach.accepted_commands()}
    command(coach, "yes")
    assert coach.state == "ended"


def test_unsure_stop_and_no_carries_on():
    coach = make_coach("wall_hinge")
    coach.begin_session(0.0)
    run_until(coach, "set")
    unsure(coach, "stop")
    assert says(command(coach, "no")) == ["Okay, carrying on."]
    assert coach.state == "set"
    assert "yes" not in {c.value for c in coach.accepted_commands()}


def test_unsure_skip_not_accepted_here_asks_nothing():
    coach = make_coach("wall_hinge")
    coach.begin_session(0.0)
    run_until(coach, "rest")
    assert says(unsure(coach, "skip")) == []  # skip is refused during rest anyway
