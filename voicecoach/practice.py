"""A live practice session, wired: voice out, voice (and keyboard) in, history, resume, today's plan.

:func:`practise` is what ``voicecoach practice`` runs; :func:`coached_session` is the part
``voicecoach serve`` reuses with the speaker it keeps open between sessions. Everything here is
glue: the coach (:mod:`voicecoach.coach`), the loop (:mod:`voicecoach.session`), the voice
(:mod:`voicecoach.speak`), the ears (:mod:`voicecoach.listen`) and the history
(:mod:`voicecoach.history`) each do their own job.
"""

from __future__ import annotations

import contextlib
import dataclasses
import queue
import signal
import sys
import threading
from typing import Any, TextIO

from voicecoach.coach.clock import Clock, MonotonicClock
from voicecoach.coach.coach import Coach
from voicecoach.coach.commands import Command, load_vocabulary
from voicecoach.coach.lines import all_templates
from voicecoach.errors import notice
from voicecoach.events import CommandHeard, SpeechDone, SpeechStarted
from voicecoach.program.load import load_library
from voicecoach.program.model import Library
from voicecoach.program.plan import Plan, single_drill_plan
from voicecoach.session import InputClosed, Session, read_keyboard
from voicecoach.settings import Settings, db_path

RESUME_ANSWER_S = 60.0  # how long the resume question waits before starting a new session
NEW_SESSION_LINE = "Starting a new session."


def fixed_lines(library: Library, plan: Plan) -> list[str]:
    """Every line the session can say that does not depend on the moment (for pre-rendering)."""
    lines = [t for t in all_templates().values() if "{" not in t]
    for item in plan.items:
        lines += library[item.drill_id].spoken_lines()
    return list(dict.fromkeys([*plan.announcements, *lines]))


def _answer(events: queue.Queue, listener: Any, speaker: Any, clock: Clock, wanted: set[Command],
            timeout_s: float) -> Command | None:
    """Wait for one of `wanted` (voice or keyboard); None on timeout. Keeps the listener's
    half-duplex gate in step with the speaker meanwhile."""
    speaking: set[int] = set()
    deadline = clock.now() + timeout_s
    poll = getattr(speaker, "poll", None)
    while clock.now() < deadline:
        if poll:
            poll(clock.now())
        try:
            event = events.get(timeout=0.1)
        except queue.Empty:
            continue
        if isinstance(event, SpeechStarted):
            speaking.add(event.utterance_id)
        elif isinstance(event, SpeechDone):
            speaking.discard(event.utterance_id)
        elif isinstance(event, InputClosed):
            return Command.STOP
        elif isinstance(event, CommandHeard) and Command(event.command) in wanted:
            return Command(event.command)
        if listener is not None and isinstance(event, (SpeechStarted, SpeechDone)):
            listener.set_speaking(bool(speaking))
    return None


def choose_plan(settings: Settings, library: Library, recorder: Any, speaker: Any, events: queue.Queue,
                clock: Clock, listener: Any = None, drill_id: str | None = None, resume: bool | None = None) -> Plan | None:
    """Today's plan: an interrupted session to resume (asked by voice unless `resume` is given),
    the drill asked for, or what the progression engine decides. None if the person said stop."""
    from voicecoach.history import find_interrupted, plan_today

    if drill_id is not None:
        return single_drill_plan(library, drill_id)
    point = find_interrupted(recorder.store, library)
    if point is not None and resume is None:
        speaker.say(point.prompt, "prompt")
        if listener is not None:
            listener.set_commands(frozenset({Command.RESUME, Command.NEW}))
        answer = _answer(events, listener, speaker, clock, {Command.RESUME, Command.NEW, Command.STOP}, RESUME_ANSWER_S)
        if answer == Command.STOP:
            return None
        resume = answer == Command.RESUME
        if not resume:
            speaker.say(NEW_SESSION_LINE, "info")
    if point is not None and resume:
        recorder.resume(point.session_id)
        return point.plan
    if point is not None:
        recorder.abandon(point.session_id)
    return plan_today(library, recorder.store)


def coached_session(settings: Settings, speaker: Any, events: queue.Queue, clock: Clock, *,
                    listener: Any = None, drill_id: str | None = None, resume: bool | None = None,
                    library: Library | None = None) -> str:
    """Run one whole coached session on devices already open; return why it ended."""
    from voicecoach.history import open_recorder, progress_summary
    from voicecoach.speak.music import start_music

    library = library or load_library()
    recorder = open_recorder(db_path(settings), warn=notice)
    try:
        plan = choose_plan(settings, library, recorder, speaker, events, clock, listener, drill_id, resume)
        if plan is None:
            return "stopped"
        warning = recorder.take_warning()
        if warning:
            plan = dataclasses.replace(plan, announcements=(warning, *plan.announcements))
        prerender = getattr(speaker, "prerender", None)
        if prerender:
            # in the background: the first line is said while the rest are rendered
            prerender(fixed_lines(library, plan), progress=False, background=True)
        music = start_music(settings.music.folder, getattr(speaker, "player", None), settings.music.volume, notice)
        try:
            coach = Coach(library, plan, settings.coach, speech_rate=settings.voice.rate,
                          progress_line=lambda: progress_summary(library, recorder.store), music=music is not None)
            return Session(coach, speaker, events, clock, recorder=recorder, listener=listener, music=music).run()
        finally:
            if music is not None:
                music.close()
    finally:
        recorder.close()


def practise(settings: Settings, *, text: bool = False, drill_id: str | None = None, resume: bool | None = None,
             stdin: TextIO | None = None, stdout: TextIO | None = None, events: queue.Queue | None = None) -> str:
    """``voicecoach practice``: speak, listen (unless `text`), read typed commands; return why it ended.
    `events`: the session's event queue (a test watches what goes through it)."""
    from voicecoach.listen.listener import start_listening
    from voicecoach.speak.speaker import make_speaker

    from voicecoach.history.lease import check_free

    library = load_library()  # a bad drill file stops us here, before any device is opened
    if drill_id is not None:
        single_drill_plan(library, drill_id)  # so does an unknown --drill, before any file is made
    check_free(db_path(settings))  # so does another session on the same history
    clock = MonotonicClock()
    events = queue.Queue() if events is None else events
    speaker = make_speaker(events, settings.voice, echo=(stdout or sys.stdout) if text else None, clock=clock.now, pace=True)
    listener = None
    if not text:
        listener = start_listening(settings.listen, settings.coach.language, events, clock=clock.now,
                                   commands=frozenset(Command) - {Command.START}, notice=notice,
                                   player=getattr(speaker, "player", None))  # its blocks: the echo reference
    keyboard_only = listener is None
    vocabulary = load_vocabulary(settings.coach.language)
    if keyboard_only:
        notice("type a command (next, repeat, pause, help, stop...) and press Enter; Ctrl-D ends")
    read_keyboard(stdin or sys.stdin, events, vocabulary, clock, eof_ends_session=keyboard_only)
    try:
        with terminate_as_interrupt():
            return coached_session(settings, speaker, events, clock, listener=listener, drill_id=drill_id,
                                   resume=resume, library=library)
    finally:
        if listener is not None:
            listener.stop()
        speaker.close()


@contextlib.contextmanager
def terminate_as_interrupt():
    """While inside, SIGTERM (a service stop, a shutdown) is handled like Ctrl-C: the session ends
    at once and stays open in the history, so the next `practice` offers to resume it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)

