"""From recognizer results to decided commands: pure logic, no audio, no clocks.

A recognizer reports a stream of :class:`~voicecoach.events.Heard` results: partial hypotheses
while someone speaks, then one final result per utterance. :class:`Decider` turns that stream into
at most one decision per utterance:

* **Fast path.** The same command phrase seen in consecutive partials for ``stable_partial_s``
  seconds of audio acts at once, without waiting for the endpointer's final result, as soon as
  the engine's voice activity detector has heard ``end_silence_s`` of non-speech (when it
  reports one: ``Heard.silence_s``), because mid-word a wrong phrase can hold for a while.
* **The final confirms or corrects.** If nothing fired on a partial, the final result decides. If a
  partial already fired, the final is only compared (``corrections`` counts disagreements); one
  utterance never fires twice.
* **Gates.** Final results need ``min_confidence``; stop and skip (``STRICT``) need
  ``strict_confidence``, and between the two they become a :class:`CommandUnsure` (the coach asks
  before acting), so they never act on a partial, whose confidence is unknown. Pain (``SAFETY``)
  always acts. Results dominated by ``[unk]`` are ignored.
* **Half-duplex.** An utterance that *began* while the coach spoke, or within ``speech_tail_s``
  after, counts only if it is a barge-in command, and only on a final result with
  ``barge_in_confidence`` (pain still always acts); it stays gated to its end, so the coach's own
  line cannot trigger anything once it has finished. One that began in a quiet moment is the
  person's, even if the coach's next line starts before its result. ``barge_in = "full"`` turns
  this off; ``"auto"`` is half-duplex here until the echo canceller's gate says otherwise
  (:class:`voicecoach.listen.frontend.EchoGate`).

Times are audio seconds, the ``at`` of the results (and of :meth:`Decider.coach_speaking`).
A confidence of NaN means "unknown" (Vosk reports none for partials); a decision taken on such a
partial carries NaN too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

from voicecoach.coach.commands import ALWAYS_ON, BARGE_IN, SAFETY, STRICT, Command, Vocabulary
from voicecoach.events import CommandHeard, CommandUnsure, Heard
from voicecoach.settings import ListenSettings

UNK = "[unk]"  # every engine adapter reports out-of-grammar speech with this token


def command_in(vocabulary: Vocabulary, text: str) -> tuple[Command | None, str]:
    """The command a result's text holds, and the phrase, ignoring ``[unk]`` unless it dominates.

    A one-word command must stand alone: ``"[unk] next"`` is nothing (a word inside running
    speech is not a command; "go", "no", "back" are everyday words). A longer phrase may have one
    ``[unk]`` beside it (``"[unk] that hurts"`` is pain), never more unknown than known words.
    Two commands in one result are nothing (the phrase must match exactly). Trouble is the
    exception: a pain word or warning sign among any number of unknown words is pain
    (``"[unk] [unk] hurt [unk]"``), the same decision as typed text (`Vocabulary.understand`).
    """
    words = [t for t in text.split() if t != UNK]
    phrase = " ".join(words)
    if words and vocabulary.trouble_in(phrase) and vocabulary.understand(phrase) == Command.PAIN:
        return Command.PAIN, phrase
    if not words or among_unknown(text):
        return None, ""
    return vocabulary.understand(phrase), phrase


def among_unknown(text: str) -> bool:
    """More unknown words than known, or one known word beside unknown ones: running speech."""
    tokens = text.split()
    known = sum(t != UNK for t in tokens)
    return len(tokens) - known > known or (known == 1 and len(tokens) > 1)


@dataclass
class _Utterance:
    """What the decider knows about the utterance in progress."""

    started_at: float | None = None  # audio time of its first non-empty partial
    phrase: str = ""  # current partial command phrase
    phrase_since: float = 0.0  # audio time it was first seen
    partials_seen: int = 0  # consecutive partials with that phrase
    fired: Command | None = None  # the command this utterance already decided


class Decider:
    """Turns recognizer results into :class:`CommandHeard` / :class:`CommandUnsure` events."""

    def __init__(self, vocabulary: Vocabulary, settings: ListenSettings, engine: str = ""):
        self.vocabulary = vocabulary
        self.settings = settings
        self.engine = engine
        self.accepted: frozenset[Command] = frozenset(Command)
        self.corrections = 0  # finals that disagreed with a command already fired on a partial
        self.confirmations = 0  # finals that agreed with it
        self._speaking_since: float | None = None
        self._speech_ended_at = -math.inf
        self._utt = _Utterance()

    @property
    def in_utterance(self) -> bool:
        """Has speech started that has not reached its final result yet?"""
        return self._utt.started_at is not None

    # ---- inputs besides results -----------------------------------------------------------

    def set_commands(self, commands: Iterable[Command | str]) -> None:
        """The commands the coach accepts now (the always-on ones are added)."""
        self.accepted = frozenset(Command(c) for c in commands) | ALWAYS_ON

    def coach_speaking(self, speaking: bool, at: float) -> None:
        """The coach started (True) or stopped (False) talking, at audio time `at`."""
        if speaking:
            if self._speaking_since is None:
                self._speaking_since = at
        else:
            self._speaking_since = None
            self._speech_ended_at = at

    def gated(self, at: float) -> bool:
        """Is the utterance going on now (or one starting at `at`) under half-duplex rules?

        Only if it *began* while the coach spoke or in the tail after a line: one that began in a
        quiet moment is the person's, even when the coach starts its next line before the result
        comes (the coach's voice cannot be in what was said before it played)."""
        if self.settings.barge_in == "full":
            return False
        start = self._utt.started_at if self._utt.started_at is not None else at
        if self._speaking_since is not None and self._speaking_since <= start:
            return True
        return start < self._speech_ended_at + self.settings.speech_tail_s

    def _over_coach(self, start: float) -> bool:
        """Did an utterance starting at `start` begin while the coach spoke, or in the tail after a
        line? The coach's own lines hold trouble words ("If your low back hurts, stop and tell
        me"): their echo, heard as running speech, must not stop a set. Pain said as a phrase of
        its own ("that hurts", "my back hurts") over the coach still acts."""
        if self._speaking_since is not None and self._speaking_since <= start:
            return True
        return start < self._speech_ended_at + self.settings.speech_tail_s

    # ---- results ----------------------------------------------------------------------------

    def feed(self, heard: Heard) -> list[CommandHeard | CommandUnsure]:
        """Take one recognizer result; return the decisions it causes (zero or one)."""
        return self._final(heard) if heard.final else self._partial(heard)

    def _partial(self, heard: Heard) -> list[CommandHeard | CommandUnsure]:
        utt = self._utt
        if not heard.text.strip():
            utt.phrase, utt.partials_seen = "", 0
            return []
        if utt.started_at is None:
            utt.started_at = heard.at
        if utt.fired is not None:
            return []
        command, phrase = command_in(self.vocabulary, heard.text)
        if command is None or among_unknown(heard.text):
            # a trouble word inside running speech waits for the final result: a partial of
            # "painting" is "pain" (issue 19, docs/listening.md)
            utt.phrase, utt.partials_seen = "", 0
            return []
        if phrase != utt.phrase:
            utt.phrase, utt.phrase_since, utt.partials_seen = phrase, heard.at, 1
        else:
            utt.partials_seen += 1
        held = heard.at - utt.phrase_since
        if utt.partials_seen < 2 or held + 1e-9 < self.settings.stable_partial_s:
            return []
        if not math.isnan(heard.silence_s) and heard.silence_s + 1e-9 < self.settings.end_silence_s:
            return []  # still talking: the partial may yet change
        if not self._allowed_on_partial(command, heard):
            return []
        utt.fired = command
        return [self._event(command, phrase, heard, "partial")]

    def _allowed_on_partial(self, command: Command, heard: Heard) -> bool:
        if command not in self.accepted:
            return False
        if command in SAFETY:
            return True
        if command in STRICT or self.gated(heard.at):
            return False  # needs a confidence: wait for the final result
        return math.isnan(heard.confidence) or heard.confidence >= self.settings.min_confidence

    def _final(self, heard: Heard) -> list[CommandHeard | CommandUnsure]:
        utt = self._utt
        if utt.started_at is None and heard.text.strip():
            utt.started_at = heard.at
        command, phrase = command_in(self.vocabulary, heard.text)
        if command == Command.PAIN and among_unknown(heard.text) and self._over_coach(utt.started_at or heard.at):
            command = None  # a trouble word in running speech over the coach is its own line's echo
        try:
            if utt.fired is not None:
                if command == utt.fired:
                    self.confirmations += 1
                else:
                    self.corrections += 1
                return []
            if command is None or command not in self.accepted:
                return []
            return self._judge_final(command, phrase, heard)
        finally:
            self._utt = _Utterance()

    def _judge_final(self, command: Command, phrase: str, heard: Heard) -> list[CommandHeard | CommandUnsure]:
        s = self.settings
        unknown = math.isnan(heard.confidence)  # engines without confidences: ask before costly acts
        confidence = heard.confidence
        if command in SAFETY:
            return [self._event(command, phrase, heard, "final")]
        if self.gated(heard.at):
            if command not in BARGE_IN or (not unknown and confidence < s.barge_in_confidence):
                return []
        if command in STRICT:
            if not unknown and confidence >= s.strict_confidence:
                return [self._event(command, phrase, heard, "final")]
            if unknown or confidence >= s.min_confidence:
                return [CommandUnsure(command.value, phrase, confidence, self.engine, heard.at)]
            return []
        if unknown or confidence >= s.min_confidence:
            return [self._event(command, phrase, heard, "final")]
        return []

    def _event(self, command: Command, phrase: str, heard: Heard, source: str) -> CommandHeard:
        confidence = heard.confidence if math.isnan(heard.confidence) else round(heard.confidence, 3)
        return CommandHeard(command.value, phrase, confidence, source, self.engine, heard.at)
