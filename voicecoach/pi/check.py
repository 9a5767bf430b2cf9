"""Set-up by ear (`voicecoach check`): is the speaker heard, is the microphone any good?

The check speaks a test line, measures the room's noise floor for a couple of seconds, asks the
person to say "next" and listens for it, then says what to fix (volume, device, distance). Every
finding is spoken, so it works without a screen; :class:`CheckReport` has the numbers for scripts.

Levels are RMS in dBFS over 50 ms chunks (0 dBFS = a full-scale square wave). The noise floor is
the median chunk of the quiet period; the speech level is the loudest chunk while listening.
Durations are counted in audio samples, never in wall-clock time.
"""

from __future__ import annotations

import math
import queue
import sys
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from voicecoach.coach.commands import Command, Vocabulary, load_vocabulary
from voicecoach.events import CommandHeard, SpeechDone
from voicecoach.settings import Settings

SILENCE_DBFS = -100.0  # what digital silence reports (instead of minus infinity)
DEAD_MIC_DBFS = -90.0  # a noise floor below this: the microphone sends (almost) nothing
NOISY_DBFS = -45.0  # a noise floor above this makes commands hard to hear
CLIPPING_DBFS = -3.0  # speech this loud is clipping
SPEECH_OVER_NOISE_DB = 10.0  # speech must stand this far above the noise floor
QUIET_S = 2.0  # audio seconds of the noise-floor measurement
LISTEN_S = 6.0  # audio seconds to wait for the command
FINAL_WAIT_S = 2.0  # after a decision on a partial, audio seconds to wait for the final result
SPEECH_MARGIN_S = 15.0  # how long past a line's expected length to wait for it to finish playing
MAX_EMPTY_READS = 25  # consecutive empty reads (0.2 s each) before the microphone counts as dead


@dataclass
class CheckReport:
    """What `voicecoach check` found. :meth:`as_json` is the stable contract for scripts."""

    output_ok: bool = False
    input_device: str | None = None
    noise_floor_dbfs: float | None = None
    speech_level_dbfs: float | None = None
    heard: bool = False
    confidence: float | None = None
    advice: list[str] = field(default_factory=list)
    echo: dict | None = None  # the echo measurement (listen.echo_check.measure_echo); None: no speaker
    echo_advice: list[str] = field(default_factory=list)  # what the check said about the echo

    def as_json(self) -> dict:
        """``{"output_ok", "input_device", "noise_floor_dbfs", "speech_level_dbfs", "heard",
        "confidence", "advice", "echo_canceller", "erle_db", "echo_to_noise_db", "echo_advice"}``:
        the echo canceller in use ("ours", "system": the sound server's, "none"; null when nothing
        played), how much ours removes (echo return loss enhancement, dB; null for the others), how
        far the echo rose above the idle noise floor (dB; null when not measured), and every line
        of advice the check spoke."""
        echo = self.echo or {}
        return {
            "output_ok": self.output_ok,
            "input_device": self.input_device,
            "noise_floor_dbfs": self.noise_floor_dbfs,
            "speech_level_dbfs": self.speech_level_dbfs,
            "heard": self.heard,
            "confidence": self.confidence,
            "advice": list(self.advice),
            "echo_canceller": echo.get("canceller"),
            "erle_db": echo.get("erle_db"),
            "echo_to_noise_db": echo.get("echo_db"),
            "echo_advice": list(self.echo_advice),
        }

    @property
    def ok(self) -> bool:
        """Speaker played and the command was heard with no advice beyond "all good"."""
        return self.output_ok and self.heard and self.advice == [lines()["check"]["all_good"]]


def lines() -> dict:
    """The spoken lines of this area (``lines.toml``)."""
    return tomllib.loads(resources.files("voicecoach.pi").joinpath("lines.toml").read_text("utf-8"))


def speakable_phrase(vocabulary: Vocabulary, command: Command) -> str:
    """The first phrase of a command if the English voice can say it, else a description."""
    phrase = vocabulary.phrases_for(command)[0]
    return phrase if phrase.isascii() else f"the word for {command.value.replace('_', ' ')}"


# ---- levels (pure) ----------------------------------------------------------------------------


