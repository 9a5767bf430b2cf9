"""The front end's parts: the voice activity detectors, the reference tap, the player's tap, the echo check's pure bits."""

from __future__ import annotations

import os
import subprocess

import numpy as np
import pytest

from speech_audio import espeak
from voicecoach.listen.echo_check import finding, said, system_canceller
from voicecoach.listen.reference import ReferenceTap
from voicecoach.listen.vad import SileroSilence, TrailingSilence, make_vad
from voicecoach.speak.player import Player

from fakes import FakeStream

RATE = 16000


def threads() -> int:
    return len(os.listdir("/proc/self/task"))


@pytest.fixture(scope="module")
def speech_then_silence() -> np.ndarray:
    speech = espeak("Push your hips back and stand tall.")
    return np.concatenate([np.zeros(RATE // 2, np.int16), speech, np.zeros(RATE, np.int16)])


@pytest.mark.parametrize("kind, cls", [("silero", SileroSilence), ("webrtc", TrailingSilence)])
def test_each_detector_hears_speech_and_counts_the_silence_after_it(kind, cls, speech_then_silence):
    vad = make_vad(kind, RATE)
    assert isinstance(vad, cls)
    audio = speech_then_silence
    during = [vad.feed(audio[i:i + 800].tobytes()) for i in range(0, audio.size - RATE, 800)]
    assert min(during[len(during) // 2:]) == 0.0  # speech seen while it is being said
    for i in range(audio.size - RATE, audio.size, 333):  # any chunk length
        silence = vad.feed(audio[i:i + 333].tobytes())
    assert 0.8 <= silence <= 1.05  # the trailing second of silence, counted in frames


def test_silero_runs_on_the_calling_thread_only(speech_then_silence):
    before = threads()
    vad = SileroSilence(RATE)
    vad.feed(speech_then_silence[: RATE].tobytes())
    assert threads() == before  # its ggml build would start 3 OpenMP threads per process


def test_make_vad_refuses_unknown_kinds_and_falls_back_off_16k():
    with pytest.raises(ValueError, match="silero, webrtc"):
        make_vad("energy")
    assert isinstance(make_vad("silero", 8000), TrailingSilence)


# ---- the reference tap ------------------------------------------------------------------------


def tone(seconds: float, rate: int, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def push_stream(tap: ReferenceTap, samples: np.ndarray, rate: int, t0: float, block: int = 256) -> None:
    for i in range(0, samples.size, block):
        tap.push(samples[i:i + block], t0 + i / rate, rate)


def onset(pulled: bytes) -> int:
    x = np.abs(np.frombuffer(pulled, np.int16))
    return int(np.argmax(x > 1000))


def test_the_tap_gives_what_played_at_the_microphones_time():
    tap = ReferenceTap()
    rate = 22050
    played = np.concatenate([np.zeros(rate, np.float32), tone(0.5, rate)])  # a tone from t0 + 1 s
    push_stream(tap, played, rate, t0=100.0)
    pulled = tap.pull(100.9, 3200)  # 0.9 .. 1.1 s: the tone starts 0.1 s in
    assert len(pulled) == 6400
    assert abs(onset(pulled) - 1600) <= 16  # within 1 ms (the resampler's delay is less)
    assert tap.pull(103.0, 800) == bytes(1600)  # after it: silence
    assert tap.reanchors == 0


def test_a_gap_in_the_players_clock_moves_the_write_position():
    tap = ReferenceTap()
    rate = 16000
    push_stream(tap, np.zeros(rate, np.float32), rate, t0=10.0)
    push_stream(tap, tone(0.3, rate), rate, t0=11.5)  # an underrun: the next block starts 0.5 s late
    assert abs(onset(tap.pull(11.4, 3200)) - 1600) <= 16
    assert tap.reanchors == 1


def test_nothing_played_means_no_reference():
    assert ReferenceTap().pull(5.0, 800) is None


class TimeInfo:
    outputBufferDacTime = 7.5


def test_the_player_hands_every_block_to_its_tap_with_the_dac_time():
    streams = []
    player = Player(lambda *note: None, samplerate=8000, blocksize=64,
                    stream_factory=lambda **kw: streams.append(FakeStream(**kw)) or streams[-1])
    seen = []
    player.tap = lambda block, at, rate: seen.append((block.copy(), at, rate))
    player.enqueue(np.full(100, 0.25, np.float32), tag=1)
    for info in (TimeInfo(), None):  # a host API without times: the stream's own clock
        out = np.zeros((64, 1), np.float32)
        streams[0].callback(out, 64, info, None)
    player.close()
    assert [(at, rate) for _, at, rate in seen] == [(7.5, 8000), (42.0, 8000)]
    assert np.array_equal(seen[0][0], np.full(64, 0.25, np.float32))


# ---- the echo check's pure parts -------------------------------------------------------------


def fake_pactl(modules: str, sources: str = ""):
    def run(args, **kwargs):
        return subprocess.CompletedProcess(args, 0, modules if args[-1] == "modules" else sources, "")
    return run


def test_the_system_canceller_is_found_in_the_modules_or_the_sources(monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: "/usr/bin/pactl")
    assert system_canceller(fake_pactl("17\tmodule-echo-cancel\taec_method=webrtc\t\n")) == "module-echo-cancel"
    assert system_canceller(fake_pactl("1\tmodule-null-sink\t\n", "5\techo-cancel-source\tPipeWire\n")) == "echo-cancel source"
    assert system_canceller(fake_pactl("1\tmodule-null-sink\t\n")) is None


def test_the_finding_is_said_in_words():
    lines = said()
    base = {"canceller": "ours", "module": None, "erle_db": 42.4, "echo_db": 30.0, "half_duplex": False}
    assert finding(base, lines) == [lines["ours"].format(db=42)]
    weak = dict(base, erle_db=4.0, half_duplex=True)
    assert finding(weak, lines) == [lines["ours"].format(db=4), lines["half"]]
    assert finding(dict(base, echo_db=2.0), lines) == [lines["inaudible"]]
    assert finding(dict(base, canceller="none", erle_db=None, half_duplex=True), lines) == [lines["none"], lines["half"]]


def test_a_microphone_block_waits_for_its_reference_only_while_the_player_runs():
    tap = ReferenceTap()
    push_stream(tap, tone(1.0, RATE), RATE, t0=10.0)
    assert tap.ready(10.5, 800)  # handed over already
    assert not tap.ready(10.99, 800)  # its end is not played yet: wait for the player's next burst
    tap._last_push -= 1.0  # the player has stopped (closed, device lost): nothing to wait for
    assert tap.ready(10.99, 800)
