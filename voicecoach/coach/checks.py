"""The coach's questions, one thing at a time: low-back pain after a set (000), the drill's form
check and, after a "no", where it went wrong; and before a drill, when they matter, the pain left
from last time, the goal (004, asked once) and the weight in kilos.

Every question waits ``answer_timeout_s`` for its answer; no answer moves on as stated in each
callback, except that no answer to a pain question is never "no pain": it is asked once more,
then the coach waits (issue 19). A "yes" to the low-back question, or a hedge ("a bit"), is the
pain path.
"""

from __future__ import annotations

from dataclasses import replace

from voicecoach.coach import lines
from voicecoach.coach.lines import line, spoken_number


class ChecksMixin:
    """Callbacks of the question states (mixed into :class:`~voicecoach.coach.coach.Coach`)."""

    # ---- after a set -------------------------------------------------------------------------

    def ask_back_check(self) -> None:
        self._back_asked = True
        self._back_asked_items.add(self._index)
        self._unanswered = 0
        self._say(line("check.back"), "question")
        self._after_speech(self.settings.answer_timeout_s, "_back_unanswered")

    def _back_unanswered(self) -> None:
        """No answer is never "no pain": ask once more, then wait for next (or pain)."""
        self._ask_again_then_wait("back", "_back_unanswered")

    def _ask_again_then_wait(self, question: str, step: str) -> None:
        """A pain question unanswered: asked once more (`trouble.<question>_again`), then the
        coach says how to go on (`trouble.<question>_wait`) and waits, with no timer."""
        self._unanswered += 1
        if self._unanswered == 1:
            self._say(line(f"trouble.{question}_again"), "question")
            self._after_speech(self.settings.answer_timeout_s, step)
        else:
            self._say(line(f"trouble.{question}_wait"), "question")

    def back_fine(self) -> None:
        self._clear_timers()
        self._say(line("check.back_fine"), "info", remember=False)
        self.trigger("advance")

    def ask_form_check(self) -> None:
        self._form_asked = True
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
            self._say(line("check.not_yet" if self.more_sets() else "check.not_yet_last"), "info", remember=False)
            drill = self.drill
            mistake = next((m for m in drill.mistakes if m.id == drill.form_fix), None) \
                or drill.mistakes[self._mistake_turn % len(drill.mistakes)]
            self._reported = None if mistake.between_sets else mistake.correction  # repeated mid-set
            self._say(mistake.correction, "mistake")
        self.trigger("advance")

    def answer_yes(self) -> None:
        self._answer(True)

    def answer_no(self) -> None:
        self._answer(False)

    def ask_form_detail(self) -> None:
        """A "no" to a form check with a follow-up: record it, then ask where it went wrong."""
        self._clear_timers()
        self._record("form_check", drill=self.drill.id, set=self._set, answer="no")
        self._result().good_form[self._set] = False
        self._say(self.drill.form_detail.question, "question")
        self._after_speech(self.settings.answer_timeout_s, "_no_answer")

    def _detail(self, answer: str) -> None:
        self._clear_timers()
        fix = self.drill.form_detail.fixes.get(answer)
        self._reported = fix or self._reported
        self._say(fix or line("check.skipped"), "mistake")
        self.trigger("advance")

    def detail_head(self) -> None:
        self._detail("head")

    def detail_upper_back(self) -> None:
        self._detail("upper_back")

    def detail_tailbone(self) -> None:
        self._detail("tailbone")

    def skip_question(self) -> None:
        self._clear_timers()
        self._say(line("check.skipped"), "info", remember=False)
        self.trigger("advance")

    # ---- before the drills: pain left from last time -----------------------------------------

    def ask_pain_check(self) -> None:
        self._unanswered = 0
        self._say(line("session.pain_check"), "question")
        self._after_speech(self.settings.answer_timeout_s, "_pain_check_unanswered")

    def _pain_check_unanswered(self) -> None:
        """No answer is never "it doesn't hurt": ask once more, then wait (no hinging without a no)."""
        self._ask_again_then_wait("pain_check", "_pain_check_unanswered")

    def end_still_hurts(self) -> None:
        self._pain = True
        self._record("pain", drill=None, set=None, phrase="still hurts from last time")
        self._say(line("session.still_hurts"), "safety", interrupt=True)
        self._end("pain", cut=False)

    def start_gently(self) -> None:
        self._say(line("session.pain_gone"), "info")
        self.start_intro()

    # ---- before a drill: the goal and the weight ---------------------------------------------

    def ask_goal(self) -> None:
        self._say(line("goal.ask"), "question")
        self._after_speech(self.settings.answer_timeout_s, "goal_unanswered")

    def _choose_goal(self, goal: str | None) -> None:
        self._clear_timers()
        name = goal or self.library.default_goal  # one default, the plan's and the criterion's
        chosen = self.library.goals[name]
        if goal:
            self._goal = goal
            self._record("goal", goal=goal)
        drill = self.drill
        sets = max(drill.sets.low, min(drill.sets.high, chosen.sets))
        reps = max(drill.reps.low, min(drill.reps.high, chosen.reps))
        self._items[self._index] = replace(self.item, sets=sets, reps=reps)
        self._say(line(f"goal.{goal}" if goal else "goal.no_answer", sets=sets, reps=reps), "info")
        self.trigger("advance")

    def choose_strength(self) -> None:
        self._choose_goal("strength")

    def choose_endurance(self) -> None:
        self._choose_goal("endurance")

    def goal_unanswered(self) -> None:
        self._choose_goal(None)

    def ask_weight(self) -> None:
        if self._load_kg:
            self._say(line("weight.last", load=spoken_number(self._load_kg)), "setup")
        else:
            self._say(line("weight.first"), "setup")
        self._say(line("weight.rule"), "safety")
        self._say(line("weight.ask"), "question")
        self._after_speech(self.settings.answer_timeout_s, "_weight_unanswered")

    def take_weight(self) -> None:
        kilos = self.vocabulary.value(self._heard.text) if self._heard else None
        self._clear_timers()
        if kilos is None:
            self._say(line("weight.ask"), "question")
            self._after_speech(self.settings.answer_timeout_s, "_weight_unanswered")
            return
        limit = self.library.load_limits.get(self.drill.id)
        last = self.item.load_kg
        lighter = limit.lighter(kilos, last) if limit else None
        if lighter is not None:
            self._weight_offer = (kilos, lighter)
            key, fields = ("load.heavy_first", {}) if last is None else ("load.jump", {"last": spoken_number(last)})
            self._say(line(key, load=spoken_number(kilos), lighter=spoken_number(lighter), **fields), "question")
            self._after_speech(self.settings.answer_timeout_s, "take_lighter_weight")
            return
        self._use_weight(kilos)

    def _use_weight(self, kilos: float) -> None:
        self._clear_timers()
        self._weight_offer = None
        self._load_kg = kilos
        self._say(line("weight.taken", load=spoken_number(kilos)), "info")
        self.trigger("advance")

    def confirming_weight(self) -> bool:
        """Is a heavy weight waiting for a yes (the lighter one) or a no (keep it)?"""
        return self._weight_offer is not None

    def take_lighter_weight(self) -> None:
        """Yes, or no answer: the lighter weight (safety errs on the lighter side)."""
        self._use_weight(self._weight_offer[1])

    def keep_weight(self) -> None:
        self._use_weight(self._weight_offer[0])

    def no_question(self) -> None:
        """A yes or no with nothing asked: the refusal line."""
        self._say(lines.refusal(self._heard.command, self.state), "refusal", remember=False)

    def skip_weight(self) -> None:
        self._clear_timers()
        self._say(line("weight.skipped"), "info", remember=False)
        self.trigger("advance")

    def _weight_unanswered(self) -> None:
        self._say(line("weight.no_answer"), "info", remember=False)
        self.trigger("advance")

