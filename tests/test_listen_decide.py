"""The decider on scripted result streams: fast path, final confirms, gates, half-duplex."""

import math

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from voicecoach.coach.commands import Command, load_vocabulary
from voicecoach.events import CommandHeard, CommandUnsure, Heard
from voicecoach.listen.decide import Decider, command_in
from voicecoach.settings import ListenSettings

NAN = math.nan
EN = load_vocabulary("en")
S = ListenSettings(stable_partial_s=0.1, end_silence_s=0.1, min_confidence=0.6, strict_confidence=0.8,
                   barge_in_confidence=0.75, speech_tail_s=0.4)


def partials(text, start, end, step=0.05, silence_from=None):
    """Partials of `text` every `step` from `start` to `end`; silence grows after `silence_from`."""
    out, t = [], start
    while t <= end + 1e-9:
        silence = 0.0 if silence_from is None or t < silence_from else t - silence_from
        out.append(Heard(text, NAN, False, round(t, 3), silence))
        t += step
    return out


def run(decider, stream):
    return [d for h in stream for d in decider.feed(h)]


def test_stable_partial_acts_before_the_final_and_the_final_only_confirms():
    d = Decider(EN, S, "test")
    stream = partials("next", 1.0, 1.6, silence_from=1.2) + [Heard("next", 0.95, True, 2.0)]
    out = run(d, stream)
    assert len(out) == 1 and isinstance(out[0], CommandHeard)
    assert (out[0].command, out[0].source, out[0].engine) == ("next", "partial", "test")
    assert out[0].at == pytest.approx(1.3) and math.isnan(out[0].confidence)
    assert d.confirmations == 1 and d.corrections == 0


def test_partial_waits_for_the_speaker_to_stop():
    d = Decider(EN, S)
    # stable for 0.5 s but the VAD still hears speech: no fast path; the final decides
    out = run(d, partials("next", 1.0, 1.5, silence_from=None) + [Heard("next", 0.9, True, 2.0)])
    assert [(o.command, o.source, o.at) for o in out] == [("next", "final", 2.0)]


def test_a_changing_partial_is_not_stable():
    d = Decider(EN, S)
    stream = []
    for i, t in enumerate([1.0, 1.05, 1.1, 1.15, 1.2]):
        stream.append(Heard("next" if i % 2 else "back", NAN, False, t, 0.5))
    assert run(d, stream) == []


def test_one_utterance_never_fires_twice_and_a_disagreeing_final_is_counted():
    d = Decider(EN, S)
    stream = partials("next", 1.0, 1.4, silence_from=1.0) + partials("repeat", 1.45, 1.8, silence_from=1.45)
    stream.append(Heard("repeat", 0.99, True, 2.0))
    out = run(d, stream)
    assert [o.command for o in out] == ["next"]
    assert d.corrections == 1
    # the next utterance decides again
    out = run(d, partials("repeat", 3.0, 3.3, silence_from=3.0))
    assert [o.command for o in out] == ["repeat"]


def test_final_needs_min_confidence():
    d = Decider(EN, S)
    assert run(d, [Heard("next", 0.5, True, 1.0)]) == []
    assert [o.command for o in run(d, [Heard("next", 0.61, True, 2.0)])] == ["next"]


@pytest.mark.parametrize("phrase,command", [("stop", "stop"), ("skip", "skip")])
def test_strict_commands_need_more_confidence_or_a_confirmation(phrase, command):
    d = Decider(EN, S)
    # never on a partial (its confidence is unknown)
    assert run(d, partials(phrase, 1.0, 1.5, silence_from=1.0)) == []
    out = run(d, [Heard(phrase, 0.7, True, 2.0)])
    assert out == [CommandUnsure(command, phrase, 0.7, "", 2.0)]
    assert run(d, [Heard(phrase, 0.5, True, 3.0)]) == []
    out = run(d, [Heard(phrase, 0.85, True, 4.0)])
    assert [(o.command, o.source) for o in out] == [(command, "final")]


def test_unknown_final_confidence_asks_before_strict_commands():
    d = Decider(EN, S)
    out = run(d, [Heard("stop", NAN, True, 1.0)])
    assert len(out) == 1 and isinstance(out[0], CommandUnsure) and out[0].command == "stop"
    assert [o.command for o in run(d, [Heard("next", NAN, True, 2.0)])] == ["next"]


def test_pain_always_acts_even_at_low_confidence_and_while_the_coach_speaks():
    d = Decider(EN, S)
    d.coach_speaking(True, 0.0)
    out = run(d, [Heard("that hurts", 0.2, True, 1.0)])
    assert [(o.command, o.source) for o in out] == [("pain", "final")]
    out = run(d, partials("ouch", 2.0, 2.3, silence_from=2.0))
    assert [(o.command, o.source) for o in out] == [("pain", "partial")]


def test_a_trouble_word_in_running_speech_over_the_coach_is_its_echo_a_pain_phrase_still_acts():
    """The coach says "If your low back hurts, stop and tell me": its echo, heard as running
    speech around "hurts", is not the person's pain (the live canceller test heard exactly that);
    the same words in a quiet moment are, and a pain phrase of its own acts over the coach too."""
    d = Decider(EN, ListenSettings(barge_in="full", speech_tail_s=0.4))
    d.coach_speaking(True, 0.0)
    assert run(d, [Heard("[unk] [unk] hurts [unk]", NAN, True, 1.0)]) == []
    assert [o.command for o in run(d, [Heard("that hurts", NAN, True, 2.0)])] == ["pain"]
    d.coach_speaking(False, 3.0)
    assert run(d, [Heard("[unk] hurts [unk]", NAN, True, 3.2)]) == []  # in the tail after the line
    assert [o.command for o in run(d, [Heard("[unk] [unk] hurts [unk]", NAN, True, 5.0)])] == ["pain"]


