"""Issue 13, safety (points 1-6): pain, the low back, load before mastery and the weight, each
through `simulate` with a script of what a person says and the lines the coach must (not) say."""

import pytest

from coach_helpers import (
    COUNTS, ListRecorder, coach_lines, converse, in_set, library, loaded_plan, plan_of, until_first_set,
)
from voicecoach.coach.commands import load_vocabulary
from voicecoach.coach.lines import line
from voicecoach.program.plan import Plan, PlanItem, single_drill_plan

# ---- 1. after pain: only unloaded drills, only once the pain has gone, only by "next" ----------


def test_pain_in_the_swing_never_offers_a_loaded_drill_and_a_stray_yes_starts_nothing():
    steps = [*until_first_set("kettlebell_swing"), (in_set(), "my back hurts"), ("Has the pain gone?", "yes"),
             ("say next to try", "yes")]
    transcript, _ = converse(loaded_plan("kettlebell_swing"), steps)
    said = coach_lines(transcript, "my back hurts")
    assert not any("weighted Romanian deadlift" in text for text in said)
    assert said[:3] == ["Let the bell slow down, then park it on the floor. Stand up slowly.",
                        "Don't push through pain. Rest a moment.", "Has the pain gone? Say yes or no."]
    assert line("safety.offer", easier="dowel hip hinge") in said
    assert line("refuse.yes.offer") in said  # the stray yes
    assert not any(text.startswith("Next drill") for text in said)
    assert transcript[-1].text == line("summary.close_pain")


def test_next_once_the_pain_has_gone_starts_the_unloaded_drill_gently():
    steps = [*until_first_set("kettlebell_swing"), (in_set(), "pain"), ("Has the pain gone?", "yes"), ("say next to try", "next")]
    transcript, _ = converse(loaded_plan("kettlebell_swing"), steps)
    said = coach_lines(transcript, "next")
    assert said[0] == "Next drill: dowel hip hinge."


@pytest.mark.parametrize("answer", ["no", None])
def test_pain_not_gone_or_no_answer_ends_the_day(answer):
    steps = [*until_first_set("dowel_hinge"), (in_set(), "pain")] + ([("Has the pain gone?", answer)] if answer else [])
    transcript, _ = converse(single_drill_plan(library(), "dowel_hinge"), steps)
    said = coach_lines(transcript, "pain")
    assert "Session over. No progression today, because of the pain." in said
    assert not any(text.startswith("Next drill") or "say next to try" in text for text in said)


def test_pain_on_the_bottom_rung_offers_nothing_even_when_gone():
    steps = [*until_first_set("wall_hinge"), (in_set(), "pain"), ("Has the pain gone?", "yes")]
    transcript, _ = converse(single_drill_plan(library(), "wall_hinge"), steps)
    assert line("safety.no_offer") in coach_lines(transcript)


# ---- 2. each drill's own safe stop -----------------------------------------------------------


@pytest.mark.parametrize("drill_id", sorted(library().drills))
def test_pain_mid_set_ends_safely_for_that_drill(drill_id):
    drill = library()[drill_id]
    transcript, _ = converse(plan_of(drill_id), [*until_first_set(drill_id), (in_set(), "my back hurts")])
    said = coach_lines(transcript, "my back hurts")
    assert said[0] == drill.stop and drill.stop != line("safety.stop")  # its own stop, not the generic one
    assert not any(text in COUNTS or text.startswith("That's ") and text[7:-1].isalpha() for text in said[1:4])
    assert said[-1] == line("summary.close_pain")


@pytest.mark.parametrize("drill_id,words", [
    ("kettlebell_swing", "Let the bell slow down, then park it"), ("weighted_rdl", "Put the weights down at your shins"),
    ("glute_bridge", "Lower your hips slowly to the floor"),
])
def test_the_stop_fits_what_is_in_the_hands_and_where_the_body_is(drill_id, words):
    transcript, _ = converse(plan_of(drill_id), [*until_first_set(drill_id), (in_set(), "ouch")])
    assert words in coach_lines(transcript, "ouch")[0]


# ---- 3. the low back is asked about on its own, and a yes is the pain path ---------------------


def test_yes_to_low_back_pain_is_the_pain_path():
    recorder = ListRecorder()
    steps = [*until_first_set("wall_hinge"), ("Any pain in your low back?", "yes")]
    transcript, _ = converse(single_drill_plan(library(), "wall_hinge"), steps, recorder=recorder)
    said = coach_lines(transcript, "yes")
    # issue 19: the drill's own safe stop between sets too
    assert said[:3] == [library()["wall_hinge"].stop, "Don't push through pain. Rest a moment.", "Has the pain gone? Say yes or no."]
    assert ("pain", {"drill": "wall_hinge", "set": 1, "phrase": "yes: low back pain"}) in recorder.records


