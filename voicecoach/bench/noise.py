"""Noise for the benchmark corpus, seeded: white, pink, babble, music-like, breathing; SNR mixing.

Every generator takes a :class:`numpy.random.Generator`, so the same seed gives the same samples.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from voicecoach.bench.synth import RATE

NOISE_KINDS = ("white", "pink", "babble", "music")


def rms(samples: np.ndarray) -> float:
    """Root mean square level (0 for empty audio)."""
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if samples.size else 0.0


def white(rng: np.random.Generator, n: int) -> np.ndarray:
    """Gaussian white noise, unit RMS."""
    return rng.standard_normal(n).astype(np.float32)


def pink(rng: np.random.Generator, n: int) -> np.ndarray:
    """1/f noise (white noise shaped in the frequency domain), unit RMS."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.arange(spectrum.size, dtype=np.float64)
    freqs[0] = 1.0
    shaped = np.fft.irfft(spectrum / np.sqrt(freqs), n)
    return (shaped / (rms(shaped) or 1.0)).astype(np.float32)


def music(rng: np.random.Generator, n: int) -> np.ndarray:
    """A music-like signal: chords of harmonic tones changing every beat, plus a kick drum. Unit RMS."""
    beat = int(rng.uniform(0.35, 0.6) * RATE)
    out = np.zeros(n, dtype=np.float64)
    t = np.arange(beat) / RATE
    envelope = np.exp(-t * 3.0)
    kick = np.sin(2 * np.pi * 55 * t) * np.exp(-t * 25.0)
    for start in range(0, n, beat):
        root = 110.0 * 2 ** (rng.integers(0, 12) / 12.0)
        chord = np.zeros(beat)
        for ratio in (1.0, 1.26, 1.5, 2.0):
            for harmonic in (1, 2, 3):
                chord += np.sin(2 * np.pi * root * ratio * harmonic * t + rng.uniform(0, 2 * np.pi)) / harmonic
        piece = chord * envelope + 2.0 * kick
        end = min(n, start + beat)
        out[start:end] += piece[: end - start]
    return (out / (rms(out) or 1.0)).astype(np.float32)


def breathing(rng: np.random.Generator, n: int) -> np.ndarray:
    """Breathing-like noise: band-limited noise bursts, in and out, with pauses. Peak about 0.3."""
    out = np.zeros(n, dtype=np.float32)
    position = int(rng.uniform(0.1, 0.5) * RATE)
    while position < n:
        length = int(rng.uniform(0.6, 1.6) * RATE)
        burst = pink(rng, length) - 0.9 * np.roll(pink(rng, length), 1)  # tilt up: breathy hiss
        envelope = np.sin(np.linspace(0, np.pi, length)) ** 2
        burst = burst * envelope * rng.uniform(0.05, 0.12)
        end = min(n, position + length)
        out[position:end] += burst[: end - position]
        position = end + int(rng.uniform(0.3, 1.2) * RATE)
    return out


def babble_bed(sentences: list[np.ndarray], rng: np.random.Generator, seconds: float = 60.0, talkers: int = 5) -> np.ndarray:
    """Overlapping non-command speech: `talkers` streams of sentences summed. Unit RMS."""
    n = int(seconds * RATE)
    out = np.zeros(n, dtype=np.float64)
    for _ in range(talkers):
        position = int(rng.uniform(0, 2.0) * RATE)
        while position < n:
            sentence = sentences[int(rng.integers(0, len(sentences)))]
            end = min(n, position + sentence.size)
            out[position:end] += sentence[: end - position] * rng.uniform(0.6, 1.0)
            position = end + int(rng.uniform(0.1, 0.6) * RATE)
    return (out / (rms(out) or 1.0)).astype(np.float32)


def noise_of(kind: str, rng: np.random.Generator, n: int, babble: np.ndarray | None = None) -> np.ndarray:
    """`n` samples of one noise kind at unit RMS (babble: a random cut of the babble bed)."""
    makers: dict[str, Callable[[np.random.Generator, int], np.ndarray]] = {"white": white, "pink": pink, "music": music}
    if kind == "babble":
        if babble is None or babble.size == 0:
            raise ValueError("babble noise needs a babble bed")
        repeats = -(-n // babble.size) + 1
        looped = np.tile(babble, repeats)
        start = int(rng.integers(0, babble.size))
        return looped[start : start + n].copy()
    return makers[kind](rng, n)


def mix_at_snr(signal: np.ndarray, speech: slice, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """Add noise so that speech power (over the `speech` part of `signal`) / noise power = `snr_db`."""
    speech_rms = rms(signal[speech])
    gain = speech_rms / (rms(noise) or 1.0) / (10 ** (snr_db / 20.0))
    return (signal + gain * noise[: signal.size]).astype(np.float32)


def normalize_peak(samples: np.ndarray, peak: float = 0.9) -> np.ndarray:
    """Scale so the loudest sample is `peak` (only down, never up: quiet items stay quiet)."""
    top = float(np.max(np.abs(samples))) if samples.size else 0.0
    return samples * (peak / top) if top > peak else samples
