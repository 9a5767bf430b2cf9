"""The live loop: one queue, one consumer, real clock and the text speaker; waits use queues, not sleeps."""

import io
import queue
import threading

from coach_helpers import make_coach
from voicecoach.coach.clock import FakeClock, MonotonicClock
from voicecoach.coach.commands import ALWAYS_ON, Command, load_vocabulary
from voicecoach.events import CommandHeard, NotUnderstood
from voicecoach.session import InputClosed, Session, read_keyboard
from voicecoach.speak.speaker import TextSpeaker


class RecordingListener:
    def __init__(self):
        self.commands: list[frozenset] = []
        self.speaking: list[bool] = []

    def set_commands(self, commands):
        self.commands.append(commands)

    def set_speaking(self, speaking):
        self.speaking.append(speaking)


class ListRecorder:
    def __init__(self):
        self.records = []

    def record(self, kind, data):
        self.records.append((kind, data))


def run_in_thread(session):
    result: queue.Queue = queue.Queue()
    thread = threading.Thread(target=lambda: result.put(session.run()), daemon=True)
    thread.start()
    return result


def test_stop_ends_the_session_with_the_summary_spoken():
    events, clock, out = queue.Queue(), MonotonicClock(), io.StringIO()
    listener, recorder = RecordingListener(), ListRecorder()
    session = Session(make_coach("wall_hinge"), TextSpeaker(events, out=out, clock=clock.now, pace=True, rate_wpm=2000), events, clock,
                      recorder=recorder, listener=listener)
    result = run_in_thread(session)
    session.post(CommandHeard("help", "help", at=clock.now()))
    session.post(CommandHeard("stop", "stop", at=clock.now()))
    assert result.get(timeout=30) == "stopped"
    text = out.getvalue()
    assert "COACH: Stopping here." in text and "COACH: Well done. See you next time." in text
    assert [k for k, _ in recorder.records][0] == "session_started"
    assert recorder.records[-1] == ("session_ended", {"reason": "stopped"})
    assert listener.commands[0] >= ALWAYS_ON | {Command.NEXT}
    assert True in listener.speaking and listener.speaking[-1] is False


def test_keyboard_lines_become_commands_and_eof_closes():
    events: queue.Queue = queue.Queue()
    read_keyboard(io.StringIO("next\nfoo bar\n\nthat hurts\n"), events, load_vocabulary("en"), FakeClock(7.0))
    got = [events.get(timeout=5) for _ in range(4)]
    assert got[0] == CommandHeard("next", "next", source="keyboard", at=7.0)
    assert got[1] == NotUnderstood("foo bar", at=7.0)
    assert got[2].command == "pain" and got[3] == InputClosed()


def test_end_of_input_stops_a_running_session():
    events, clock, out = queue.Queue(), MonotonicClock(), io.StringIO()
    session = Session(make_coach("dowel_hinge"), TextSpeaker(events, out=out, clock=clock.now, pace=True, rate_wpm=2000), events, clock)
    result = run_in_thread(session)
    session.post(InputClosed())
    assert result.get(timeout=30) == "eof"
    assert session.coach.state == "ended"
    assert "COACH: Stopping here." in out.getvalue()
