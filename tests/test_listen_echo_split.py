"""What the recognizer decodes and what its detectors judge (issue 12, part 3): the linear echo
canceller (libspeexdsp), the Cleaned split through PocketSphinx, the echo-aware voice detector,
and how the barge-in and canceller settings resolve. Real libspeexdsp, PocketSphinx and espeak-ng."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from speech_audio import as_int16, espeak, impulse_response
from voicecoach.coach.commands import load_vocabulary
from voicecoach.listen.frontend import (Cleaned, EchoGate, FrontEnd, echo_cancel_mode, initial_barge_in, judged,
                                        make_front_end)
from voicecoach.listen.linear_aec import FRAME, LinearEchoCanceller
from voicecoach.listen.sphinx_engine import PocketSphinxRecognizer
from voicecoach.listen.vad import EchoAwareSilence, make_vad
from voicecoach.settings import ListenSettings

RATE = 16000


def energy_db(x: np.ndarray) -> float:
    return 10 * np.log10(float(np.mean(x.astype(np.float64) ** 2)) + 1.0)


def test_the_linear_canceller_takes_a_rooms_echo_down_and_leaves_the_rest():
    rng = np.random.default_rng(7)
    reference = as_int16(espeak("Push your hips back, keep a long spine, and stand up tall. " * 3, "en-gb") * 0.7)
    reference = reference[: reference.size - reference.size % FRAME]
    echo = np.convolve(reference.astype(np.float64), impulse_response(0.3, 0.2, 0.01, seed=3))[: reference.size]
    noise = rng.standard_normal(reference.size) * 30
    canceller = LinearEchoCanceller(RATE)
    out = canceller.process(as_int16(echo + noise), reference)
    late = slice(out.size // 2, out.size)  # once it has adapted
    assert energy_db(as_int16(echo)[late]) - energy_db(out[late]) > 15.0  # measured about 25 dB
    quiet = as_int16(noise[: 100 * FRAME])  # a second with the coach silent
    out = canceller.process(quiet, np.zeros(quiet.size, np.int16))
    after_its_memory = slice(50 * FRAME, quiet.size)  # the filter still holds 250 ms of what played
    assert abs(energy_db(out[after_its_memory]) - energy_db(quiet[after_its_memory])) < 1.0  # left alone


def test_the_linear_canceller_wants_whole_frames_of_both():
    canceller = LinearEchoCanceller(RATE)
    with pytest.raises(ValueError, match="whole"):
        canceller.process(np.zeros(FRAME + 1, np.int16), np.zeros(FRAME + 1, np.int16))
    with pytest.raises(ValueError, match="same length"):
        canceller.process(np.zeros(FRAME, np.int16), np.zeros(2 * FRAME, np.int16))


def heard(chunk: bytes) -> list[str]:
    recognizer = PocketSphinxRecognizer(load_vocabulary("en").grammar())
    return [h.text for h in recognizer.accept(chunk) + recognizer.finish() if h.text.strip()]


def test_pocketsphinx_decodes_the_bytes_and_its_detectors_judge_the_judge_samples():
    word = espeak("repeat", "en-us+m3")
    quiet = np.zeros(RATE // 2, np.int16)
    speech = np.concatenate([quiet, word, quiet, quiet]).tobytes()
    silence = np.zeros(len(speech) // 2, np.int16).tobytes()
    assert "repeat" in heard(speech)
    nothing_judged = Cleaned(speech)
    nothing_judged.judge = silence  # the detectors hear no one: there is no utterance to decode
    assert heard(nothing_judged) == []
    judged_speech = Cleaned(speech)
    judged_speech.judge = speech
    assert "repeat" in heard(judged_speech)
    assert judged(b"abc") == b"abc" and judged(judged_speech) is judged_speech.judge


def test_the_echo_aware_detector_listens_with_the_webrtc_style_one_to_the_cancellers_output():
    """Steady noise: Silero calls it silence, the WebRTC-style detector (mode 0) speech. Plain
    microphone audio is Silero's to judge, the canceller's output the other one's."""
    noise = as_int16(np.random.default_rng(1).standard_normal(RATE) * 2000).tobytes()
    assert make_vad("silero").feed(noise) > 0.5 and make_vad("webrtc").feed(noise) < 0.1
    detector = make_vad("auto")
    assert isinstance(detector, EchoAwareSilence)
    assert detector.feed(noise, cancelled=False) > 0.5
    assert detector.feed(noise, cancelled=True) < 0.1


