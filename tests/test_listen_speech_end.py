"""Utterances end on the end of speech, not of sound (voicecoach.listen.speech_end): real Silero and
PocketSphinx on commands rendered by piper and espeak-ng over music made here (chords of
harmonic tones, a new chord every quarter second: it holds the WebRTC-style endpointer in
"speech" as a radio does), and the pure per-frame rules."""

import numpy as np
import pytest

from speech_audio import espeak, piper_joe
from voicecoach.coach.commands import load_vocabulary
from voicecoach.listen.listener import Listener
from voicecoach.listen.speech_end import SpeechEnd
from voicecoach.listen.sphinx_engine import PocketSphinxRecognizer
from voicecoach.settings import ListenSettings

RATE = 16000
EN = load_vocabulary("en")
NOTES_HZ = (220, 247, 262, 294, 330, 349, 392, 440)


def music(seconds: float, seed: int = 0) -> np.ndarray:
    """Synthetic music: three-note chords of harmonic tones, struck every 0.25 s (float)."""
    rng = np.random.default_rng(seed)
    count, beat = int(seconds * RATE), int(0.25 * RATE)
    t = np.arange(count) / RATE
    out = np.zeros(count)
    for start in range(0, count, beat):
        part = t[start:start + beat]
        for note in rng.choice(NOTES_HZ, 3, replace=False):
            for harmonic in (1, 2, 3, 4):
                out[start:start + beat] += np.exp(-3 * (part - part[0])) * np.sin(2 * np.pi * note * harmonic * part) / harmonic
    return out


def over_music(speech: np.ndarray, below_db: float, at_s: float = 2.5, seconds: float = 6.0) -> tuple[bytes, float]:
    """`speech` at `at_s` over music `below_db` under its level; the PCM and when the word ends."""
    bed = music(seconds)
    level = lambda x: np.sqrt(np.mean(x.astype(float) ** 2))
    bed *= level(speech) / level(bed) * 10 ** (-below_db / 20)
    start = int(at_s * RATE)
    bed[start:start + speech.size] += speech
    return np.clip(bed, -32768, 32767).astype(np.int16).tobytes(), (start + speech.size) / RATE


def finals(pcm: bytes, speech_end: bool) -> list[tuple[float, str]]:
    """(time, text) of every final result of PocketSphinx (Silero beside it) over the stream."""
    recognizer = PocketSphinxRecognizer(EN.grammar(), vad="auto", speech_end=speech_end)
    out = []
    for i in range(0, len(pcm), 1600):
        out += [(h.at, h.text) for h in recognizer.accept(pcm[i:i + 1600]) if h.final]
    return out + [(h.at, h.text) for h in recognizer.finish()]


@pytest.mark.parametrize("voice", ["joe", "en-us"])
def test_an_utterance_over_music_ends_where_the_speech_ends(voice):
    speech = piper_joe("next") if voice == "joe" else espeak("next")
    pcm, word_end = over_music(speech, below_db=10)
    heard = finals(pcm, speech_end=True)
    assert any(word_end <= at <= word_end + 0.8 for at, _ in heard), heard
    # the endpointer alone: the music holds it in "speech" to the end of the stream
    assert not any(at < 5.9 and at >= word_end for at, _ in finals(pcm, speech_end=False))


def test_music_alone_is_dropped_not_decoded_for_ever():
    pcm = np.clip(music(6.0) * 3000 / np.sqrt(np.mean(music(6.0) ** 2)), -32768, 32767).astype(np.int16).tobytes()
    heard = finals(pcm, speech_end=True)
    assert heard and all(text.split() == ["[unk]"] * len(text.split()) for _, text in heard)
    assert min(at for at, _ in heard) < 2.0  # dropped early, not held until the stream ends


@pytest.mark.parametrize("voice,phrase,command", [("joe", "next", "next"), ("joe", "pause", "pause"), ("en-us", "repeat", "repeat")])
def test_without_music_the_command_is_decided_as_before(voice, phrase, command):
    speech = piper_joe(phrase) if voice == "joe" else espeak(phrase)
    pcm = np.concatenate([np.zeros(8000, np.int16), speech, np.zeros(24000, np.int16)]).tobytes()
    decided = {}
    for on in (True, False):
        out = []
        listener = Listener(PocketSphinxRecognizer(EN.grammar(), vad="auto", speech_end=on), EN,
                            ListenSettings(barge_in="full"), out.append)
        for i in range(0, len(pcm), 1600):
            listener.feed(pcm[i:i + 1600])
        listener.finish()
        decided[on] = [d.command for d in out]
    assert decided[True] == decided[False] == [command]


# ---- the per-frame rules ------------------------------------------------------------------------

def test_speech_then_end_s_of_non_speech_ends_the_utterance():
    rule = SpeechEnd(window_s=0.3, end_s=0.3)
    rule.start(1.0)
    assert rule.check(1.2, gap=0.0) is None  # speaking
    assert rule.check(1.4, gap=0.2) is None  # a short pause
    assert rule.check(1.5, gap=0.3) == "end"


def test_an_utterance_without_any_speech_is_abandoned_after_the_wait():
    rule = SpeechEnd(window_s=0.3, onset_wait_s=1.0)
    rule.start(0.0)
    assert rule.check(0.9, gap=5.0) is None
    assert rule.check(1.0, gap=5.0) == "abandon"


def test_a_held_stream_restarts_only_on_speech_after_a_pause():
    rule = SpeechEnd(rearm_s=0.3)
    rule.hold(gap=0.0)  # stopped in the middle of running speech
    assert not rule.may_start(0.0)  # still the same speech: no new utterance
    assert not rule.may_start(0.3)  # a pause: armed
    assert rule.may_start(0.0)  # speech again: a new utterance starts
    rule.release()
    assert not rule.held


def test_live_partials_reach_the_word_a_window_sooner():
    """`live`: the decoder hears each frame as it comes, not as the endpointer hands it back 0.3 s late."""
    speech = piper_joe("repeat")
    pcm = np.concatenate([np.zeros(8000, np.int16), speech, np.zeros(24000, np.int16)]).tobytes()
    first = {}
    for live in (True, False):
        recognizer = PocketSphinxRecognizer(EN.grammar(), vad="auto", live=live)
        heard = [h for i in range(0, len(pcm), 800) for h in recognizer.accept(pcm[i:i + 800])]
        first[live] = min(h.at for h in heard if not h.final and h.text == "repeat")
    assert first[False] - first[True] >= 0.2
