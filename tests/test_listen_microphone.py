"""The whole loop through PulseAudio virtual devices: microphone -> capture -> recognizer -> queue."""

import queue

import pytest

from speech_audio import utterance_wav
from voicecoach.coach.commands import load_vocabulary
from voicecoach.events import CommandHeard
from voicecoach.listen.capture import MicrophoneCapture
from voicecoach.listen.listener import Listener
from voicecoach.listen.sphinx_engine import PocketSphinxRecognizer
from voicecoach.settings import ListenSettings

EN = load_vocabulary("en")


@pytest.fixture
def listening(virtual_microphone):
    events: queue.Queue = queue.Queue()
    capture = MicrophoneCapture("")
    capture.open()
    listener = Listener(PocketSphinxRecognizer(EN.grammar()), EN, ListenSettings(), events.put, clock=lambda: 0.0)
    listener.keep_results = True  # shown when a test fails
    listener.start(capture)
    assert listener.audio_started.wait(timeout=10), "the virtual microphone sent no audio"
    yield virtual_microphone, listener, events
    listener.stop()


def next_event(events, listener):
    try:
        return events.get(timeout=15)
    except queue.Empty:
        finals = [h.text for h in listener.heard if h.final]
        raise AssertionError(f"nothing decided; final results were {finals}") from None


def test_a_command_played_into_the_microphone_reaches_the_queue(listening, tmp_path):
    mic, listener, events = listening
    wav, _ = utterance_wav(tmp_path, "pause", "joe", lead_s=0.6, tail_s=1.0)
    mic.play(wav)
    event = next_event(events, listener)
    assert isinstance(event, CommandHeard) and event.command == "pause" and event.engine == "pocketsphinx"


def test_the_coachs_own_speech_triggers_nothing(listening, tmp_path):
    mic, listener, events = listening
    line, _ = utterance_wav(tmp_path, "Next. Pause at the bottom, then stand tall.", "en-us", lead_s=0.1, tail_s=0.1)
    listener.set_speaking(True)
    mic.play(line)
    listener.set_speaking(False)
    with pytest.raises(queue.Empty):
        events.get(timeout=3)
    # and it still hears the person afterwards
    wav, _ = utterance_wav(tmp_path, "pause", "joe", lead_s=0.6, tail_s=1.0)
    mic.play(wav)
    event = next_event(events, listener)
    assert event.command == "pause"
