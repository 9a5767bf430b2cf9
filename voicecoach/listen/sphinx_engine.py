"""PocketSphinx behind the `Recognizer` Protocol: the fallback when no Vosk model is installed.

Uses PocketSphinx's bundled US English model with a JSGF grammar: either one command phrase, or
a run of common "filler" words that soaks up speech that is not a command (reported as
``[unk]``, like Vosk's unknown word). PocketSphinx's own voice-activity endpointer cuts the audio
into utterances; partial hypotheses come every 30 ms frame, the final result at the end of speech.

PocketSphinx gives no usable word confidence in grammar mode, so results carry NaN ("unknown"):
the decider then asks before acting on stop or skip.
"""

from __future__ import annotations

import math
import os
from typing import Sequence

from voicecoach.events import Heard
from voicecoach.listen.decide import UNK
from voicecoach.listen.vad import TrailingSilence

# Frequent English words that are in no command: the garbage model of the grammar. Kept short
# because every filler word slows the search.
FILLER_WORDS = (
    "the a to and of you is in for with as be this have from or one had by but some we out other"
    " were all there when your an each she which their if will way about then them would like so"
    " these her make thing see him two has look day could did number people than call who may"
).split()


def model_dir() -> str:
    """The bundled US English model folder."""
    import pocketsphinx

    return os.path.join(pocketsphinx.get_model_path(), "en-us")


def dictionary_words(dict_path: str | None = None) -> set[str]:
    """Every word PocketSphinx's pronunciation dictionary knows (alternates like ``to(2)`` folded)."""
    path = dict_path or os.path.join(model_dir(), "cmudict-en-us.dict")
    with open(path, encoding="utf-8") as f:
        return {line.split(maxsplit=1)[0].split("(")[0] for line in f if line.strip()}


def jsgf_grammar(phrases: Sequence[str], fillers: Sequence[str]) -> str:
    """A JSGF grammar: one command phrase, or one or more filler words."""
    commands = " | ".join(phrases) if phrases else "<VOID>"
    return ("#JSGF V1.0;\ngrammar voicecoach;\npublic <utterance> = <command> | <filler>+ ;\n"
            f"<command> = {commands} ;\n<filler> = {' | '.join(fillers)} ;\n")


class PocketSphinxRecognizer:
    """PocketSphinx grammar decoding with its endpointer; implements `voicecoach.events.Recognizer`."""

    engine = "pocketsphinx"

    def __init__(self, phrases: Sequence[str], sample_rate: int = 16000, end_window_s: float = 0.3):
        """`end_window_s`: how much non-speech ends an utterance (PocketSphinx `Endpointer` window)."""
        import pocketsphinx

        self.sample_rate = sample_rate
        base = model_dir()
        config = pocketsphinx.Config(hmm=os.path.join(base, "en-us"), dict=os.path.join(base, "cmudict-en-us.dict"),
                                     lm=None, loglevel="FATAL", samprate=sample_rate)
        self._decoder = pocketsphinx.Decoder(config)
        self._endpointer = pocketsphinx.Endpointer(window=end_window_s, sample_rate=sample_rate)
        self._frame_bytes = self._endpointer.frame_bytes
        self._vad = TrailingSilence(sample_rate)
        self._known = dictionary_words()
        self._buffer = b""
        self._in_utterance = False
        self.samples = 0
        self.missing: list[str] = []
        self._phrase_words: set[str] = set()
        self.set_commands(phrases)

    def set_commands(self, phrases: Sequence[str]) -> None:
        """Recognize only these phrases (plus filler). Drops the utterance in progress."""
        self.missing = sorted({w for p in phrases for w in p.split()} - self._known)
        usable = [p for p in phrases if not set(p.split()) & set(self.missing)]
        self._phrase_words = {w for p in usable for w in p.split()}
        fillers = [w for w in FILLER_WORDS if w not in self._phrase_words]
        self.reset()
        self._decoder.add_jsgf_string("commands", jsgf_grammar(usable, fillers))
        self._decoder.activate_search("commands")

    def reset(self) -> None:
        """Drop the utterance in progress."""
        if self._in_utterance:
            self._decoder.end_utt()
        self._in_utterance = False

    def accept(self, chunk: bytes) -> list[Heard]:
        """Feed 16-bit mono PCM; returns partials for each speech frame and a final at its end."""
        results: list[Heard] = []
        self._buffer += chunk
        step = self._frame_bytes
        while len(self._buffer) >= step:
            frame, self._buffer = self._buffer[:step], self._buffer[step:]
            self.samples += step // 2
            at = self.samples / self.sample_rate
            silence = self._vad.feed(frame)
            speech = self._endpointer.process(frame)
            if speech is None:
                continue
            if not self._in_utterance:
                self._decoder.start_utt()
                self._in_utterance = True
            self._decoder.process_raw(speech)
            if self._endpointer.in_speech:
                hyp = self._decoder.hyp()
                results.append(Heard(self._clean(hyp.hypstr if hyp else ""), math.nan, False, at, silence))
            else:
                results.extend(self._end(at))
        return results

    def finish(self) -> list[Heard]:
        """End of input: the final result of whatever was still being said."""
        if not self._in_utterance:
            return []
        speech = self._endpointer.end_stream(self._buffer)
        self._buffer = b""
        if speech:
            self._decoder.process_raw(speech)
        return self._end(self.samples / self.sample_rate)

    def _end(self, at: float) -> list[Heard]:
        self._decoder.end_utt()
        self._in_utterance = False
        hyp = self._decoder.hyp()
        text = self._clean(hyp.hypstr if hyp else "")
        return [Heard(text, math.nan, True, at)] if text else []

    def _clean(self, text: str) -> str:
        """Filler words become ``[unk]``."""
        return " ".join(w if w in self._phrase_words else UNK for w in text.split())
