"""`voicecoach check`: the level arithmetic and the advice table (pure), then the whole check
through PulseAudio virtual devices with PocketSphinx: a test line goes out of the speaker, "next"
(the piper "joe" voice) is played into the microphone when the check listens, and the JSON report
says it was heard. (Vosk, which gives confidences, rejects espeak-ng's Korean "다음" as unknown
speech, so the Korean model cannot stand in here.)"""

from __future__ import annotations

import json
import math
import queue
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import isolated_env
from speech_audio import utterance_wav
from voicecoach.pi.check import (
    CheckReport, SILENCE_DBFS, advise, chunk_dbfs, lines, noise_floor, read_audio, speech_level,
)

SAID = lines()["check"]
JSON_KEYS = {"output_ok", "input_device", "noise_floor_dbfs", "speech_level_dbfs", "heard", "confidence", "advice",
             "echo_canceller", "erle_db", "echo_to_noise_db", "echo_advice"}


def tone(dbfs: float, n: int = 800) -> bytes:
    """A square wave whose RMS is `dbfs`."""
    amplitude = 32768 * 10 ** (dbfs / 20)
    return (np.where(np.arange(n) % 20 < 10, amplitude, -amplitude)).astype(np.int16).tobytes()


def test_chunk_dbfs():
    assert chunk_dbfs(b"\x00\x00" * 800) == SILENCE_DBFS
    assert chunk_dbfs(b"") == SILENCE_DBFS
    assert chunk_dbfs(tone(-20)) == pytest.approx(-20, abs=0.05)
    assert chunk_dbfs(tone(-6)) == pytest.approx(-6, abs=0.05)


def test_noise_floor_is_the_median_and_speech_level_the_peak():
    levels = [-60.0, -58.0, -20.0, -61.0, -59.0]
    assert noise_floor(levels) == -59.0  # one loud chunk (a door) does not move the floor
    assert speech_level(levels) == -20.0
    assert noise_floor([]) is None and speech_level([]) is None


def test_read_audio_counts_audio_time_and_gives_up_on_a_dead_source():
    chunks = [b"\x01\x00" * 800] * 100  # 100 x 50 ms
    assert len(list(read_audio(chunks, 2.0))) == 40
    dead = iter([b"\x01\x00" * 800] + [b""] * 1000)
    assert len(list(read_audio(dead, 2.0))) == 1


# (report fields, expected advice keys) -- one row per situation the check must explain.
ADVICE_CASES = [
    (dict(input_device=None), ["no_microphone"]),
    (dict(noise_floor_dbfs=-100.0, speech_level_dbfs=-100.0), ["microphone_silent"]),
    (dict(noise_floor_dbfs=-65.0, speech_level_dbfs=-20.0, heard=True, confidence=0.95), ["all_good"]),
    (dict(noise_floor_dbfs=-65.0, speech_level_dbfs=-20.0, heard=True, confidence=None), ["all_good"]),
    (dict(noise_floor_dbfs=-35.0, speech_level_dbfs=-20.0, heard=True, confidence=0.9), ["noisy"]),
    (dict(noise_floor_dbfs=-65.0, speech_level_dbfs=-1.0, heard=True, confidence=0.9), ["clipping"]),
    (dict(noise_floor_dbfs=-65.0, speech_level_dbfs=-60.0), ["not_heard_quiet"]),
    (dict(noise_floor_dbfs=-65.0, speech_level_dbfs=-25.0), ["not_heard"]),
    (dict(noise_floor_dbfs=-65.0, speech_level_dbfs=-25.0, heard=False, confidence=0.4), ["unsure"]),
    (dict(noise_floor_dbfs=-65.0, speech_level_dbfs=-25.0, heard=True, confidence=0.4), ["unsure"]),
    (dict(noise_floor_dbfs=-30.0, speech_level_dbfs=-28.0), ["noisy", "not_heard_quiet"]),
]


