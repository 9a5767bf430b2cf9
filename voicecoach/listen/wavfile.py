"""Reading the WAV files users' recorders make, a block at a time: 8/16/24/32-bit PCM and 32/64-bit
float, any number of channels, plain or WAVE_FORMAT_EXTENSIBLE.

:func:`read_format` parses the RIFF header up to the audio; :func:`mono_blocks` then yields the
audio as float32 mono in the int16 scale (-32768..32767), one block at a time, so a long recording
is never in memory at its own rate and width (``voicecoach.listen.wavsource`` resamples each block).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO, Iterator

import numpy as np

PCM, FLOAT, EXTENSIBLE = 0x0001, 0x0003, 0xFFFE
BLOCK_FRAMES = 1 << 16  # frames read at once


class WavFormatError(ValueError):
    """Not a WAV file we can read; the message says why (for "not a WAV file (...)")."""


class UnsupportedWav(ValueError):
    """A real WAV file in an encoding we do not read (ADPCM, mu-law...)."""


@dataclass(frozen=True)
class WavFormat:
    """What the header says about the audio, and where it is."""

    channels: int
    rate: int
    width: int  # bytes per sample
    is_float: bool
    frames: int  # frames in the data chunk (as far as the file has them)


def _chunk(f: BinaryIO) -> tuple[bytes, int]:
    head = f.read(8)
    if len(head) < 8:
        raise WavFormatError("the file ends too early" if head else "no audio data")
    chunk_id, size = struct.unpack("<4sI", head)
    return chunk_id, size


def read_format(f: BinaryIO, file_size: int) -> WavFormat:
    """Parse the header of an open WAV file and leave `f` at the first audio frame."""
    riff = f.read(12)
    if not riff:
        raise WavFormatError("empty file")
    if len(riff) < 12:
        raise WavFormatError("the file ends too early")
    if riff[:4] != b"RIFF" or riff[8:12] != b"WAVE":
        raise WavFormatError("file does not start with RIFF id" if riff[:4] != b"RIFF" else "not a WAVE file")
    fmt = None
    while True:
        chunk_id, size = _chunk(f)
        if chunk_id == b"fmt ":
            body = f.read(size + (size & 1))
            if len(body) < 16:
                raise WavFormatError("the file ends too early")
            tag, channels, rate, _, align, bits = struct.unpack("<HHIIHH", body[:16])
            if tag == EXTENSIBLE and len(body) >= 26:
                tag = struct.unpack("<H", body[24:26])[0]  # the sub-format GUID starts with the tag
            fmt = (tag, channels, rate, align, bits)
        elif chunk_id == b"data":
            if fmt is None:
                raise WavFormatError("audio before its format (no fmt chunk)")
            tag, channels, rate, align, bits = fmt
            if tag not in (PCM, FLOAT):
                raise UnsupportedWav(f"encoding {tag:#06x}")
            width = (bits + 7) // 8
            if channels < 1 or width < 1 or align != channels * width:
                raise WavFormatError(f"broken header ({channels} channels, {bits} bits)")
            if (tag == PCM and width not in (1, 2, 3, 4)) or (tag == FLOAT and width not in (4, 8)):
                raise UnsupportedWav(f"{bits}-bit {'float' if tag == FLOAT else 'PCM'}")
            available = max(0, min(size, file_size - f.tell()))
            return WavFormat(channels, rate, width, tag == FLOAT, available // align)
        else:
            f.seek(size + (size & 1), 1)
            if f.tell() > file_size:
                raise WavFormatError("no data chunk" if fmt else "no fmt chunk")


def _to_int16_scale(raw: bytes, fmt: WavFormat) -> np.ndarray:
    """Interleaved samples as float32 in the int16 scale."""
    if fmt.is_float:
        data = np.frombuffer(raw, "<f4" if fmt.width == 4 else "<f8").astype(np.float32)
        return np.clip(np.nan_to_num(data, nan=0.0), -1.0, 1.0) * 32767.0
    if fmt.width == 1:
        return (np.frombuffer(raw, np.uint8).astype(np.float32) - 128.0) * 256.0
    if fmt.width == 2:
        return np.frombuffer(raw, "<i2").astype(np.float32)
    if fmt.width == 3:
        bytes3 = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        value = bytes3[:, 0] | (bytes3[:, 1] << 8) | (bytes3[:, 2] << 16)
        value = np.where(value >= 1 << 23, value - (1 << 24), value)
        return value.astype(np.float32) / 256.0
    return np.frombuffer(raw, "<i4").astype(np.float32) / 65536.0


def mono_blocks(f: BinaryIO, fmt: WavFormat, block_frames: int = BLOCK_FRAMES) -> Iterator[np.ndarray]:
    """The audio as float32 mono blocks in the int16 scale (channels averaged)."""
    frame_bytes = fmt.channels * fmt.width
    left = fmt.frames
    while left > 0:
        raw = f.read(min(left, block_frames) * frame_bytes)
        raw = raw[:len(raw) - len(raw) % frame_bytes]
        if not raw:
            return
        left -= len(raw) // frame_bytes
        samples = _to_int16_scale(raw, fmt)
        yield samples.reshape(-1, fmt.channels).mean(axis=1) if fmt.channels > 1 else samples
