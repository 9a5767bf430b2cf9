"""The coach: runs a session plan, steered by commands, on a clock it is told about.

:class:`Coach` is the model of the state machine in :mod:`voicecoach.coach.machine`. Feed it
events with :meth:`Coach.handle` (commands, ticks, speech done); it returns actions (``Say``,
``Earcon``, ``Record``). It never sleeps, starts threads or touches audio: timers are entries of
an agenda (clock time -> step) that run when a ``Tick`` reaches them. Pause moves the agenda
aside; resume puts it back, shifted, so every timer keeps exactly the time it had left.

Speaking takes time too: the coach estimates each line's length from the words and the speaking
rate, plans the next line after it, and drops optional lines (cues, beat counts) that would not
fit. The rep count, answers and safety lines are never dropped.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import Any, Callable

from transitions import Machine

from voicecoach.coach import lines
from voicecoach.coach.commands import ALWAYS_ON, Command, Vocabulary, load_vocabulary
from voicecoach.coach.lines import in_sentence, line, number_word, speech_seconds
from voicecoach.coach.machine import PAUSABLE, accepted, machine_kwargs
from voicecoach.events import (
    RECORD_KINDS, CommandHeard, CommandUnsure, DeviceChanged, Earcon, NotUnderstood, Record, Say, SpeechDone,
    SpeechStarted, Tick,
)
from voicecoach.program.model import REP_PHASES, Drill, Library
from voicecoach.program.plan import Plan, PlanItem
from voicecoach.settings import CoachSettings

Action = Say | Earcon | Record
NOT_IN_HELP = frozenset({Command.PROGRESS, Command.NEW, Command.START})  # answered, but not advertised

GAP_S = 0.5  # a breath between two lines of the coach
BUSY_TOLERANCE_S = 0.05  # speech ending this close to now counts as done
TEMPO_STEP = 1.2  # "slower" / "faster" multiply / divide the tempo by this
TEMPO_LIMITS = (0.5, 2.0)
FIT_GRACE_S = 0.5  # an optional line may run this far past the end of its phase
COUNTED_DESCENT_S = 1.5
FAST_REP_S = 3.0  # reps quicker than this are counted with the bare number, and get no mistake reminders  # a descent at least this long (at the drill's tempo) is counted aloud


@dataclass
class DrillResult:
    """What was done of one drill today: reps per set number, form answers per set number."""

    reps: dict[int, int] = field(default_factory=dict)
    good_form: dict[int, bool] = field(default_factory=dict)
    skipped: bool = False
    recorded: bool = False  # drill_done emitted


class Coach:
    """The coach of one session. Triggers (``next``, ``pause``, ``pain``...) are added by the machine."""

    def __init__(self, library: Library, plan: Plan, settings: CoachSettings | None = None, *,
                 speech_rate: float = 160, vocabulary: Vocabulary | None = None,
                 progress_line: Callable[[], str] | None = None):
        self.library = library
        self.settings = settings or CoachSettings()
        self.vocabulary = vocabulary or load_vocabulary(self.settings.language)
        self._rate = speech_rate
        self._progress_line = progress_line
        if not plan.items:
            raise ValueError("a plan needs at least one drill")
        self._items: list[PlanItem] = list(plan.items)
        self._announcements = plan.announcements
        self._index = 0
        self._set = self._items[0].start_set
        self._rep = 0
        self._reps_done = 0
        self._set_open = False
        self._tempo = self.settings.tempo_scale
        self._verbosity = self.settings.verbosity
        self._intro: list[tuple[str, str, float]] = []
        self._intro_at = 0
        self._pending_mistake: str | None = None
        self._results: dict[str, DrillResult] = {}
        self._pain = False
        self._easier_taken = False
        self._heard: CommandHeard | None = None
        self._confirming: tuple[CommandUnsure, float] | None = None  # (unsure command, answer deadline)
        # time and speech
        self._now = 0.0
        self._agenda: list[tuple[float, int, str, tuple]] = []
        self._seq = itertools.count()
        self._frozen: list[tuple[float, int, str, tuple]] = []
        self._paused_from: str | None = None
        self._busy_until = 0.0
        self._speaking = 0
        self._last_line: str | None = None
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
                self._speaking = max(0, self._speaking - 1)
                if self._speaking == 0:
                    self._busy_until = min(self._busy_until, self._now)
        elif isinstance(event, DeviceChanged):
            self._device_changed(event)
        return self._take()

    def accepted_commands(self) -> set[Command]:
        """The commands the current state acts on (the recognizer adds ALWAYS_ON)."""
        if self._confirmation_open():
            return set(accepted(self.state)) | {Command.YES, Command.NO}
        return set(accepted(self.state))

    def next_due(self) -> float | None:
        """Clock time of the coach's next timed step, or None when it only waits for commands."""
        return self._agenda[0][0] if self._agenda else None

    def timer_remaining(self) -> list[float]:
        """Seconds left on each pending timer, soonest first (frozen ones while paused)."""
        if self.state == "paused":
            return sorted(r for r, *_ in self._frozen)
        return sorted(due - self._now for due, *_ in self._agenda)

    @property
    def now(self) -> float:
        """The latest clock time the coach has been told."""
        return self._now

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
    def position(self) -> dict[str, Any]:
        """Where the session is: drill, set, rep (for status displays and tests)."""
        return {"drill": self.drill.id, "set": self._set, "rep": self._rep, "reps_done": self._reps_done}

    # ---- events in ---------------------------------------------------------------------------

    def _advance_time(self, t: float) -> None:
        """Run every agenda step due up to `t`, each at its own time, then stand at `t`."""
        while self._agenda and self._agenda[0][0] <= t:
            due, _seq, name, args = heapq.heappop(self._agenda)
            self._now = max(self._now, due)
            getattr(self, name)(*args)
        self._now = max(self._now, t)

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
        out, self._out = self._out, []
        return out

    def _record(self, kind: str, **data: Any) -> None:
        expected = RECORD_KINDS[kind]
        if set(data) != set(expected):
            raise KeyError(f"Record {kind!r} needs keys {expected}, got {tuple(data)}")
        self._out.append(Record(kind, data))

    def _busy(self) -> bool:
        return self._busy_until > self._now + BUSY_TOLERANCE_S

    def _say(self, text: str, kind: str = "info", *, interrupt: bool = False, optional: bool = False,
             remember: bool = True) -> bool:
        """Speak a line (queued after the current one); an optional line is dropped if busy."""
        if self._cut_next:
            self._cut_next, interrupt = False, True
            self._busy_until = self._now
        if optional and self._busy():
            return False
        if interrupt:
            self._busy_until = self._now
            self._speaking = 0
        start = max(self._now, self._busy_until)
        self._busy_until = start + speech_seconds(text, self._rate)
        self._speaking += 1
        self._out.append(Say(text, kind, interrupt))
        if remember:
            self._last_line = text
        return True

    def _at(self, delay: float, step: str, *args: Any) -> None:
        """Run method `step` `delay` seconds from now."""
        heapq.heappush(self._agenda, (self._now + delay, next(self._seq), step, args))

    def _after_speech(self, pause: float, step: str, *args: Any) -> None:
        """Run method `step` `pause` seconds after the coach stops talking."""
        self._at(max(self._now, self._busy_until) - self._now + pause, step, *args)

    def _clear_timers(self) -> None:
        self._agenda.clear()
        self._pending_mistake = None

    # ---- machine callbacks: conditions ---------------------------------------------------------

    def first_set(self) -> bool:
        return self._set <= self._items[self._index].start_set

    def more_sets(self) -> bool:
        return self._set < self._items[self._index].sets

    def has_form_check(self) -> bool:
        return self.drill.form_check is not None

    def more_drills(self) -> bool:
        return self._index + 1 < len(self._items)

    def has_easier_drill(self) -> bool:
        easier = self.drill.regression
        return not self._easier_taken and easier is not None and easier in self.library.drills

    def leave_state(self) -> None:
        """Every state's exit: the timers it started are dropped."""
        self._clear_timers()

    def freeze_timers(self) -> None:
        """Before pausing: keep each timer's remaining time."""
        self._frozen = [(due - self._now, seq, name, args) for due, seq, name, args in self._agenda]
        self._paused_from = self.state

    # ---- machine callbacks: the session ------------------------------------------------------

    def say_welcome(self) -> None:
        self._record("session_started", language=self.settings.language, plan=[
            {"drill": i.drill_id, "sets": i.sets, "variation": i.variation, "start_set": i.start_set} for i in self._items])
        parts = [line("session.plan_item_one" if i.sets == 1 else "session.plan_item", sentence=False, sets=i.sets,
                      drill=in_sentence(self.library[i.drill_id].name)) for i in self._items]
        self._say(line("session.welcome", plan=lines.table("session")["plan_join"].join(parts)))
        for announcement in self._announcements:
            self._say(announcement)
        self._say(line("session.help_hint"))
        self._after_speech(GAP_S, "advance")

    def start_intro(self) -> None:
        drill, item = self.drill, self._items[self._index]
        self._set = item.start_set
        name = in_sentence(drill.name)
        step = self.settings.step_pause_s
        intro = [(line("drill.first" if self._index == 0 else "drill.next", drill=name), "info", GAP_S),
                 (drill.summary, "info", GAP_S)]
        if drill.equipment:
            intro.append((line("drill.equipment", equipment=lines.join_and(drill.equipment)), "info", GAP_S))
        if item.start_set > 1:
            intro.append((line("drill.resume_at", set=item.start_set), "info", GAP_S))
        intro += [(text, "setup", step) for text in drill.setup]
        intro += [(v.instruction, "setup", step) for v in drill.variations if v.id == item.variation]
        if item.load_kg:
            intro.append((line("drill.load", load=_number(item.load_kg)), "setup", GAP_S))
        intro += [(rule.text, "safety", GAP_S) for rule in drill.safety]
        self._intro, self._intro_at = intro, 0
        self._intro_step()

    def _intro_step(self, interrupt: bool = False) -> None:
        text, kind, pause = self._intro[self._intro_at]
        self._say(text, kind, interrupt=interrupt)
        self._after_speech(pause, "_intro_step_done")

    def _intro_step_done(self) -> None:
        self._intro_at += 1
        if self._intro_at < len(self._intro):
            self._intro_step()
        else:
            self.trigger("advance")

    def next_step(self) -> None:
        self._clear_timers()
        if self._intro_at + 1 < len(self._intro):
            self._intro_at += 1
            self._intro_step(interrupt=True)
        else:
            self.trigger("advance")

    def previous_step(self) -> None:
        self._clear_timers()
        self._intro_at = max(0, self._intro_at - 1)
        self._intro_step(interrupt=True)

    def restart_intro(self) -> None:
        self.start_intro()

    def previous_set(self) -> None:
        self._set -= 1
        self.prompt_set()

    def prompt_set(self) -> None:
        drill, item = self.drill, self._items[self._index]
        setup_cues = drill.cues.get("setup", ())
        if setup_cues and self._verbosity != "terse":
            first = self._set == item.start_set or self._verbosity == "full"
            for cue in setup_cues if first else (setup_cues[(self._set - 1) % len(setup_cues)],):
                self._say(cue, "cue")
        last = self._set == item.sets and item.sets > 1
        count_in = self.settings.count_in_s
        key = ("set.last_ready" if last else "set.ready") + ("_count_in" if count_in > 0 else "")
        self._say(line(key, set=self._set, sets=item.sets, reps=drill.reps.target, count_in=_seconds(count_in)), "prompt")
        if count_in > 0:
            self._after_speech(count_in, "_count_in_over")

    def _count_in_over(self) -> None:
        self._say(line("set.go"), "prompt", remember=False)
        self._after_speech(0.0, "advance")

    def start_set(self) -> None:
        drill, item = self.drill, self._items[self._index]
        self._rep, self._reps_done, self._set_open = 1, 0, True
        self._cut_next = self._busy()  # "ready" said over the prompt: the first rep starts now
        self._record("set_started", drill=drill.id, set=self._set, variation=item.variation, load_kg=item.load_kg)
        self._phase_start(0)

    def _phase_start(self, index: int) -> None:
        drill = self.drill
        phase = REP_PHASES[index]
        seconds = drill.tempo[phase] * self._tempo
        if index == 0:
            which = lines.mistake_index(self._rep, self.settings.mistake_every, len(drill.mistakes), self._verbosity)
            last_rep = self._rep == drill.reps.target
            mistake = None if which is None or last_rep else drill.mistakes[which].correction
            self._pending_mistake = mistake if mistake and self._fits(mistake, self._rep_seconds()) else None
        said_mistake = False
        if self._pending_mistake and phase != "top" and not self._busy():
            said_mistake = self._say(self._pending_mistake, "mistake")
            self._pending_mistake = None
        cue = None if said_mistake else self._cue(phase)
        fast = self._rep_seconds() < FAST_REP_S
        count = line("set.rep_number" if fast else "set.rep_count", rep=self._rep)
        if phase == "top":
            self._pending_mistake = None
            if cue and self._fits(f"{cue} {count}", seconds):
                self._say(cue, "cue", optional=True)
            self._reps_done = self._rep
            self._say(count, "count", remember=False)
        elif phase == "descent" and drill.tempo[phase] >= COUNTED_DESCENT_S:
            beats = round(drill.tempo[phase])
            if not said_mistake:
                first = cue if cue and self._fits(cue, seconds) else None
                self._say(first or "One.", "cue" if first else "count", optional=True, remember=first is not None)
            for k in range(1, beats):
                self._at(k * seconds / beats, "_beat", number_word(k + 1).capitalize() + ".")
        elif cue and self._fits(cue, seconds):
            self._say(cue, "cue", optional=True)
        elif phase == "ascent" and not said_mistake:
            # A top cue rarely fits next to the rep count: it is said as the hips come through instead.
            top_cue = self._cue("top")
            top_seconds = drill.tempo["top"] * self._tempo
            if top_cue and not self._fits(f"{top_cue} {count}", top_seconds) and self._fits(top_cue, seconds):
                self._say(top_cue, "cue", optional=True)
        self._at(seconds, "_phase_end", index)

    def _rep_seconds(self) -> float:
        return self.drill.rep_seconds * self._tempo

    def _cue(self, phase: str) -> str | None:
        return lines.phase_cue(self.drill.cues, REP_PHASES, phase, self._rep, self._verbosity)

    def _fits(self, text: str, seconds: float) -> bool:
        """Whether a line said now ends within `seconds` (plus a little grace)."""
        return speech_seconds(text, self._rate) <= seconds + FIT_GRACE_S

    def _beat(self, word: str) -> None:
        self._say(word, "count", optional=True, remember=False)

    def _phase_end(self, index: int) -> None:
        if index + 1 < len(REP_PHASES):
            self._phase_start(index + 1)
        elif self._rep < self.drill.reps.target:
            self._rep += 1
            self._phase_start(0)
        else:
            self._finish_set(early=False)

    def _finish_set(self, early: bool) -> None:
        drill, item = self.drill, self._items[self._index]
        self._clear_timers()
        self._set_open = False
        self._result().reps[self._set] = self._reps_done
        self._record("set_done", drill=drill.id, set=self._set, reps=self._reps_done, target_reps=drill.reps.target,
                     tempo_scale=round(self._tempo, 3), verbosity=self._verbosity, variation=item.variation,
                     load_kg=item.load_kg, ended_early=early)
        if early:
            self._say(line("set.ended_early" if self._reps_done else "set.ended_none", reps=self._reps_done), "info")
        else:
            self._say(line("set.done", set=self._set), "info")
        self.trigger("advance")

    def _close_open_set(self) -> None:
        """A set cut short by skip, stop or pain: its reps so far still count."""
        if self._set_open and self._reps_done > 0:
            drill, item = self.drill, self._items[self._index]
            self._result().reps[self._set] = self._reps_done
            self._record("set_done", drill=drill.id, set=self._set, reps=self._reps_done, target_reps=drill.reps.target,
                         tempo_scale=round(self._tempo, 3), verbosity=self._verbosity, variation=item.variation,
                         load_kg=item.load_kg, ended_early=True)
        self._set_open = False

    def end_set_early(self) -> None:
        self._finish_set(early=True)

    def restart_set(self) -> None:
        self._set_open = False
        self._say(line("set.restart"), "info", interrupt=True)
        self.prompt_set()

    def redo_set(self) -> None:
        self._say(line("set.redo", set=self._set), "info", interrupt=True)
        self.prompt_set()

    def redo_previous_set(self) -> None:
        self._set -= 1
        self.redo_set()

    def ask_form_check(self) -> None:
        self._say(self.drill.form_check, "question")
        self._after_speech(self.settings.answer_timeout_s, "_no_answer")

    def _no_answer(self) -> None:
        self._say(line("check.no_answer"), "info", remember=False)
        self.trigger("advance")

    def _answer(self, good: bool) -> None:
        self._clear_timers()
        self._record("form_check", drill=self.drill.id, set=self._set, answer="yes" if good else "no")
        self._result().good_form[self._set] = good
        if good:
            self._say(line("check.good"), "info", remember=False)
        else:
            self._say(line("check.not_yet"), "info", remember=False)
            mistakes = self.drill.mistakes
            self._say(mistakes[(self._set - 1) % len(mistakes)].correction, "mistake")
        self.trigger("advance")

    def answer_yes(self) -> None:
        self._answer(True)

    def answer_no(self) -> None:
        self._answer(False)

    def skip_question(self) -> None:
        self._clear_timers()
        self._say(line("check.skipped"), "info", remember=False)
        self.trigger("advance")

    def start_rest(self) -> None:
        item = self._items[self._index]
        self._set += 1
        seconds = self.drill.rest_s * self.settings.rest_scale
        key = "rest.start_last" if self._set == item.sets and item.sets > 1 else "rest.start"
        lead = max(self._now, self._busy_until) - self._now  # the rest starts when it is announced
        self._say(line(key, seconds=_number(seconds), set=self._set, sets=item.sets), "info")
        if seconds >= 30:
            self._at(lead + seconds / 2, "_announce", "rest.halfway")
        if seconds >= 25:
            self._at(lead + seconds - 10, "_announce", "rest.ten")
        if seconds >= 8:
            for left, key in ((3, "rest.three"), (2, "rest.two"), (1, "rest.one")):
                self._at(lead + seconds - left, "_announce", key)
        self._at(lead + seconds, "_rest_over")

    def _announce(self, key: str) -> None:
        self._say(line(key), "count", remember=False)

    def _rest_over(self) -> None:
        self._out.append(Earcon("rest_over"))
        self.trigger("advance")

    def finish_drill(self) -> None:
        self._record_drill_done(skipped=False)
        self._say(line("drill.done", drill=in_sentence(self.drill.name)), "info")
        self._after_speech(GAP_S, "advance")

    def skip_drill(self) -> None:
        self._close_open_set()
        self._result().skipped = True
        self._record_drill_done(skipped=True)
        self._say(line("drill.skipped", drill=in_sentence(self.drill.name)), "info", interrupt=True)
        self._after_speech(GAP_S, "advance")

    def start_next_drill(self) -> None:
        self._index += 1
        self.start_intro()

    def _result(self) -> DrillResult:
        return self._results.setdefault(self.drill.id, DrillResult())

    def _record_drill_done(self, skipped: bool) -> None:
        result = self._result()
        if not result.recorded:
            result.recorded = True
            self._record("drill_done", drill=self.drill.id, sets_done=len(result.reps), skipped=skipped)

    # ---- safety ------------------------------------------------------------------------------

    def safety_stop(self) -> None:
        self._close_open_set()
        self._pain = True
        phrase = self._heard.text if self._heard and self._heard.command == Command.PAIN else ""
        self._say(line("safety.stop"), "safety", interrupt=True)
        self._record("pain", drill=self.drill.id, set=self._set, phrase=phrase or "pain")
        if self.has_easier_drill():
            easier = self.library[self.drill.regression]
            self._say(line("safety.offer", easier=in_sentence(easier.name)), "safety")
        else:
            self._say(line("safety.no_offer"), "safety")
        self._after_speech(self.settings.safety_timeout_s, "_safety_timeout")

    def _safety_timeout(self) -> None:
        self._say(line("safety.timeout"), "safety")
        self.trigger("advance")

    def start_easier_drill(self) -> None:
        easier = self.library[self.drill.regression]
        self._easier_taken = True
        variation = easier.variations[0].id if easier.variations else None
        self._items = [*self._items[: self._index + 1], PlanItem(easier.id, easier.sets.target, variation)]
        self._index += 1
        self.start_intro()

    def say_no_easier_drill(self) -> None:
        self._say(lines.refusal("next", "safety"), "refusal", remember=False)

    # ---- the end -----------------------------------------------------------------------------

    def end_completed(self) -> None:
        self._end("pain" if self._pain else "completed")

    def end_stopped(self) -> None:
        self._end("pain" if self._pain else "stopped")

    def end_after_pain(self) -> None:
        self._end("pain")

    def _end(self, reason: str) -> None:
        self._clear_timers()
        self._close_open_set()
        if self.drill.id in self._results and self._results[self.drill.id].reps:
            self._record_drill_done(skipped=False)
        opener = {"completed": "summary.completed", "stopped": "summary.stopped", "pain": "summary.pain"}[reason]
        self._say(line(opener), "summary", interrupt=reason != "completed")
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
            out.append(line("summary.drill_one" if sets == 1 else "summary.drill", drill=name, sets=sets, reps=reps))
            if result.good_form:
                good, rated = sum(result.good_form.values()), len(result.good_form)
                key = "summary.form_all" if good == rated else "summary.form_none" if good == 0 else "summary.form"
                out.append(line(key, good=good, sets=rated))
        return out or [line("summary.nothing")]

    # ---- answers that keep the state ---------------------------------------------------------

    def say_again(self) -> None:
        if self._last_line:
            self._say(self._last_line, "repeat")
        else:
            self._say(line("answer.nothing_to_repeat"), "refusal", remember=False)

    def say_help(self) -> None:
        allowed = (accepted(self.state) | ALWAYS_ON) - NOT_IN_HELP
        phrases = [self.vocabulary.phrases_for(c)[0] for c in Command if c in allowed]
        self._say(line("answer.help", commands=", ".join(phrases)), "help", remember=False)

    def say_status(self) -> None:
        item, drill, state = self._items[self._index], self.drill, self.state
        if state == "paused":
            state = self._paused_from or state
        parts = []
        if self.state == "idle":
            parts.append(line("answer.status_idle"))
        elif state == "set":
            parts.append(line("answer.status_set", rep=self._rep, reps=drill.reps.target, set=self._set, sets=item.sets))
        elif state in ("welcome", "intro", "ready", "rest", "form_check"):
            left = item.sets - self._set + (0 if state == "form_check" else 1)
            if left > 0:
                sets_left = "one set left" if left == 1 else f"{number_word(left)} sets left"
                parts.append(line("answer.status_sets", sets_left=sets_left, drill=in_sentence(drill.name)))
        if self.more_drills():
            parts.append(line("answer.status_next", drill=in_sentence(self.library[self._items[self._index + 1].drill_id].name)))
        else:
            parts.append(line("answer.status_last"))
        self._say(" ".join(parts), "status", remember=False)

    def say_progress(self) -> None:
        text = self._progress_line() if self._progress_line else line("answer.progress")
        self._say(text, "status", remember=False)

    def go_slower(self) -> None:
        self._change_tempo(TEMPO_STEP, "pace.slower", "pace.slowest")

    def go_faster(self) -> None:
        self._change_tempo(1 / TEMPO_STEP, "pace.faster", "pace.fastest")

    def _change_tempo(self, factor: float, said: str, at_limit: str) -> None:
        new = self._tempo * factor
        if not TEMPO_LIMITS[0] - 1e-9 <= new <= TEMPO_LIMITS[1] + 1e-9:
            self._say(line(at_limit), "info", remember=False)
            return
        self._tempo = new
        self._say(line(said), "info", remember=False)

    def more_detail_please(self) -> None:
        self._change_verbosity(+1, "pace.most_detail")

    def less_detail_please(self) -> None:
        self._change_verbosity(-1, "pace.least_detail")

    def _change_verbosity(self, step: int, at_limit: str) -> None:
        levels = lines.VERBOSITY_LEVELS
        index = levels.index(self._verbosity) + step
        if not 0 <= index < len(levels):
            self._say(line(at_limit), "info", remember=False)
            return
        self._verbosity = levels[index]
        self._say(line(f"pace.{self._verbosity}"), "info", remember=False)

    # ---- pause -------------------------------------------------------------------------------

    def say_paused(self) -> None:
        self._say(line("pause.paused"), "info", interrupt=True, remember=False)

    def resume_timers(self) -> None:
        self._say(line("pause.resumed", where=self._where()), "info", remember=False)
        start = max(self._now, self._busy_until)
        for remaining, seq, name, args in self._frozen:
            heapq.heappush(self._agenda, (start + remaining, seq, name, args))
        self._frozen, self._paused_from = [], None

    def _where(self) -> str:
        if self._paused_from == "set":
            return line("pause.where_set", set=self._set, rep=self._rep)
        if self._paused_from == "rest" and self._frozen:
            return line("pause.where_rest", seconds=round(max(r for r, *_ in self._frozen)))
        if self._paused_from == "ready":
            return line("pause.where_ready", set=self._set)
        return line("pause.where_other")


# "resume" goes back to the state that was paused: one condition per pausable state.
for _state in PAUSABLE:
    setattr(Coach, f"paused_in_{_state}", lambda self, _s=_state: self._paused_from == _s)


def _event_time(event: Any) -> float | None:
    if isinstance(event, Tick):
        return event.now
    if isinstance(event, (CommandHeard, CommandUnsure, NotUnderstood, SpeechStarted, SpeechDone)):
        return event.at or None
    return None


def _seconds(value: float) -> str:
    """A duration as spoken: "one second", "ten seconds", "2.5 seconds"."""
    spoken = _number(value)
    return f"{number_word(spoken) if isinstance(spoken, int) else spoken} second{'' if spoken == 1 else 's'}"


def _number(value: float) -> int | str:
    """Whole numbers become words when spoken; others stay as digits ("12.5")."""
    return int(value) if float(value).is_integer() else f"{value:g}"
