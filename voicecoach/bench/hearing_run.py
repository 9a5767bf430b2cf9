"""The session bench's runner: seeded sessions per engine, room kind and pipeline, in worker processes.

Pipelines, each a whole closed loop (its own decisions change what the coach does next):

* ``ours``: today's settings (the defaults, or what config file and ``VOICECOACH_LISTEN_*``
  variables say, which is how a candidate default is tried); earbuds use ``barge_in = "full"``
  as the README says, a speaker in the room the setting;
* ``previous``: the listening defaults before the session bench existed (:data:`PREVIOUS`) and
  raw input (no dither), so every default changed since shows its worth;
* ``naive``: a closed grammar of every command that never changes, and no gates at all: any final
  result that holds a command acts (:class:`NaiveDecider`).

One worker process runs one (engine, room kind) cell: its sessions go seed by seed, each seed
through every pipeline (baselines only for the first ``baseline_sessions`` seeds), until the
cell's time budget is spent; so a cut-short cell still compares pipelines on the same seeds.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from pathlib import Path

from voicecoach.bench.recognition import Engine
from voicecoach.settings import ListenSettings

PIPELINES = ("ours", "previous", "naive")
# The listening defaults as they were before this bench (issue 5's tuning, measured per file).
PREVIOUS = ListenSettings(barge_in="half", stable_partial_s=0.09, min_confidence=0.6, strict_confidence=0.8,
                          barge_in_confidence=0.75, speech_tail_s=0.4, end_silence_s=0.15, utterance_end_s=0.45,
                          echo_cancel="off", vad="webrtc", noise_suppression="off",
                          utterance_end="sound", live_partials=False)
DRILLS = ("wall_hinge", "dowel_hinge", "band_good_morning", "bodyweight_rdl", "weighted_rdl", "kettlebell_swing",
          "glute_bridge")
GRACE_S = 60.0  # a cell this long past its budget is stopped (one session took too long)


@dataclass(frozen=True)
class Cell:
    """The sessions of one engine in one kind of room."""

    engine: Engine
    room: str
    sessions: int  # seeds 0 .. sessions-1 through "ours"
    baseline_sessions: int  # the first seeds also through "previous" and "naive"
    length_s: float  # the persona says "stop" after this much audio
    budget_s: float  # wall seconds for the whole cell
    realspeech: str | None


class NaiveDecider:
    """The naive way: any final result holding a command phrase acts, whatever the coach is doing."""

    def __init__(self, vocabulary):
        from voicecoach.coach.commands import normalize

        self._normalize = normalize
        self.vocabulary = vocabulary
        self._phrases = sorted(vocabulary.phrases, key=len, reverse=True)
        self.in_utterance = False

    def set_commands(self, commands) -> None:
        """Ignored: the naive grammar and decider never change."""

    def coach_speaking(self, speaking: bool, at: float) -> None:
        """Ignored: no half-duplex."""

    def feed(self, heard):
        """A decision for every final result that contains a command phrase."""
        from voicecoach.events import CommandHeard

        if not heard.final:
            return []
        text = f" {self._normalize(heard.text)} "
        for phrase in self._phrases:
            if f" {phrase} " in text:
                return [CommandHeard(self.vocabulary.phrases[phrase].value, phrase, heard.confidence, "final", "naive", heard.at)]
        return []


def make_listener(engine: Engine, pipeline: str, room: str, model=None, ours: ListenSettings | None = None):
    """A fresh recognizer and Listener for one session of `pipeline` (`ours`: our settings)."""
    from voicecoach.coach.commands import Command, load_vocabulary
    from voicecoach.listen.listener import Listener

    vocabulary = load_vocabulary(engine.language)
    settings = PREVIOUS if pipeline == "previous" else (ours or ListenSettings())
    if room == "earbuds":
        settings = dataclasses.replace(settings, barge_in="full")
    phrases = vocabulary.grammar(frozenset(Command))
    raw = pipeline != "ours"
    if engine.kind == "vosk":
        from voicecoach.listen.vosk_engine import VoskRecognizer

        recognizer = VoskRecognizer(model, phrases, end_silence_s=settings.utterance_end_s, dither=not raw, vad=settings.vad)
    else:
        from voicecoach.listen.sphinx_engine import PocketSphinxRecognizer

        recognizer = PocketSphinxRecognizer(phrases, dither=not raw, vad=settings.vad,
                                            speech_end=settings.utterance_end == "speech", live=settings.live_partials)
    listener = Listener(recognizer, vocabulary, settings, lambda event: None)
    if pipeline == "naive":
        listener.decider = NaiveDecider(vocabulary)
    return listener


class FrontEndStage:
    """Ours as a live session wires it: the echo canceller on every block, then the echo gate
    (full barge-in only once the canceller has converged; half-duplex again if it fails)."""

    def __init__(self, front_end, gate):
        self.front_end, self.gate = front_end, gate

    def process(self, mic: bytes, reference: bytes) -> bytes:
        """Clean one block with the played samples as the reference, then let the gate follow."""
        cleaned = self.front_end.process(mic, reference)
        self.gate.update()
        return cleaned


def make_front_end_stage(listener, settings: ListenSettings) -> FrontEndStage | None:
    """The front end `settings` ask for (None: none, or this build has none) for `listener`."""
    try:
        from voicecoach.listen.frontend import EchoGate, make_front_end
    except ImportError:
        return None
    front_end = make_front_end(settings, lambda message: None, None, have_reference=True)
    if front_end is None:
        return None

    def set_barge_in(mode: str) -> None:
        listener.decider.settings = dataclasses.replace(listener.decider.settings, barge_in=mode)

    return FrontEndStage(front_end, EchoGate(front_end, listener.decider.settings.barge_in, set_barge_in, lambda m: None))


def _worker(cell: Cell, out) -> None:
    """One cell in its own process: every session's log goes to `out` as soon as it is done."""
    from voicecoach.bench.hearing import LineAudio, SessionSetup, run_session
    from voicecoach.bench.persona import VoiceBank
    from voicecoach.bench.room import make_room
    from voicecoach.settings import load_settings

    key = (cell.engine.name, cell.room)
    try:
        settings = load_settings()
        settings = dataclasses.replace(settings, coach=dataclasses.replace(settings.coach, language=cell.engine.language))
        model = None
        if cell.engine.kind == "vosk":
            from voicecoach.listen.vosk_engine import load_model

            model = load_model(cell.engine.model)
        real = Path(cell.realspeech) if cell.realspeech else None
        bank = VoiceBank(cell.engine.language, real)
        lines = LineAudio.from_settings(settings.voice)
    except Exception as error:  # noqa: BLE001 - reported as a row, the bench goes on
        out.put(("error", key, f"{type(error).__name__}: {error}"))
        return
    deadline = time.perf_counter() + cell.budget_s
    for seed in range(cell.sessions):
        if time.perf_counter() > deadline:
            break
        room = make_room(cell.room, seed, real)
        pipelines = PIPELINES if seed < cell.baseline_sessions else ("ours",)
        for pipeline in pipelines:
            listener = make_listener(cell.engine, pipeline, cell.room, model, settings.listen)
            front_end = make_front_end_stage(listener, listener.decider.settings) if pipeline == "ours" else None
            setup = SessionSetup(seed, room, DRILLS[seed % len(DRILLS)], listener, bank, lines, length_s=cell.length_s,
                                 pain=seed % 5 == 4, follow_grammar=pipeline != "naive", settings=settings,
                                 frontend=front_end)
            try:
                log = run_session(setup)
            except Exception as error:  # noqa: BLE001 - one broken session is reported, the cell goes on
                out.put(("session_error", key, f"{pipeline} seed {seed}: {type(error).__name__}: {error}"))
                continue
            out.put(("session", key, (pipeline, log)))
    out.put(("done", key, None))