def test_a_one_word_command_must_stand_alone_a_phrase_may_have_a_little_unk():
    assert command_in(EN, "next") == (Command.NEXT, "next")
    assert command_in(EN, "[unk] next") == (None, "")  # "...and go" inside running speech
    assert command_in(EN, "go [unk]") == (None, "")
    assert command_in(EN, "[unk] that hurts") == (Command.PAIN, "that hurts")
    # issue 19: a pain word is pain among any number of unknown words; other commands are not
    assert command_in(EN, "[unk] [unk] [unk] that hurts") == (Command.PAIN, "that hurts")
    assert command_in(EN, "[unk] [unk] [unk] slow down") == (None, "")
    assert command_in(EN, "next next") == (None, "next next")
    d = Decider(EN, S)
    assert run(d, [Heard("[unk] next", 0.99, True, 1.0)]) == []
    assert run(d, partials("[unk] next", 1.5, 2.0, silence_from=1.5)) == []
    assert [o.command for o in run(d, [Heard("[unk] slow down", 0.9, True, 3.0)])] == ["slower"]


def test_commands_the_coach_does_not_accept_are_ignored_but_always_on_ones_count():
    d = Decider(EN, S)
    d.set_commands([Command.NEXT])
    assert run(d, [Heard("repeat", 0.99, True, 1.0)]) == []
    assert [o.command for o in run(d, [Heard("pause", 0.99, True, 2.0)])] == ["pause"]
    assert [o.command for o in run(d, [Heard("next", 0.99, True, 3.0)])] == ["next"]


def test_half_duplex_only_barge_in_commands_at_a_higher_threshold_while_the_coach_speaks():
    d = Decider(EN, S)
    d.coach_speaking(True, 0.0)
    assert run(d, partials("next", 1.0, 1.5, silence_from=1.0) + [Heard("next", 0.99, True, 2.0)]) == []
    assert run(d, partials("pause", 3.0, 3.5, silence_from=3.0)) == []  # no partial fast path
    assert run(d, [Heard("pause", 0.7, True, 4.0)]) == []  # below barge-in threshold
    assert [o.command for o in run(d, [Heard("pause", 0.8, True, 5.0)])] == ["pause"]


def test_an_utterance_that_began_while_the_coach_spoke_stays_gated_after_it_stops():
    d = Decider(EN, S)
    d.coach_speaking(True, 0.0)
    out = run(d, [Heard("[unk]", NAN, False, 0.9, 0.0)])
    d.coach_speaking(False, 1.0)
    # its own "next" finishes long after the coach stopped (endpointer delay): still ignored
    out += run(d, partials("next", 1.5, 2.0, silence_from=1.5) + [Heard("next", 0.99, True, 2.2)])
    assert out == []
    # a new utterance after the tail is free again
    assert [o.command for o in run(d, partials("next", 3.0, 3.3, silence_from=3.0))] == ["next"]


def test_an_utterance_that_began_before_the_coach_spoke_again_is_the_persons():
    """Said in a quiet moment, decided after the coach's next line began (the final comes 0.3-0.5 s
    after the word): not the coach's voice, so not gated. The session bench lost such commands."""
    d = Decider(EN, S)
    d.coach_speaking(True, 0.0)
    d.coach_speaking(False, 1.0)
    out = run(d, [Heard("repeat", NAN, False, 2.0, 0.0)])
    d.coach_speaking(True, 2.3)
    out += run(d, [Heard("repeat", 0.9, True, 2.6)])
    assert [o.command for o in out] == ["repeat"]
    # one that begins while that line plays is gated again
    assert run(d, [Heard("[unk]", NAN, False, 3.0, 0.0), Heard("repeat", 0.9, True, 3.5)]) == []


def test_speech_tail():
    d = Decider(EN, S)
    d.coach_speaking(True, 0.0)
    d.coach_speaking(False, 1.0)
    assert run(d, [Heard("next", 0.99, True, 1.2)]) == []  # started inside the 0.4 s tail
    assert [o.command for o in run(d, [Heard("next", 0.99, True, 1.5)])] == ["next"]


def test_full_barge_in_for_earbuds_turns_gating_off():
    from dataclasses import replace

    d = Decider(EN, replace(S, barge_in="full"))
    d.coach_speaking(True, 0.0)
    assert [o.command for o in run(d, partials("next", 1.0, 1.3, silence_from=1.0))] == ["next"]


@hsettings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "next", "[unk] next", "repeat", "back", "stop", "ouch", "[unk]"]),
                          st.booleans(), st.floats(0, 1), st.floats(0, 0.5)), max_size=60))
def test_never_more_than_one_decision_per_utterance(steps):
    d = Decider(EN, S)
    t, decided_in_utterance = 0.0, 0
    for text, final, confidence, silence in steps:
        t += 0.05
        out = d.feed(Heard(text, confidence if final else NAN, final, t, silence))
        decided_in_utterance += len(out)
        assert decided_in_utterance <= 1
        if final:
            decided_in_utterance = 0
