"""Earcons: short tones made with numpy (no audio files). Each is a row of notes in a table.

A note is (frequency Hz, start s, length s, level 0..1); every note gets a soft attack and an
exponential decay so nothing clicks. The speech volume scales them all.
"""

from __future__ import annotations

import numpy as np

# name -> notes (frequency_hz, start_s, length_s, level)
EARCONS: dict[str, tuple[tuple[float, float, float, float], ...]] = {
    # "I am listening": two rising notes
    "listening": ((660.0, 0.00, 0.09, 0.35), (990.0, 0.08, 0.14, 0.35)),
    # "got it": one short high tick
    "accepted": ((1760.0, 0.00, 0.045, 0.30),),
    # metronome beat: a low, dry knock
    "beat": ((880.0, 0.00, 0.035, 0.30),),
    # rest is over: a bell (fundamental plus inharmonic partials), long decay
    "rest_over": ((784.0, 0.00, 0.80, 0.30), (1568.0 * 1.01, 0.00, 0.55, 0.12), (2352.0 * 1.02, 0.00, 0.35, 0.06)),
}

ATTACK_S = 0.004


def earcon_names() -> list[str]:
    """All earcon names."""
    return list(EARCONS)


def make_earcon(name: str, samplerate: int, volume: float = 1.0) -> np.ndarray:
    """The earcon as mono float32 samples at `samplerate`, scaled by `volume` (0..1)."""
    if name not in EARCONS:
        raise KeyError(f"unknown earcon {name!r}; known: {', '.join(EARCONS)}")
    notes = EARCONS[name]
    total_s = max(start + length for _, start, length, _ in notes)
    out = np.zeros(int(round(total_s * samplerate)) + 1, dtype=np.float64)
    for freq, start, length, level in notes:
        n = int(round(length * samplerate))
        t = np.arange(n) / samplerate
        envelope = np.minimum(1.0, t / ATTACK_S) * np.exp(-5.0 * t / length)
        begin = int(round(start * samplerate))
        out[begin : begin + n] += level * envelope * np.sin(2.0 * np.pi * freq * t)
    return (np.clip(out, -1.0, 1.0) * max(0.0, min(volume, 1.0))).astype(np.float32)
