"""A drill's frame: its set-up steps one at a time, and what follows it (the next drill, or the
end). A primer (the unloaded check set before a loaded drill, 004) lets the load follow only
when every set was rated clean."""

from __future__ import annotations

from dataclasses import dataclass, field

from voicecoach.coach import lines
from voicecoach.coach.lines import in_sentence, line

GAP_S = 0.5  # a breath between two lines of the coach


@dataclass
class DrillResult:
    """What was done of one drill today: reps per set number, form answers per set number."""

    reps: dict[int, int] = field(default_factory=dict)
    good_form: dict[int, bool] = field(default_factory=dict)
    skipped: bool = False
    recorded: bool = False  # drill_done emitted


class DrillsMixin:
    """Callbacks of the intro and drill_done states (mixed into :class:`~voicecoach.coach.coach.Coach`)."""

    def start_intro(self) -> None:
        drill, item = self.drill, self.item
        self._started = True
        self._set = item.start_set
        self._mistake_turn = 0
        self._cues.new_drill()
        self._reported = None
        name = in_sentence(drill.name)
        step = self.settings.step_pause_s
        intro = [(line("drill.first" if self._index == 0 else "drill.next", drill=name), "info", GAP_S),
                 (drill.summary, "info", GAP_S)]
        if item.primer_for:
            intro.append((line("primer.intro"), "safety", GAP_S))
        if drill.equipment:
            intro.append((line("drill.equipment", equipment=lines.join_and(drill.equipment)), "info", GAP_S))
        if item.start_set > 1:
            intro.append((line("drill.resume_at", set=item.start_set), "info", GAP_S))
        intro += [(text, "setup", step) for text in drill.setup]
        intro += [(v.instruction, "setup", step) for v in drill.variations if v.id == item.variation]
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

    def finish_drill(self) -> None:
        self._record_drill_done(skipped=False)
        self._say(line("drill.done", drill=in_sentence(self.drill.name)), "info")
        self._check_primer()
        self._after_speech(GAP_S, "advance")

    def skip_drill(self) -> None:
        self._close_open_set()
        self._result().skipped = True
        self._record_drill_done(skipped=True)
        self._say(line("drill.skipped", drill=in_sentence(self.drill.name)), "info", interrupt=True)
        self._check_primer()
        self._after_speech(GAP_S, "advance")

    def _check_primer(self) -> None:
        """After a primer: the loaded drill it guards runs only if every set was done in full and
        answered clean (004); an empty, partial or unanswered check set never unlocks the load."""
        guarded = self.item.primer_for
        if not guarded:
            return
        result, sets = self._result(), range(self.item.start_set, self.item.sets + 1)
        full = all(result.reps.get(s, 0) >= self._target() for s in sets)  # every rep of every set
        clean = all(result.good_form.get(s) is True for s in sets)  # and a clean answer for each
        if full and clean and not result.skipped:
            self._say(line("primer.passed"), "safety")
            return
        self._say(line("primer.failed"), "safety")
        later = self._items[self._index + 1:]
        self._items[self._index + 1:] = [i for i in later if not self.library[i.drill_id].loaded]

    def start_next_drill(self) -> None:
        self._index += 1
        self._load_kg = self.item.load_kg
        self.start_intro()

    def _result(self) -> DrillResult:
        return self._results.setdefault(self.drill.id, DrillResult())

    def _record_drill_done(self, skipped: bool) -> None:
        result = self._result()
        if not result.recorded:
            result.recorded = True
            self._record("drill_done", drill=self.drill.id, sets_done=len(result.reps), skipped=skipped)
