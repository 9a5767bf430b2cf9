"""Issue 21, part 2: WAV files as users' recorders make them (24-bit, float, many channels,
WAVE_FORMAT_EXTENSIBLE) are read and converted to 16 kHz mono a block at a time.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from fault_helpers import isolated  # noqa: F401 - a fixture
from input_helpers import run_captured, write_wav_any


# ---- WAV files as recorders make them (items 14 and 20) -----------------------------------------------------




ENCODINGS = [("pcm24", 2, False), ("float32", 1, False), ("float64", 1, False), ("pcm32", 6, True), ("pcm16", 2, True),
             ("pcm8", 1, False), ("float32", 2, True)]


@pytest.mark.parametrize("encoding, channels, extensible", ENCODINGS, ids=[f"{e}x{c}{'-ext' if x else ''}" for e, c, x in ENCODINGS])
def test_wavs_of_any_width_float_or_channels_are_read_as_16k_mono(tmp_path, encoding, channels, extensible):
    from voicecoach.listen.wavsource import read_wav

    t = np.arange(48000) / 48000
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    reference = read_wav(write_wav_any(tmp_path / "ref.wav", tone, 48000, "pcm16"))
    got = read_wav(write_wav_any(tmp_path / "x.wav", tone, 48000, encoding, channels, extensible))
    assert got.dtype == np.int16 and len(got) == len(reference) == 16000
    tolerance = 300 if encoding == "pcm8" else 3  # 8-bit audio is coarse by nature
    assert np.abs(got.astype(int) - reference).max() <= tolerance


def test_a_24_bit_stereo_48k_recording_is_heard(isolated, tmp_path, capsys):
    """The whole way: a command said into a recorder's format is decided by the real recognizer."""
    import json

    import soxr

    from speech_audio import espeak, pad
    from voicecoach.cli import main

    speech, _ = pad(espeak("repeat"))
    at_48k = soxr.resample(speech.astype(np.float32) / 32768, 16000, 48000)
    wav = write_wav_any(tmp_path / "recorder.wav", at_48k, 48000, "pcm24", channels=2)
    assert main(["listen", "--wav", str(wav), "--engine", "pocketsphinx", "--json"]) == 0
    heard = [json.loads(line)["command"] for line in capsys.readouterr().out.splitlines()]
    assert heard == ["repeat"]


def test_an_unsupported_wav_encoding_is_one_line(isolated, capsys):
    import struct

    wav = isolated / "adpcm.wav"
    fmt = struct.pack("<HHIIHH", 0x11, 1, 16000, 8000, 256, 4)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", 4) + b"\0" * 4
    wav.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    code, _, err = run_captured(capsys, "listen", "--wav", str(wav))
    assert code == 2 and err == f"voicecoach: {wav}: cannot read encoding 0x0011 WAV audio (convert with: sox adpcm.wav -b 16 out.wav)\n"


def test_a_long_wav_is_streamed_not_read_whole(tmp_path):
    """A 5-minute 48 kHz stereo recording (61 MB): memory grows by the 16 kHz mono result, not the file."""
    wav = tmp_path / "long.wav"
    second = np.repeat(np.round(8000 * np.sin(2 * np.pi * 440 * np.arange(48000) / 48000)).astype("<i2"), 2).tobytes()
    import wave

    with wave.open(str(wav), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(48000)
        for _ in range(320):
            w.writeframes(second)
    script = ("import resource, sys; from voicecoach.listen.wavsource import read_wav; import soxr; "
              "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; samples = read_wav(sys.argv[1]); "
              "print(len(samples), (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)")
    done = subprocess.run([sys.executable, "-c", script, str(wav)], capture_output=True, text=True, timeout=120)
    samples, growth_mb = map(int, done.stdout.split())
    assert samples == 320 * 16000
    assert growth_mb < 40, f"{growth_mb} MB for a {wav.stat().st_size >> 20} MB file"  # 255 MB before streaming
