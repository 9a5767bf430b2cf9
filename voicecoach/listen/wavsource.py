"""The listening loop's audio from a WAV file: the same chunks a microphone would give.

A file is read whole, mixed down to mono, resampled to the recognizer's rate with soxr, and
cut into real-time-sized chunks. Feeding them as fast as the CPU allows replays the file in
*audio* time: every result is stamped with the audio seconds fed so far, so decisions are the
same on every run and on every machine.
"""

from __future__ import annotations

import wave
from pathlib import Path
from typing import Iterator

import numpy as np

from voicecoach.errors import UserError

MODEL_RATE = 16000  # Hz, what both recognizers expect
CHUNK_S = 0.05  # seconds per chunk, like a microphone block


def resample(samples: np.ndarray, from_rate: int, to_rate: int = MODEL_RATE) -> np.ndarray:
    """int16 mono at `from_rate` -> int16 mono at `to_rate` (soxr, high quality)."""
    if from_rate == to_rate:
        return samples.astype(np.int16, copy=False)
    import soxr

    out = soxr.resample(samples.astype(np.float32), from_rate, to_rate)
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


def read_wav(path: str | Path, rate: int = MODEL_RATE) -> np.ndarray:
    """A 16-bit PCM WAV file as int16 mono samples at `rate`; a bad file is a UserError (exit 2)."""
    path = Path(path)
    try:
        with wave.open(str(path), "rb") as w:
            if w.getsampwidth() != 2 or w.getcomptype() != "NONE":
                raise UserError(f"{path}: need 16-bit PCM WAV audio (convert with: sox {path.name} -b 16 out.wav)", exit_code=2)
            channels, file_rate = w.getnchannels(), w.getframerate()
            if channels < 1 or not 1000 <= file_rate <= 384000:
                raise UserError(f"{path}: broken WAV header ({channels} channels, sample rate {file_rate} Hz); "
                                f"re-save it, e.g. sox {path.name} -r 16000 -b 16 out.wav", exit_code=2)
            frames = w.readframes(w.getnframes())
    except FileNotFoundError:
        raise UserError(f"{path}: no such file", exit_code=2) from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a folder; give a WAV file", exit_code=2) from None
    except PermissionError:
        raise UserError(f"{path}: cannot be read (no permission)", exit_code=2) from None
    except OSError as error:
        raise UserError(f"{path}: cannot be read ({error.strerror or error})", exit_code=2) from None
    except (wave.Error, EOFError) as error:
        detail = str(error) or ("empty file" if path.stat().st_size == 0 else "the file ends too early")
        raise UserError(f"{path}: not a WAV file ({detail})", exit_code=2) from None
    samples = np.frombuffer(frames[:len(frames) - len(frames) % (2 * channels)], np.int16)
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return resample(samples, file_rate, rate)


def chunks(samples: np.ndarray, rate: int = MODEL_RATE, chunk_s: float = CHUNK_S) -> Iterator[bytes]:
    """Cut int16 samples into real-time-sized byte chunks (the last may be shorter)."""
    step = max(1, int(rate * chunk_s))
    data = samples.astype(np.int16, copy=False)
    for start in range(0, len(data), step):
        yield data[start:start + step].tobytes()


class WavSource:
    """An audio source over a WAV file: iterate it for 16 kHz mono int16 chunks."""

    def __init__(self, path: str | Path, rate: int = MODEL_RATE, chunk_s: float = CHUNK_S):
        self.path = Path(path)
        self.rate = rate
        self.chunk_s = chunk_s
        self.samples = read_wav(path, rate)

    @property
    def duration(self) -> float:
        """Length in audio seconds."""
        return len(self.samples) / self.rate

    def __iter__(self) -> Iterator[bytes]:
        return chunks(self.samples, self.rate, self.chunk_s)

    def close(self) -> None:
        """Nothing to release (same interface as the microphone)."""
