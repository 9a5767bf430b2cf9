"""The live session: one queue of events, one consumer that feeds the coach and carries out its actions.

Producers (the keyboard thread, the speaker's worker, later the microphone listener) only put
events on the queue. :meth:`Session.run` is the only place that touches the coach. When the queue
is quiet the loop makes its own ``Tick`` from the clock, timed to the coach's next step, so the
coach never waits on anything but the queue.

The speaker is any object with the :class:`~voicecoach.events.Speaker` methods that posts
``SpeechStarted``/``SpeechDone`` to the queue it is given (``voicecoach.speak.make_speaker``); a
text speaker that paces itself on the clock has a ``poll(now)`` the loop calls. The wiring of a
real session (devices, history, resume) is in :mod:`voicecoach.practice`.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Protocol, TextIO

from voicecoach.coach.clock import Clock
from voicecoach.coach.coach import Coach
from voicecoach.coach.commands import ALWAYS_ON, Command, Vocabulary
from voicecoach.errors import notice
from voicecoach.events import (
    CommandHeard, Earcon, Music, NotUnderstood, Record, Recorder, Say, Speaker, SpeechDone, SpeechStarted, Tick, Volume,
)
from voicecoach.infile import MAX_LINE_CHARS

MAX_WAIT_S = 0.1  # the loop looks at the clock at least this often
DRAIN_S = 30.0  # after the end, wait at most this long for the summary to finish playing


@dataclass(frozen=True)
class InputClosed:
    """The keyboard (or script) has no more input: the session ends as if "stop" was said.

    ``reason`` "eof": the person ended the input (Ctrl-D). Any other reason (the keyboard broke)
    ends the session the same way but leaves it open in the history, so it can be resumed."""

    reason: str = "eof"


def listening_for(coach: Coach) -> frozenset[Command]:
    """What the listener should hear now: the commands the coach acts on, plus the always-on ones."""
    return frozenset(coach.accepted_commands() | ALWAYS_ON)


class Listener(Protocol):
    """Speech in, told what to listen for: the commands the coach acts on now, and when it talks."""

    def set_commands(self, commands: frozenset[Command]) -> None: ...

    def set_speaking(self, speaking: bool) -> None: ...


def read_keyboard(stream: TextIO | None, events: queue.Queue, vocabulary: Vocabulary, clock: Clock,
                  eof_ends_session: bool = True) -> threading.Thread:
    """Start a daemon thread turning typed lines into CommandHeard/NotUnderstood.

    At end of input it posts InputClosed when the keyboard is the only way in (`eof_ends_session`);
    when the coach also listens by voice (a service with no terminal), it just stops reading. The
    keyboard ending any other way (a closed stdin, a line of more than
    :data:`~voicecoach.infile.MAX_LINE_CHARS` characters such as ``/dev/zero`` gives, a read error)
    is said in one line and counts as the end of input: the session never runs on with no way in
    but Ctrl-C. Bytes that are not valid text are replaced, never fatal.
    """
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors="replace")  # a stray byte from a terminal is one odd word, not a dead keyboard
        except (ValueError, OSError):
            pass

    def run() -> None:
        reason = "eof"
        try:
            for raw in _typed_lines(stream):
                text = raw.strip()
                if not text:
                    continue
                command = vocabulary.understand(text)
                now = clock.now()
                events.put(CommandHeard(command.value, text, source="keyboard", at=now) if command
                           else NotUnderstood(text, at=now))
        except Exception as error:  # noqa: BLE001 - whatever stops the keyboard, the session must hear of it
            reason = "keyboard"
            then = ("ending as with Ctrl-D; the next `voicecoach practice` offers to pick up where you stopped"
                    if eof_ends_session else "voice commands still work")
            notice(f"the keyboard stopped ({_why(error)}); {then}")
        finally:
            if eof_ends_session:
                events.put(InputClosed(reason))

    thread = threading.Thread(target=run, name="keyboard", daemon=True)
    thread.start()
    return thread


def _typed_lines(stream: TextIO | None) -> Iterator[str]:
    """The lines of `stream`, each at most MAX_LINE_CHARS long; an endless line is an error."""
    if stream is None:
        raise OSError("standard input is closed")
    while True:
        line = stream.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        if len(line) > MAX_LINE_CHARS:
            raise ValueError(f"a line of more than {MAX_LINE_CHARS} characters; is standard input a file?")
        yield line


def _why(error: Exception) -> str:
    return str(error) if isinstance(error, (OSError, ValueError)) and str(error) else type(error).__name__


class Session:
    """Runs one coach until the session ends, input closes or Ctrl-C.

    The devices it is given stay open afterwards: whoever opened them closes them (``serve``
    keeps its speaker for the next session).
    """

    def __init__(self, coach: Coach, speaker: Speaker, events: queue.Queue, clock: Clock, *,
                 recorder: Recorder | None = None, listener: Listener | None = None,
                 on_action: Callable[[Any], None] | None = None, music: Any = None):
        """`music`: the coach's own music (a :class:`~voicecoach.speak.music.MusicPlayer`), steered
        by the coach's ``Music`` actions."""
        self.coach = coach
        self.music = music
        self.speaker = speaker
        self.events = events
        self.clock = clock
        self.recorder = recorder
        self.listener = listener
        self.on_action = on_action
        self._speaking: set[int] = set()
        self._commands: frozenset[Command] | None = None
        self._ended_reason = "completed"

    def post(self, event: Any) -> None:
        """Put an event on the queue (safe from any thread)."""
        self.events.put(event)

    def run(self) -> str:
        """Run to the end; return why it ended ("completed", "stopped", "pain", "eof", "keyboard", "interrupted")."""
        reason = ""
        try:
            self._carry_out(self.coach.begin_session(self.clock.now()))
            while self.coach.state != "ended":
                event = self._next_event()
                if isinstance(event, InputClosed):
                    reason = event.reason
                    if reason != "eof":  # the keyboard broke; the person did not stop: resumable
                        self.recorder = None
                    event = CommandHeard(Command.STOP.value, "", source="keyboard", at=self.clock.now())
                self._track_speech(event)
                self._carry_out(self.coach.handle(event))
                self._carry_out(self.coach.handle(Tick(self.clock.now())))
            self._drain()
        except KeyboardInterrupt:
            reason = "interrupted"
            self.recorder = None  # Ctrl-C / SIGTERM: the history keeps the session open, to resume next time
            if self.coach.state != "ended":
                self._carry_out(self.coach.handle(CommandHeard(Command.STOP.value, "", at=self.clock.now())))
        return reason or self._ended_reason

    def _next_event(self) -> Any:
        poll = getattr(self.speaker, "poll", None)
        if poll:
            poll(self.clock.now())
        due = self.coach.next_due()
        wait = MAX_WAIT_S if due is None else min(MAX_WAIT_S, max(0.0, due - self.clock.now()))
        try:
            return self.events.get(timeout=wait)
        except queue.Empty:
            return Tick(self.clock.now())

    def _drain(self) -> None:
        """Let the summary play out: wait (on the queue) until the speaker reports it is done."""
        deadline = self.clock.now() + DRAIN_S
        poll = getattr(self.speaker, "poll", None)
        while self._speaking and self.clock.now() < deadline:
            if poll:
                poll(self.clock.now())
            try:
                event = self.events.get(timeout=min(MAX_WAIT_S, max(0.0, deadline - self.clock.now())))
            except queue.Empty:
                continue
            self._track_speech(event)

    def _track_speech(self, event: Any) -> None:
        if isinstance(event, SpeechStarted):
            self._speaking.add(event.utterance_id)
        elif isinstance(event, SpeechDone):
            self._speaking.discard(event.utterance_id)
        else:
            return
        if self.listener:
            self.listener.set_speaking(bool(self._speaking))

    def _carry_out(self, actions: list[Any]) -> None:
        for action in actions:
            if self.on_action:
                self.on_action(action)
            if isinstance(action, Say):
                if action.interrupt:
                    self.speaker.stop()
                self._speaking.add(self.speaker.say(action.text, action.kind))
            elif isinstance(action, Earcon):
                self.speaker.earcon(action.name)
            elif isinstance(action, Volume):
                set_gain = getattr(self.speaker, "set_gain", None)
                if set_gain:  # "louder" / "quieter": before the answer is queued, so it is heard at the new level
                    set_gain(action.gain)
            elif isinstance(action, Music):
                if self.music is not None:
                    self.music.steer(action.op, action.gain)
            elif isinstance(action, Record):
                if action.kind == "session_ended":
                    self._ended_reason = action.data["reason"]
                if self.recorder:
                    self.recorder.record(action.kind, action.data)
                    warning = getattr(self.recorder, "take_warning", lambda: None)()
                    if warning:  # the history stopped saving: say so once, train on
                        self._speaking.add(self.speaker.say(warning, "info"))
        if self.listener:
            commands = listening_for(self.coach)
            if commands != self._commands:
                self._commands = commands
                self.listener.set_commands(commands)
