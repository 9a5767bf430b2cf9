"""The command vocabulary: what a person can say, per language, as data.

`Command` names every command the coach knows. The phrases for each live in
``vocab/<language>.toml`` (one table per language); everything else (the coach's accepted sets,
recognizer grammars, help lines, the benchmark corpus) is derived from here.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Iterable

from voicecoach.errors import UserError


class Command(StrEnum):
    """Every command the coach understands, with the words `help` uses for it."""

    NEXT = "next"
    REPEAT = "repeat"
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"
    SKIP = "skip"
    BACK = "back"
    DONE = "done"
    STATUS = "status"
    HELP = "help"
    PAIN = "pain"
    YES = "yes"
    NO = "no"
    SLOWER = "slower"
    FASTER = "faster"
    SHORTER = "shorter"
    MORE_DETAIL = "more_detail"
    LOUDER = "louder"
    QUIETER = "quieter"
    PROGRESS = "progress"
    # the coach's own music (only while there is some: see MUSIC)
    MUSIC_OFF = "music_off"
    MUSIC_ON = "music_on"
    NEXT_SONG = "next_song"
    MUSIC_QUIETER = "music_quieter"
    MUSIC_LOUDER = "music_louder"
    NEW = "new"
    START = "start"
    # answers to the coach's own questions
    WEIGHT = "weight"  # a number of kilos (the phrases of the [weights] table)
    STRENGTH = "strength"
    ENDURANCE = "endurance"
    HEAD = "head"
    UPPER_BACK = "upper_back"
    TAILBONE = "tailbone"


# Accepted in every state, whatever else the state allows (the recognizer always listens for them).
ALWAYS_ON = frozenset({Command.STOP, Command.PAUSE, Command.PAIN})
# Allowed to interrupt the coach while it is speaking (half-duplex barge-in).
BARGE_IN = frozenset({Command.STOP, Command.PAUSE, Command.PAIN})
# Costly to act on by mistake: need a higher confidence or a spoken confirmation.
STRICT = frozenset({Command.STOP, Command.SKIP})
# The coach's own music: listened for only when the coach plays music (`music.folder`).
MUSIC = frozenset({Command.MUSIC_OFF, Command.MUSIC_ON, Command.NEXT_SONG, Command.MUSIC_QUIETER, Command.MUSIC_LOUDER})
# Never gated on confidence: a missed pain report is worse than a false one.
SAFETY = frozenset({Command.PAIN})

LANGUAGES = ("en", "ko")

# [trouble] word lists, checked in this order: a warning sign first ("chest pain" is not just pain).
TROUBLE_KINDS = ("warning_nerve", "warning", "pain")

_PUNCTUATION = re.compile(r"[^\w\s']+")


def normalize(text: str) -> str:
    """Lower-case, drop punctuation, fold white space: how phrases are compared."""
    return " ".join(_PUNCTUATION.sub(" ", text.lower()).split())


@dataclass(frozen=True)
class Vocabulary:
    """Phrases of one language mapped to commands."""

    language: str
    phrases: dict[str, Command]  # normalized phrase -> command
    values: dict[str, float] = field(default_factory=dict)  # normalized weight phrase -> kilos
    trouble: dict[str, tuple[str, ...]] = field(default_factory=dict)  # [trouble] kind -> phrases
    answers: dict[str, Command] = field(default_factory=dict)  # not_pain -> no, hedge -> yes ([trouble])

    def value(self, text: str) -> float | None:
        """The kilos a weight phrase stands for ("eight" -> 8), or None."""
        return self.values.get(normalize(text))

    def match(self, text: str) -> Command | None:
        """The command an utterance is, if it is exactly one known phrase."""
        return self.phrases.get(normalize(text))

    def understand(self, text: str) -> Command | None:
        """What an utterance means, typed or heard: the one phrase-to-command decision.

        An exact phrase first ("no pain" is a no); then any trouble word anywhere in it is the
        pain stop ("my lower back is killing me"); then a hedge is a yes ("a bit"); else None.
        """
        key = normalize(text)
        exact = self.phrases.get(key) or self.answers.get(key)
        if exact is not None and exact != Command.YES:
            return exact
        if self.trouble_in(key):
            return Command.PAIN
        return exact

    def trouble_in(self, text: str) -> str | None:
        """The first [trouble] kind an utterance holds ("warning_nerve", "warning", "pain"), or None."""
        words = normalize(text).split()
        for kind in TROUBLE_KINDS:
            for phrase in self.trouble.get(kind, ()):
                n = len(phrase.split())
                if any(words[i:i + n] == phrase.split() for i in range(len(words) - n + 1)):
                    return kind
        return None

    def hedged(self, text: str) -> bool:
        """A yes that is not a clean yes ("yes a little", "kind of"): never "the pain has gone"."""
        return self.answers.get(normalize(text)) == Command.YES

    def phrases_for(self, command: Command) -> list[str]:
        """Every phrase of one command, in table order (the first is the one help says)."""
        return [p for p, c in self.phrases.items() if c == command]

    def grammar(self, commands: Iterable[Command] | None = None) -> list[str]:
        """Recognizer grammar: the phrases of `commands` (all when None) plus the always-on ones,
        with the trouble sentences and the trouble words heard among unknown ones ([trouble])."""
        wanted = set(Command) if commands is None else set(commands) | ALWAYS_ON
        out = [p for p, c in self.phrases.items() if c in wanted]
        # "no pain" is heard as a no; the hedges are not in the grammar: short ones ("a bit") were
        # heard for "next" and would be the pain path (typed, or reported anyway, they count)
        out += [p for p, c in self.answers.items() if c == Command.NO and c in wanted and p not in out]
        heard = [p for kind in ("sentences", "among_speech") for p in self.trouble.get(kind, ())]
        return out + [p for p in dict.fromkeys(heard) if p not in out]

    def words(self) -> set[str]:
        """Every single word used in any phrase (to check against a model's vocabulary)."""
        return {w for p in self.phrases for w in p.split()}


@cache
def load_vocabulary(language: str = "en") -> Vocabulary:
    """Load ``vocab/<language>.toml``; a phrase used twice, an unknown command or one without a
    phrase (the music commands may have none) is an error."""
    if language not in LANGUAGES:
        raise UserError(f"unknown language {language!r}; choose one of: {', '.join(LANGUAGES)}", 2)
    text = resources.files("voicecoach.coach").joinpath("vocab", f"{language}.toml").read_text("utf-8")
    data = tomllib.loads(text)
    phrases: dict[str, Command] = {}
    values: dict[str, float] = {}
    entries = [(Command(name), phrase) for name, items in data["phrases"].items() for phrase in items]
    entries += [(Command.WEIGHT, phrase) for phrase in data.get("weights", {})]
    for command, phrase in entries:
        key = normalize(phrase)
        if key in phrases:
            raise ValueError(f"vocab/{language}.toml: phrase {phrase!r} is used by {phrases[key]} and {command}")
        phrases[key] = command
    for phrase, kilos in data.get("weights", {}).items():
        values[normalize(phrase)] = float(kilos)
    found = data.get("trouble", {})
    trouble = {kind: tuple(normalize(p) for p in found.get(kind, ()))
               for kind in (*TROUBLE_KINDS, "sentences", "among_speech")}
    answers = {normalize(p): Command.NO for p in found.get("not_pain", ())}
    answers |= {normalize(p): Command.YES for p in found.get("hedge", ())}
    clash = set(answers) & set(phrases)
    if clash:
        raise ValueError(f"vocab/{language}.toml: [trouble] answers also in [phrases]: {', '.join(sorted(clash))}")
    missing = set(Command) - set(phrases.values()) - MUSIC  # a language may leave the music commands out
    if missing:
        raise ValueError(f"vocab/{language}.toml: no phrase for {', '.join(sorted(missing))}")
    return Vocabulary(language, phrases, values, trouble, answers)
