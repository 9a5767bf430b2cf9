"""A one-bit dither for the listening path: digital silence is not silence to PocketSphinx's VAD.

PocketSphinx's WebRTC-style voice activity detector (behind its ``Endpointer`` and our
``TrailingSilence``) can stay on "speech" through runs of exact zeros that follow speech: a
stream of commands with 1.5 s of digital silence between them was cut into utterances of two or
three commands each, which the decoder then gave up as running speech (measured: 16 of 30 real
"yes" clips heard as one stream, 24 of 30 one file at a time). Exact zeros are what a muted or
suspended microphone, a virtual PulseAudio source and sox-joined recordings deliver. Adding Gaussian noise of
3 LSB RMS (-81 dBFS, far below any microphone's own noise; Kaldi dithers its features the same
way) to what the *detectors* judge makes those stretches plain silence again: 25 of 30 as one
stream. The decoders still get the raw samples: dithered audio shifted PocketSphinx's batch
cepstral mean on clean renders padded with zeros ("my knee hurts" became filler words).
"""

from __future__ import annotations

import numpy as np


RMS_LSB = 3.0  # the dither's RMS in 16-bit steps


class Dither:
    """Adds Gaussian noise of :data:`RMS_LSB` to every 16-bit sample (seeded, so a replayed file
    decodes the same)."""

    def __init__(self, seed: int = 0):
        self._rng = np.random.default_rng(seed)

    def __call__(self, chunk: bytes) -> bytes:
        """The chunk with one bit of noise added (same length)."""
        samples = np.frombuffer(chunk, np.int16)
        if samples.size == 0:
            return chunk
        noisy = samples.astype(np.int32) + np.round(self._rng.standard_normal(samples.size) * RMS_LSB).astype(np.int32)
        return np.clip(noisy, -32768, 32767).astype(np.int16).tobytes()
