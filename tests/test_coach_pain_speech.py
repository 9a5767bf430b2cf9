"""Pain in other words, through a real recognizer: PocketSphinx (English) on rendered speech.

The phrases of issue 13 ("my knee hurts", "my hamstrings hurt", "it's sore"...) are spoken by the
piper "joe" voice and espeak-ng, decided by the listener with the grammar of a running set, and
must come out as the pain command that stops the set. The renders are heard as a microphone
gives them: over its own noise floor (-70 dBFS), never digital silence.
"""

import numpy as np
import pytest

from coach_helpers import coach_in, says
from speech_audio import utterance_wav
from voicecoach.coach.commands import ALWAYS_ON, load_vocabulary
from voicecoach.events import CommandHeard
from voicecoach.listen.listener import Listener
from voicecoach.listen.sphinx_engine import PocketSphinxRecognizer, dictionary_words
from voicecoach.listen.wavsource import WavSource, read_wav
from voicecoach.speak.wav import write_wav
from voicecoach.settings import ListenSettings

EN = load_vocabulary("en")


@pytest.fixture(scope="module")
def speech_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("pain-speech")


def test_every_pain_word_is_in_the_pocketsphinx_dictionary():
    words = {w for p in EN.phrases_for("pain") for w in p.split()}
    assert words - dictionary_words() == set()


@pytest.mark.parametrize("voice,phrase", [
    ("joe", "my knee hurts"), ("joe", "my hamstrings hurt"), ("joe", "it's sore"), ("joe", "ouch"),
    ("en-us", "my knee hurts"), ("en-us", "my back hurts"),
])
def test_pain_phrases_are_heard_as_pain_during_a_set(speech_dir, voice, phrase):
    coach = coach_in("set")
    grammar = EN.grammar(coach.accepted_commands() | ALWAYS_ON)
    wav, word_end = utterance_wav(speech_dir, phrase, voice)
    samples = read_wav(wav).astype(np.float32) / 32768.0
    floor = np.random.default_rng(13).standard_normal(samples.size).astype(np.float32) * 10 ** (-70 / 20)
    wav = speech_dir / f"{wav.stem}-floor.wav"
    write_wav(wav, samples + floor, 16000)
    out = []
    Listener(PocketSphinxRecognizer(grammar), EN, ListenSettings(), out.append).run(WavSource(wav))
    assert [(d.command, d.text, isinstance(d, CommandHeard)) for d in out] == [("pain", phrase, True)], out
    spoken = says(coach.handle(out[0]))
    assert coach.state == "safety" and spoken[0].text == coach.drill.stop
