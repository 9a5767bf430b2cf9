"""How the coach behaves over time, all on the fake clock: reps, rest, pause, tempo, detail, records."""

import pytest

from coach_helpers import coach_in, command, make_coach, run_until, says, tick_to_next
from voicecoach.coach.answers import TEMPO_STEP
from voicecoach.coach.lines import line, speech_seconds
from voicecoach.coach.machine import counts, rows
from voicecoach.coach.coach import Coach
from voicecoach.events import RECORD_KINDS, Record, Say, Tick


def said_with_times(pairs):
    return [(t, a) for t, a in pairs if isinstance(a, Say)]


def count_times(pairs):
    """Clock time of each "That's N." in a run."""
    return [t for t, a in said_with_times(pairs) if a.text.startswith("That's ")]


def test_repeat_says_the_last_cue_word_for_word():
    coach = coach_in("intro")
    pairs = [(coach.now, a) for a in tick_to_next(coach)]
    pairs += [(coach.now, a) for a in tick_to_next(coach)]
    last = [a.text for _t, a in said_with_times(pairs)][-1]
    assert [s.text for s in says(command(coach, "repeat"))] == [last]
    command(coach, "status")  # answers are not what "repeat" repeats
    assert [s.text for s in says(command(coach, "repeat"))] == [last]


def test_a_set_counts_every_rep_on_the_drill_tempo():
    coach = coach_in("set", "wall_hinge")
    pairs = run_until(coach, "form_check")
    texts = [a.text for _t, a in said_with_times(pairs) if a.kind == "count" and a.text.startswith("That's")]
    assert texts == [line("set.rep_count", rep=n) for n in range(1, 13)]
    gaps = {round(b - a, 6) for a, b in zip(count_times(pairs), count_times(pairs)[1:])}
    assert gaps == {coach.drill.rep_seconds}
    done = [a for _t, a in pairs if isinstance(a, Record) and a.kind == "set_done"]
    assert done[0].data["reps"] == 12 and done[0].data["ended_early"] is False


def test_the_cues_rotate_so_no_line_drones():
    coach = coach_in("set", "wall_hinge")
    pairs = run_until(coach, "back_check")
    cues = [a.text for _t, a in said_with_times(pairs) if a.kind == "cue"]
    assert len(set(cues)) >= 6
    assert all(a != b for a, b in zip(cues, cues[1:]))
    mistakes = [a.text for _t, a in said_with_times(pairs) if a.kind == "mistake"]
    assert mistakes == []  # nobody reported a mistake: no correction mid-set


def test_slower_and_faster_change_the_rep_time_by_twenty_percent():
    coach = coach_in("set", "wall_hinge")
    assert says(command(coach, "slower"))[0].text == "Slower."
    pairs = run_until(coach, "form_check")
    times = count_times(pairs)
    assert times[-1] - times[-2] == pytest.approx(coach.drill.rep_seconds * TEMPO_STEP)
    assert coach.tempo_scale == pytest.approx(TEMPO_STEP)
    command(coach, "faster")
    command(coach, "faster")
    assert coach.tempo_scale == pytest.approx(1 / TEMPO_STEP)


def test_terse_is_counts_only_and_full_cues_every_phase():
    terse = make_coach("wall_hinge", verbosity="terse", count_in_s=0)
    terse.begin_session()
    run_until(terse, "ready")
    command(terse, "next")
    kinds = {a.kind for _t, a in said_with_times(run_until(terse, "form_check")) if a.kind not in ("info", "question")}
    assert kinds == {"count"}
    normal = coach_in("set", "wall_hinge")
    normal_cues = [a for _t, a in said_with_times(run_until(normal, "form_check")) if a.kind == "cue"]
    full = coach_in("set", "wall_hinge")
    command(full, "more_detail")
    assert full.verbosity == "full"
    assert says(command(full, "more_detail"))[0].text == line("pace.most_detail")
    cues = [a for _t, a in said_with_times(run_until(full, "form_check")) if a.kind == "cue"]
    assert len(cues) > len(normal_cues)


def test_next_skips_the_rest_at_once():
    coach = coach_in("rest")
    assert coach.next_due() is not None
    spoken = says(command(coach, "next"))
    assert coach.state == "ready"
    assert spoken[-1].kind == "prompt" and "Set two" in spoken[-1].text


