"""The listening thread: audio source -> recognizer -> decider -> the session's event queue.

One loop serves files and microphones alike (:meth:`Listener.feed` is the step). Other threads
talk to it only through :meth:`Listener.set_speaking` and :meth:`Listener.set_commands`, which
post to an inbox the loop drains between chunks, so the recognizer and decider are touched by one
thread only. Decisions are stamped with audio time; with a ``clock`` (live sessions) the events
put on the queue carry that clock's time instead, like every other event of the session.

:func:`make_recognizer` picks the engine (Vosk with a model, else PocketSphinx with a one-line
notice); :func:`start_listening` is what ``voicecoach practice`` calls.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
from typing import Callable, Iterable, Sequence

from voicecoach.coach.commands import ALWAYS_ON, Command, Vocabulary, load_vocabulary
from voicecoach.errors import UserError
from voicecoach.events import CommandHeard, CommandUnsure, DeviceChanged, Heard, Recognizer
from voicecoach.listen.decide import Decider
from voicecoach.settings import ListenSettings

log = logging.getLogger(__name__)

Decision = CommandHeard | CommandUnsure


class Listener:
    """Ties a recognizer and a decider to an output callback (usually ``queue.put``)."""

    def __init__(self, recognizer: Recognizer, vocabulary: Vocabulary, settings: ListenSettings,
                 emit: Callable[[object], None], clock: Callable[[], float] | None = None,
                 sample_rate: int = 16000, engine: str = ""):
        self.recognizer = recognizer
        self.vocabulary = vocabulary
        self.decider = Decider(vocabulary, settings, engine or getattr(recognizer, "engine", ""))
        self.emit = emit
        self.clock = clock
        self.sample_rate = sample_rate
        self.samples = 0
        self.heard: list[Heard] = []  # every result, when `keep_results` is on (benchmarks)
        self.keep_results = False
        self._inbox: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._pending_phrases: list[str] | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._source = None
        self.audio_started = threading.Event()  # set when the first audio arrives (the mic is live)

    @property
    def audio_time(self) -> float:
        """Audio seconds fed so far."""
        return self.samples / self.sample_rate

    # ---- called from other threads ------------------------------------------------------------

    def set_speaking(self, speaking: bool) -> None:
        """The coach started or stopped talking (thread-safe; takes effect at the next chunk)."""
        self._inbox.put(lambda: self.decider.coach_speaking(speaking, self.audio_time))

    def set_commands(self, commands: Iterable[Command | str]) -> None:
        """The commands the coach accepts now (thread-safe). The grammar follows between utterances."""
        wanted = frozenset(Command(c) for c in commands)
        self._inbox.put(lambda: self._apply_commands(wanted))

    def _apply_commands(self, commands: frozenset[Command]) -> None:
        self.decider.set_commands(commands)
        self._pending_phrases = self.vocabulary.grammar(commands | ALWAYS_ON)

    # ---- the loop -------------------------------------------------------------------------------

    def feed(self, chunk: bytes) -> list[Decision]:
        """One step: apply inbox messages, recognize a chunk, decide, emit. Returns the decisions."""
        while True:
            try:
                self._inbox.get_nowait()()
            except queue.Empty:
                break
        if self._pending_phrases is not None and not self.decider.in_utterance:
            self.recognizer.set_commands(self._pending_phrases)
            self._pending_phrases = None
        if not chunk:
            return []
        self.audio_started.set()
        self.samples += len(chunk) // 2
        return self._decide(self.recognizer.accept(chunk))

    def finish(self) -> list[Decision]:
        """End of input: decide on what was still being said."""
        finish = getattr(self.recognizer, "finish", None)
        return self._decide(finish() if finish else [])

    def _decide(self, results: Sequence[Heard]) -> list[Decision]:
        decisions: list[Decision] = []
        for heard in results:
            if self.keep_results:
                self.heard.append(heard)
            for decision in self.decider.feed(heard):
                decisions.append(decision)
                log.info("heard %s (%r, %s, conf %s) at %.2f s", decision.command, decision.text,
                         getattr(decision, "source", "unsure"), decision.confidence, decision.at)
                self.emit(dataclasses.replace(decision, at=self.clock()) if self.clock else decision)
        return decisions

    def run(self, source: Iterable[bytes]) -> None:
        """Feed every chunk of `source` until it ends or :meth:`stop` is called."""
        self._source = source
        for chunk in source:
            if self._stop.is_set():
                break
            self.feed(chunk)
        else:
            self.finish()

    def start(self, source: Iterable[bytes]) -> threading.Thread:
        """Run in a daemon thread."""
        self._thread = threading.Thread(target=self.run, args=(source,), name="listener", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float = 2.0) -> None:
        """Ask the loop to end, close the source, wait for the thread."""
        self._stop.set()
        close = getattr(self._source, "close", None)
        if close:
            close()
        if self._thread is not None:
            self._thread.join(timeout)


def make_recognizer(settings: ListenSettings, language: str, phrases: Sequence[str],
                    notice: Callable[[str], None] = print):
    """The recognizer the settings ask for; ``engine = "auto"`` falls back to PocketSphinx.

    Returns None for ``engine = "keyboard"``. Raises :class:`UserError` when the asked-for engine
    cannot run (no Vosk model, PocketSphinx with a language other than English).
    """
    from voicecoach.listen import model as models

    engine = settings.engine
    if engine == "keyboard":
        return None
    if engine in ("auto", "vosk"):
        path = models.find_model(settings.model, language)
        if path is not None:
            from voicecoach.listen.vosk_engine import VoskRecognizer, load_model

            try:
                recognizer = VoskRecognizer(load_model(path), phrases, end_silence_s=settings.utterance_end_s,
                                           vad=settings.vad)
            except UserError as error:
                if engine == "vosk":
                    raise
                notice(f"{error}; using PocketSphinx instead")
            else:
                if recognizer.missing:
                    notice(f"the Vosk model lacks these command words, which cannot be heard: {', '.join(recognizer.missing)}")
                return recognizer
        elif engine == "vosk":
            raise UserError(models.missing_model_message(language))
        else:
            notice(f"no Vosk model for {language!r} found; using PocketSphinx (get one with `voicecoach model download`)")
    if language != "en":
        raise UserError(f"PocketSphinx only knows English; for {language!r} install a Vosk model ({models.missing_model_message(language)})")
    from voicecoach.listen.sphinx_engine import PocketSphinxRecognizer

    recognizer = PocketSphinxRecognizer(phrases, vad=settings.vad, speech_end=settings.utterance_end == "speech",
                                        live=settings.live_partials)
    if recognizer.missing:
        notice(f"PocketSphinx lacks these command words, which cannot be heard: {', '.join(recognizer.missing)}")
    return recognizer


def start_listening(settings: ListenSettings, language: str, events: "queue.Queue[object]",
                    clock: Callable[[], float] | None = None, commands: Iterable[Command] | None = None,
                    notice: Callable[[str], None] = print, player=None) -> Listener | None:
    """Start listening to the microphone for a session; None (after a one-line notice) when it can't.

    Decisions, and `DeviceChanged` when the microphone goes away or comes back, go to `events`.
    Tell the returned listener when the coach speaks and what it accepts. With the coach's
    `player` (:class:`voicecoach.speak.player.Player`), what it plays is the echo canceller's
    reference (``echo_cancel``); full barge-in then waits for the canceller to converge.
    """
    from voicecoach.listen.capture import MicrophoneCapture, NoMicrophone
    from voicecoach.listen.echo_check import system_canceller
    from voicecoach.listen.frontend import (EchoGate, FrontEndUnavailable, echo_cancel_mode, initial_barge_in,
                                            make_front_end)
    from voicecoach.listen.reference import ReferenceTap

    vocabulary = load_vocabulary(language)
    wanted = frozenset(commands) if commands is not None else frozenset(Command)
    recognizer = make_recognizer(settings, language, vocabulary.grammar(wanted | ALWAYS_ON), notice)
    if recognizer is None:
        return None
    canceller = echo_cancel_mode(settings, notice, system_canceller, have_reference=player is not None)
    barge_in = initial_barge_in(settings.barge_in, canceller)
    try:
        front_end = make_front_end(dataclasses.replace(settings, echo_cancel=canceller), notice)
    except FrontEndUnavailable as error:
        notice(f"{error}; only stop, pause and pain are heard while the coach talks")
        front_end, barge_in = None, "half"
    tap = ReferenceTap() if front_end is not None and front_end.cancels else None
    capture = MicrophoneCapture(settings.input_device, front_end=front_end, reference=tap,
                                on_device=lambda ok, detail: events.put(DeviceChanged("input", ok, detail)))
    try:
        capture.open()
    except NoMicrophone as error:
        notice(f"{error}; using keyboard commands only")
        return None
    listener = Listener(recognizer, vocabulary, dataclasses.replace(settings, barge_in=barge_in), events.put, clock=clock)
    listener.decider.set_commands(wanted)
    if front_end is not None:
        def set_barge_in(mode: str) -> None:  # runs in the listening thread, like the decider
            listener.decider.settings = dataclasses.replace(listener.decider.settings, barge_in=mode)

        capture.on_cleaned = EchoGate(front_end, settings.barge_in, set_barge_in, notice).update
    if tap is not None:
        player.tap = tap.push
    listener.start(capture)
    return listener