def chunk_dbfs(chunk: bytes) -> float:
    """RMS level of 16-bit mono PCM in dBFS; digital silence is :data:`SILENCE_DBFS`."""
    samples = np.frombuffer(chunk, np.int16).astype(np.float64)
    if samples.size == 0:
        return SILENCE_DBFS
    rms = math.sqrt(float(np.mean(samples * samples))) / 32768.0
    return max(SILENCE_DBFS, 20.0 * math.log10(rms)) if rms > 0 else SILENCE_DBFS


def noise_floor(levels: Sequence[float]) -> float | None:
    """Median chunk level of a quiet period."""
    return round(float(np.median(levels)), 1) if levels else None


def speech_level(levels: Sequence[float]) -> float | None:
    """Loudest chunk level while the person spoke."""
    return round(max(levels), 1) if levels else None


def advise(report: CheckReport, min_confidence: float) -> list[str]:
    """What to fix, as spoken lines, from the measurements (pure; the order is the order to fix)."""
    said = lines()["check"]
    if report.input_device is None:
        return [said["no_microphone"]]
    advice = []
    floor, level = report.noise_floor_dbfs, report.speech_level_dbfs
    if floor is not None and floor < DEAD_MIC_DBFS and (level is None or level < DEAD_MIC_DBFS):
        return [said["microphone_silent"]]
    if floor is not None and floor > NOISY_DBFS:
        advice.append(said["noisy"])
    if level is not None and level > CLIPPING_DBFS:
        advice.append(said["clipping"])
    quiet = level is None or floor is None or level < floor + SPEECH_OVER_NOISE_DB
    if report.heard and (report.confidence is None or report.confidence >= min_confidence):
        pass
    elif report.confidence is not None:  # the command was recognized, but too unsure to act on
        advice.append(said["unsure"])
    else:
        advice.append(said["not_heard_quiet"] if quiet else said["not_heard"])
    return advice or [said["all_good"]]


# ---- audio (the microphone and the speaker are passed in) --------------------------------------


def read_audio(source: Iterable[bytes], seconds: float, rate: int = 16000) -> Iterator[bytes]:
    """Chunks of `source` until `seconds` of audio have passed; stops early on a dead source."""
    wanted, got, empty = int(seconds * rate), 0, 0
    for chunk in source:
        if not chunk:
            empty += 1
            if empty >= MAX_EMPTY_READS:
                return
            continue
        empty = 0
        yield chunk
        got += len(chunk) // 2
        if got >= wanted:
            return


def say_and_wait(speaker, events: queue.Queue, text: str, rate_wpm: float) -> bool:
    """Speak a line and wait for it to end (at most its estimated length plus a margin);
    True if it played to the end."""
    from voicecoach.coach.lines import speech_seconds

    timeout_s = speech_seconds(text, rate_wpm) + SPEECH_MARGIN_S
    utterance = speaker.say(text, "info")
    while True:
        try:
            event = events.get(timeout=timeout_s)
        except queue.Empty:
            speaker.stop()
            return False
        if isinstance(event, SpeechDone) and event.utterance_id == utterance:
            return not event.interrupted


