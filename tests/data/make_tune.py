"""Write tests/data/tune.{ogg,flac,mp3}: a short tune synthesized with numpy (our own work, CC0).

Run with the project's Python from the repository root: ``python tests/data/make_tune.py``.
A stereo arpeggio (A minor, C major) at 44.1 kHz, so a decode test exercises the mix-down to
mono and the resampling to the player's rate. The same seedless code writes the same samples.
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


if __name__ == "__main__":
    here = Path(__file__).parent
    samples = tune()
    soundfile.write(here / "tune.ogg", samples, RATE, format="OGG", subtype="VORBIS")
    soundfile.write(here / "tune.flac", samples, RATE, format="FLAC", subtype="PCM_16")
    soundfile.write(here / "tune.mp3", samples, RATE, format="MP3", subtype="MPEG_LAYER_III")
