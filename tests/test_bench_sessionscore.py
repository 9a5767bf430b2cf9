"""The session figures from sessions whose every attempt and decision is known (pure logic)."""

from __future__ import annotations

import math

from voicecoach.bench.hearing import Decision, SessionLog
from voicecoach.bench.persona import Attempt, Intention
from voicecoach.bench.sessionscore import score


def _intention(i: int, command: str, *starts: float, over: bool = False) -> Intention:
    attempts = [Attempt(i, n, command, command, "test", s, s + 0.5, over) for n, s in enumerate(starts)]
    return Intention(i, command, attempts)


def _log(intentions, decisions, duration_s=3600.0, distractors=(), coach=()) -> SessionLog:
    log = SessionLog(0, "quiet", "wall_hinge", duration_s)
    log.intentions = list(intentions)
    log.decisions = [Decision(c, at, "heard", c, "set") for c, at in decisions]
    log.distractors = list(distractors)
    log.coach_talk = list(coach)
    return log


def test_a_session_whose_actions_are_known_gives_known_figures():
    log = _log(
        [_intention(0, "next", 10.0),                      # obeyed at once, 0.2 s after the word
         _intention(1, "repeat", 20.0, 23.0, over=True),   # missed, then obeyed on the retry
         _intention(2, "pause", 30.0),                     # heard as something else
         _intention(3, "status", 40.0, 43.0, 46.0, 49.0)],  # never obeyed
        [("next", 10.7), ("repeat", 23.9), ("skip", 30.8),
         ("stop", 100.0),                                   # nobody asked: the coach's own voice
         ("done", 200.5)],                                  # nobody asked: the person's chatter
        distractors=[(200.0, 201.0, "one more coffee")], coach=[(99.0, 100.5)])
    figures = score([log])
    assert figures["commands"] == 4
    assert figures["obeyed_first_time"] == 0.25
    assert figures["obeyed_first_time_over_coach"] == 0.0 and figures["commands_over_coach"] == 1
    assert figures["obeyed_first_time_between_lines"] == round(1 / 3, 4)
    assert figures["missed_per_100"] == 50.0 and figures["wrong_per_100"] == 25.0
    assert figures["unwanted"] == {"self_trigger": 1, "false_accept": 1, "wrong_action": 1}
    assert figures["unwanted_per_hour"] == 3.0
    assert figures["latency_p50_s"] == 0.3  # 0.2 s and 0.4 s after their words
    assert figures["attempts_per_command"] == 1.5 and figures["never_obeyed"] == 2  # pause (acted as skip) and status
    assert figures["confusion"]["pause->skip"] == 1 and figures["confusion"]["status->none"] == 1


def test_a_decision_answers_the_attempt_of_its_own_command_when_two_overlap():
    """Two commands 1 s apart: the first one's late decision is still its own, not the second's."""
    log = _log([_intention(0, "repeat", 10.0), _intention(1, "status", 11.0)], [("repeat", 11.2), ("status", 11.8)])
    figures = score([log])
    assert figures["obeyed_first_time"] == 1.0 and figures["unwanted_per_hour"] == 0.0


def test_no_sessions_give_no_figures_rather_than_zero():
    figures = score([])
    assert figures["commands"] == 0 and math.isnan(figures["obeyed_first_time"])


def test_first_time_is_split_by_the_rooms_rt60_and_the_persons_distance():
    near, far = _intention(0, "next", 10.0), _intention(1, "pause", 20.0)
    near.attempts[0].distance_m, far.attempts[0].distance_m = 1.7, 2.8
    reverberant = _log([near, far], [("next", 10.7)])
    reverberant.rt60_s = 0.55
    dry = _log([_intention(0, "next", 10.0)], [("next", 10.7)])
    dry.rt60_s = 0.32
    dry.intentions[0].attempts[0].distance_m = 1.6
    figures = score([reverberant, dry])
    assert figures["rt60_measured_s"] == [0.32, 0.55]
    assert figures["first_time_by_rt60"] == {"0.3-0.4": [1.0, 1], "0.5-0.6": [0.5, 2]}
    assert figures["first_time_by_distance"] == {"1.5-2": [1.0, 2], "2.5-3": [0.0, 1]}