@pytest.mark.parametrize("fields, expected", ADVICE_CASES)
def test_advice(fields, expected):
    report = CheckReport(**{"input_device": "mic", **fields})
    assert advise(report, min_confidence=0.6) == [SAID[key] for key in expected]


def test_every_check_line_is_used_by_the_advice_table_or_the_flow():
    used = {key for _, keys in ADVICE_CASES for key in keys} | {"speaker", "quiet", "say_command"}
    assert used == set(SAID)


def test_report_json_is_exactly_the_contract():
    echo = {"canceller": "ours", "module": None, "erle_db": 31.5, "echo_db": 42.0, "half_duplex": False}
    report = CheckReport(True, "mic", -70.0, -20.0, True, 0.9, ["All good."], echo, ["Echo: ours removes 32 dB."])
    assert report.as_json() == {"output_ok": True, "input_device": "mic", "noise_floor_dbfs": -70.0,
                                "speech_level_dbfs": -20.0, "heard": True, "confidence": 0.9, "advice": ["All good."],
                                "echo_canceller": "ours", "erle_db": 31.5, "echo_to_noise_db": 42.0,
                                "echo_advice": ["Echo: ours removes 32 dB."]}
    nothing_played = CheckReport(False, None, advice=["Check the speaker."]).as_json()
    assert [nothing_played[k] for k in ("echo_canceller", "erle_db", "echo_to_noise_db", "echo_advice")] == [None, None, None, []]


@pytest.fixture(scope="session")
def next_wav(tmp_path_factory) -> Path:
    path, _ = utterance_wav(tmp_path_factory.mktemp("pi-check-audio"), "next", voice="joe", lead_s=0.3, tail_s=1.5)
    return path


def test_check_json_through_virtual_devices(virtual_speaker, virtual_microphone, next_wav, tmp_path):
    env = isolated_env(tmp_path, PULSE_SINK=virtual_speaker.sink, PULSE_SOURCE=virtual_microphone.source)
    recording = virtual_speaker.record()
    process = subprocess.Popen([sys.executable, "-m", "voicecoach", "check", "--json", "--language", "en", "--engine", "pocketsphinx"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    stderr_lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [stderr_lines.put(line) for line in process.stderr], daemon=True)
    reader.start()
    seen = []
    try:
        while True:  # the check prints "listening for ..." when its listening window opens
            line = stderr_lines.get(timeout=90)
            seen.append(line)
            if line.startswith("listening for"):
                break
        virtual_microphone.play(next_wav)
        out, _ = process.communicate(timeout=90)
    finally:
        if process.poll() is None:
            process.kill()
    reader.join(timeout=10)
    while not stderr_lines.empty():
        seen.append(stderr_lines.get())
    played = recording.stop()
    report = json.loads(out)
    assert set(report) == JSON_KEYS
    assert report["output_ok"] is True, seen
    assert isinstance(report["input_device"], str) and report["input_device"]
    assert report["noise_floor_dbfs"] <= -90  # the virtual microphone is digital silence until we play
    assert report["speech_level_dbfs"] > report["noise_floor_dbfs"] + 30
    assert report["heard"] is True, seen
    assert report["advice"] == [SAID["all_good"]]
    # The echo measurement it speaks is in the report too: here our canceller, and no echo path
    # between the virtual speaker and microphone (the echo stays at the noise floor).
    assert report["echo_canceller"] == "ours", report
    assert report["echo_to_noise_db"] is not None and report["echo_to_noise_db"] < 10, report
    assert report["echo_advice"] and all(any(line in said for said in seen) for line in report["echo_advice"]), (report, seen)
    assert report["confidence"] is None or 0.6 <= report["confidence"] <= 1.0  # PocketSphinx: none
    assert process.returncode == 0, seen
    # Everything it says is also printed (on stderr): the test line and the verdict.
    assert any(SAID["speaker"] in line for line in seen)
    assert any(SAID["all_good"] in line for line in seen)
    # ... and really went out of the speaker.
    assert math.sqrt(float(np.mean(played**2))) > 0.005
