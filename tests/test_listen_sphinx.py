"""The PocketSphinx fallback on English commands spoken by the piper "joe" voice and espeak-ng."""

import pytest

from speech_audio import utterance_wav
from voicecoach.coach.commands import load_vocabulary
from voicecoach.events import CommandHeard, CommandUnsure
from voicecoach.listen.listener import Listener
from voicecoach.listen.decide import UNK
from voicecoach.listen.sphinx_engine import PocketSphinxRecognizer, dictionary_words, jsgf_grammar
from voicecoach.listen.wavsource import WavSource, chunks, read_wav
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


def test_the_command_prior_is_written_without_an_exponent():
    # pocketsphinx's JSGF parser reads "/1e+06/" as a weight of 1: the prior would silently vanish
    grammar = jsgf_grammar(["next"], ["the"], command_weight=1e6)
    assert "/1000000.000000/ <command> | /1/ <filler>+" in grammar and "e+" not in grammar


def test_running_speech_longer_than_any_command_is_cut_and_decides_nothing(speech_dir):
    sentence = "the weather is nice today so we can go for a long walk in the park and then come back"
    wav, _ = utterance_wav(speech_dir, sentence, "joe")
    out = []
    recognizer = PocketSphinxRecognizer(EN.grammar(), max_utterance_s=2.5)
    listener = Listener(recognizer, EN, ListenSettings(), out.append)
    listener.keep_results = True
    listener.run(WavSource(wav))
    assert out == []
    finals = [h.text for h in listener.heard if h.final]
    assert UNK in finals  # the long stretch was given up as not-a-command


def test_input_ending_mid_speech_on_a_frame_boundary_still_gives_a_final(speech_dir):
    wav, word_end = utterance_wav(speech_dir, "pause", "joe", lead_s=0.5, tail_s=0.0)
    samples = read_wav(wav)
    frame = 480  # 30 ms: the recognizer's buffer is empty at the end (pocketsphinx raised IndexError)
    samples = samples[: len(samples) // frame * frame]
    recognizer = PocketSphinxRecognizer(EN.grammar())
    heard = [h for c in chunks(samples) for h in recognizer.accept(c)] + recognizer.finish()
    assert [h.text for h in heard if h.final] == ["pause"]