class SetupCheck:
    """One run of the check. `open_microphone()` returns an opened capture (``device_name``,
    iterable of 16 kHz chunks, ``close()``) or raises :class:`UserError` when there is none;
    `make_recognizer(phrases)` returns a `Recognizer`."""

    def __init__(self, settings: Settings, speaker, events: queue.Queue, audio_out: bool,
                 open_microphone: Callable[[], object], make_recognizer: Callable[[Sequence[str]], object],
                 progress: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True)):
        self.settings = settings
        self.speaker = speaker
        self.events = events
        self.audio_out = audio_out  # False: the speaker is text only (no output device)
        self.open_microphone = open_microphone
        self.make_recognizer = make_recognizer
        self.progress = progress
        self.vocabulary = load_vocabulary(settings.coach.language)
        self.said = lines()["check"]

    def say(self, text: str) -> bool:
        return say_and_wait(self.speaker, self.events, text, self.settings.voice.rate)

    def run(self) -> CheckReport:
        """Speaker, noise floor, command; then speak the advice. Returns the report."""
        from voicecoach.errors import UserError

        report = CheckReport()
        played = self.say(self.said["speaker"])
        report.output_ok = bool(played and self.audio_out and getattr(self.speaker, "available", True))
        if report.output_ok:  # which echo canceller, and how much it removes (spoken)
            from voicecoach.listen.echo_check import finding, measure_echo, said
            report.echo = measure_echo(self.settings, self.speaker, self.say, self.progress)
            report.echo_advice = finding(report.echo, said())
        self.say(self.said["quiet"])
        try:
            microphone = self.open_microphone()
        except UserError as error:
            self.progress(f"microphone: {error}")
            return self.finish(report)
        report.input_device = microphone.device_name
        try:
            self.progress(f"measuring the noise floor on {microphone.device_name} ({QUIET_S:g} s)...")
            quiet = [chunk_dbfs(c) for c in read_audio(microphone, QUIET_S)]
        finally:
            microphone.close()
        report.noise_floor_dbfs = noise_floor(quiet)
        self.listen_for_command(report)
        return self.finish(report)

    def listen_for_command(self, report: CheckReport) -> None:
        """Ask for "next", listen up to :data:`LISTEN_S`, fill in heard, confidence and level.

        The decision may come on a partial result, which has no confidence; listening goes on
        until the recognizer's final result for the utterance (at most :data:`FINAL_WAIT_S`).
        """
        from voicecoach.listen.decide import command_in
        from voicecoach.listen.listener import Listener

        phrase = speakable_phrase(self.vocabulary, Command.NEXT)
        recognizer = self.make_recognizer(self.vocabulary.phrases_for(Command.NEXT))
        self.say(self.said["say_command"].format(phrase=phrase))
        decisions: list[object] = []
        listener = Listener(recognizer, self.vocabulary, self.settings.listen, emit=decisions.append)
        listener.decider.set_commands({Command.NEXT})
        listener.keep_results = True
        microphone = self.open_microphone()
        levels: list[float] = []
        decided_at: float | None = None
        try:
            for chunk in read_audio(microphone, LISTEN_S + FINAL_WAIT_S):
                if not levels:  # said once the microphone really delivers sound
                    self.progress(f"listening for {self.vocabulary.phrases_for(Command.NEXT)[0]!r} ({LISTEN_S:g} s)...")
                levels.append(chunk_dbfs(chunk))
                listener.feed(chunk)
                if decided_at is None and self._heard(decisions):
                    decided_at = listener.audio_time
                finals = [h for h in listener.heard if h.final]
                if decided_at is not None and (finals or listener.audio_time - decided_at >= FINAL_WAIT_S):
                    break
                if decided_at is None and listener.audio_time >= LISTEN_S:
                    break
            else:
                listener.finish()
        finally:
            microphone.close()
        report.speech_level_dbfs = speech_level(levels)
        report.heard = self._heard(decisions) is not None
        confidences = [h.confidence for h in listener.heard
                       if h.final and command_in(self.vocabulary, h.text)[0] == Command.NEXT and not math.isnan(h.confidence)]
        if confidences:
            report.confidence = round(max(confidences), 3)

    @staticmethod
    def _heard(decisions: list[object]) -> CommandHeard | None:
        for decision in decisions:
            if isinstance(decision, CommandHeard) and decision.command == Command.NEXT.value:
                return decision
        return None

    def finish(self, report: CheckReport) -> CheckReport:
        """Work out the advice and say it."""
        report.advice = advise(report, self.settings.listen.min_confidence)
        for line in report.advice:
            self.say(line)
        return report


def run_check(settings: Settings) -> CheckReport:
    """The check with the real devices the settings name (lines echo to stderr)."""
    from voicecoach.pi.hardware import microphone_opener, recognizer_maker
    from voicecoach.speak.speaker import AudioSpeaker, make_speaker

    events: queue.Queue = queue.Queue()
    speaker = make_speaker(events, settings.voice, echo=sys.stderr)
    try:
        check = SetupCheck(settings, speaker, events, isinstance(speaker, AudioSpeaker),
                           microphone_opener(settings), recognizer_maker(settings))
        return check.run()
    finally:
        speaker.close()
