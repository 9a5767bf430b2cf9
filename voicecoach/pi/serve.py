"""`voicecoach serve`: what the Raspberry Pi service runs. Idle, wake on a start phrase, coach a
session, back to idle; forever (or for a given number of sessions).

At start it says one line ("Coach ready. Say start workout to begin.") so the person in the room
knows it is up. While idle it listens with a grammar of the start phrases only, which keeps the
recognizer cheap (low CPU on a Pi). On "start workout" it closes the microphone (on a Pi without a
sound server only one stream may hold it), runs a whole session, then returns to idle.

The hardware is passed in (`open_microphone`, `make_recognizer`, the speaker, `run_session`), so
tests drive it with real devices and a short session.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Callable, Sequence

from voicecoach.coach.commands import Command, load_vocabulary
from voicecoach.errors import UserError
from voicecoach.events import CommandHeard
from voicecoach.pi.check import lines, say_and_wait, speakable_phrase
from voicecoach.settings import Settings

log = logging.getLogger(__name__)

NO_MICROPHONE_RETRY_S = 10.0  # how often a missing microphone is looked for again while idle


class Server:
    """The idle-and-wake loop (see the module docstring)."""

    def __init__(self, settings: Settings, speaker, events: queue.Queue,
                 open_microphone: Callable[[], object], make_recognizer: Callable[[Sequence[str]], object],
                 run_session: Callable[[], object], on_state: Callable[[str], None] = lambda state: None,
                 retry_s: float = NO_MICROPHONE_RETRY_S, model_fetch=None):
        """`model_fetch`: a started :class:`voicecoach.pi.model_fetch.ModelFetch`, when the
        better model is being downloaded; once it is in place, idle listening switches to it."""
        self.settings = settings
        self.speaker = speaker
        self.events = events
        self.open_microphone = open_microphone
        self.run_session = run_session
        self.on_state = on_state  # told "idle" (listening), "session", "stopped"
        self.retry_s = retry_s
        self.model_fetch = model_fetch
        self.vocabulary = load_vocabulary(settings.coach.language)
        self.start_phrases = self.vocabulary.phrases_for(Command.START)
        self.make_recognizer = make_recognizer
        self.recognizer = make_recognizer(self.start_phrases)  # None while a session runs
        self.said = lines()["serve"]
        self.state = "starting"  # "idle", "session", "stopped"
        self.sessions = 0
        self.wakes: list[CommandHeard] = []  # every start decision (audio time of its idle period)
        self._stop = threading.Event()
        self._microphone = None
        self._lock = threading.Lock()
        self._told_no_microphone = False

    def say(self, text: str) -> bool:
        """Say a line and wait for its end; then let the output stream rest until the next line
        (an idle output stream is most of what idling costs). Only lines outside sessions come here."""
        done = say_and_wait(self.speaker, self.events, text, self.settings.voice.rate)
        getattr(self.speaker, "pause_output", lambda: None)()
        return done

    def serve(self, sessions: int | None = None) -> int:
        """Say the ready line, then idle/session/idle... until `sessions` ran or :meth:`stop`."""
        phrase = speakable_phrase(self.vocabulary, Command.START)
        self.say(self.said["ready"].format(phrase=phrase))
        while not self._stop.is_set() and (sessions is None or self.sessions < sessions):
            heard = self.wait_for_start()
            if heard is None:
                break
            self.wakes.append(heard)
            # the output stream restarts while the session loads its recognizer
            getattr(self.speaker, "resume_output", lambda: None)()
            # The session loads its own recognizer: let this one (and its model) go meanwhile, so
            # a Pi does not hold two models in memory at once.
            self.recognizer = None
            self._set_state("session")
            log.info("start heard (%r, confidence %s); starting a session", heard.text, heard.confidence)
            try:
                result = self.run_session()
                log.info("session ended: %s", result)
            except UserError as error:
                log.error("session could not run: %s", error)
                result = "failed"
            if result == "interrupted":  # Ctrl-C or SIGTERM, which the session took as a stop
                raise KeyboardInterrupt
            self.sessions += 1
            if not self._stop.is_set() and (sessions is None or self.sessions < sessions):
                self.say(self.said["again"].format(phrase=phrase))
        self._set_state("stopped")
        return self.sessions

    def _set_state(self, state: str) -> None:
        self.state = state
        self.on_state(state)

    def wait_for_start(self) -> CommandHeard | None:
        """Listen (start phrases only) until one is heard; None if stopped first."""
        from voicecoach.listen.listener import Listener

        decisions: list[object] = []
        if self.recognizer is None:
            self.recognizer = self.make_recognizer(self.start_phrases)
        self.recognizer.reset()

        def idle_listener() -> Listener:
            listener = Listener(self.recognizer, self.vocabulary, self.settings.listen, emit=decisions.append)
            listener.decider.set_commands({Command.START})
            return listener

        listener = idle_listener()
        while not self._stop.is_set():
            microphone = self._open()
            if microphone is None:
                continue
            announced = False
            try:
                for chunk in microphone:
                    if self._stop.is_set():
                        return None
                    if chunk and not announced:  # once the microphone really delivers sound
                        announced = True
                        log.info("idle: listening for %s on %s", " / ".join(repr(p) for p in self.start_phrases),
                                 microphone.device_name)
                        self._set_state("idle")
                    if self.model_fetch is not None and self.model_fetch.take_ready():
                        self.say(self.said["better_model"])
                        self.recognizer = self.make_recognizer(self.start_phrases)
                        listener = idle_listener()
                        log.info("idle: now listening with %s", getattr(self.recognizer, "engine", "?"))
                    listener.feed(chunk)
                    for decision in decisions:
                        if isinstance(decision, CommandHeard) and decision.command == Command.START.value:
                            return decision
                    decisions.clear()
            finally:
                self._close()
        return None

    def _open(self):
        """Open the microphone; on failure say so (once), wait a while, return None."""
        try:
            microphone = self.open_microphone()
        except UserError as error:
            log.warning("no microphone yet: %s; trying again in %g s", error, self.retry_s)
            if not self._told_no_microphone:
                self._told_no_microphone = True
                self.say(lines()["check"]["no_microphone"])
            self._stop.wait(self.retry_s)
            return None
        with self._lock:
            self._microphone = microphone
        return microphone

    def _close(self) -> None:
        with self._lock:
            microphone, self._microphone = self._microphone, None
        if microphone is not None:
            microphone.close()

    def stop(self) -> None:
        """End serving (thread-safe): idle listening ends at once, a running session is not cut."""
        self._stop.set()
        self._close()


# ---- the real thing: devices, a live coached session ---------------------------------------------


def live_session(settings: Settings, speaker, events: queue.Queue, clock) -> str:
    """One coached session by voice, as `voicecoach practice` runs it (today's plan, resume,
    history), on the speaker serve keeps open; returns why it ended."""
    from voicecoach.listen.listener import start_listening
    from voicecoach.errors import notice
    from voicecoach.practice import coached_session

    player = getattr(speaker, "player", None)  # what it plays is the echo canceller's reference
    listener = start_listening(settings.listen, settings.coach.language, events, clock=clock.now,
                               commands=frozenset(Command) - {Command.START}, notice=notice, player=player)
    if listener is None:
        raise UserError("cannot listen for commands, so no session")
    try:
        return coached_session(settings, speaker, events, clock, listener=listener)
    finally:
        listener.stop()
        if player is not None:
            player.tap = None  # idle listening between sessions needs no reference


def serve(settings: Settings, sessions: int | None = None) -> int:
    """Serve with the devices the settings name; returns how many sessions ran.

    With no usable speaker it raises :class:`UserError` (the service is restarted and tries again:
    a coach nobody can hear is no use).
    """
    from voicecoach.coach.clock import MonotonicClock
    from voicecoach.pi.hardware import microphone_opener, recognizer_maker
    from voicecoach.speak.speaker import AudioSpeaker, make_speaker

    clock = MonotonicClock()  # one clock for the speaker's events and every session
    events: queue.Queue = queue.Queue()
    speaker = make_speaker(events, settings.voice, clock=clock.now)
    if settings.voice.engine != "none" and not isinstance(speaker, AudioSpeaker):
        speaker.close()
        raise UserError("no audio output device to speak through")
    from voicecoach.pi.model_fetch import ModelFetch, wants_download

    fetch = ModelFetch().start() if wants_download(settings) else None
    try:
        server = Server(settings, speaker, events, microphone_opener(settings), recognizer_maker(settings),
                        lambda: live_session(settings, speaker, events, clock), model_fetch=fetch)
        try:
            return server.serve(sessions)
        finally:
            server.stop()
    finally:
        speaker.close()
