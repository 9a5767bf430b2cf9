"""The coach's states and transitions, as data.

Read the tables top to bottom to know how a session unfolds. Each row of :data:`TRANSITIONS` is
``(trigger, sources, destination, guard, action)``:

- `trigger` is a spoken command (a :class:`~voicecoach.coach.commands.Command` value) or one of
  the coach's own triggers (:data:`INTERNAL_TRIGGERS`: ``begin``, and ``advance`` when a state's
  work is done or its timer runs out);
- `destination` ``None`` is an internal transition: the action runs, the state stays;
- `guard` names a condition method of the coach (``"!name"`` means "unless"); the first row whose
  guard holds wins, so a row without a guard closes each group;
- `action` is the coach method run after the transition (it speaks and sets timers).

Which commands a state accepts is derived from these rows (:func:`accepted`), so the recognizer's
grammar follows the table. Pausing is the one generated group: ``pause`` from every pausable
state, and ``resume`` back to whichever state was paused (guard ``paused_in_<state>``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from voicecoach.coach.commands import Command

# name -> what happens there (also the legend in docs/coach.md).
STATES: dict[str, str] = {
    "idle": "before the session; waits for start",
    "welcome": "greets and says today's plan",
    "pain_check": "after a session with pain: does it still hurt? (yes ends the day)",
    "intro": "a drill's name, equipment and set-up steps, one at a time",
    "goal": "asked once, for a drill with a range of sets and reps: strength or endurance?",
    "weight": "a drill with a weight: how many kilos?",
    "ready": "the ready prompt before a set; waits for ready (or counts in, unloaded drills only)",
    "set": "reps on the drill's tempo, with cues, counts and mistake reminders",
    "back_check": "after a set: any pain in your low back? (yes is the pain path)",
    "form_check": "the drill's yes/no form question after a set",
    "form_detail": "after a no: where did it go wrong? (the answer picks the correction)",
    "rest": "rest between sets, with the next set's focus; ends in the next set",
    "drill_done": "a drill is finished or skipped",
    "paused": "every timer frozen until resume",
    "safety": "stopped for pain: has the pain gone?",
    "offer": "the pain has gone: say next for an unloaded, easier drill",
    "ended": "the summary is said; nothing more",
}

INTERNAL_TRIGGERS = ("begin", "advance")
# Commands answered in place in every active state (left out of the diagram to keep it readable).
ANSWERS = ("repeat", "status", "help", "progress", "slower", "faster", "more_detail", "shorter", "louder", "quieter",
           "music_off", "music_on", "next_song", "music_quieter", "music_louder")

# States a pause can freeze, and the states in which a session is under way.
PAUSABLE = ("welcome", "pain_check", "intro", "goal", "weight", "ready", "set", "back_check", "form_check",
            "form_detail", "rest", "drill_done", "safety", "offer")
ACTIVE = (*PAUSABLE, "paused")
NOT_ENDED = ("idle", *ACTIVE)
# States of the drill itself: where "skip" and "back" make sense.
IN_DRILL = ("intro", "goal", "weight", "ready", "set", "back_check", "form_check", "form_detail")
# What follows a set's questions: rest, or the drill is done.
_AFTER_SET = [("rest", "more_sets", "start_rest"), ("drill_done", None, "finish_drill")]

_ROWS: list[tuple[str, str | tuple[str, ...], str | None, str | None, str]] = [
    # the start; after a session with pain, first: does it still hurt?
    ("begin", "idle", "welcome", None, "say_welcome"),
    ("start", "idle", "welcome", None, "say_welcome"),
    ("next", "idle", "welcome", None, "say_welcome"),
    ("new", "idle", "welcome", None, "say_welcome"),
    ("advance", "welcome", "pain_check", "asks_pain_check", "ask_pain_check"),
    ("advance", "welcome", "intro", None, "start_intro"),
    ("next", "welcome", "pain_check", "asks_pain_check", "ask_pain_check"),
    ("next", "welcome", "intro", None, "start_intro"),
    ("yes", "pain_check", "ended", None, "end_still_hurts"),
    ("no", "pain_check", "intro", None, "start_gently"),
    # a drill's set-up steps, then (when they matter) the goal and the weight
    ("next", "intro", None, None, "next_step"),
    ("back", "intro", None, None, "previous_step"),
    ("advance", "intro", "goal", "asks_goal", "ask_goal"),
    ("advance", "intro", "weight", "asks_weight", "ask_weight"),
    ("advance", "intro", "ready", None, "prompt_set"),
    ("strength", "goal", None, None, "choose_strength"),
    ("endurance", "goal", None, None, "choose_endurance"),
    ("next", "goal", None, None, "goal_unanswered"),
    ("advance", "goal", "weight", "asks_weight", "ask_weight"),
    ("advance", "goal", "ready", None, "prompt_set"),
    ("weight", "weight", None, None, "take_weight"),
    ("yes", "weight", None, "confirming_weight", "take_lighter_weight"),  # a heavy weight: the lighter one
    ("no", "weight", None, "confirming_weight", "keep_weight"),
    ("yes", "weight", None, None, "no_question"),
    ("no", "weight", None, None, "no_question"),
    ("next", "weight", None, None, "skip_weight"),
    ("advance", "weight", "ready", None, "prompt_set"),
    # the ready prompt
    ("next", "ready", "set", None, "start_set"),
    ("advance", "ready", "set", None, "start_set"),
    ("back", "ready", "intro", "first_set", "restart_intro"),
    ("back", "ready", "ready", None, "previous_set"),
    # a set of reps; "done" ends it early, then it ends like any other set
    ("done", "set", None, None, "end_set_early"),
    ("back", "set", "ready", None, "restart_set"),
    # after a set, one question at a time: the low back (after the drill's first set, and after a
    # "no" to the form; yes is the pain path), and the form
    ("advance", "set", "back_check", "back_check_due", "ask_back_check"),
    ("advance", "set", "form_check", "has_form_check", "ask_form_check"),
    *[("advance", "set", dest, guard, action) for dest, guard, action in _AFTER_SET],
    ("yes", "back_check", "safety", None, "safety_stop"),
    ("no", "back_check", None, None, "back_fine"),
    ("next", "back_check", None, None, "skip_question"),
    ("advance", "back_check", "form_check", "form_check_due", "ask_form_check"),
    *[("advance", "back_check", dest, guard, action) for dest, guard, action in _AFTER_SET],
    ("yes", "form_check", None, None, "answer_yes"),
    ("no", "form_check", "form_detail", "has_form_detail", "ask_form_detail"),
    ("no", "form_check", None, None, "answer_no"),
    ("next", "form_check", None, None, "skip_question"),
    ("back", "form_check", "ready", None, "redo_set"),
    ("advance", "form_check", "back_check", "back_check_due", "ask_back_check"),
    *[("advance", "form_check", dest, guard, action) for dest, guard, action in _AFTER_SET],
    *[(answer, "form_detail", None, None, f"detail_{answer}") for answer in ("head", "upper_back", "tailbone")],
    ("back", "form_detail", None, None, "detail_upper_back"),  # "back" answers "your upper back" here
    ("next", "form_detail", None, None, "skip_question"),
    ("advance", "form_detail", "back_check", "back_check_due", "ask_back_check"),
    *[("advance", "form_detail", dest, guard, action) for dest, guard, action in _AFTER_SET],
    # rest between sets: it ends in the next set (a loaded drill waits for ready)
    ("next", "rest", "ready", None, "prompt_set"),
    ("advance", "rest", "set", "!waits_for_ready", "start_set_after_rest"),
    ("advance", "rest", "ready", None, "prompt_set"),
    ("back", "rest", "ready", None, "redo_previous_set"),
    # skipping a drill, and what follows a drill
    ("skip", IN_DRILL, "drill_done", None, "skip_drill"),
    ("next", "drill_done", "intro", "more_drills", "start_next_drill"),
    ("advance", "drill_done", "intro", "more_drills", "start_next_drill"),
    ("next", "drill_done", "ended", None, "end_completed"),
    ("advance", "drill_done", "ended", None, "end_completed"),
    # safety: from anywhere, at once. An easier, unloaded drill only once the pain has gone,
    # and only by an explicit "next".
    # Pain said as the answer to a pain question: "it still hurts" ends the day, and once "Has the
    # pain gone?" was asked, pain is its answer (not gone). A yes or no before it answers nothing.
    ("pain", "pain_check", "ended", None, "end_still_hurts"),
    ("pain", "safety", "ended", "pain_answers_question", "end_after_pain"),
    ("pain", NOT_ENDED, "safety", None, "safety_stop"),
    ("yes", "safety", None, "!asked_pain_gone", "too_early"),
    ("no", "safety", None, "!asked_pain_gone", "too_early"),
    ("yes", "safety", "offer", "has_easier_drill", "offer_easier_drill"),
    ("yes", "safety", "ended", None, "end_pain_gone"),
    ("no", "safety", "ended", None, "end_after_pain"),
    ("advance", "safety", "ended", None, "end_after_pain"),
    ("next", "offer", "intro", None, "start_easier_drill"),
    ("no", "offer", "ended", None, "end_after_pain"),
    ("advance", "offer", "ended", None, "end_after_pain"),
    # stop: the summary, then silence
    ("stop", NOT_ENDED, "ended", None, "end_stopped"),
    # answers that never change the state
    ("repeat", ACTIVE, None, None, "say_again"),
    ("status", ("idle", *ACTIVE), None, None, "say_status"),
    ("help", ("idle", *ACTIVE), None, None, "say_help"),
    ("progress", ("idle", *ACTIVE), None, None, "say_progress"),
    ("slower", ACTIVE, None, None, "go_slower"),
    ("faster", ACTIVE, None, None, "go_faster"),
    ("more_detail", ACTIVE, None, None, "more_detail_please"),
    ("shorter", ACTIVE, None, None, "less_detail_please"),
    ("louder", ACTIVE, None, None, "go_louder"),
    ("quieter", ACTIVE, None, None, "go_quieter"),
    # the coach's own music (coach/music.py; listened for only while there is music)
    ("music_off", ("idle", *ACTIVE), None, None, "turn_music_off"),
    ("music_on", ("idle", *ACTIVE), None, None, "turn_music_on"),
    ("next_song", ("idle", *ACTIVE), None, None, "skip_song"),
    ("music_quieter", ("idle", *ACTIVE), None, None, "lower_music"),
    ("music_louder", ("idle", *ACTIVE), None, None, "raise_music"),
    # pause and resume (generated: one resume row per pausable state)
    ("pause", PAUSABLE, "paused", None, "say_paused"),
    *[("resume", "paused", state, f"paused_in_{state}", "resume_timers") for state in PAUSABLE],
]


def _as_tuple(source: str | tuple[str, ...]) -> tuple[str, ...]:
    return (source,) if isinstance(source, str) else source


def rows() -> list[tuple[str, tuple[str, ...], str | None, str | None, str]]:
    """The transition table with every source as a tuple."""
    return [(t, _as_tuple(s), d, g, a) for t, s, d, g, a in _ROWS]


def transitions(answers: bool = True) -> list[dict[str, Any]]:
    """The table in the form ``transitions.Machine(transitions=...)`` takes (`answers`: with ANSWERS)."""
    out = []
    for trigger, sources, dest, guard, action in rows():
        if not answers and trigger in ANSWERS:
            continue
        row: dict[str, Any] = {"trigger": trigger, "source": list(sources), "dest": dest, "after": action}
        if guard and guard.startswith("!"):
            row["unless"] = guard[1:]
        elif guard:
            row["conditions"] = guard
        if trigger == "pause":
            row["prepare"] = "freeze_timers"  # runs before the state is left, so timers survive
        out.append(row)
    return out


def states() -> list[dict[str, Any]]:
    """The states, each with the exit callback that drops the timers a state started."""
    return [{"name": name, "on_exit": "leave_state"} for name in STATES]


@cache
def _accepted_table() -> dict[str, frozenset[Command]]:
    table: dict[str, set[Command]] = {name: set() for name in STATES}
    for trigger, sources, _dest, _guard, _action in rows():
        if trigger in INTERNAL_TRIGGERS:
            continue
        for source in sources:
            table[source].add(Command(trigger))
    return {name: frozenset(cmds) for name, cmds in table.items()}


def accepted(state: str) -> frozenset[Command]:
    """The commands that have a row leaving (or staying in) `state`."""
    return _accepted_table()[state]


def machine_kwargs(answers: bool = True) -> dict[str, Any]:
    """The arguments every machine of the coach is built with (live, tests and diagrams alike)."""
    return dict(
        states=states(),
        transitions=transitions(answers),
        initial="idle",
        queued=True,  # a trigger fired inside a callback runs after the current one, in order
        auto_transitions=False,  # only the rows above, no hidden to_<state>() shortcuts
        ignore_invalid_triggers=True,  # belt and braces: the coach checks accepted() first
    )


def counts() -> tuple[int, int]:
    """(number of states, number of transitions: one per trigger, source and guard)."""
    return len(STATES), sum(len(sources) for _t, sources, _d, _g, _a in rows())
