"""The pain path: stop at once, safely for what is in the hands (000: stop if the low back hurts).

Any pain phrase, or a "yes" to "Any pain in your low back?", stops the set with the drill's own
safe stop ("let the bell slow down and park it"), says so when the pain is not in the back, and
asks "Has the pain gone?". Only a "yes" there can lead on, and only to an unloaded, easier drill
(``after_pain`` in program.toml), and only by an explicit "next". Anything else ends the session.
"""

from __future__ import annotations

from voicecoach.coach.commands import Command, normalize
from voicecoach.coach.drills import GAP_S
from voicecoach.coach.lines import in_sentence, line, table
from voicecoach.program.model import Drill
from voicecoach.program.plan import PlanItem

SETTLE_S = 15.0  # after the stop, a moment to rest before "Has the pain gone?" (a team choice)
WARNINGS = ("warning_nerve", "warning")  # [trouble] kinds that end the session with medical advice


class SafetyMixin:
    """Callbacks of the safety and offer states (mixed into :class:`~voicecoach.coach.coach.Coach`)."""

    def safety_stop(self) -> None:
        """Pain (or a warning sign) from any state: the drill's safe stop, then rest or the end."""
        self._close_open_set()
        self._pain = True
        self._pain_gone_asked = 0
        heard = self._heard
        phrase = heard.text if heard and heard.command == Command.PAIN else ""
        if heard and heard.command == Command.YES and self.state == "safety":
            phrase = "yes: low back pain"
        self._say(self.safe_stop_line(), "safety", interrupt=True)
        where = {"drill": self.drill.id, "set": self._set} if self._started else {"drill": None, "set": None}
        kind = self.vocabulary.trouble_in(phrase) if phrase else None
        if kind in WARNINGS:
            self._say(line(f"trouble.{kind}"), "safety")
            self._record("pain", **where, phrase=f"warning: {phrase}")
            self._after_speech(GAP_S, "advance")  # the end, once the advice has been heard
            return
        place = _pain_place(phrase)
        if place:
            self._say(line("safety.not_back", place=place), "safety")
        self._say(line("safety.push"), "safety")
        self._record("pain", **where, phrase=phrase or "pain")
        self._after_speech(SETTLE_S, "_ask_pain_gone")

    def safe_stop_line(self) -> str:
        """The drill's own safe stop whenever a drill is under way (between sets too: a bell may
        still be in the hands, a bridge is on the floor); the generic one before any drill."""
        return self.drill.stop if self._started and self.drill.stop else line("safety.stop")

    def asked_pain_gone(self) -> bool:
        """Has "Has the pain gone?" been asked (a yes or no before it answers nothing)?"""
        return self._pain_gone_asked > 0

    def pain_answers_question(self) -> bool:
        """Pain said once "Has the pain gone?" was asked is its answer: not gone (a warning sign
        still takes the warning path)."""
        heard = self._heard.text if self._heard else ""
        return self.asked_pain_gone() and self.vocabulary.trouble_in(heard) not in WARNINGS

    def too_early(self) -> None:
        self._say(line("trouble.too_early"), "info", remember=False)

    def _ask_pain_gone(self) -> None:
        self._pain_gone_asked += 1
        self._say(line("safety.gone" if self._pain_gone_asked == 1 else "trouble.gone_again"), "question")
        if self._pain_gone_asked < 2:  # no answer is not "gone": asked once more, then the end
            self._after_speech(self.settings.answer_timeout_s, "_ask_pain_gone")
        else:
            self._after_speech(self.settings.safety_timeout_s, "_safety_timeout")

    def _safety_timeout(self) -> None:
        self._say(line("safety.timeout"), "safety")
        self.trigger("advance")

    def easier_drill(self) -> Drill | None:
        """The drill offered once the pain has gone: the hardest `after_pain` drill below this one."""
        ladder = self.library.ladder
        here = self.drill.id
        if here not in ladder:
            return None
        below = [d for d in self.library.after_pain if d in ladder and ladder.index(d) < ladder.index(here)]
        return self.library[below[-1]] if below else None

    def has_easier_drill(self) -> bool:
        return not self._easier_taken and self.easier_drill() is not None

    def offer_easier_drill(self) -> None:
        self._clear_timers()
        easier = self.easier_drill()
        self._say(line("safety.offer", easier=in_sentence(easier.name)), "safety")
        self._after_speech(self.settings.safety_timeout_s, "_safety_timeout")

    def end_pain_gone(self) -> None:
        self._say(line("safety.no_offer"), "safety")
        self._end("pain", cut=False)

    def start_easier_drill(self) -> None:
        easier = self.easier_drill()
        self._easier_taken = True
        variation = easier.variations[0].id if easier.variations else None
        gentle = PlanItem(easier.id, min(easier.sets.target, self.library.gentle_sets), variation,
                          tempo_scale=self.library.gentle_tempo)
        self._items = [*self._items[: self._index + 1], gentle]
        self._index += 1
        self._load_kg = None
        self.start_intro()


def _pain_place(phrase: str) -> str | None:
    """The body part a pain phrase names, when it is not the back ("my knee hurts" -> "knee")."""
    places = table("pain_places")
    return next((places[word] for word in normalize(phrase).split() if word in places), None)