@pytest.mark.parametrize("setting, canceller, start", [
    ("auto", "webrtc", "half"),  # ours: the gate lifts it once the canceller has converged
    ("auto", "system", "full"),  # the sound server cancels: every command at once
    ("auto", "off", "half"),  # nothing cancels: only stop, pause and pain over the coach
    ("half", "system", "half"),
    ("full", "off", "full"),  # earbuds, said so
])
def test_barge_in_starts_where_the_settings_and_the_canceller_say(setting, canceller, start):
    assert initial_barge_in(setting, canceller) == start


def test_the_canceller_in_use_follows_the_settings_and_the_sound_server():
    auto = ListenSettings(echo_cancel="auto")
    said: list[str] = []
    assert echo_cancel_mode(auto, said.append, lambda: None) == "webrtc"
    assert echo_cancel_mode(auto, said.append, lambda: None, have_reference=False) == "off"
    assert said == []
    assert echo_cancel_mode(auto, said.append, lambda: "module-echo-cancel") == "system"
    assert said == ["the sound server cancels echo (module-echo-cancel); using it"]
    assert echo_cancel_mode(dataclasses.replace(auto, echo_cancel="off"), said.append, lambda: "x") == "off"
    assert ListenSettings().echo_cancel == "auto" and ListenSettings().barge_in == "auto"


def test_noise_suppression_alone_never_opens_full_barge_in_by_itself():
    """A front end that only suppresses noise knows nothing of the coach's echo: with
    ``barge_in = "auto"`` the gate keeps half-duplex; asked for "full" (earbuds), full."""
    front_end = FrontEnd(ListenSettings(echo_cancel="off", noise_suppression="moderate"))
    modes: list[str] = []
    EchoGate(front_end, "auto", modes.append, modes.append)
    EchoGate(front_end, "full", modes.append, modes.append)
    assert modes == ["half", "full"]


def test_without_libspeexdsp_the_canceller_still_works_and_says_so_once(monkeypatch):
    """An odd platform without libspeexdsp1: one line, and the recognizer decodes AEC3's output."""
    import voicecoach.listen.linear_aec as linear_aec

    def missing():
        raise linear_aec.LinearCancellerUnavailable("libspeexdsp is missing (test); install libspeexdsp1")

    monkeypatch.setattr(linear_aec, "_library", missing)
    said: list[str] = []
    front_end = make_front_end(ListenSettings(echo_cancel="webrtc"), said.append)
    assert said == ["libspeexdsp is missing (test); install libspeexdsp1; words said over the coach are heard less well"]
    mic = as_int16(np.random.default_rng(2).standard_normal(1600) * 100)
    out = front_end.process(mic.tobytes(), mic.tobytes())
    assert type(out) is bytes and len(out) == mic.nbytes  # plain bytes: decoded and judged alike


def test_the_decoded_stream_stays_in_step_through_a_stretch_with_nothing_to_cancel(monkeypatch):
    """Earbuds for a while (nothing to cancel: plain bytes), then an echo (cancelling again): the
    decoded samples handed on are the ones of the same block, and nothing piles up meanwhile."""
    front_end = FrontEnd(ListenSettings(echo_cancel="webrtc"))
    block = np.arange(800, dtype=np.int16)
    monkeypatch.setattr(FrontEnd, "echo_audible", property(lambda self: False))
    for _ in range(300):  # 15 s: a whole window, then nothing to cancel
        out = front_end.process(block.tobytes(), block.tobytes())
    assert type(out) is bytes and not front_end.cancelling
    assert front_end._decode.size < 800  # nothing kept back
    monkeypatch.setattr(FrontEnd, "echo_audible", property(lambda self: True))
    out = front_end.process(np.zeros(800, np.int16).tobytes(), block.tobytes())
    assert isinstance(out, Cleaned) and front_end.cancelling
    assert len(out) == len(judged(out)) == 1600
