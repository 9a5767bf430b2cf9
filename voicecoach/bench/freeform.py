"""Free-form recognizers (no grammar) for the naive baseline: recognize anything, then look for a
command phrase in the final text (``voicecoach.listen.bench.run_keyword_baseline``). Only finals
matter to that baseline, so these report final results only."""

from __future__ import annotations

import json
import math
import os

from voicecoach.events import Heard


class VoskFreeForm:
    """Vosk large-vocabulary recognition of a loaded model, finals only."""

    engine = "vosk-freeform"

    def __init__(self, model, sample_rate: int = 16000):
        import vosk

        self.sample_rate = sample_rate
        self.samples = 0
        self._rec = vosk.KaldiRecognizer(model, sample_rate)

    def accept(self, chunk: bytes) -> list[Heard]:
        """Feed 16-bit mono PCM; a final result at each endpoint."""
        self.samples += len(chunk) // 2
        if self._rec.AcceptWaveform(chunk):
            return self._final(self._rec.Result())
        return []

    def finish(self) -> list[Heard]:
        """End of input: the last final result."""
        return self._final(self._rec.FinalResult())

    def _final(self, raw: str) -> list[Heard]:
        text = json.loads(raw).get("text", "")
        return [Heard(text, math.nan, True, self.samples / self.sample_rate)] if text else []


class SphinxFreeForm:
    """PocketSphinx with its bundled English language model and endpointer, finals only."""

    engine = "pocketsphinx-freeform"

    def __init__(self, sample_rate: int = 16000):
        import pocketsphinx

        base = pocketsphinx.get_model_path()
        config = pocketsphinx.Config(hmm=os.path.join(base, "en-us", "en-us"), lm=os.path.join(base, "en-us", "en-us.lm.bin"),
                                     dict=os.path.join(base, "en-us", "cmudict-en-us.dict"), loglevel="FATAL", samprate=sample_rate)
        self._decoder = pocketsphinx.Decoder(config)
        self._endpointer = pocketsphinx.Endpointer(sample_rate=sample_rate)
        self._buffer = b""
        self._in_utterance = False
        self.sample_rate = sample_rate
        self.samples = 0

    def accept(self, chunk: bytes) -> list[Heard]:
        """Feed 16-bit mono PCM; a final result at the end of each utterance."""
        out: list[Heard] = []
        self._buffer += chunk
        step = self._endpointer.frame_bytes
        while len(self._buffer) >= step:
            frame, self._buffer = self._buffer[:step], self._buffer[step:]
            self.samples += step // 2
            speech = self._endpointer.process(frame)
            if speech is None:
                continue
            if not self._in_utterance:
                self._decoder.start_utt()
                self._in_utterance = True
            self._decoder.process_raw(speech)
            if not self._endpointer.in_speech:
                out += self._end()
        return out

    def finish(self) -> list[Heard]:
        """End of input: the final result of whatever was still being said."""
        if not self._in_utterance:
            return []
        step = self._endpointer.frame_bytes
        tail = self._buffer + b"\0" * ((-len(self._buffer)) % step)  # end_stream wants whole frames
        self._buffer = b""
        speech = self._endpointer.end_stream(tail) if tail else None
        if speech:
            self._decoder.process_raw(speech)
        return self._end()

    def _end(self) -> list[Heard]:
        self._decoder.end_utt()
        self._in_utterance = False
        hyp = self._decoder.hyp()
        text = hyp.hypstr if hyp else ""
        return [Heard(text, math.nan, True, self.samples / self.sample_rate)] if text else []