def run_cells(cells: list[Cell], workers: int = 2, progress=print) -> dict[tuple[str, str], dict]:
    """Run every cell (``workers`` at a time); returns {(engine, room): {"logs": {pipeline: [...]}, ...}}."""
    from voicecoach.bench.workers import Job, run_jobs

    results = {(c.engine.name, c.room): {"logs": {p: [] for p in PIPELINES}, "errors": [], "planned": c.sessions}
               for c in cells}

    def handle(kind: str, key, payload) -> None:
        if kind == "session":
            pipeline, log = payload
            results[key]["logs"][pipeline].append(log)
        elif kind in ("error", "session_error"):
            results[key]["errors"].append(payload)

    def finished(key, reason: str) -> None:
        if reason:
            results[key]["errors"].append(reason)
        _report(key, results[key], progress)

    run_jobs([Job((c.engine.name, c.room), _worker, (c,), c.budget_s) for c in cells], workers, handle, finished, GRACE_S)
    return results


def _report(key, result: dict, progress) -> None:
    logs = result["logs"]
    audio = sum(log.duration_s for log in logs["ours"])
    cpu = sum(log.cpu_s for p in PIPELINES for log in logs[p])
    total = sum(log.duration_s for p in PIPELINES for log in logs[p])
    progress(f"  {key[0]} {key[1]}: {len(logs['ours'])}/{result['planned']} sessions ({audio / 60:.1f} min)"
             + (f", CPU {cpu / total:.3f} s per audio s" if total else "")
             + (f"; {len(result['errors'])} errors, first: {result['errors'][0]}" if result["errors"] else ""))


def cpu_per_audio_s(logs) -> float:
    """CPU seconds per second of session audio (whole simulation, recognizer included)."""
    audio = sum(log.duration_s for log in logs)
    return sum(log.cpu_s for log in logs) / audio if audio else math.nan
