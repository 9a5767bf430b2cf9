"""A week of simulated sessions through the real recorder and store: each day's plan comes from
`plan_today`, the simulated person does it, and the ladder moves exactly as the seeds say."""

from __future__ import annotations

from datetime import datetime

from history_driver import SetOutcome, session_records
from voicecoach.history import find_interrupted, open_recorder, plan_today, progress_summary
from voicecoach.history.progression import standing
from voicecoach.program.load import load_library

LIBRARY = load_library(include_user=False)
MONDAY = datetime(2025, 6, 2, 7, 30).timestamp()  # local time
DAY = 86_400.0


class DayClock:
    """Wall-clock seconds on a given day; advances a second per reading."""

    def __init__(self):
        self.now = MONDAY

    def day(self, n: int, hour: float = 0.0) -> None:
        self.now = MONDAY + n * DAY + hour * 3600

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def train(path, clock, person, crash_at: str | None = None) -> tuple[str, list[str]]:
    """One practice: resume an interrupted session if there is one, else today's plan.
    Returns (what was done, announcements heard)."""
    recorder = open_recorder(path, now=clock)
    point = find_interrupted(recorder.store, LIBRARY)
    if point:
        plan = point.plan
        recorder.resume(point.session_id)
    else:
        plan = plan_today(LIBRARY, recorder.store)
    item = plan.items[0]
    for kind, data in session_records(plan, person):
        recorder.record(kind, data)
        if crash_at == f"{kind} {data.get('set')}":
            recorder.store.conn.close()  # the plug is pulled
            return f"{item.drill_id}:{item.variation} (power cut)", list(plan.announcements)
    recorder.close()
    return f"{item.drill_id}:{item.variation}", list(plan.announcements)


def perfect(drill, set_no, variation, target):
    return SetOutcome(target)


def test_a_perfect_week_climbs_one_step_a_day(tmp_path):
    """Seed 000: 3x12 with good form; 004: 8 clean dowel reps, arm variations, 2 sets at the hardest."""
    path = tmp_path / "h.sqlite3"
    clock = DayClock()
    done, heard = [], []
    for day in range(7):
        clock.day(day)
        what, lines = train(path, clock, perfect)
        done.append(what)
        heard.append(lines)
    assert done == [
        "wall_hinge:None", "dowel_hinge:None", "band_good_morning:None", "bodyweight_rdl:palms_on_back",
        "bodyweight_rdl:fingertips_at_ears", "bodyweight_rdl:arms_crossed", "weighted_rdl:None",
    ]
    assert heard[4] == ["You did two sets of ten with good form and palms on the lower back, so today we try fingertips at the ears."]
    assert heard[6] == ["You did two sets of ten with your arms crossed, so today you move up from the bodyweight Romanian "
                        "deadlift to the weighted Romanian deadlift."]
    recorder = open_recorder(path, now=clock)
    assert plan_today(LIBRARY, recorder.store).items[0].drill_id == "kettlebell_swing"


def test_a_realistic_week_with_a_bad_set_a_power_cut_and_pain(tmp_path):
    path = tmp_path / "h.sqlite3"
    clock = DayClock()
    log = []

    def person_for(day):
        def person(drill, set_no, variation, target):
            if day == 0 and set_no == 2:
                return SetOutcome(target, form="no")  # felt it in the low back: does not count
            if day == 2 and set_no == 1:
                return SetOutcome(6)  # lost a contact point after six
            if day == 3 and set_no == 2:
                return SetOutcome(4, pain="my back hurts")
            if day == 6:
                return SetOutcome(8)  # eight of ten
            return SetOutcome(target)
        return person

    for day in range(7):
        clock.day(day)
        crash = "set_started 3" if day == 1 else None
        log.append((day, *train(path, clock, person_for(day), crash_at=crash)))
        if crash:
            clock.day(day, hour=10)  # back in the evening: resume
            log.append((day, *train(path, clock, person_for(day))))
    done = [(day, what) for day, what, _ in log]
    assert done == [
        (0, "wall_hinge:None"),                      # set 2 form "no": only 2 of 3 good sets, hold
        (1, "wall_hinge:None (power cut)"),           # cut in set 3
        (1, "wall_hinge:None"),                       # resumed at set 3: 3 good sets in one session
        (2, "dowel_hinge:None"),                      # 6 reps, then 8 clean: moves on
        (3, "band_good_morning:None"),                # pain in set 2: step back
        (4, "dowel_hinge:None"),
        (5, "band_good_morning:None"),
        (6, "bodyweight_rdl:palms_on_back"),          # 8 of 10: hold
    ]
    heard = {day: lines for day, _, lines in log}
    assert heard[2] == ["You did three sets of twelve with good form, so today you move up from the wall hip hinge to the dowel hip hinge."]
    assert heard[4] == ["You reported pain on the banded good morning last time, so today we step back to the dowel hip hinge."]
    assert heard[1] == ["Picking up at set 3 of the wall hip hinge."]
    assert heard[6] == [
        "You did three sets of twelve with good form, so today you move up from the banded good morning to the bodyweight Romanian deadlift."]
    recorder = open_recorder(path, now=clock)
    sessions = recorder.store.sessions()
    assert len(sessions) == 7  # the resumed session is one session
    where = standing(LIBRARY, sessions)
    assert [rule for _, _, rule in where.path] == [
        "otherwise: hold", "criterion met: move on", "criterion met: move on", "pain on this drill: step back",
        "criterion met: move on", "criterion met: move on", "otherwise: hold"]
    assert progress_summary(LIBRARY, recorder.store) == (
        "You're on step four of six, the bodyweight Romanian deadlift, palms on the lower back, after seven sessions "
        "and 186 reps. To move on to fingertips at the ears, do two sets of ten with good form and palms on the lower "
        "back in one session, without pain; your best so far is zero of two.")
