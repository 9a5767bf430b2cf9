"""Vosk behind the `Recognizer` Protocol: a grammar of the command phrases plus the unknown word.

Vosk builds a small language model from the grammar (a JSON list of phrases). A word the model
lacks is dropped with only a log line, so :func:`missing_words` checks every word first and the
recognizer warns about them clearly. Out-of-grammar speech is caught by the model's unknown word
(``[unk]`` in the English models, ``<UNK>`` in the Korean one); results report it as ``[unk]``.

Vosk's own endpointer waits about 0.8 s of silence before the final result; the recognizer ends
the utterance itself after ``end_silence_s`` of VAD silence (default
``ListenSettings.utterance_end_s``), which brought the final, with its word confidences, 0.3 s
sooner and halved false accepts on negatives (measurements: ``docs/listening.md``).

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
from voicecoach.listen.dither import Dither
from voicecoach.listen.frontend import judged
from voicecoach.listen.vad import SilenceDetector, make_vad
from voicecoach.settings import ListenSettings

log = logging.getLogger(__name__)

UNKNOWN_WORDS = ("[unk]", "<UNK>", "<unk>")  # how models spell the unknown word, most common first

# Frequent words in no command, per language: a garbage model to add to the grammar (opt-in,
# `fillers=`), because the unknown word alone rarely wins: the Korean model's <UNK> appeared in 19
# of ~20000 results, everything else came out as some command word. Measured on espeak-ng Korean
# commands + English/real negatives: false accepts 91 -> 27 per hour, but clean accuracy 57 -> 42 %,
# so it is off by default. Heard as ``[unk]``; only words the model knows are used.
FILLER_WORDS = {
    "ko": ("이 그 저 것 수 나 너 우리 있다 없다 하다 되다 같다 보다 오늘 내일 지금 여기 사람 시간 정말 그냥 좀 잘"
           " 안 못 더 또 그래서 그리고 그런데 뭐 왜 어디 누구 언제 이거 그거 해요 있어요 없어요 좋아요 주세요 커피"
           " 물 밥 집 친구 하나 둘 셋 넷 일 삼 사 오 육 칠 팔 구 십 는 은 가 를 을 에 의 도 로 와 과 음 응 진짜 많이"
           " 조금 너무 제가 하고 해서 하면").split(),
}


def load_model(path: str | Path):
    """Load a Vosk model directory; a missing or broken one is a :class:`UserError`."""
    import vosk

    vosk.SetLogLevel(-3)  # below Kaldi's ERROR (-2) too: a broken model is our one line, not theirs
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

    def __init__(self, model, phrases: Sequence[str], sample_rate: int = 16000,
                 end_silence_s: float = ListenSettings.utterance_end_s,
                 fillers: Sequence[str] = (), dither: bool = True, vad: "str | SilenceDetector" = "webrtc"):
        """`model` is a loaded ``vosk.Model`` (see :func:`load_model`); share it between recognizers.

        `end_silence_s` > 0: end the utterance ourselves once the VAD has heard this much
        non-speech after a non-empty partial (Vosk's own endpointer waits about 0.8 s), so the
        final result, with word confidences, comes sooner. 0 = Vosk's endpointer only.
        `fillers`: extra grammar words that stand for "not a command" (e.g. ``FILLER_WORDS["ko"]``).
        `dither`: the voice detector judges a dithered copy (:mod:`voicecoach.listen.dither`; False: raw).
        """
        self.model = model
        self.end_silence_s = end_silence_s
        self._dither = Dither() if dither else None
        self._fillers = [w for w in fillers if model.vosk_model_find_word(w) >= 0]
        self._heard_words = False
        self.sample_rate = sample_rate
        self.unk = unknown_word(model)
        self.samples = 0  # audio fed so far, for result times
        self.missing: list[str] = []
        self._phrase_words: set[str] = set()
        self._rec = None
        self._vad = make_vad(vad, sample_rate) if isinstance(vad, str) else vad  # "silero" | "webrtc" | a detector
        self.set_commands(phrases)

    def set_commands(self, phrases: Sequence[str]) -> None:
        """Recognize only these phrases (plus unknown speech). Starts a new utterance."""
        import vosk

        words = sorted({w for p in phrases for w in p.split()})
        self.missing = missing_words(self.model, words)
        if self.missing:
            log.info("the Vosk model lacks these command words, which cannot be heard: %s", ", ".join(self.missing))
        usable = [p for p in phrases if not set(p.split()) & set(self.missing)]
        self._phrase_words = {w for p in usable for w in p.split()}
        fillers = [w for w in self._fillers if w not in self._phrase_words]
        grammar = usable + ([self.unk] if self.unk else []) + fillers
        self._rec = vosk.KaldiRecognizer(self.model, self.sample_rate, json.dumps(grammar, ensure_ascii=False))
        self._heard_words = False
        self._rec.SetWords(True)

    def reset(self) -> None:
        """Drop the utterance in progress."""
        self._rec.Reset()
        self._heard_words = False

    def accept(self, chunk: bytes) -> list[Heard]:
        """Feed 16-bit mono PCM; returns a partial result, or the final one at an endpoint.

        A :class:`~voicecoach.listen.frontend.Cleaned` chunk is decoded as it is, while the voice
        detector judges its ``judge`` samples."""
        self.samples += len(chunk) // 2
        at = self.samples / self.sample_rate
        judge = judged(chunk)
        silence = self._vad.feed(self._dither(judge) if self._dither else judge, judge is not chunk)  # the decoder gets the raw samples
        if self._rec.AcceptWaveform(chunk):
            self._heard_words = False
            return self._final(json.loads(self._rec.Result()), at)
        text = self._clean(json.loads(self._rec.PartialResult()).get("partial", ""))
        if text:
            self._heard_words = True
        if self.end_silence_s and self._heard_words and silence + 1e-9 >= self.end_silence_s:
            self._heard_words = False
            return [Heard(text, math.nan, False, at, silence)] + self._final(json.loads(self._rec.FinalResult()), at)
        return [Heard(text, math.nan, False, at, silence)]

    def finish(self) -> list[Heard]:
        """End of input: the final result of whatever was still being said."""
        self._heard_words = False
        return self._final(json.loads(self._rec.FinalResult()), self.samples / self.sample_rate)

    def _final(self, result: dict, at: float) -> list[Heard]:
        text = self._clean(result.get("text", ""))
        if not text:
            return []
        confs = [w["conf"] for w in result.get("result", []) if w.get("word") in self._phrase_words]
        return [Heard(text, min(confs) if confs else 0.0, True, at)]

    def _clean(self, text: str) -> str:
        """The unknown word and filler words become ``[unk]``."""
        return " ".join(w if w in self._phrase_words else UNK for w in text.split())
