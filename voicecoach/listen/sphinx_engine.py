"""PocketSphinx behind the `Recognizer` Protocol: the fallback when no Vosk model is installed.

Uses PocketSphinx's bundled US English model with a JSGF grammar: either one command phrase, or
a run of common "filler" words that soaks up speech that is not a command (reported as
``[unk]``, like Vosk's unknown word). The command branch has a prior (`command_weight`) over the
filler branch: with equal weights two short filler words often beat a one-word command ("pause"
heard as "all as"). PocketSphinx's own voice-activity endpointer cuts the audio into
utterances; partial hypotheses come every 30 ms frame, the final result at the end of speech,
decoded again over the whole utterance (batch cepstral mean). An utterance longer than any
command (`max_utterance_s`) is running speech: decoding stops and it is reported as ``[unk]``.
Measurements behind each choice: ``docs/listening.md``.

PocketSphinx gives no usable word confidence in grammar mode, so results carry NaN ("unknown"):
the decider then asks before acting on stop or skip.
"""

from __future__ import annotations

import collections
import math
import os
from typing import Sequence

from voicecoach.coach.commands import load_vocabulary
from voicecoach.events import Heard
from voicecoach.listen.decide import UNK
from voicecoach.listen.dither import Dither
from voicecoach.listen.frontend import judged
from voicecoach.listen.speech_end import SpeechEnd, speech_silence
from voicecoach.listen.vad import SilenceDetector, make_vad

# Frequent English words that are in no command: the garbage model of the grammar. Kept short
# because every filler word slows the search.
FILLER_WORDS = (
    "the a to and of you is in for with as be this have from or one had by but some we out other"
    " were all there when your an each she which their if will way about then them would like so"
    " these her make thing see him two has look day could did number people than call who may"
).split()

# The trouble words of the English vocabulary: heard even among filler words (the model is English).
ALARM_WEIGHT = 1.0  # prior of "filler, a trouble word, filler" against filler alone (docs/listening.md)
_ALARMS = frozenset(load_vocabulary("en").trouble["among_speech"])


def model_dir() -> str:
    """The bundled US English model folder."""
    import pocketsphinx

    return os.path.join(pocketsphinx.get_model_path(), "en-us")


def dictionary_words(dict_path: str | None = None) -> set[str]:
    """Every word PocketSphinx's pronunciation dictionary knows (alternates like ``to(2)`` folded)."""
    path = dict_path or os.path.join(model_dir(), "cmudict-en-us.dict")
    with open(path, encoding="utf-8") as f:
        return {line.split(maxsplit=1)[0].split("(")[0] for line in f if line.strip()}


def jsgf_grammar(phrases: Sequence[str], fillers: Sequence[str], command_weight: float = 1.0,
                 alarms: Sequence[str] = (), alarm_weight: float = 1.0) -> str:
    """A JSGF grammar: one command phrase, or one or more filler words.

    `command_weight` is the prior of the command branch against the filler branch (weight 1).
    `alarms` (pain words, warning signs) may also sit among filler words, with the prior
    `alarm_weight` ("[unk] [unk] hurt [unk]": issue 19). Written without an exponent: pocketsphinx reads
    ``/1e+06/`` as 1.
    """
    commands = " | ".join(phrases) if phrases else "<VOID>"
    alarm = f" | /{alarm_weight:.6f}/ <filler>* <alarm> <filler>*" if alarms else ""
    return ("#JSGF V1.0;\ngrammar voicecoach;\n"
            f"public <utterance> = /{command_weight:.6f}/ <command> | /1/ <filler>+{alarm} ;\n"
            f"<command> = {commands} ;\n<filler> = {' | '.join(fillers)} ;\n"
            + (f"<alarm> = {' | '.join(alarms)} ;\n" if alarms else ""))


