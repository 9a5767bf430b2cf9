"""Write tests/data/tune.{ogg,flac,mp3} and groove.ogg, synthesized with numpy (our own work, CC0).

Run with the project's Python from the repository root: ``python tests/data/make_tune.py``.

* ``tune``: a 1.6 s stereo arpeggio (A minor, C major) at 44.1 kHz, so a decode test exercises
  the mix-down to mono and the resampling to the player's rate.
* ``groove``: 8 s of a band at 120 bpm (kick, snare, hi-hat, bass, a seeded pentatonic melody):
  broadband and not periodic within a second, like real music, for the live test. A tune of pure
  tones repeating every beat is a poor test of an echo canceller (it cannot tell one repeat from
  the next), and not what people train to.

The same code writes the same samples (the melody's generator is seeded).
"""

from pathlib import Path

import numpy as np
import soundfile

RATE = 44100
NOTES = [57, 60, 64, 69, 60, 64, 67, 72]  # MIDI: A3 C4 E4 A4, C4 E4 G4 C5
NOTE_S = 0.2


def tune() -> np.ndarray:
    """(samples, 2) float32: each note a decaying sine with one overtone, panned left to right."""
    parts = []
    t = np.arange(int(NOTE_S * RATE)) / RATE
    for i, note in enumerate(NOTES):
        f = 440.0 * 2 ** ((note - 69) / 12)
        tone = (np.sin(2 * np.pi * f * t) + 0.3 * np.sin(4 * np.pi * f * t)) * np.exp(-t * 6) * 0.4
        pan = i / (len(NOTES) - 1)
        parts.append(np.stack([tone * (1 - pan * 0.5), tone * (0.5 + pan * 0.5)], axis=1))
    return np.concatenate(parts).astype(np.float32)


def groove(seconds: float = 8.0, seed: int = 20) -> np.ndarray:
    """(samples, 2) float32: drums, bass and a melody (see the module docstring)."""
    rng = np.random.default_rng(seed)
    total = int(seconds * RATE)
    left, right = np.zeros(total), np.zeros(total)
    eighth = int(0.25 * RATE)

    def put(track: np.ndarray, at: int, sound: np.ndarray) -> None:
        end = min(total, at + sound.size)
        track[at:end] += sound[: end - at]

    def t(length_s: float) -> np.ndarray:
        return np.arange(int(length_s * RATE)) / RATE

    scale = [57, 60, 62, 64, 67, 69, 72, 74]  # A minor pentatonic, two octaves
    bass = [45, 45, 48, 43]
    for step in range(total // eighth):
        at = step * eighth
        hat = rng.standard_normal(int(0.04 * RATE)) * np.exp(-t(0.04) * 120) * 0.15
        put(right, at, hat)
        if step % 4 == 0:  # kick: a falling sine
            k = t(0.15)
            put(left, at, np.sin(2 * np.pi * (120 - 300 * k) * k) * np.exp(-k * 25) * 0.6)
            put(right, at, np.sin(2 * np.pi * (120 - 300 * k) * k) * np.exp(-k * 25) * 0.6)
        if step % 4 == 2:  # snare: a noise burst and a tone
            s_ = t(0.12)
            snare = (rng.standard_normal(s_.size) * 0.3 + np.sin(2 * np.pi * 190 * s_) * 0.2) * np.exp(-s_ * 30)
            put(left, at, snare)
            put(right, at, snare)
        if step % 2 == 0:  # bass, every beat
            f = 440.0 * 2 ** ((bass[(step // 8) % len(bass)] - 69) / 12)
            b = t(0.45)
            put(left, at, (np.sin(2 * np.pi * f * b) + 0.5 * np.sin(4 * np.pi * f * b)) * np.exp(-b * 4) * 0.35)
        note = scale[int(rng.integers(0, len(scale)))]
        f = 440.0 * 2 ** ((note - 69) / 12)
        m = t(0.24)
        saw = sum(np.sin(2 * np.pi * f * h * m) / h for h in range(1, 8))  # a bright, many-harmonic lead
        put(right, at, saw * np.exp(-m * 8) * 0.2)
        put(left, at, saw * np.exp(-m * 8) * 0.1)
    out = np.stack([left, right], axis=1)
    return (out / np.max(np.abs(out)) * 0.8).astype(np.float32)


if __name__ == "__main__":
    here = Path(__file__).parent
    samples = tune()
    soundfile.write(here / "tune.ogg", samples, RATE, format="OGG", subtype="VORBIS")
    soundfile.write(here / "tune.flac", samples, RATE, format="FLAC", subtype="PCM_16")
    soundfile.write(here / "tune.mp3", samples, RATE, format="MP3", subtype="MPEG_LAYER_III")
    soundfile.write(here / "groove.ogg", groove(), RATE, format="OGG", subtype="VORBIS")
