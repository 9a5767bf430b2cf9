"""Progression engine: each drill's rule, table-driven from the loaded library (pure logic).

For every drill with a progression criterion, the cases below are built from that drill's own
data (sets, reps, good form, variation), so a new or changed drill file is tested the same way.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from voicecoach.history.progression import (
    RULES,
    Rung,
    criterion,
    goal_target,
    plan_for,
    regression_target,
    standing,
    start_rung,
    summary_line,
)
from voicecoach.history.records import PainRecord, SessionRecord, SetRecord
from voicecoach.program.load import load_library

LIBRARY = load_library(include_user=False)
DAY0 = datetime(2025, 3, 3, 9, 0).astimezone()  # local time: "a day" is a local calendar day


def make_session(sid: int, day: int, sets: list[tuple], pains: list[str | tuple] = (), hour: int = 0) -> SessionRecord:
    """sets: (drill, reps, form "yes"/"no"/None, variation[, load]); pains: drill ids (or (drill, set))."""
    start = DAY0 + timedelta(days=day, hours=hour)
    records, numbers = [], {}
    for spec in sets:
        drill, reps, form, variation, *load = spec
        numbers[drill] = numbers.get(drill, 0) + 1
        records.append(SetRecord(drill, numbers[drill], start, start, reps, reps, 1.0, "normal", variation,
                                 load[0] if load else None, False, {"yes": True, "no": False, None: None}[form]))
    pain_records = tuple(PainRecord(start, p if isinstance(p, str) else p[0], None, "that hurts") for p in pains)
    return SessionRecord(sid, start, start, "completed", "en", (), tuple(records), pain_records, (), 0)


def meets(rung: Rung, *, sets_delta: int = 0, reps_delta: int = 0, bad_form_on: int | None = None,
          variation: str | None = "same") -> list[tuple]:
    """The sets of a session that exactly meets the rung's criterion, then perturbed."""
    crit = criterion(LIBRARY, rung)
    var = rung.variation if variation == "same" else variation
    out = []
    for n in range(crit.sets + sets_delta):
        form = "no" if bad_form_on == n else "yes"
        out.append((rung.drill_id, crit.reps + reps_delta, form, var))
    return out


def rungs_with_criteria() -> list[Rung]:
    """Every (drill, variation) position that has a criterion, climbing the ladder from the bottom."""
    out, rung = [], start_rung(LIBRARY)
    while criterion(LIBRARY, rung) is not None:
        out.append(rung)
        rung = criterion(LIBRARY, rung).leads_to
    return out


CLIMB = rungs_with_criteria()
IDS = [f"{r.drill_id}:{r.variation}" if r.variation else r.drill_id for r in CLIMB]


NEEDED = LIBRARY.criterion_sessions  # sessions at the criterion before moving on (a team choice: 2)


def history_to(rung: Rung, primed: bool = False) -> list[SessionRecord]:
    """Perfect sessions that bring a new person to ``rung`` (NEEDED per step); `primed`: plus
    NEEDED - 1 perfect sessions on ``rung``, so the next one that meets the criterion moves on."""
    sessions, here = [], start_rung(LIBRARY)
    while here != rung:
        for _ in range(NEEDED):
            sessions.append(make_session(len(sessions) + 1, len(sessions), meets(here)))
        here = criterion(LIBRARY, here).leads_to
    if primed:
        for _ in range(NEEDED - 1):
            sessions.append(make_session(len(sessions) + 1, len(sessions), meets(rung)))
    return sessions


def judge_after(rung: Rung, session_sets: list[tuple], pains=(), extra: list[SessionRecord] = ()):
    before = history_to(rung, primed=True)
    day = len(before) + 5
    sessions = [*before, *extra, make_session(len(before) + len(extra) + 1, day, session_sets, pains, hour=8)]
    return standing(LIBRARY, sessions)


def test_the_climb_covers_the_whole_ladder_in_seed_order():
    drills = list(dict.fromkeys(r.drill_id for r in CLIMB))
    assert drills == list(LIBRARY.ladder[:-1])  # every rung but the top has a criterion
    variations = [r.variation for r in CLIMB if r.drill_id == "bodyweight_rdl"]
    assert variations == ["palms_on_back", "fingertips_at_ears", "arms_crossed"]  # seed 004, easiest first


@pytest.mark.parametrize("rung", CLIMB, ids=IDS)
def test_criterion_met_moves_on(rung):
    where = judge_after(rung, meets(rung))
    assert where.rung == criterion(LIBRARY, rung).leads_to
    assert where.change.kind in ("promoted", "harder_variation")
    assert where.change.line.startswith("You did ") and where.change.line.count(".") == 1


@pytest.mark.parametrize("rung", CLIMB, ids=IDS)
def test_the_criterion_met_once_is_not_enough(rung):
    """Team choice: the criterion in two sessions, so one good day (and one self-rated yes) never promotes."""
    sessions = [*history_to(rung), make_session(200, 60, meets(rung))]
    where = standing(LIBRARY, sessions)
    assert where.rung == rung and where.change.kind == "met_once"
    assert "once more" in where.change.line
    pain_between = make_session(201, 61, meets(rung), pains=["glute_bridge"])
    again = standing(LIBRARY, [*sessions, pain_between, make_session(202, 62, meets(rung))])
    assert again.rung == rung, "a pain day starts the count again"


