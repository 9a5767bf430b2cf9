"""The live loop: one queue, one consumer, real clock and the text speaker; waits use queues, not sleeps."""

import io
import queue
import threading

from coach_helpers import make_coach
from fakes import ListRecorder
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


def test_louder_sets_the_speaker_gain_before_the_answer_is_spoken():
    events, clock, out = queue.Queue(), MonotonicClock(), io.StringIO()
    speaker = TextSpeaker(events, out=out, clock=clock.now, pace=True, rate_wpm=2000)
    gains = []
    speaker.set_gain = lambda gain: (gains.append((gain, out.getvalue().count("Louder."))), None)[1]
    session = Session(make_coach("wall_hinge"), speaker, events, clock)
    result = run_in_thread(session)
    session.post(CommandHeard("louder", "louder", at=clock.now()))
    session.post(CommandHeard("quieter", "quieter", at=clock.now()))
    session.post(CommandHeard("stop", "stop", at=clock.now()))
    assert result.get(timeout=30) == "stopped"
    assert gains == [(1.4, 0), (1.0, 1)]  # each gain set before its answer is printed


class _CapturingPlayer:
    """Stands in for the sound device: keeps what would be played, reports it done at once."""

    samplerate = 22050

    def __init__(self, notify):
        self.notify, self.played = notify, []

    def enqueue(self, samples, tag):
        self.played.append(samples)
        self.notify("done", tag, 0.0, False)

    def stop(self):
        pass

    def close(self):
        pass


def test_the_audio_speaker_scales_speech_by_its_gain(tmp_path):
    from voicecoach.events import SpeechDone
    from voicecoach.settings import VoiceSettings
    from voicecoach.speak.speaker import AudioSpeaker

    events = queue.Queue()
    players = []
    speaker = AudioSpeaker(events, VoiceSettings(), cache_dir=tmp_path,
                           player_factory=lambda notify: players.append(_CapturingPlayer(notify)) or players[-1])
    for gain in (1.0, 0.5):
        speaker.set_gain(gain)
        utterance = speaker.say("Hips back.")
        while not (isinstance(e := events.get(timeout=30), SpeechDone) and e.utterance_id == utterance):
            pass
    speaker.close()
    normal, quiet = players[0].played
    assert abs(normal).max() > 0.05 and abs(quiet * 2 - normal).max() < 1e-6