class PocketSphinxRecognizer:
    """PocketSphinx grammar decoding with its endpointer; implements `voicecoach.events.Recognizer`."""

    engine = "pocketsphinx"

    def __init__(self, phrases: Sequence[str], sample_rate: int = 16000, end_window_s: float = 0.3,
                 command_weight: float = 1e5, max_utterance_s: float = 2.5, alarm_weight: float = ALARM_WEIGHT,
                 batch_final: bool = True, dither: bool = True, vad: "str | SilenceDetector" = "webrtc",
                 speech_end: bool = True, live: bool = False, **decoder_options):
        """`end_window_s`: how much non-speech ends an utterance (PocketSphinx `Endpointer` window).

        `command_weight`: prior of a command phrase over filler speech; `max_utterance_s`: speech
        longer than this is not a command (0 = no limit); `batch_final`: decode the final again
        over the whole utterance; `dither`: the voice detectors (endpointer, trailing silence)
        judge a dithered copy, the decoder the raw samples (see :mod:`voicecoach.listen.dither`;
        False only to measure the raw input); `speech_end`: an utterance also ends where a detector
        that tells speech from music hears the speech end (:mod:`voicecoach.listen.speech_end`;
        only with a Silero `vad`); `live`: once an utterance starts, decode each frame as it comes
        (the endpointer hands frames back `end_window_s` late, so the partials, and the fast path
        that acts on them, lagged by that much); `decoder_options`: extra ``pocketsphinx.Config``
        settings.
        """
        import pocketsphinx

        self.sample_rate = sample_rate
        self.command_weight = command_weight
        self.alarm_weight = alarm_weight
        self.max_utterance_s = max_utterance_s
        self.batch_final = batch_final
        self._dither = Dither() if dither else None
        self._recent: collections.deque[tuple[bytes, bytes]] = collections.deque(maxlen=16)  # (dithered, raw)
        self._utt_audio: list[bytes] = []
        self._too_long = False
        self._utt_start = 0.0
        base = model_dir()
        # bestpath off: its lattice search at the end of an utterance took seconds through the
        # filler loop (RTF 1.2 -> 0.08 on running speech, same hypotheses on commands)
        config = pocketsphinx.Config(hmm=os.path.join(base, "en-us"), dict=os.path.join(base, "cmudict-en-us.dict"),
                                     lm=None, loglevel="FATAL", samprate=sample_rate,
                                     **{"bestpath": False, **decoder_options})
        self._decoder = pocketsphinx.Decoder(config)
        self._endpointer = pocketsphinx.Endpointer(window=end_window_s, sample_rate=sample_rate)
        self._speech_end = SpeechEnd(window_s=end_window_s)  # steps in only with a Silero detector
        self._use_speech_end = speech_end
        self._live = live
        self._caught_up = False  # live: the decoder has had every frame up to now
        self._frame_bytes = self._endpointer.frame_bytes
        self._vad = make_vad(vad, sample_rate) if isinstance(vad, str) else vad  # "silero" | "webrtc" | a detector
        self._known = dictionary_words()
        self._buffer = b""
        self._judge_buffer = b""  # what the detectors judge, in step with _buffer (frontend.Cleaned)
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
        alarms = [p for p in usable if p in _ALARMS]
        self.reset()
        self._decoder.add_jsgf_string("commands", jsgf_grammar(usable, fillers, self.command_weight, alarms,
                                                                     self.alarm_weight))
        self._decoder.activate_search("commands")

    def reset(self) -> None:
        """Drop the utterance in progress."""
        if self._in_utterance and not self._too_long:
            self._decoder.end_utt()
        self._in_utterance = False
        self._too_long = False

    def accept(self, chunk: bytes) -> list[Heard]:
        """Feed 16-bit mono PCM; returns partials for each speech frame and a final at its end.

        A :class:`~voicecoach.listen.frontend.Cleaned` chunk is decoded as it is, while the voice
        detectors (ours and the endpointer) judge its ``judge`` samples."""
        results: list[Heard] = []
        judge_chunk = judged(chunk)
        cancelled = judge_chunk is not chunk  # the echo canceller's output: see vad.EchoAwareSilence
        self._buffer += chunk
        self._judge_buffer += judge_chunk
        step = self._frame_bytes
        while len(self._buffer) >= step:
            frame, self._buffer = self._buffer[:step], self._buffer[step:]
            judge, self._judge_buffer = self._judge_buffer[:step], self._judge_buffer[step:]
            self.samples += step // 2
            at = self.samples / self.sample_rate
            heard = self._dither(judge) if self._dither else judge  # what the endpointer judges
            silence = self._vad.feed(heard, cancelled)
            gap = speech_silence(self._vad) if self._use_speech_end else None  # None: the endpointer alone
            self._recent.append((heard, frame))
            speech = self._endpointer.process(heard)
            if speech is None:
                self._speech_end.release()
                continue
            if self._speech_end.held:
                if not (self._endpointer.in_speech and self._speech_end.may_start(gap)):
                    if not self._endpointer.in_speech:
                        self._speech_end.release()
                    continue
            handed, speech = speech, self._undithered(speech)
            if not self._in_utterance:
                self._decoder.start_utt()
                self._in_utterance, self._too_long, self._utt_start = True, False, at
                self._utt_audio = []
                self._speech_end.start(at)
                self._caught_up = False
            if self._live:  # what the endpointer has not handed back yet, then frame by frame
                speech = frame if self._caught_up else speech + self._after(handed)
                self._caught_up = True
            if not self._endpointer.in_speech:
                if not self._too_long:
                    self._decoder.process_raw(speech)
                    self._utt_audio.append(speech)
                results.extend(self._end(at))
            elif self._too_long:
                continue
            elif self.max_utterance_s and at - self._utt_start > self.max_utterance_s:
                # longer than any command: running speech, not a command. Stop decoding it.
                self._decoder.end_utt()
                self._too_long = True
                if gap is None:
                    results.append(Heard(UNK, math.nan, False, at, silence))
                else:  # its end is heard now, and the next speech after a pause starts afresh
                    results.extend(self._end(at))
                    self._speech_end.hold(gap)
            elif gap is not None and (verdict := self._speech_end.check(at, gap)):
                if verdict == "end":  # the speech ended: decode up to now and give the final
                    self._decoder.process_raw(speech)
                    self._utt_audio.append(speech)
                    rest = b"" if self._live else self._after(handed)
                    if rest:  # (pocketsphinx raises on an empty buffer)
                        self._decoder.process_raw(rest)
                        self._utt_audio.append(rest)
                else:  # no speech in it at all: music or noise, dropped
                    self._decoder.end_utt()
                    self._too_long = True
                results.extend(self._end(at))
                self._speech_end.hold(gap)
            else:
                self._decoder.process_raw(speech)
                self._utt_audio.append(speech)
                hyp = self._decoder.hyp()
                results.append(Heard(self._clean(hyp.hypstr if hyp else ""), math.nan, False, at, silence))
        return results

    def _after(self, handed: bytes) -> bytes:
        """The raw frames fed after the one the endpointer just handed back (still in its window)."""
        for index in range(len(self._recent) - 1, -1, -1):
            if self._recent[index][0] == handed:
                return b"".join(raw for _, raw in list(self._recent)[index + 1:])
        return b""

    def _undithered(self, speech: bytes) -> bytes:
        """The raw frame behind a speech frame the endpointer hands back (it returns each frame
        it was given, a fixed window later): the decoder gets the microphone's own samples, the
        dither only ever reaches the detectors."""
        for heard, raw in reversed(self._recent):
            if heard == speech:
                return raw
        return speech  # not one frame we fed (never seen): decode it as it is

    def finish(self) -> list[Heard]:
        """End of input: the final result of whatever was still being said."""
        if not self._in_utterance:
            return []
        # end_stream wants one (short) frame, never an empty one (IndexError in pocketsphinx 5.1)
        last = self._judge_buffer.ljust(self._frame_bytes, b"\0")[: self._frame_bytes]
        speech = self._endpointer.end_stream(last)
        self._buffer = self._judge_buffer = b""
        step = self._frame_bytes  # the frames it hands back, as the decoder should hear them
        speech = b"".join(self._undithered(speech[i:i + step]) for i in range(0, len(speech or b""), step))
        if speech and not self._too_long:
            self._decoder.process_raw(speech)
            self._utt_audio.append(speech)
        return self._end(self.samples / self.sample_rate)

    def _end(self, at: float) -> list[Heard]:
        self._in_utterance = False
        if self._too_long:
            self._too_long = False
            return [Heard(UNK, math.nan, True, at)]
        self._decoder.end_utt()
        if self.batch_final:
            # Decode the whole utterance again with its own cepstral mean: live CMN starts from
            # the model's default and has not adapted by the end of a one-word command, which made
            # the first command of a fresh stream hit-or-miss ("pause" heard as "all as").
            self._decoder.start_utt()
            # frames of exact zeros (a muted or virtual microphone, zero-padded files) carry no
            # sound, and their log spectrum would drag the utterance's cepstral mean far off
            audio = b"".join(f for f in self._utt_audio if f.strip(b"\0"))
            self._decoder.process_raw(audio or b"".join(self._utt_audio), full_utt=True)
            self._decoder.end_utt()
        self._utt_audio = []
        hyp = self._decoder.hyp()
        text = self._clean(hyp.hypstr if hyp else "")
        return [Heard(text, math.nan, True, at)] if text else []

    def _clean(self, text: str) -> str:
        """Filler words become ``[unk]``."""
        return " ".join(w if w in self._phrase_words else UNK for w in text.split())
