"""Property test: random commands at random times never crash the coach or break its promises."""

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from coach_helpers import make_coach
from voicecoach.coach.commands import Command
from voicecoach.events import CommandHeard, NotUnderstood, Record, Say, SpeechDone, Tick

STEP = st.tuples(
    st.floats(min_value=0.0, max_value=40.0, allow_nan=False),
    st.one_of(st.sampled_from([c.value for c in Command]), st.sampled_from(["tick", "tick", "tick", "speech_done", "mumble"])),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drill=st.sampled_from(["wall_hinge", "dowel_hinge", "kettlebell_swing", "weighted_rdl", "glute_bridge"]), steps=st.lists(STEP, max_size=60))
@example(drill="wall_hinge", steps=[(0.0, "next"), (0.0, "skip"), (3.0, "pain")])  # ends on its own before the pain
def test_random_sessions_keep_every_promise(drill, steps):
    coach = make_coach(drill, count_in_s=3.0)
    coach.begin_session(0.0)
    now = 0.0
    ended = False
    for gap, what in steps:
        now += gap
        if what not in ("tick", "speech_done"):
            # Let the timers due by now run first, so `before` is the state the person spoke in
            # (a session can end on its own between two commands).
            ended = ended or _ends_quietly(coach, now)
        before = coach.state
        answering = before == "safety" and coach.asked_pain_gone()  # pain then answers "Has the pain gone?"
        frozen = coach.timer_remaining() if before == "paused" else None
        if what == "tick":
            event = Tick(now)
        elif what == "speech_done":
            event = SpeechDone(0, now)
        elif what == "mumble":
            event = NotUnderstood("mumble", at=now)
        else:
            event = CommandHeard(what, what, at=now)
        actions = coach.handle(event)
        spoken = [a for a in actions if isinstance(a, Say)]
        if ended:
            assert spoken == [], "nothing is said after the session ended"
            assert coach.state == "ended"
        if what == "pain" and before in ("pain_check", "ended") or what == "pain" and answering:
            assert coach.state == "ended", "pain as the answer to a pain question ends the day"
        elif what == "pain":
            assert coach.state == "safety", "pain ends in the safety state within the same event"
            # Lines whose time came before the pain report may precede it; after it, only safety lines.
            first = next(i for i, say in enumerate(spoken) if say.interrupt and say.kind == "safety")
            assert all(say.kind == "safety" for say in spoken[first:])
            assert any(isinstance(a, Record) and a.kind == "pain" for a in actions)
        if before == "paused" and coach.state == "paused":
            assert coach.timer_remaining() == frozen, "pause freezes every timer"
            if what in ("tick", "speech_done"):
                assert actions == [], "nothing happens by itself while paused"
        if what == "stop" and before != "ended":
            assert coach.state == "ended"
        if coach.state == "ended":
            ended = True
            assert coach.next_due() is None
        due = coach.next_due()
        assert due is None or due >= coach.now - 1e-9, "no timer is left in the past"


def _ends_quietly(coach, now: float) -> bool:
    """Advance `coach` to `now`; True if it is ended afterwards (its own lines are not checked here)."""
    coach.handle(Tick(now))
    return coach.state == "ended"
