"""Issue 19, safety (points 1-6): trouble understood however it is said, no answer never means
"no pain", a yes only answers a question already asked, the load is earned, and every stop is
safe for what is in the hands. Driven through `simulate` by a person who answers what the coach
asks when it asks (`converse`), and through a real `practice --text` process."""

import pytest

from coach_helpers import (
    COUNTS, ListRecorder, coach_lines, converse, in_set, library, loaded_plan, plan_of, until_first_set,
)
from voicecoach.coach.commands import Command, load_vocabulary
from voicecoach.coach.lines import line
from voicecoach.listen.decide import command_in
from voicecoach.listen.sphinx_engine import jsgf_grammar
from voicecoach.program.plan import Plan, single_drill_plan

EN = load_vocabulary("en")
# ---- 1. pain in any words ----------------------------------------------------------------------

# The issue's own examples, then more of the ways people say it.
PAIN_WORDS = [
    "my lower back is killing me", "ouch that hurts", "that hurt", "ow that hurt", "back pain", "I hurt my back",
    "I felt a twinge", "something pulled", "that really hurts", "my back aches", "I've got a cramp",
    "sharp pain in my back", "I think I tweaked something", "it's aching", "that was painful", "my back is really sore",
]


@pytest.mark.parametrize("phrase", PAIN_WORDS)
def test_pain_in_any_words_stops_the_set_with_the_drill_s_own_stop(phrase):
    drill = library()["wall_hinge"]
    transcript, _ = converse(plan_of("wall_hinge"), [*until_first_set("wall_hinge"), (in_set(), phrase)])
    said = coach_lines(transcript, phrase)
    assert said[0] == drill.stop, said[:3]
    assert line("answer.not_understood") not in said and "That's three." not in said


def test_typed_pain_in_a_practice_process_stops_the_set(tmp_path):
    from practice_driver import Practice

    run = Practice(tmp_path / "home", tmp_path / "h.db", "--drill", "wall_hinge", respond=False)
    try:
        run.type("next")
        while "Say ready" not in " ".join(run.lines):
            run.wait_for_lines(len(run.lines) + 1)
            run.type("next")
        run.type("ready")
        run.wait_for("COACH: That's one.")
        run.type("my lower back is killing me")
        run.wait_for(r"COACH: Stop\. Stand up slowly, hands on your thighs")
    finally:
        run.kill()


@pytest.mark.parametrize("heard", ["[unk] [unk] hurt [unk]", "[unk] killing me", "ouch [unk] [unk] [unk]",
                                   "[unk] twinge", "[unk] [unk] dizzy [unk]"])
def test_a_recognizer_s_pain_word_among_unknown_words_is_pain(heard):
    assert command_in(EN, heard)[0] == Command.PAIN


def test_other_commands_still_need_to_stand_alone():
    assert command_in(EN, "[unk] next") == (None, "")
    assert command_in(EN, "[unk] [unk] that hurts")[0] == Command.PAIN


def test_the_grammars_hold_every_trouble_word_and_pocketsphinx_hears_them_among_filler():
    grammar = EN.grammar({Command.NEXT})
    assert {"hurt", "my lower back is killing me", "twinge", "pins and needles", "dizzy"} <= set(grammar)
    jsgf = jsgf_grammar(["next", "hurt"], ["the", "a"], 10.0, alarms=["hurt"])
    assert "<filler>* <alarm> <filler>*" in jsgf and "<alarm> = hurt ;" in jsgf


def test_an_answer_that_denies_pain_is_a_no_not_a_pain_stop():
    assert [EN.understand(t) for t in ("no pain", "no it doesn't hurt", "not sore")] == [Command.NO] * 3
