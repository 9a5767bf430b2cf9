"""Shared pieces of the issue 21 input fault tests (tests/test_faults_inputs*.py, test_faults_rows.py,
test_faults_exits.py): a time- and memory-capped CLI in a subprocess, the same CLI in this process,
and the inputs they are fed (drill text, WAV files of any encoding).

Endless and blocking inputs run in a subprocess with a time and memory limit, so a regression is a
failure, not a hung or swapping test run. Only ``/dev/zero`` and ``/dev/null`` of the real /dev
are used, and only as inputs.
"""

from __future__ import annotations

import resource
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from cli_helpers import isolated_env

DEADLINE_S = 30  # every refusal here takes well under a second of work; a hang is a failure
MEMORY_CAP = 1 << 30  # 1 GiB of address space: reading /dev/zero into memory dies, not the machine
PROPERTIES = settings(max_examples=12, derandomize=True, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture])


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def voicecoach(home: Path, *args: str, stdin=subprocess.DEVNULL, **env: str) -> subprocess.CompletedProcess:
    """`voicecoach ARGS` in a subprocess with `stdin` (a file, a pipe, or None for a closed one)."""
    if stdin is None:  # `<&-`: the child starts with file descriptor 0 closed
        command = [sys.executable, "-c", "import os, sys, runpy; os.close(0); sys.stdin = None; "
                   "sys.argv = ['voicecoach', *sys.argv[1:]]; runpy.run_module('voicecoach', run_name='__main__')", *args]
        stdin = subprocess.DEVNULL
    else:
        command = [sys.executable, "-m", "voicecoach", *args]
    try:
        return subprocess.run(command, stdin=stdin, capture_output=True, text=True, timeout=DEADLINE_S,
                              env=isolated_env(home, **env), preexec_fn=_cap_memory)
    except subprocess.TimeoutExpired:
        pytest.fail(f"voicecoach {' '.join(args)} still ran after {DEADLINE_S} s (a hang)")


def one_line(result: subprocess.CompletedProcess, code: int = 2) -> str:
    """The one line of stderr of a refused command (exit `code`, no traceback); returns it."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == code, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("voicecoach: "), result.stderr
    return lines[0]


def run_captured(capsys, *argv: str) -> tuple[int, str, str]:
    """`voicecoach ARGV` in this process: (exit code, stdout, stderr)."""
    from voicecoach.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def files_in(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


def wall_hinge_with(**values: str) -> str:
    """The built-in wall hinge's TOML with some `key = value` lines replaced."""
    from voicecoach.program.load import builtin_files

    text = next(f for f in builtin_files() if f.name == "wall_hinge.toml").read_text("utf-8")
    lines = text.splitlines()
    for key, value in values.items():
        index = next(i for i, line in enumerate(lines) if line.split("=")[0].strip() == key)
        lines[index] = f"{key} = {value}"
    return "\n".join(lines) + "\n"


def silent_wav(path: Path, seconds: float = 0.5, rate: int = 16000) -> Path:
    """A 16-bit mono WAV of silence."""
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\0\0" * int(seconds * rate))
    return path


def write_wav_any(path: Path, samples: np.ndarray, rate: int, encoding: str, channels: int = 1,
                  extensible: bool = False) -> Path:
    """`samples` (float, -1..1, mono) as a WAV file: "pcm8", "pcm16", "pcm24", "pcm32", "float32" or "float64"."""
    data = np.repeat(samples[:, None], channels, axis=1).reshape(-1)
    if encoding == "pcm8":
        raw, bits, tag = (np.round(data * 127) + 128).astype(np.uint8).tobytes(), 8, 1
    elif encoding == "pcm16":
        raw, bits, tag = np.round(data * 32767).astype("<i2").tobytes(), 16, 1
    elif encoding == "pcm24":
        ints = np.round(data * 8388607).astype("<i4")
        raw, bits, tag = ints.view(np.uint8).reshape(-1, 4)[:, :3].tobytes(), 24, 1
    elif encoding == "pcm32":
        raw, bits, tag = np.round(data * 2147483647).astype("<i4").tobytes(), 32, 1
    else:
        bits = int(encoding[5:])
        raw, tag = data.astype("<f4" if bits == 32 else "<f8").tobytes(), 3
    align = channels * bits // 8
    fmt = struct.pack("<HHIIHH", 0xFFFE if extensible else tag, channels, rate, rate * align, align, bits)
    if extensible:  # cbSize, valid bits, channel mask, then the sub-format GUID (its first two bytes: the tag)
        fmt += struct.pack("<HHI", 22, bits, 0) + struct.pack("<H", tag) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"LIST" + struct.pack("<I", 4) + b"INFO" + \
        b"data" + struct.pack("<I", len(raw)) + raw
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path
