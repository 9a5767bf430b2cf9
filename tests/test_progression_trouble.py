"""Issue 19, progression (points 8-10) through the real recorder and store, and the coach where a
person answers: repeated pain escalates and names the drill that hurt; days, not sessions; and an
unanswered goal is a goal."""

from dataclasses import replace

from coach_helpers import coach_lines, converse, in_set, library, until_first_set
from history_driver import DayClock, SetOutcome, run_session
from voicecoach.coach.lines import line
from voicecoach.history import open_recorder, plan_today
from voicecoach.history.progression import Rung, Standing, criterion, judge, needed_line, plan_for, standing
from voicecoach.program.plan import Plan, PlanItem

PHYSIO = "You've reported pain three sessions running. Please see a physio before you hinge again."


def _main_drill(plan: Plan) -> str:
    return next(i.drill_id for i in plan.items if not i.primer_for)


# ---- 8. repeated pain escalates, and the note names the drill that hurt ---------------------------


def test_pain_three_sessions_running_advises_a_physio_and_asks_before_any_hinging(tmp_path):
    clock = DayClock()
    recorder = open_recorder(tmp_path / "h.sqlite3", now=clock)
    heard = []
    for day, steps in enumerate([
        [*until_first_set("wall_hinge"), (in_set(), "my back hurts")],  # pain in a set
        [("Does it still hurt?", "it still hurts")],  # the day after: still hurts
        [("Does it still hurt?", "yes a little")],  # and the day after that
    ]):
        clock.day(day)
        plan = plan_today(library(), recorder.store)
        heard.append(plan.announcements)
        converse(plan, steps, recorder=recorder)
    clock.day(3)
    plan = plan_today(library(), recorder.store)
    recorder.close()
    assert heard[1] == ("You reported pain on the wall hip hinge last time, so today we stay with the wall hip hinge, "
                        "gently: two sets, a little slower.",)
    assert "wall hip hinge last time" not in heard[2][0]  # that day no drill was done: it hurt before any
    assert plan.announcements == (PHYSIO,) and plan.pain_check
    transcript, _ = converse(plan, [("Does it still hurt?", "yes")])
    said = coach_lines(transcript)
    assert PHYSIO in said and not any(text.startswith("First drill") for text in said)


def test_the_note_names_the_check_set_s_drill_when_the_pain_was_there(tmp_path):
    clock = DayClock()
    recorder = open_recorder(tmp_path / "h.sqlite3", now=clock)
    plan = Plan((PlanItem("bodyweight_rdl", 1, "palms_on_back", primer_for="weighted_rdl"), PlanItem("weighted_rdl", 3)))
    run_session(recorder, plan, lambda d, s, v, t: SetOutcome(3, pain="ouch") if d == "bodyweight_rdl" else SetOutcome(t))
    session = recorder.store.sessions()[-1]
    recorder.close()
    _rule, _after, change = judge(library(), Rung("weighted_rdl"), session, frozenset({session.day}))
    assert change.line.startswith("You reported pain on the bodyweight Romanian deadlift last time")


# ---- 9. days, not sessions -----------------------------------------------------------------------


def test_twelve_perfect_sessions_on_one_day_do_not_climb_the_ladder(tmp_path):
    clock = DayClock()
    recorder = open_recorder(tmp_path / "h.sqlite3", now=clock)
    for hour in range(12):
        clock.day(0, hour=hour)
        run_session(recorder, plan_today(library(), recorder.store))
    plan = plan_today(library(), recorder.store)
    recorder.close()
    assert _main_drill(plan) == "wall_hinge"


def test_the_qualifying_sessions_must_be_consecutive(tmp_path):
    clock = DayClock()
    recorder = open_recorder(tmp_path / "h.sqlite3", now=clock)
    days = []
    for day, person in enumerate([None, lambda d, s, v, t: SetOutcome(t - 2), None, None]):
        clock.day(day)
        plan = plan_today(library(), recorder.store)
        days.append(_main_drill(plan))
        run_session(recorder, plan, *(person,) if person else ())
    days.append(_main_drill(plan_today(library(), recorder.store)))
    recorder.close()
    # day 0 meets it, day 1 misses, days 2 and 3 meet it: the move comes after day 3, not day 2
    assert days == ["wall_hinge", "wall_hinge", "wall_hinge", "wall_hinge", "dowel_hinge"]


# ---- 10. an unanswered goal is a goal ------------------------------------------------------------


def test_an_unanswered_goal_is_the_default_for_the_plan_and_the_criterion_alike(tmp_path):
    clock = DayClock()
    recorder = open_recorder(tmp_path / "h.sqlite3", now=clock)
    plan = Plan((PlanItem("weighted_rdl", 3),), ask_goal=True)
    transcript, _ = converse(plan, [("How many kilos", "eight kilos"), ("Say ready", "ready"),
                                    ("Any pain in your low back?", "no"), ("weight stay close", "yes"),
                                    ("Say ready", "ready"), ("weight stay close", "yes")], recorder=recorder)
    assert "No answer. We do two sets of ten for now." in coach_lines(transcript)
    sessions = recorder.store.sessions()
    recorder.close()
    crit = criterion(library(), Rung("weighted_rdl"))
    assert (crit.sets, crit.reps) == (2, 10)
    assert crit.good_sets(sessions[-1], "weighted_rdl") == 2  # the plan's sets meet the criterion
    where = Standing(Rung("weighted_rdl"), None, 1, crit.good_sets(sessions[-1], "weighted_rdl"), ())
    assert "your best so far is two of two" in needed_line(library(), where)


def test_the_goal_question_is_asked_again_at_most_once(tmp_path):
    clock = DayClock()
    recorder = open_recorder(tmp_path / "h.sqlite3", now=clock)
    asked = []
    for day in range(3):
        clock.day(day)
        sessions = recorder.store.sessions()
        where = standing(library(), sessions)
        where = replace(where, rung=Rung("weighted_rdl"))
        plan = plan_for(library(), where, sessions)
        asked.append(plan.ask_goal)
        run_session(recorder, Plan((PlanItem("weighted_rdl", 2, reps=10),)), lambda d, s, v, t: SetOutcome(10))
    recorder.close()
    assert asked == [True, True, False]
