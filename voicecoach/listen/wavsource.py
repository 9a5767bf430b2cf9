"""The listening loop's audio from a WAV file: the same chunks a microphone would give.

A file is read a block at a time, mixed down to mono, resampled to the recognizer's rate with
soxr, and cut into real-time-sized chunks. Feeding them as fast as the CPU allows replays the file in
*audio* time: every result is stamped with the audio seconds fed so far, so decisions are the
same on every run and on every machine.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import numpy as np

from voicecoach.errors import UserError
from voicecoach.infile import open_user_file
from voicecoach.listen.wavfile import UnsupportedWav, WavFormatError, mono_blocks, read_format

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
    """A WAV file (8/16/24/32-bit PCM or float, any channels) as int16 mono samples at `rate`.

    Read and resampled a block at a time (:mod:`.wavfile`), so memory follows the 16 kHz mono
    result, not the file. Only a regular file is read (a FIFO is refused, not waited on); a bad
    file is a UserError (exit 2)."""
    path = Path(path)
    try:
        with open_user_file(path, "WAV file") as f:
            try:
                fmt = read_format(f, os.fstat(f.fileno()).st_size)
            except UnsupportedWav as error:
                raise UserError(f"{path}: cannot read {error} WAV audio (convert with: sox {path.name} -b 16 out.wav)",
                                exit_code=2) from None
            if not 1000 <= fmt.rate <= 384000:
                raise UserError(f"{path}: broken WAV header ({fmt.channels} channels, sample rate {fmt.rate} Hz); "
                                f"re-save it, e.g. sox {path.name} -r 16000 -b 16 out.wav", exit_code=2)
            return _resampled(mono_blocks(f, fmt), fmt.rate, rate)
    except FileNotFoundError:
        raise UserError(f"{path}: no such file", exit_code=2) from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a folder; give a WAV file", exit_code=2) from None
    except PermissionError:
        raise UserError(f"{path}: cannot be read (no permission)", exit_code=2) from None
    except OSError as error:
        raise UserError(f"{path}: cannot be read ({error.strerror or error})", exit_code=2) from None
    except WavFormatError as error:
        raise UserError(f"{path}: not a WAV file ({error})", exit_code=2) from None


def _resampled(blocks: Iterator[np.ndarray], from_rate: int, to_rate: int) -> np.ndarray:
    """Float blocks in the int16 scale -> one int16 array at `to_rate` (soxr, streaming, HQ)."""
    stream = None
    if from_rate != to_rate:
        import soxr

        stream = soxr.ResampleStream(from_rate, to_rate, 1, dtype="float32")
    def int16(block: np.ndarray) -> np.ndarray:
        return np.clip(np.round(block), -32768, 32767).astype(np.int16)

    out = [int16(stream.resample_chunk(block, last=False) if stream else block) for block in blocks]
    if stream:
        out.append(int16(stream.resample_chunk(np.zeros(0, np.float32), last=True)))
    return np.concatenate(out) if out else np.zeros(0, np.int16)


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
