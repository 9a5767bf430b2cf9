"""Vosk behind the `Recognizer` Protocol: a grammar of the command phrases plus the unknown word.

Vosk builds a small language model from the grammar (a JSON list of phrases). A word the model
lacks is dropped with only a log line, so :func:`missing_words` checks every word first and the
recognizer warns about them clearly. Out-of-grammar speech is caught by the model's unknown word
(``[unk]`` in the English models, ``<UNK>`` in the Korean one); results report it as ``[unk]``.

Always load a model from a path (``vosk.Model(lang=...)`` downloads and may ``sys.exit``).
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Sequence

from voicecoach.errors import UserError
from voicecoach.events import Heard
from voicecoach.listen.decide import UNK
from voicecoach.listen.vad import TrailingSilence

log = logging.getLogger(__name__)

UNKNOWN_WORDS = ("[unk]", "<UNK>", "<unk>")  # how models spell the unknown word, most common first


def load_model(path: str | Path):
    """Load a Vosk model directory; a missing or broken one is a :class:`UserError`."""
    import vosk

    vosk.SetLogLevel(-1)
    path = Path(path)
    if not (path / "am").is_dir() and not (path / "final.mdl").exists():
        raise UserError(f"{path} is not a Vosk model (no am/ folder); get one with `voicecoach model download`")
    try:
        return vosk.Model(str(path))
    except Exception as error:  # vosk raises a bare Exception("Failed to create a model")
        raise UserError(f"cannot load the Vosk model in {path} ({error}); it may be incomplete: "
                        "download it again with `voicecoach model download`") from None


def unknown_word(model) -> str | None:
    """The model's spelling of the unknown word, or None if it has none."""
    for word in UNKNOWN_WORDS:
        if model.vosk_model_find_word(word) >= 0:
            return word
    return None


def missing_words(model, words: Sequence[str]) -> list[str]:
    """The words Vosk would silently drop from a grammar, in the order given."""
    return [w for w in words if model.vosk_model_find_word(w) < 0]


class VoskRecognizer:
    """Vosk `KaldiRecognizer` in grammar mode; implements `voicecoach.events.Recognizer`."""

    engine = "vosk"

    def __init__(self, model, phrases: Sequence[str], sample_rate: int = 16000):
        """`model` is a loaded ``vosk.Model`` (see :func:`load_model`); share it between recognizers."""
        self.model = model
        self.sample_rate = sample_rate
        self.unk = unknown_word(model)
        self.samples = 0  # audio fed so far, for result times
        self.missing: list[str] = []
        self._rec = None
        self._vad = TrailingSilence(sample_rate)
        self.set_commands(phrases)

    def set_commands(self, phrases: Sequence[str]) -> None:
        """Recognize only these phrases (plus unknown speech). Starts a new utterance."""
        import vosk

        words = sorted({w for p in phrases for w in p.split()})
        self.missing = missing_words(self.model, words)
        if self.missing:
            log.info("the Vosk model lacks these command words, which cannot be heard: %s", ", ".join(self.missing))
        usable = [p for p in phrases if not set(p.split()) & set(self.missing)]
        grammar = usable + ([self.unk] if self.unk else [])
        self._rec = vosk.KaldiRecognizer(self.model, self.sample_rate, json.dumps(grammar, ensure_ascii=False))
        self._rec.SetWords(True)

    def reset(self) -> None:
        """Drop the utterance in progress."""
        self._rec.Reset()

    def accept(self, chunk: bytes) -> list[Heard]:
        """Feed 16-bit mono PCM; returns a partial result, or the final one at an endpoint."""
        self.samples += len(chunk) // 2
        at = self.samples / self.sample_rate
        silence = self._vad.feed(chunk)
        if self._rec.AcceptWaveform(chunk):
            return self._final(json.loads(self._rec.Result()), at)
        text = self._clean(json.loads(self._rec.PartialResult()).get("partial", ""))
        return [Heard(text, math.nan, False, at, silence)]

    def finish(self) -> list[Heard]:
        """End of input: the final result of whatever was still being said."""
        return self._final(json.loads(self._rec.FinalResult()), self.samples / self.sample_rate)

    def _final(self, result: dict, at: float) -> list[Heard]:
        text = self._clean(result.get("text", ""))
        if not text:
            return []
        confs = [w["conf"] for w in result.get("result", []) if w.get("word") != self.unk]
        return [Heard(text, min(confs) if confs else 0.0, True, at)]

    def _clean(self, text: str) -> str:
        if self.unk and self.unk != UNK:
            return " ".join(UNK if w == self.unk else w for w in text.split())
        return text
