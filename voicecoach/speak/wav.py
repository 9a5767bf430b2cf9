"""Small WAV helpers: read mono float32 audio, write int16 WAVs, trim silence, resample."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

SILENCE_LEVEL = 0.01  # |sample| below this (full scale = 1.0) counts as silence


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Samples as mono float32 in [-1, 1] and the sample rate of a 16-bit PCM WAV file."""
    with wave.open(str(path), "rb") as wav:
        rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
        frames = wav.readframes(wav.getnframes())
    if width != 2:
        raise ValueError(f"{path}: expected 16-bit PCM, got {8 * width}-bit")
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return samples, rate


def write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    """Write mono float32 samples as a 16-bit PCM WAV file."""
    data = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(data.tobytes())


def wav_duration(path: Path) -> float:
    """Length of a WAV file in seconds (0.0 for an empty file)."""
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / float(wav.getframerate())


def trim_silence(samples: np.ndarray, rate: int, keep_head_s: float = 0.005, keep_tail_s: float = 0.08) -> np.ndarray:
    """Cut leading and trailing silence, keeping a short margin (espeak ends lines with ~0.35 s of it)."""
    loud = np.flatnonzero(np.abs(samples) > SILENCE_LEVEL)
    if loud.size == 0:
        return samples[:0]
    start = max(0, int(loud[0]) - int(keep_head_s * rate))
    end = min(samples.size, int(loud[-1]) + 1 + int(keep_tail_s * rate))
    return samples[start:end]


def resample(samples: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Resample mono float32 audio with soxr (no-op when the rates match)."""
    if rate_in == rate_out or samples.size == 0:
        return samples.astype(np.float32, copy=False)
    import soxr

    return soxr.resample(samples, rate_in, rate_out).astype(np.float32, copy=False)