@pytest.mark.parametrize("rung", CLIMB, ids=IDS)
@pytest.mark.parametrize("case", ["one set short", "one rep short", "bad form on one set", "no form answer", "easier variation"])
def test_criterion_not_met_holds(rung, case):
    crit = criterion(LIBRARY, rung)
    sets = {
        "one set short": lambda: meets(rung, sets_delta=-1) if crit.sets > 1 else meets(rung, reps_delta=-1),
        "one rep short": lambda: meets(rung, reps_delta=-1),
        "bad form on one set": lambda: meets(rung, bad_form_on=0),
        "no form answer": lambda: [(d, r, None, v) for d, r, _, v in meets(rung)],
        "easier variation": lambda: meets(rung, variation=LIBRARY[rung.drill_id].variations[0].id if rung.variation else None),
    }[case]()
    if case in ("bad form on one set", "no form answer"):
        assert crit.good_form, "every built-in criterion asks for good form (seeds 000, 004)"
    if case == "easier variation" and (rung.variation is None or LIBRARY[rung.drill_id].variations[0].id == rung.variation):
        sets = meets(rung, reps_delta=-1)  # no easier variation here: a short session must hold too
    where = judge_after(rung, sets)
    assert where.rung == rung
    assert where.change is None


def test_more_than_enough_sets_with_some_bad_still_counts_the_good_ones():
    rung = Rung("wall_hinge")
    where = judge_after(rung, meets(rung, sets_delta=1, bad_form_on=0))  # 4 sets, first one bad: 3 good
    assert where.rung.drill_id == "dowel_hinge"


@pytest.mark.parametrize("rung", CLIMB, ids=IDS)
def test_pain_on_the_drill_steps_back_even_when_the_criterion_is_met(rung):
    where = judge_after(rung, meets(rung), pains=[rung.drill_id])
    target = regression_target(LIBRARY, rung.drill_id)
    assert where.rung.drill_id == target
    assert where.rung.variation == (LIBRARY[target].variations[0].id if LIBRARY[target].variations else None)
    assert "pain" in where.change.line
    if target != rung.drill_id:
        assert where.change.kind == "stepped_back"
        assert LIBRARY[target].name.lower() in where.change.line.lower()


@pytest.mark.parametrize("rung", CLIMB, ids=IDS)
def test_pain_elsewhere_that_day_blocks_progress(rung):
    where = judge_after(rung, [*meets(rung), ("glute_bridge", 12, "yes", None)], pains=["glute_bridge"])
    assert where.rung == rung
    assert where.change.kind == "held_for_pain"


@pytest.mark.parametrize("rung", CLIMB, ids=IDS)
def test_pain_earlier_the_same_day_blocks_progress(rung):
    before = history_to(rung)
    day = len(before) + 5
    morning = make_session(100, day, [("glute_bridge", 5, "yes", None)], pains=["glute_bridge"], hour=0)
    evening = make_session(101, day, meets(rung), hour=9)
    where = standing(LIBRARY, [*before, morning, evening])
    assert where.rung == rung
    days = [make_session(102 + n, day + 1 + n, meets(rung)) for n in range(NEEDED)]
    assert standing(LIBRARY, [*before, morning, evening, *days[:-1]]).rung == rung  # the pain day does not count
    assert standing(LIBRARY, [*before, morning, evening, *days]).rung == criterion(LIBRARY, rung).leads_to


def test_regression_target_is_the_drills_own_or_the_rung_below():
    for i, drill_id in enumerate(LIBRARY.ladder):
        own = LIBRARY[drill_id].regression
        expected = own or (LIBRARY.ladder[i - 1] if i > 0 else drill_id)
        assert regression_target(LIBRARY, drill_id) == expected


def test_pain_at_the_bottom_rung_stays_and_says_so():
    where = standing(LIBRARY, [make_session(1, 0, meets(Rung("wall_hinge")), pains=["wall_hinge"])])
    assert where.rung == Rung("wall_hinge")
    assert where.change.kind == "held_for_pain"


def test_step_back_then_climb_again():
    rung = Rung("band_good_morning")
    hurt = judge_after(rung, meets(rung), pains=["band_good_morning"])
    back = hurt.rung
    assert back.drill_id == regression_target(LIBRARY, "band_good_morning")
    sessions = [*history_to(rung), make_session(50, 30, meets(rung), ["band_good_morning"])]
    here = back
    while here != rung:  # up through the arm variations again, NEEDED sessions each
        for _ in range(NEEDED):
            sessions.append(make_session(len(sessions) + 60, len(sessions) + 60, meets(here)))
        assert standing(LIBRARY, sessions).rung == criterion(LIBRARY, here).leads_to
        here = criterion(LIBRARY, here).leads_to
    assert standing(LIBRARY, sessions).rung.drill_id == "band_good_morning"


