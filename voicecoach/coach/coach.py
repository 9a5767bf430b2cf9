"""The coach: runs a session plan, steered by commands, on a clock it is told about.

:class:`Coach` is the model of the state machine in :mod:`voicecoach.coach.machine`. Feed it
events with :meth:`Coach.handle` (commands, ticks, speech done); it returns actions (``Say``,
``Earcon``, ``Record``, ``Volume``, ``Music``). It never sleeps, starts threads or touches audio: timers are
entries of an :class:`~voicecoach.coach.agenda.Agenda` that run when a ``Tick`` reaches them.

Speaking takes time too: the coach estimates each line's length from the words and the speaking
rate, plans the next line after it, and drops optional lines (cues) that would not fit. The rep
count, answers and safety lines are never dropped.

The callbacks are grouped by what they coach: :mod:`.drills` (a drill's set-up and what follows
it), :mod:`.reps` (a set and the rest), :mod:`.checks` (the questions), :mod:`.safety` (pain) and
:mod:`.answers` (commands answered in place), :mod:`.music` (the coach's own music). This module holds the session's frame: events in,
actions out, the welcome and the end.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from transitions import Machine

from voicecoach.coach import lines
from voicecoach.coach.agenda import Agenda
from voicecoach.coach.answers import AnswersMixin
from voicecoach.coach.checks import ChecksMixin
from voicecoach.coach.drills import GAP_S, DrillResult, DrillsMixin
from voicecoach.coach.commands import ALWAYS_ON, MUSIC, Command, Vocabulary, load_vocabulary
from voicecoach.coach.cues import CueScheduler
from voicecoach.coach.lines import in_sentence, line, number_word, speech_seconds
from voicecoach.coach.machine import PAUSABLE, accepted, machine_kwargs
from voicecoach.coach.music import MusicMixin
from voicecoach.coach.reps import RepsMixin
from voicecoach.coach.safety import SafetyMixin
from voicecoach.events import (
    RECORD_KINDS, CommandHeard, CommandUnsure, DeviceChanged, Earcon, NotUnderstood, Record, Say, SpeechDone,
    SpeechStarted, Tick, Volume, Music,
)
from voicecoach.program.model import Drill, Library
from voicecoach.program.plan import Plan, PlanItem
from voicecoach.settings import CoachSettings

Action = Say | Earcon | Record | Volume | Music
# States in which a person may be mid-movement or holding the weight: "stop" says the drill's own
# safe stop first there.
SAFE_STOP_STATES = ("ready", "set", "back_check", "form_check", "form_detail", "rest")
# States whose question only a clean yes answers: a hedge ("kind of") there is a no.
CLEAN_YES_ONLY = ("safety", "form_check")
__all__ = ["Coach", "DrillResult", "Action"]


class Coach(DrillsMixin, RepsMixin, ChecksMixin, SafetyMixin, AnswersMixin, MusicMixin):
    """The coach of one session. Triggers (``next``, ``pause``, ``pain``...) are added by the machine."""

    def __init__(self, library: Library, plan: Plan, settings: CoachSettings | None = None, *,
                 speech_rate: float = 160, vocabulary: Vocabulary | None = None,
                 progress_line: Callable[[], str] | None = None, music: bool = False):
        """`music`: the coach plays the person's music (it then steers it with ``Music`` actions)."""
        self.library = library
        self._music = music
        self.settings = settings or CoachSettings()
        self.vocabulary = vocabulary or load_vocabulary(self.settings.language)
        self._rate = speech_rate
        self._progress_line = progress_line
        if not plan.items:
            raise ValueError("a plan needs at least one drill")
        self._items: list[PlanItem] = _gated(library, list(plan.items))
        self._plan = plan
        self._index = 0
        self._set = self._items[0].start_set
        self._rep = 0
        self._reps_done = 0
        self._set_open = False
        self._tempo = self.settings.tempo_scale
        self._verbosity = self.settings.verbosity
        self._volume_level = 0
        self._intro: list[tuple[str, str, float]] = []
        self._intro_at = 0
        self._mistake_turn = 0
        self._cues = CueScheduler()
        self._rep_lines: dict[str, tuple[str, str]] = {}  # this rep's lines by phase
        self._reported: str | None = None  # the correction after this drill's last "no", repeated mid-set
        self._back_asked = self._form_asked = False  # this set's questions
        self._back_asked_items: set[int] = set()  # plan items whose low-back question was asked
        self._results: dict[str, DrillResult] = {}
        self._pain = False
        self._easier_taken = False
        self._started = False  # a drill's intro has begun: its own safe stop applies from here
        self._pain_gone_asked = 0  # times "Has the pain gone?" was asked since the last pain stop
        self._unanswered = 0  # times the open pain question went unanswered
        self._from_state = "idle"  # the state the last command was heard in
        self._weight_offer: tuple[float, float] | None = None  # (kilos said, lighter kilos offered)
        self._goal: str | None = None
        self._load_kg: float | None = self._items[0].load_kg
        self._heard: CommandHeard | None = None
        self._confirming: tuple[CommandUnsure, float] | None = None  # (unsure command, answer deadline)
        self._agenda = Agenda()
        self._paused_from: str | None = None
        self._last_line: str | None = None
        self._last_kind: str | None = None  # the kind of the last line said ("cue", "count"...)
        self._cut_next = False  # the next line cuts off whatever is playing
        self._out: list[Action] = []
        self.state: str
        self.machine = Machine(model=self, **machine_kwargs())

    # ---- the public face ---------------------------------------------------------------------

    def begin_session(self, now: float = 0.0) -> list[Action]:
        """Start the session (welcome) at clock time `now`; return the actions."""
        self._advance_time(now)
        self.trigger("begin")
        return self._take()

    def handle(self, event: Any) -> list[Action]:
        """Consume one event (command, tick, speech done...); return the actions it causes."""
        at = _event_time(event)
        if at is not None:
            self._advance_time(at)
        if isinstance(event, CommandHeard):
            if not self._answer_confirmation(event):
                self._command(event)
        elif isinstance(event, CommandUnsure):
            self._ask_confirmation(event)
        elif isinstance(event, NotUnderstood):
            if self.state != "ended":
                self._say(line("answer.not_understood"), "refusal", remember=False)
        elif isinstance(event, SpeechDone):
            if not event.interrupted:
                self._agenda.speech_done()
        elif isinstance(event, DeviceChanged):
            self._device_changed(event)
        return self._take()

    def accepted_commands(self) -> set[Command]:
        """The commands the current state acts on (the recognizer adds ALWAYS_ON); the music
        commands only while there is music."""
        commands = set(accepted(self.state)) - (set() if self._music else MUSIC)
        if self._confirmation_open():
            return commands | {Command.YES, Command.NO}
        return commands

    def next_due(self) -> float | None:
        """Clock time of the coach's next timed step, or None when it only waits for commands."""
        return self._agenda.next_due()

    def timer_remaining(self) -> list[float]:
        """Seconds left on each pending timer, soonest first (frozen ones while paused)."""
        return self._agenda.remaining(frozen=self.state == "paused")

    @property
    def now(self) -> float:
        """The latest clock time the coach has been told."""
        return self._agenda.now

    @property
    def _now(self) -> float:
        return self._agenda.now

    @property
    def tempo_scale(self) -> float:
        return self._tempo

    @property
    def verbosity(self) -> str:
        return self._verbosity

    @property
    def drill(self) -> Drill:
        """The drill being coached (or about to be)."""
        return self.library[self._items[self._index].drill_id]

    @property
    def item(self) -> PlanItem:
        """The plan item being coached."""
        return self._items[self._index]

    @property
    def position(self) -> dict[str, Any]:
        """Where the session is: drill, set, rep (for status displays and tests)."""
        return {"drill": self.drill.id, "set": self._set, "rep": self._rep, "reps_done": self._reps_done}

    # ---- events in ---------------------------------------------------------------------------

    def _advance_time(self, t: float) -> None:
        self._agenda.advance(t, lambda name, args: getattr(self, name)(*args))

    def _command(self, event: CommandHeard) -> None:
        if self.state == "ended":
            return
        try:
            command = Command(event.command)
        except ValueError:
            self._say(line("answer.not_understood"), "refusal", remember=False)
            return
        self._record("command", command=command.value, text=event.text, confidence=event.confidence,
                     engine=event.engine, source=event.source, state=self.state)
        self._heard = event
        self._from_state = self.state
        if command == Command.YES and self.state in CLEAN_YES_ONLY and self.vocabulary.hedged(event.text):
            command = Command.NO  # "a bit" is not "the pain has gone", nor a clean form check
        if command in accepted(self.state):
            self.trigger(command.value)
        else:
            self._say(lines.refusal(command.value, self.state), "refusal", remember=False)

    # ---- confirming a costly command heard with borderline confidence ------------------------

    def _confirmation_open(self) -> bool:
        return self._confirming is not None and self._now <= self._confirming[1]

    def _ask_confirmation(self, event: CommandUnsure) -> None:
        """Ask "Stop the workout?" before acting on a borderline stop or skip."""
        if self.state == "ended" or event.command not in lines.table("confirm"):
            return
        if Command(event.command) not in accepted(self.state) | ALWAYS_ON:
            return  # it would be refused anyway; a doubtful refusal is not worth a question
        self._confirming = (event, self._now + self.settings.answer_timeout_s)
        self._say(line(f"confirm.{event.command}"), "prompt", remember=False)

    def _answer_confirmation(self, event: CommandHeard) -> bool:
        """A yes/no answering an open confirmation; True if it was one (and is now handled)."""
        if not self._confirmation_open() or event.command not in (Command.YES, Command.NO):
            return False
        unsure, _deadline = self._confirming
        self._confirming = None
        if event.command == Command.YES:
            self._command(CommandHeard(unsure.command, unsure.text, unsure.confidence, "confirmed", unsure.engine, self._now))
        else:
            self._say(line("confirm.cancelled"), "info", remember=False)
        return True

    def _device_changed(self, event: DeviceChanged) -> None:
        if event.kind == "output" and not event.available and self.state in PAUSABLE:
            self.trigger("pause")
        elif event.kind == "output" and event.available and self.state == "paused":
            self._say(line("pause.output_back"), "info", remember=False)  # back at the pause prompt
        elif event.kind == "input" and self.state not in ("ended", "idle"):
            self._say(line("pause.input_back" if event.available else "pause.input_lost"), "info", remember=False)

    # ---- actions out, time and speech ----------------------------------------------------------

    def _take(self) -> list[Action]:
        self._follow_music()
        out, self._out = self._out, []
        return out

    def _record(self, kind: str, **data: Any) -> None:
        expected = RECORD_KINDS[kind]
        if set(data) != set(expected):
            raise KeyError(f"Record {kind!r} needs keys {expected}, got {tuple(data)}")
        self._out.append(Record(kind, data))

    def _busy(self) -> bool:
        return self._agenda.busy()

    def _cue_playing(self) -> bool:
        """A rep's cue is being said (an answer may cut it; never a count)."""
        return self._busy() and self._last_kind in ("cue", "beat", "mistake")

    def _say(self, text: str, kind: str = "info", *, interrupt: bool = False, optional: bool = False,
             remember: bool = True) -> bool:
        """Speak a line (queued after the current one); an optional line is dropped if busy."""
        if self._cut_next:
            self._cut_next, interrupt = False, True
            self._agenda.cut()
        if optional and self._busy():
            return False
        self._agenda.speak(speech_seconds(text, self._rate), interrupt=interrupt)
        self._out.append(Say(text, kind, interrupt))
        self._last_kind = kind
        if remember:
            self._last_line = text
        return True

    def _at(self, delay: float, step: str, *args: Any) -> None:
        """Run method `step` `delay` seconds from now."""
        self._agenda.at(delay, step, *args)

    def _after_speech(self, pause: float, step: str, *args: Any) -> None:
        """Run method `step` `pause` seconds after the coach stops talking."""
        self._agenda.after_speech(pause, step, *args)

    def _clear_timers(self) -> None:
        self._agenda.clear()

    # ---- machine callbacks: conditions ---------------------------------------------------------

    def first_set(self) -> bool:
        return self._set <= self.item.start_set

    def more_sets(self) -> bool:
        return self._set < self.item.sets

    def has_form_check(self) -> bool:
        return self.drill.form_check is not None

    def back_check_due(self) -> bool:
        """"Any pain in your low back?": once per drill, after its first set, and after a "no" at the
        form check (the person can say pain at any time; asking every set teaches them to say no)."""
        said_no = self._result().good_form.get(self._set) is False
        return not self._back_asked and (self._index not in self._back_asked_items or said_no)

    def form_check_due(self) -> bool:
        return self.has_form_check() and not self._form_asked

    def has_form_detail(self) -> bool:
        return self.drill.form_detail is not None

    def more_drills(self) -> bool:
        return self._index + 1 < len(self._items)

    def asks_pain_check(self) -> bool:
        return self._plan.pain_check

    def asks_goal(self) -> bool:
        return self._plan.ask_goal and self._goal is None and self.drill.reps.low != self.drill.reps.high

    def asks_weight(self) -> bool:
        return self.drill.load and self.item.start_set == 1

    def waits_for_ready(self) -> bool:
        """A loaded drill never starts by itself: the person must have the weight in hand."""
        return self.drill.loaded

    def leave_state(self) -> None:
        """Every state's exit: the timers it started are dropped."""
        self._clear_timers()

    def freeze_timers(self) -> None:
        """Before pausing: keep each timer's remaining time."""
        self._agenda.freeze()
        self._paused_from = self.state

    # ---- machine callbacks: the session ------------------------------------------------------

    def say_welcome(self) -> None:
        self._record("session_started", language=self.settings.language, plan=[
            {"drill": i.drill_id, "sets": i.sets, "variation": i.variation, "start_set": i.start_set} for i in self._items])
        parts = [line("session.plan_item_one" if i.sets == 1 else "session.plan_item", sentence=False, sets=i.sets,
                      drill=in_sentence(self.library[i.drill_id].name)) for i in self._items]
        self._say(line("session.welcome", plan=lines.table("session")["plan_join"].join(parts)))
        for announcement in self._plan.announcements:
            self._say(announcement)
        self._say(line("session.help_hint"))
        self._after_speech(GAP_S, "advance")

    # ---- the end -----------------------------------------------------------------------------

    def end_completed(self) -> None:
        self._end("pain" if self._pain else "completed")

    def end_stopped(self) -> None:
        """Stop: during a drill, its own safe stop first (the bell parked, the hips lowered)."""
        during = self._from_state in SAFE_STOP_STATES
        if during:
            self._say(self.safe_stop_line(), "safety", interrupt=True)
        self._end("pain" if self._pain else "stopped", cut=False if during else None)

    def end_after_pain(self) -> None:
        self._end("pain")

    def _end(self, reason: str, cut: bool | None = None) -> None:
        """The summary; it cuts off whatever is playing unless the session completed (or `cut` is False)."""
        self._clear_timers()
        self._close_open_set()
        if self.drill.id in self._results and self._results[self.drill.id].reps:
            self._record_drill_done(skipped=False)
        opener = {"completed": "summary.completed", "stopped": "summary.stopped", "pain": "summary.pain"}[reason]
        self._say(line(opener), "summary", interrupt=reason != "completed" if cut is None else cut)
        for text in self._summary_lines():
            self._say(text, "summary")
        self._say(line("summary.close_pain" if reason == "pain" else "summary.close"), "summary")
        self._record("session_ended", reason=reason)

    def _summary_lines(self) -> list[str]:
        out = []
        for drill_id, result in self._results.items():
            if not result.reps:
                continue
            name, sets, reps = self.library[drill_id].name, len(result.reps), sum(result.reps.values())
            reps_said = f"{number_word(reps)} rep{'' if reps == 1 else 's'}"
            out.append(line("summary.drill_one" if sets == 1 else "summary.drill", drill=name, sets=sets, reps=reps_said))
            if result.good_form:
                good, rated = sum(result.good_form.values()), len(result.good_form)
                key = "summary.form_all" if good == rated else "summary.form_none" if good == 0 else "summary.form"
                out.append(line(key, good=good, sets=rated))
        return out or [line("summary.nothing")]


# "resume" goes back to the state that was paused: one condition per pausable state.
for _state in PAUSABLE:
    setattr(Coach, f"paused_in_{_state}", lambda self, _s=_state: self._paused_from == _s)


def _gated(library: Library, items: list[PlanItem]) -> list[PlanItem]:
    """A loaded drill's primer set right before it guards it, even when the plan did not say so
    (a resumed session's plan is rebuilt from the history, which does not keep `primer_for`)."""
    out = list(items)
    for i in range(1, len(out)):
        drill, before = library[out[i].drill_id], out[i - 1]
        if drill.loaded and before.drill_id == drill.primer and before.primer_for is None and before.sets == 1:
            out[i - 1] = replace(before, primer_for=drill.id)
    return out


def _event_time(event: Any) -> float | None:
    if isinstance(event, Tick):
        return event.now
    if isinstance(event, (CommandHeard, CommandUnsure, NotUnderstood, SpeechStarted, SpeechDone)):
        return event.at or None
    return None