def test_no_feeling_in_the_hamstrings_gets_the_step_out_fix_and_no_question_is_double_barrelled():
    steps = [*until_first_set("wall_hinge"), ("Any pain in your low back?", "no"), ("hamstrings?", "no")]
    transcript, _ = converse(single_drill_plan(library(), "wall_hinge"), steps)
    said = coach_lines(transcript, "no")
    assert "Did you feel it in your hamstrings?" in said
    assert library()["wall_hinge"].correction("step_out") in said
    assert not any(d.form_check and "low back" in d.form_check for d in library())


# ---- 4. pain in other words ------------------------------------------------------------------


@pytest.mark.parametrize("phrase,place", [("my knee hurts", "knee"), ("my hamstrings hurt", "hamstrings"),
                                          ("it's sore", None), ("ouch", None), ("my hip hurts", "hip")])
def test_any_pain_phrase_stops_the_set_and_says_where(phrase, place):
    assert load_vocabulary("en").match(phrase) == "pain"
    transcript, _ = converse(single_drill_plan(library(), "dowel_hinge"), [*until_first_set("dowel_hinge"), (in_set(), phrase)])
    said = coach_lines(transcript, phrase)
    assert said[0] == library()["dowel_hinge"].stop and "Sorry, I didn't catch that." not in said
    assert (f"That's your {place}, not your back. We still stop." in said) == (place is not None)
    assert not any(text.startswith("That's ") and "your" not in text and "session" not in text for text in said)


# ---- 5 and 14. no load before the hinge is clean: an unloaded check set first -----------------


@pytest.mark.parametrize("drill_id", ["weighted_rdl", "kettlebell_swing", "band_good_morning"])
def test_a_loaded_drill_starts_with_an_unloaded_check_set(drill_id):
    plan = single_drill_plan(library(), drill_id)
    assert [(i.drill_id, i.sets, i.primer_for) for i in plan.items] == [("bodyweight_rdl", 1, drill_id),
                                                                        (drill_id, library()[drill_id].sets.target, None)]
    transcript, _ = converse(plan, [("Any pain in your low back?", "no")])  # the form check unanswered
    said = coach_lines(transcript)
    assert said[2] == "First drill: bodyweight Romanian deadlift."
    rule = line("primer.intro")
    assert rule in said and "Then no load today. We keep the hinge clean without it first." in said
    assert not any(text.startswith("Next drill") for text in said)  # no clean answer, no load


def test_a_clean_check_set_leads_to_the_load_and_the_rule_is_said_before_it():
    steps = [("Say ready", "ready"), ("Any pain in your low back?", "no"), ("upper back stay flat", "yes")]
    transcript, _ = converse(single_drill_plan(library(), "weighted_rdl"), steps)
    said = coach_lines(transcript)
    assert said.index(line("primer.intro")) < said.index("Clean. You're ready for the load.") < said.index(
        "Next drill: weighted Romanian deadlift.")


# ---- 6. the weight is asked, said and recorded ---------------------------------------------------


def test_the_weight_is_asked_said_and_recorded():
    recorder = ListRecorder()
    steps = [("How many kilos", "twelve kilos"), ("heavy for a first day", "no"), ("Say ready", "ready"),
             ("That's three.", "done")]
    transcript, _ = converse(loaded_plan("weighted_rdl"), steps, recorder=recorder)
    said = coach_lines(transcript)
    assert line("weight.first") in said and line("weight.rule") in said
    assert "Twelve kilos." in said
    started = [d for k, d in recorder.records if k == "set_started"]
    done = [d for k, d in recorder.records if k == "set_done"]
    assert started[0]["load_kg"] == 12.0 and done[0]["load_kg"] == 12.0


def test_last_time_s_weight_is_said_back():
    plan = Plan((PlanItem("weighted_rdl", 3, None, 10.0),))
    transcript, _ = converse(plan, [("How many kilos", "ten kilos")])
    assert "Last time you used ten kilos." in coach_lines(transcript)


def test_the_numbers_are_weights():
    vocabulary = load_vocabulary("en")
    assert [vocabulary.value(p) for p in ("eight kilos", "twenty four kilos", "thirty two kilos")] == [8.0, 24.0, 32.0]
    assert {vocabulary.match(p) for p in ("eight kilos", "twenty four kilos")} == {"weight"}
    assert vocabulary.match("eight") is None  # a bare number in passing speech is not a weight


def test_a_resumed_plan_without_the_primer_mark_still_gates_the_load():
    plan = Plan((PlanItem("bodyweight_rdl", 1, "palms_on_back"), PlanItem("weighted_rdl", 3)))  # as resume rebuilds it
    transcript, _ = converse(plan, [("Any pain in your low back?", "no")])
    said = coach_lines(transcript)
    assert line("primer.failed") in said and "Next drill: weighted Romanian deadlift." not in said
