"""The coach's sets: the ready prompt, reps on the drill's tempo, and the rest that ends in the next set.

Each rep runs through the drill's phases (descent, bottom, ascent, top). What is said during a
rep follows one rule, in :mod:`voicecoach.coach.cues`: a line fits its phase, the count always
wins, and no line repeats within a few reps. A long descent gets metronome beats (an earcon,
never a number: numbers are the rep count's). Mistake corrections take turns as the one focus
said before a set; during a set, only the correction for a mistake the person reported (a "no"
at the form check) is repeated, every ``mistake_every`` reps.
"""

from __future__ import annotations

from voicecoach.coach import cues
from voicecoach.coach.lines import line, number_word, spoken_number
from voicecoach.events import Earcon
from voicecoach.program.model import REP_PHASES

COUNTED_DESCENT_S = 1.5  # a descent at least this long (at the drill's tempo) gets beats
FAST_REP_S = 3.0  # reps quicker than this are counted with the bare number, and get no mistake reminders
SET_GAP_S = 0.5


class RepsMixin:
    """Callbacks of the ready, set and rest states (mixed into :class:`~voicecoach.coach.coach.Coach`)."""

    # ---- the ready prompt --------------------------------------------------------------------

    def previous_set(self) -> None:
        self._set -= 1
        self.prompt_set()

    def _target(self) -> int:
        """Reps per set today (a goal may have picked them from the drill's range)."""
        return self.item.reps or self.drill.reps.target

    def _pace(self) -> float:
        """The tempo scale in force: the person's, times the plan's (slower on a gentle day)."""
        return self._tempo * self.item.tempo_scale

    def prompt_set(self) -> None:
        drill, item = self.drill, self.item
        setup_cues = drill.cues.get("setup", ())
        if setup_cues and self._verbosity != "terse":
            first = self._set == item.start_set or self._verbosity == "full"
            for cue in setup_cues if first else (setup_cues[(self._set - 1) % len(setup_cues)],):
                self._say(cue, "cue")
        if self._set == item.start_set:
            self._say_focus()
        last = self._set == item.sets and item.sets > 1
        count_in = 0 if self.waits_for_ready() else self.settings.count_in_s
        key = ("set.last_ready" if last else "set.only_ready" if item.sets == 1 else "set.ready")
        key += "_count_in" if count_in > 0 else ""
        self._say(line(key, set=self._set, sets=item.sets, reps=self._target(), count_in=_seconds(count_in)), "prompt")
        if count_in > 0:
            self._after_speech(count_in, "_count_in_over")

    def _count_in_over(self) -> None:
        self._say(line("set.go"), "prompt", remember=False)
        self._after_speech(0.0, "advance")

    def _say_focus(self) -> None:
        """The next mistake correction in turn, as this set's one focus (not a between-sets fix,
        such as the wall drill's step out: that one is said only when the form check asks for it)."""
        mistakes = [m for m in self.drill.mistakes if not m.between_sets]
        if mistakes and self._verbosity != "terse":
            self._say(mistakes[self._mistake_turn % len(mistakes)].correction, "mistake")
            self._mistake_turn += 1

    # ---- a set -------------------------------------------------------------------------------

    def start_set(self) -> None:
        self._open_set()
        if self.drill.set_start:
            self._say(self.drill.set_start, "prompt", interrupt=self._busy())
            self._after_speech(0.0, "_phase_start", 0)
        else:
            self._cut_next = self._busy()  # "ready" said over the prompt: the first rep starts now
            self._phase_start(0)

    def start_set_after_rest(self) -> None:
        """The rest ran out: the next set starts (unloaded drills only)."""
        item = self.item
        last = self._set == item.sets and item.sets > 1
        self._say(line("set.last_from_rest" if last else "set.from_rest", set=self._set, sets=item.sets), "prompt")
        self._open_set()
        self._after_speech(0.0, "_phase_start", 0)

    def _open_set(self) -> None:
        self._rep, self._reps_done, self._set_open = 1, 0, True
        self._back_asked = self._form_asked = False
        self._record("set_started", drill=self.drill.id, set=self._set, variation=self.item.variation, load_kg=self._load_kg)

    def _phase_start(self, index: int) -> None:
        drill = self.drill
        phase = REP_PHASES[index]
        seconds = drill.tempo[phase] * self._pace()
        fast = self._rep_seconds() < FAST_REP_S
        count = line("set.rep_number" if fast else "set.rep_count", rep=self._rep)
        if index == 0:
            self._cues.new_rep()
            self._rep_lines = self._plan_rep(count)
        planned = self._rep_lines.get(phase)
        room = cues.phase_room(drill.tempo, self._pace(), REP_PHASES, phase)
        if phase == "top":  # counts win: the count first, a top cue after it
            self._reps_done = self._rep
            self._say(count, "count", remember=False)
            if planned:
                self._say_cue(*planned, room)
        elif phase == "descent" and drill.tempo[phase] >= COUNTED_DESCENT_S:
            if planned:
                self._say_cue(*planned, room)
            elif not self._rep_lines and self._verbosity != "terse" and self._cues.fresh(line("beat.descent")):
                self._say_cue(line("beat.descent"), "beat", room)  # only in a rep that says nothing else
            beats = round(drill.tempo[phase])
            for k in range(1, beats):
                self._at(k * seconds / beats, "_beat")
        elif planned:
            self._say_cue(*planned, room)
        self._at(seconds, "_phase_end", index)

    def _plan_rep(self, count: str) -> dict[str, tuple[str, str]]:
        """What this rep says, by phase: (text, kind). The rule is :mod:`voicecoach.coach.cues`."""
        drill, pace, rate = self.drill, self._pace(), self._rate
        reminder = self._reminder(rate)
        if reminder:
            return {REP_PHASES[0]: (reminder, "mistake")}
        room = {p: cues.phase_room(drill.tempo, pace, REP_PHASES, p) for p in REP_PHASES[:-1]}
        room[REP_PHASES[-1]] = cues.top_room(drill.tempo, pace, REP_PHASES, count, rate)
        planned = self._cues.rep_cue(drill.cues, REP_PHASES, room, rate, self._verbosity)
        return {phase: (text, "cue") for phase, text in planned.items()}

    def _say_cue(self, text: str, kind: str, room: float) -> None:
        """A line of the rep, said only if it still ends within `room` seconds once what is playing
        has ended (a count still playing delays it; it never delays a count); noted as said."""
        if kind == "mistake":
            room = cues.before_count(self.drill.tempo, self._pace(), REP_PHASES)
        lead = 0.0 if self._cut_next else self._agenda.speech_lead()  # "ready" over the prompt cuts it
        if cues.fits(text, self._rate, room, lead):
            self._say(text, kind, remember=kind != "beat")
            self._cues.said(text)

    def _reminder(self, rate: float) -> str | None:
        """The correction the person last needed (a "no" at the form check), once in a while mid-set,
        when it fits the rep before the count; never a mistake nobody reported."""
        text, every = self._reported, self.settings.mistake_every
        if (not text or self._verbosity == "terse" or every <= 0 or self._rep % every
                or self._rep == self._target() or self._rep_seconds() < FAST_REP_S):
            return None
        room = cues.before_count(self.drill.tempo, self._pace(), REP_PHASES)
        return text if self._cues.fresh(text) and cues.fits(text, rate, room) else None

    def _rep_seconds(self) -> float:
        return self.drill.rep_seconds * self._pace()

    def _beat(self) -> None:
        self._out.append(Earcon("beat"))

    def _phase_end(self, index: int) -> None:
        if index + 1 < len(REP_PHASES):
            self._phase_start(index + 1)
        elif self._rep < self._target():
            self._rep += 1
            self._phase_start(0)
        else:
            self._finish_set(early=False)

    def _finish_set(self, early: bool) -> None:
        self._clear_timers()
        self._set_open = False
        self._result().reps[self._set] = self._reps_done
        self._record_set_done(early)
        if early:
            key = "set.ended_none" if not self._reps_done else "set.ended_one" if self._reps_done == 1 else "set.ended_early"
            self._say(line(key, reps=self._reps_done), "info")
        else:
            if self.drill.set_end:
                self._say(self.drill.set_end, "setup")
            self._say(line("set.done", set=self._set), "info")
        self.trigger("advance")

    def _record_set_done(self, early: bool) -> None:
        self._record("set_done", drill=self.drill.id, set=self._set, reps=self._reps_done, target_reps=self._target(),
                     tempo_scale=round(self._pace(), 3), verbosity=self._verbosity, variation=self.item.variation,
                     load_kg=self._load_kg, ended_early=early)

    def _close_open_set(self) -> None:
        """A set cut short by skip, stop or pain: its reps so far still count."""
        if self._set_open and self._reps_done > 0:
            self._result().reps[self._set] = self._reps_done
            self._record_set_done(True)
        self._set_open = False

    def end_set_early(self) -> None:
        self._say(self.safe_stop_line(), "safety", interrupt=True)  # the bell parked first (issue 19)
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

    # ---- rest --------------------------------------------------------------------------------

    def start_rest(self) -> None:
        """Rest, with the next set's focus said at its start; it ends in the next set."""
        item = self.item
        self._set += 1
        seconds = self.drill.rest_s * self.settings.rest_scale
        key = "rest.start_last" if self._set == item.sets and item.sets > 1 else "rest.start"
        lead = self._agenda.speech_lead()  # the rest starts when it is announced
        self._say(line(key, seconds=spoken_number(seconds), set=self._set, sets=item.sets), "info")
        felt = self._result().good_form.get(self._set - 1)
        if self.drill.rest_focus and felt is None:  # the drill's own step, when no answer said it worked
            for text in self.drill.rest_focus:  # (003: step out from the wall until the hamstrings work)
                self._say(text, "setup")
        elif felt is not False:  # after a "no", its fix was just said: that is the focus
            self._say_focus()
        if seconds >= 30:
            self._at(lead + seconds / 2, "_announce", "rest.halfway")
        if seconds >= 20:
            self._at(lead + seconds - 10, "_announce", "rest.ten")
        self._at(lead + seconds, "_rest_over")

    def _announce(self, key: str) -> None:
        self._say(line(key), "count", remember=False, optional=True)

    def _rest_over(self) -> None:
        self._out.append(Earcon("rest_over"))
        self.trigger("advance")


def _seconds(value: float) -> str:
    """A duration as spoken: "one second", "ten seconds", "2.5 seconds"."""
    spoken = spoken_number(value)
    return f"{number_word(spoken) if isinstance(spoken, int) else spoken} second{'' if spoken == 1 else 's'}"

