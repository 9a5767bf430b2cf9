"""The coach's sets: the ready prompt, reps on the drill's tempo, and the rest that ends in the next set.

Each rep runs through the drill's phases (descent, bottom, ascent, top). A cue belongs to the
phase it is listed under: it is said at that phase's start if it fits inside the phase, or not at
all. The descent is marked with a word ("Down.") and, when long, with metronome beats (an earcon,
never a number: numbers are the rep count's). Mistake corrections take turns through the drill's
whole list, across sets, so every one is heard: one as the focus before each set, and one every
``mistake_every`` reps.
"""

from __future__ import annotations

from voicecoach.coach import lines
from voicecoach.coach.lines import line, number_word, speech_seconds, spoken_number
from voicecoach.events import Earcon
from voicecoach.program.model import REP_PHASES

FIT_GRACE_S = 0.5  # an optional line may run this far past the end of its phase
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
        key = ("set.last_ready" if last else "set.ready") + ("_count_in" if count_in > 0 else "")
        self._say(line(key, set=self._set, sets=item.sets, reps=self._target(), count_in=_seconds(count_in)), "prompt")
        if count_in > 0:
            self._after_speech(count_in, "_count_in_over")

    def _count_in_over(self) -> None:
        self._say(line("set.go"), "prompt", remember=False)
        self._after_speech(0.0, "advance")

    def _say_focus(self) -> None:
        """The next mistake correction in turn, as this set's one focus."""
        mistakes = self.drill.mistakes
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
        self._record("set_started", drill=self.drill.id, set=self._set, variation=self.item.variation, load_kg=self._load_kg)

    def _phase_start(self, index: int) -> None:
        drill = self.drill
        phase = REP_PHASES[index]
        seconds = drill.tempo[phase] * self._pace()
        if index == 0:
            self._pending_mistake = self._reminder()
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
            first = cue if cue and self._fits(cue, seconds) else None
            if first:
                self._say(first, "cue", optional=True)
            elif not said_mistake and self._verbosity != "terse":
                self._say(line("beat.descent"), "beat", optional=True, remember=False)
            beats = round(drill.tempo[phase])
            for k in range(1, beats):
                self._at(k * seconds / beats, "_beat")
        elif cue and self._fits(cue, seconds):
            self._say(cue, "cue", optional=True)
        self._at(seconds, "_phase_end", index)

    def _reminder(self) -> str | None:
        """The mistake correction due at the start of this rep, if any (its turn comes next)."""
        mistakes = self.drill.mistakes
        every = self.settings.mistake_every
        if (self._verbosity == "terse" or not mistakes or every <= 0 or self._rep % every
                or self._rep == self._target() or self._rep_seconds() < FAST_REP_S):
            return None
        text = mistakes[self._mistake_turn % len(mistakes)].correction
        if not self._fits(text, self._rep_seconds()):
            return None
        self._mistake_turn += 1
        return text

    def _rep_seconds(self) -> float:
        return self.drill.rep_seconds * self._pace()

    def _cue(self, phase: str) -> str | None:
        return lines.phase_cue(self.drill.cues, REP_PHASES, phase, self._rep, self._verbosity)

    def _fits(self, text: str, seconds: float) -> bool:
        """Whether a line said now ends within `seconds` (plus a little grace)."""
        return speech_seconds(text, self._rate) <= seconds + FIT_GRACE_S

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
            self._say(line("set.ended_early" if self._reps_done else "set.ended_none", reps=self._reps_done), "info")
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
        if self.drill.rest_focus:  # the drill's own step for the next set (003: step out from the wall)
            for text in self.drill.rest_focus:
                self._say(text, "setup")
        else:
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