def test_the_top_rung_has_no_criterion_and_keeps_its_place():
    top = Rung(LIBRARY.ladder[-1], LIBRARY[LIBRARY.ladder[-1]].variations[0].id if LIBRARY[LIBRARY.ladder[-1]].variations else None)
    assert criterion(LIBRARY, top) is None
    sessions = [*history_to(top), make_session(90, 40, [(top.drill_id, 10, "yes", top.variation)] * 3)]
    where = standing(LIBRARY, sessions)
    assert where.rung == top and where.change is None
    assert "top of the ladder" in summary_line(LIBRARY, sessions)


def test_sessions_with_nothing_finished_change_nothing_and_keep_the_announcement():
    promoted = [make_session(n, n, meets(Rung("wall_hinge"))) for n in range(NEEDED)]
    empty = make_session(9, 9, [])
    where = standing(LIBRARY, [*promoted, empty])
    assert where.rung.drill_id == "dowel_hinge"
    assert where.change.kind == "promoted"


def test_sets_of_other_drills_do_not_count():
    where = standing(LIBRARY, [make_session(1, 0, meets(Rung("dowel_hinge")))])  # practised ahead of the ladder
    assert where.rung == Rung("wall_hinge")


def test_plan_has_enough_sets_the_variation_and_the_last_load():
    for rung in CLIMB:
        where = judge_after(rung, meets(rung, reps_delta=-1))
        plan = plan_for(LIBRARY, where)
        item = next(i for i in plan.items if not i.primer_for)
        drill = LIBRARY[rung.drill_id]
        assert item.drill_id == rung.drill_id and item.variation == rung.variation
        assert item.sets >= criterion(LIBRARY, rung).sets
        # a drill with a range follows the goal (unanswered: the default goal, issue 19)
        assert item.sets >= drill.sets.target or item.sets == goal_target(LIBRARY, drill, None)[0]
        assert plan.announcements == ()
    loaded = Rung("weighted_rdl")
    sessions = [*history_to(loaded), make_session(70, 30, [("weighted_rdl", 8, "yes", None, 12.5)])]
    primer, item, bridge = plan_for(LIBRARY, standing(LIBRARY, sessions), sessions).items
    assert (primer.drill_id, primer.sets, primer.primer_for) == ("bodyweight_rdl", 1, "weighted_rdl")  # 004
    assert item.drill_id == "weighted_rdl" and item.load_kg == 12.5
    assert bridge.drill_id == "glute_bridge"  # 003: the accessory, after the day's rung


def test_announcement_is_one_sentence_with_the_reason():
    sessions = [make_session(n, n, meets(Rung("wall_hinge"))) for n in range(NEEDED)]
    plan = plan_for(LIBRARY, standing(LIBRARY, sessions), sessions)
    assert plan.announcements == (
        "You did three sets of twelve with good form, so today you move up from the wall hip hinge to the dowel hip hinge.",
    )
    assert plan.items[0].drill_id == "dowel_hinge"


def test_rules_table_is_ordered_pain_first():
    assert [r.name for r in RULES] == [
        "pain on this drill: step back", "pain that day: hold", "criterion met: move on", "criterion met: once more",
        "otherwise: hold"]


def test_the_day_after_pain_is_gentle_and_asks_first():
    sessions = [make_session(1, 0, meets(Rung("wall_hinge")), pains=["wall_hinge"])]
    plan = plan_for(LIBRARY, standing(LIBRARY, sessions), sessions)
    (item,) = plan.items  # no accessory on a gentle day
    assert plan.pain_check
    assert item.sets == LIBRARY.gentle_sets < LIBRARY["wall_hinge"].sets.target
    assert item.tempo_scale == LIBRARY.gentle_tempo > 1
    assert plan.announcements[0].endswith("gently: two sets, a little slower.")
    calm = [*sessions, make_session(2, 1, [("wall_hinge", 12, "yes", None)] * 2)]
    assert not plan_for(LIBRARY, standing(LIBRARY, calm), calm).pain_check


def test_the_goal_is_asked_once_and_picks_the_sets_and_reps():
    loaded = Rung("weighted_rdl")
    sessions = history_to(loaded)
    assert plan_for(LIBRARY, standing(LIBRARY, sessions), sessions).ask_goal
    first = make_session(80, 40, [("weighted_rdl", 6, "yes", None, 10.0)] * 3)
    chose = [*sessions, SessionRecord(**{**first.__dict__, "goal": "strength"})]
    plan = plan_for(LIBRARY, standing(LIBRARY, chose), chose)
    item = next(i for i in plan.items if i.drill_id == "weighted_rdl")
    assert not plan.ask_goal and (item.sets, item.reps) == (3, 6)
    assert criterion(LIBRARY, loaded, "strength").reps == 6


def test_summary_is_two_sentences():
    sessions = [make_session(1, 0, meets(Rung("wall_hinge"), sets_delta=-1))]
    line = summary_line(LIBRARY, sessions)
    assert line.count(". ") == 1 and line.endswith(".")
    assert "step one of six" in line and "two of three" in line and "dowel hip hinge" in line
    assert "with good form, in two sessions, without pain" in line
    assert date(2025, 3, 3) == sessions[0].day