def test_a_full_rest_announces_halfway_and_ten_seconds_then_ends_in_the_set():
    coach = coach_in("rest")
    pairs = run_until(coach, "set")
    said = said_with_times(pairs)
    assert [a.text for _t, a in said[:2]] == ["Halfway.", "Ten seconds. Get in position."]
    halfway, ten = said[0][0], said[1][0]
    assert ten - halfway == pytest.approx(coach.drill.rest_s / 2 - 10)
    assert pairs[-1][0] - ten == pytest.approx(10)  # the rest is over ten seconds after "ten seconds"
    assert said[-1][1].text == "Set two of three. Here we go." and coach.state == "set"
    assert not any(a.text in ("Three.", "Two.", "One.") for _t, a in said)


def test_pause_freezes_every_timer_exactly():
    coach = coach_in("set")
    tick_to_next(coach)
    before = coach.timer_remaining()
    command(coach, "pause")
    assert coach.state == "paused" and coach.next_due() is None
    assert coach.timer_remaining() == pytest.approx(before)
    assert coach.handle(Tick(coach.now + 600)) == []
    resumed = says(command(coach, "resume"))
    assert coach.state == "set" and resumed[0].text.startswith("Back to it. Set one, rep one")
    lead = speech_seconds(resumed[0].text, 160)
    assert [r - lead for r in coach.timer_remaining()] == pytest.approx(before)


def test_done_ends_the_set_early_and_the_reps_count():
    coach = coach_in("set", "wall_hinge")
    while coach.position["reps_done"] < 3:
        tick_to_next(coach)
    actions = command(coach, "done")
    record = next(a for a in actions if isinstance(a, Record) and a.kind == "set_done")
    assert record.data["reps"] == 3 and record.data["ended_early"] is True
    assert coach.state == "back_check"


def test_back_restarts_the_set_and_back_from_rest_redoes_it():
    coach = coach_in("set")
    command(coach, "back")
    assert coach.state == "ready" and coach.position["set"] == 1
    coach = coach_in("rest")
    command(coach, "back")
    assert coach.state == "ready" and coach.position["set"] == 1


def test_pain_offers_the_easier_drill_only_after_the_pain_has_gone_and_only_by_next():
    coach = coach_in("safety")
    assert coach.drill.id == "dowel_hinge"
    assert says(command(coach, "next"))[0].kind == "refusal"  # first: has the pain gone?
    assert [s.text for s in says(command(coach, "yes"))] == ["Rest first. I'll ask you in a moment."]  # issue 19
    while not coach.asked_pain_gone():
        tick_to_next(coach)
    command(coach, "yes")
    assert coach.state == "offer"
    assert says(command(coach, "yes"))[0].kind == "refusal"  # a stray yes takes nothing
    command(coach, "next")
    assert coach.state == "intro" and coach.drill.id == "wall_hinge"
    assert coach.item.tempo_scale > 1 and coach.item.sets <= 2  # gently
    command(coach, "pain")
    assert coach.state == "safety"
    while not coach.asked_pain_gone():
        tick_to_next(coach)
    ended = [a for a in command(coach, "yes") if isinstance(a, Record) and a.kind == "session_ended"]
    assert coach.state == "ended" and ended[0].data["reason"] == "pain"  # offered once only


def test_a_whole_session_emits_the_record_contract_in_order():
    coach = make_coach("wall_hinge", answer_timeout_s=1.0)
    actions = [(0.0, a) for a in coach.begin_session()]
    actions += run_until(coach, "ended")
    records = [a for _t, a in actions if isinstance(a, Record)]
    for r in records:
        assert set(r.data) == set(RECORD_KINDS[r.kind])
    kinds = [r.kind for r in records]
    # the low-back question (answered "no": a command) comes after the drill's first set only
    assert kinds == ["session_started", "set_started", "set_done", "command"] + ["set_started", "set_done"] * 2 + \
        ["drill_done", "session_ended"]
    assert records[-1].data["reason"] == "completed"


def test_no_timer_is_left_behind_when_the_session_ends():
    coach = coach_in("rest")
    command(coach, "stop")
    assert coach.next_due() is None and coach.handle(Tick(coach.now + 1000)) == []


def test_the_machine_table_names_only_real_callbacks():
    for trigger, sources, dest, guard, action in rows():
        assert callable(getattr(Coach, action)), action
        if guard:
            assert callable(getattr(Coach, guard.lstrip("!"))), guard
    states, transitions = counts()
    assert states == 17 and transitions > 150
