"""Resume after an interrupted session: where it stopped, the spoken prompt, resume or new."""

from __future__ import annotations

from history_driver import FakeClock, SetOutcome, session_records
from voicecoach.history import find_interrupted, open_recorder, open_store, plan_today
from voicecoach.program.load import load_library
from voicecoach.program.plan import Plan, PlanItem

LIBRARY = load_library(include_user=False)
PLAN = Plan((PlanItem("wall_hinge", 3), PlanItem("dowel_hinge", 3), PlanItem("bodyweight_rdl", 2, "fingertips_at_ears")))


def crash_after(path, plan: Plan, stop_after: str, person=None) -> None:
    """Record a session up to and including the first record whose description matches, then
    drop the recorder without ending the session (a power cut)."""
    recorder = open_recorder(path, now=FakeClock())
    for kind, data in session_records(plan, **({"person": person} if person else {})):
        recorder.record(kind, data)
        if f"{kind} {data.get('drill')} {data.get('set')}" == stop_after:
            break
    recorder.store.conn.close()


def point_after(tmp_path, stop_after: str, plan: Plan = PLAN, person=None):
    path = tmp_path / "h.sqlite3"
    crash_after(path, plan, stop_after, person)
    return find_interrupted(open_store(path), LIBRARY)


def test_no_history_and_finished_sessions_offer_nothing(tmp_path):
    path = tmp_path / "h.sqlite3"
    store = open_store(path)
    assert find_interrupted(store, LIBRARY) is None
    recorder = open_recorder(path, now=FakeClock())
    for kind, data in session_records(PLAN):
        recorder.record(kind, data)
    assert find_interrupted(store, LIBRARY) is None


def test_stopped_inside_a_set_resumes_that_set_with_the_spoken_prompt(tmp_path):
    point = point_after(tmp_path, "set_started dowel_hinge 2")
    assert (point.drill_id, point.set_no) == ("dowel_hinge", 2)
    assert point.prompt == "Last time you stopped in set 2 of the dowel hip hinge. Say resume to pick up there, or new to start over."
    assert [(i.drill_id, i.sets, i.start_set) for i in point.plan.items] == [("dowel_hinge", 3, 2), ("bodyweight_rdl", 2, 1)]
    assert point.plan.announcements == ("Picking up at set 2 of the dowel hip hinge.",)


def test_stopped_during_the_rest_resumes_the_next_set(tmp_path):
    point = point_after(tmp_path, "form_check wall_hinge 1")
    assert (point.drill_id, point.set_no) == ("wall_hinge", 2)


def test_stopped_between_drills_resumes_the_next_drill_at_its_variation(tmp_path):
    point = point_after(tmp_path, "drill_done dowel_hinge None")
    assert (point.drill_id, point.set_no) == ("bodyweight_rdl", 1)
    assert point.plan.items == (PlanItem("bodyweight_rdl", 2, "fingertips_at_ears", None, 1),)


def test_stopped_after_the_last_set_before_drill_done_moves_on(tmp_path):
    point = point_after(tmp_path, "form_check wall_hinge 3")
    assert (point.drill_id, point.set_no) == ("dowel_hinge", 1)


def test_nothing_started_or_everything_done_offers_nothing(tmp_path):
    assert point_after(tmp_path / "a", "session_started None None") is None
    assert point_after(tmp_path / "b", "drill_done bodyweight_rdl None") is None


def test_a_session_stopped_by_pain_is_not_resumed(tmp_path):
    hurt = lambda d, n, v, t: SetOutcome(5, pain="my back hurts") if (d, n) == ("wall_hinge", 2) else SetOutcome(t)  # noqa: E731
    assert point_after(tmp_path, "pain wall_hinge 2", person=hurt) is None


def test_resume_continues_the_same_session_and_counts_for_progression(tmp_path):
    path = tmp_path / "h.sqlite3"
    plan = Plan((PlanItem("wall_hinge", 3),))
    crash_after(path, plan, "set_started wall_hinge 3")
    recorder = open_recorder(path, now=FakeClock(1_760_000_000.0))
    point = find_interrupted(recorder.store, LIBRARY)
    recorder.resume(point.session_id)
    for kind, data in session_records(point.plan):
        recorder.record(kind, data)
    (session,) = recorder.store.sessions()
    assert [s.set_no for s in session.finished_sets()] == [1, 2, 3]
    assert len(session.sets) == 3 and session.end_reason == "completed"
    assert find_interrupted(recorder.store, LIBRARY) is None
    plan = plan_today(LIBRARY, recorder.store)  # 3 good sets in one (resumed) session: once of the two needed
    assert plan.items[0].drill_id == "wall_hinge" and "once more" in plan.announcements[0]


def test_new_abandons_the_interrupted_session(tmp_path):
    path = tmp_path / "h.sqlite3"
    crash_after(path, PLAN, "set_done wall_hinge 2")
    recorder = open_recorder(path, now=FakeClock(1_760_000_000.0))
    point = find_interrupted(recorder.store, LIBRARY)
    recorder.abandon(point.session_id)
    assert find_interrupted(recorder.store, LIBRARY) is None
    session = recorder.store.sessions()[0]
    assert session.end_reason == "abandoned" and len(session.finished_sets()) == 2  # its sets stay in the history
    plan = plan_today(LIBRARY, recorder.store)
    assert plan.items[0].drill_id == "wall_hinge" and plan.items[0].start_set == 1


def test_a_session_without_a_recorded_plan_is_rebuilt_from_its_sets(tmp_path):
    path = tmp_path / "h.sqlite3"
    recorder = open_recorder(path, now=FakeClock())
    recorder.record("set_started", {"drill": "glute_bridge", "set": 1, "variation": None, "load_kg": None})
    recorder.record("set_done", {"drill": "glute_bridge", "set": 1, "reps": 12, "target_reps": 12, "tempo_scale": 1.0,
                                 "verbosity": "normal", "variation": None, "load_kg": None, "ended_early": False})
    point = find_interrupted(recorder.store, LIBRARY)
    assert (point.drill_id, point.set_no) == ("glute_bridge", 2)
    assert point.plan.items[0].sets == LIBRARY["glute_bridge"].sets.target
