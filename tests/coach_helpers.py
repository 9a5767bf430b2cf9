"""Shared helpers for the coach tests: a library, coaches in any state, and a fake-clock player."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from voicecoach.coach.coach import Coach
from voicecoach.events import CommandHeard, Say, Tick
from voicecoach.program.load import load_library
from voicecoach.program.plan import Plan, PlanItem, single_drill_plan
from voicecoach.settings import CoachSettings

from fakes import ListRecorder  # noqa: F401  (the coach tests import it from here)


@cache
def library():
    return load_library(include_user=False)


def make_coach(drill: str = "dowel_hinge", plan: Plan | None = None, **settings) -> Coach:
    lib = library()
    return Coach(lib, plan or single_drill_plan(lib, drill), replace(CoachSettings(), **settings))


def loaded_plan(drill: str = "weighted_rdl", **plan) -> Plan:
    """A plan of one loaded drill without its primer set (as if the primer was passed)."""
    lib = library()
    return Plan((PlanItem(drill, lib[drill].sets.target),), **plan)


def command(coach: Coach, name: str, text: str = "") -> list:
    return coach.handle(CommandHeard(name, text or name, source="script", at=coach.now))


def tick_to_next(coach: Coach) -> list:
    due = coach.next_due()
    assert due is not None, f"the coach waits in {coach.state} with no timer"
    return coach.handle(Tick(due))


def run_until(coach: Coach, state: str, limit: int = 5000) -> list[tuple[float, object]]:
    """Tick the coach through its timers until it is in `state`; return (time, action) pairs.
    On the way, "Any pain in your low back?" is answered "no" when asked (silence is never no)."""
    out = []
    for _ in range(limit):
        if coach.state == state:
            return out
        if coach.state == "back_check":
            out += [(coach.now, a) for a in command(coach, "no")]
            continue
        out += [(coach.now, a) for a in tick_to_next(coach)]
    raise AssertionError(f"never reached {state}; stuck in {coach.state}")


# States that need a particular plan to be reached.
_PLANS = {
    "pain_check": lambda drill: Plan(single_drill_plan(library(), drill).items, pain_check=True),
    "goal": lambda drill: loaded_plan(ask_goal=True),
    "weight": lambda drill: loaded_plan(),
}


def coach_in(state: str, drill: str = "dowel_hinge") -> Coach:
    """A fresh coach brought into `state` by a realistic path."""
    coach = make_coach(drill, plan=_PLANS[state](drill) if state in _PLANS else None)
    if state == "idle":
        return coach
    coach.begin_session(0.0)
    form_check = ["next", "@ready", "next", "@back_check", "no"]
    paths = {
        "welcome": [],
        "pain_check": ["@pain_check"],
        "intro": ["next"],
        "goal": ["next", "@goal"],
        "weight": ["next", "@weight"],
        "ready": ["next", "@ready"],
        "set": ["next", "@ready", "next"],
        "back_check": ["next", "@ready", "next", "@back_check"],
        "form_check": form_check,
        "form_detail": [*form_check, "no"],
        "rest": [*form_check, "yes"],
        "drill_done": ["next", "@ready", "skip"],
        "paused": ["next", "@ready", "next", "pause"],
        "safety": ["next", "@ready", "next", "pain"],
        "offer": ["next", "@ready", "next", "pain", "?asked", "yes"],
        "ended": ["stop"],
    }
    for step in paths[state]:
        if step == "?asked":  # after the rest: "Has the pain gone?" (a yes before it answers nothing)
            while not coach.asked_pain_gone():
                tick_to_next(coach)
        elif step.startswith("@"):
            run_until(coach, step[1:])
        else:
            command(coach, step)
    assert coach.state == state
    return coach


def says(actions) -> list[Say]:
    return [a for a in actions if isinstance(a, Say)]


def converse(plan: Plan, steps, settings=None, recorder=None, lib=None, after: float = 0.5):
    """Simulate `plan`, answering as a person would: each step is (trigger, phrase), and the phrase
    is said `after` seconds after the first coach line (later than the previous reply) that
    contains `trigger` (or for which `trigger(entry)` is true). Returns (transcript, script)."""
    from voicecoach.coach.script import ScriptLine
    from voicecoach.coach.simulate import simulate
    from voicecoach.settings import Settings

    lib = lib or library()
    settings = settings or Settings()
    script: list[ScriptLine] = []
    for trigger, phrase in steps:
        match = (lambda e: trigger in e.text) if isinstance(trigger, str) else trigger
        transcript = simulate(lib, plan, settings, script)
        users = [i for i, e in enumerate(transcript) if e.who == "user"]
        start = users[-1] + 1 if users else 0  # after the previous reply was heard
        hit = next((e for e in transcript[start:] if e.who == "coach" and match(e)), None)
        assert hit is not None, f"the coach never said {trigger!r} after the reply {script[-1] if script else None}"
        script.append(ScriptLine(hit.t + after, phrase))
    return simulate(lib, plan, settings, script, recorder=recorder), script


def coach_lines(transcript, after: str | None = None) -> list[str]:
    """What the coach said, in order (only after the person first said `after`, when given)."""
    start = 0 if after is None else next(i for i, e in enumerate(transcript) if e.who == "user" and e.text == after)
    return [e.text for e in transcript[start:] if e.who == "coach"]



def person(drill_id: str, form: str = "yes", extra=None):
    """A person who answers what the coach asks when it asks (`simulate.answering`)."""
    from voicecoach.coach.simulate import answering

    return answering(form, extra)


def session(drill_id: str, settings=None, plan: Plan | None = None, **answers):
    """A whole session of `drill_id` (a loaded one with its check set first) answered by :func:`person`."""
    from voicecoach.coach.simulate import simulate
    from voicecoach.settings import Settings

    lib = library()
    return simulate(lib, plan or single_drill_plan(lib, drill_id), settings or Settings(), person=person(drill_id, **answers))


COUNTS = ("That's two.", "Two.")  # the second rep's count, slow or fast


def in_set(texts=COUNTS):
    """A `converse` trigger: a count said during a set (by default the second rep's)."""
    return lambda e: e.state == "set" and e.text in texts


def until_first_set(drill_id: str) -> list:
    """Replies that bring a plan of `drill_id` (loaded: without its primer) into its first set."""
    steps = [("How many kilos", "eight kilos")] if library()[drill_id].load else []
    return [*steps, ("Say ready", "ready")]


def plan_of(drill_id: str) -> Plan:
    """A plan of one drill (a loaded one without its primer set)."""
    return loaded_plan(drill_id) if library()[drill_id].loaded else single_drill_plan(library(), drill_id)
