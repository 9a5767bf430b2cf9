"""The PocketSphinx fallback on English commands spoken by the piper "joe" voice and espeak-ng."""

import pytest

from speech_audio import utterance_wav
from voicecoach.coach.commands import load_vocabulary
from voicecoach.events import CommandHeard, CommandUnsure
from voicecoach.listen.listener import Listener
from voicecoach.listen.sphinx_engine import PocketSphinxRecognizer, dictionary_words
from voicecoach.listen.wavsource import WavSource
from voicecoach.settings import ListenSettings

EN = load_vocabulary("en")


@pytest.fixture(scope="module")
def speech_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("speech-en")


def listen(wav, settings=ListenSettings()):
    out = []
    listener = Listener(PocketSphinxRecognizer(EN.grammar()), EN, settings, out.append)
    listener.run(WavSource(wav))
    return out


def test_every_english_command_word_is_in_the_pocketsphinx_dictionary():
    assert EN.words() - dictionary_words() == set()


@pytest.mark.parametrize("voice,phrase,command", [
    ("joe", "next", "next"), ("joe", "pause", "pause"), ("joe", "that hurts", "pain"),
    ("joe", "how many left", "status"), ("joe", "slow down", "slower"),
    ("en-us", "repeat", "repeat"),
])
def test_spoken_commands_are_decided(speech_dir, voice, phrase, command):
    wav, word_end = utterance_wav(speech_dir, phrase, voice)
    out = listen(wav)
    assert [(d.command, d.text) for d in out] == [(command, phrase)]
    assert isinstance(out[0], CommandHeard) and out[0].at > word_end


def test_stop_without_a_confidence_asks_first(speech_dir):
    wav, _ = utterance_wav(speech_dir, "stop", "joe")
    out = listen(wav)
    assert len(out) == 1 and isinstance(out[0], CommandUnsure) and out[0].command == "stop"


@pytest.mark.parametrize("sentence", ["the weather is nice today", "can I get a large coffee please"])
def test_ordinary_speech_decides_nothing(speech_dir, sentence):
    wav, _ = utterance_wav(speech_dir, sentence, "joe")
    assert listen(wav) == []
