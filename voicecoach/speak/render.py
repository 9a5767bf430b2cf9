"""Text to WAV: one worker thread owns the TTS engine for the life of the process; a file cache.

pyttsx3 2.99 on Linux has three traps (see docs/voice.md), each guarded here:

1. ``say()`` after ``save_to_file()`` re-writes the last saved file: we never call the engine's
   ``say()``; after each render the driver's remembered file name is cleared; and every render goes
   to a fresh temporary name that is checked, then renamed into the cache.
2. The espeak driver prints "Audio saved to ..." on stdout: the driver module's ``print`` is
   replaced by a debug log, so our stdout (JSON, text mode) stays clean.
3. ``runAndWait`` driven from several threads hangs: exactly one thread (:class:`RenderWorker`)
   ever touches the engine; other threads hand it jobs through a queue and wait on a Future.

Every rendered file is verified (exists, not silent, duration plausible for the text) before it is
cached. If pyttsx3 fails that check, the line is rendered once more with the ``espeak-ng`` command
line program (same voice, rate and volume).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import queue
import shutil
import subprocess
import threading
import time
import uuid
from concurrent.futures import Future
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from voicecoach.errors import UserError
from voicecoach.speak.wav import SILENCE_LEVEL, read_wav, wav_duration

log = logging.getLogger(__name__)

START_TIMEOUT_S = 20.0  # engine start-up (piper loads a model)
RENDER_TIMEOUT_S = 30.0  # one line; a hung engine must not hang the coach


class RenderError(Exception):
    """A line could not be turned into a usable WAV file."""


@dataclass(frozen=True)
class VoiceSpec:
    """What the voice sounds like; every field is part of the cache key."""

    engine: str = "pyttsx3"  # "pyttsx3" | "espeak-ng" | "piper"
    voice: str = ""  # voice id or name substring; "" = engine default
    rate: int = 160  # words per minute
    volume: float = 1.0  # 0.0 .. 1.0
    piper_model: str = ""  # .onnx path (engine = "piper")

    @classmethod
    def from_settings(cls, voice_settings) -> "VoiceSpec":
        """Build from :class:`voicecoach.settings.VoiceSettings`."""
        engine = voice_settings.engine if voice_settings.engine in ("pyttsx3", "piper") else "pyttsx3"
        return cls(engine, voice_settings.voice, voice_settings.rate, voice_settings.volume, voice_settings.piper_model)


@dataclass(frozen=True)
class Rendered:
    """One line as a WAV file in the cache."""

    text: str
    path: Path
    cached: bool  # True: no rendering was needed
    render_ms: float  # time spent rendering (0 on a cache hit)
    duration_s: float


class Backend(Protocol):
    """A TTS engine that writes one line to a WAV file. Used only from the worker thread."""

    def save(self, text: str, path: Path) -> None: ...


def expected_duration_s(text: str, rate_wpm: int) -> float:
    """Rough spoken length of a line at a words-per-minute rate."""
    words = max(1, len(text.split()))
    return words * 60.0 / max(rate_wpm, 1)


def verify_render(path: Path, text: str, rate_wpm: int) -> float:
    """Check a rendered file: exists, not silent, duration plausible for the text. Returns seconds."""
    if not path.exists() or path.stat().st_size <= 44:
        raise RenderError(f"no audio written for {text!r}")
    samples, rate = read_wav(path)
    duration = samples.size / rate
    if samples.size == 0 or float(np.max(np.abs(samples))) < SILENCE_LEVEL:
        raise RenderError(f"silent audio for {text!r}")
    expected = expected_duration_s(text, rate_wpm)
    if not 0.2 * expected <= duration <= 3.0 * expected + 2.0:
        raise RenderError(f"implausible duration {duration:.2f} s for {text!r} (expected about {expected:.2f} s)")
    return duration


# ---- engines ------------------------------------------------------------------------------------


def _espeak_version() -> str:
    try:
        from pyttsx3.drivers import _espeak

        return _espeak.Info().decode()
    except Exception:  # pragma: no cover - version is only part of a cache key
        return "?"


def engine_id(spec: VoiceSpec) -> str:
    """Engine name and version, part of the cache key (a new engine version re-renders)."""
    if spec.engine == "piper":
        model = Path(spec.piper_model).expanduser()
        stamp = f"{model.stat().st_size}-{int(model.stat().st_mtime)}" if model.exists() else "missing"
        return f"piper-{metadata.version('piper-tts')}-{model.name}-{stamp}"
    return f"pyttsx3-{metadata.version('pyttsx3')}-espeak-ng-{_espeak_version()}"


def _quiet_print(*args, **kwargs) -> None:
    """Stand-in for ``print`` inside pyttsx3's espeak driver (trap 2)."""
    log.debug("pyttsx3: %s", " ".join(str(a) for a in args))


class Pyttsx3Backend:
    """pyttsx3 (espeak-ng on Linux) rendering to files. Create and use it in ONE thread only."""

    def __init__(self, spec: VoiceSpec):
        import pyttsx3
        from pyttsx3.drivers import espeak as espeak_driver

        espeak_driver.print = _quiet_print  # trap 2: the driver prints "Audio saved to ..."
        self.engine = pyttsx3.init()
        if spec.voice:
            self.engine.setProperty("voice", find_voice(self.engine, spec.voice))
        self.engine.setProperty("rate", spec.rate)
        self.engine.setProperty("volume", spec.volume)
        self.engine.runAndWait()  # apply the queued property changes now

    def save(self, text: str, path: Path) -> None:
        self.engine.save_to_file(text, str(path))
        self.engine.runAndWait()
        driver = getattr(getattr(self.engine, "proxy", None), "_driver", None)
        if driver is not None and hasattr(driver, "_save_file"):
            driver._save_file = None  # trap 1: a later say() would overwrite this file


def find_voice(engine, wanted: str) -> str:
    """The id of the pyttsx3 voice whose id equals, or id/name contains, `wanted`."""
    voices = engine.getProperty("voices")
    lowered = wanted.lower()
    for voice in voices:
        if voice.id.lower() == lowered:
            return voice.id
    for voice in voices:
        if lowered in voice.id.lower() or lowered in (voice.name or "").lower():
            return voice.id
    raise UserError(f"no voice matches {wanted!r}; list them with: espeak-ng --voices")


class EspeakCliBackend:
    """The ``espeak-ng`` program, as a fallback when pyttsx3 renders bad files."""

    def __init__(self, spec: VoiceSpec):
        self.program = shutil.which("espeak-ng")
        if self.program is None:
            raise UserError("espeak-ng is not installed (apt-get install espeak-ng)")
        self.spec = spec

    def save(self, text: str, path: Path) -> None:
        args = [self.program, "-s", str(self.spec.rate), "-a", str(round(self.spec.volume * 100)), "-w", str(path)]
        if self.spec.voice:
            args += ["-v", self.spec.voice.split("/")[-1]]
        subprocess.run(args + ["--", text], check=True, capture_output=True, timeout=RENDER_TIMEOUT_S)


def make_backend(spec: VoiceSpec) -> Backend:
    """The backend for a voice spec (called inside the worker thread)."""
    if spec.engine == "piper":
        from voicecoach.speak.piper_voice import PiperBackend

        return PiperBackend(spec)
    if spec.engine == "espeak-ng":
        return EspeakCliBackend(spec)
    return Pyttsx3Backend(spec)


# ---- cache --------------------------------------------------------------------------------------


class SpeechCache:
    """WAV files named by a hash of (text, voice, rate, volume, engine version)."""

    def __init__(self, directory: Path, spec: VoiceSpec):
        self.directory = Path(directory)
        self.spec = spec
        self.engine_id = engine_id(spec)

    def key(self, text: str) -> str:
        """The cache key of one line with this voice."""
        fields = [text, self.spec.engine, self.spec.voice, self.spec.rate, round(self.spec.volume, 3), self.engine_id]
        return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()[:32]

    def path(self, text: str) -> Path:
        """Where the line's WAV file lives (it may not exist yet)."""
        return self.directory / f"{self.key(text)}.wav"

    def lookup(self, text: str) -> Path | None:
        """The cached file, or None."""
        path = self.path(text)
        return path if path.exists() and path.stat().st_size > 44 else None

    def temp_path(self, text: str) -> Path:
        """A fresh, unique file name to render into before the checked rename."""
        return self.directory / f".{self.key(text)}.{uuid.uuid4().hex[:8]}.tmp.wav"

    def size_bytes(self) -> int:
        """Total size of the cached WAV files."""
        return sum(p.stat().st_size for p in self.directory.glob("*.wav"))


# ---- the worker ---------------------------------------------------------------------------------


class RenderWorker:
    """The one thread that owns the TTS engine. ``render(text)`` is safe from any thread."""

    def __init__(self, spec: VoiceSpec, cache_dir: Path, backend_factory: Callable[[VoiceSpec], Backend] = make_backend):
        self.spec = spec
        self.cache = SpeechCache(cache_dir, spec)
        try:
            self.cache.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise UserError(f"cannot create the speech cache {cache_dir} ({error.strerror})") from None
        self._backend_factory = backend_factory
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._started: Future = Future()
        self.fallback_used = False
        self._thread = threading.Thread(target=self._run, name="voicecoach-tts", daemon=True)
        self._thread.start()
        self._started.result(timeout=START_TIMEOUT_S)  # re-raises an engine start-up error here

    def submit(self, text: str) -> Future:
        """Start rendering a line; the Future resolves to :class:`Rendered`. A cache hit is done at once."""
        future: Future = Future()
        path = self.cache.lookup(text)
        if path is not None:
            future.set_result(self._rendered(text, path, cached=True, render_ms=0.0))
            return future
        self._jobs.put((text, future))
        return future

    def render(self, text: str, timeout: float = RENDER_TIMEOUT_S) -> Rendered:
        """Render a line (or find it in the cache) and wait for the file."""
        return self.submit(text).result(timeout=timeout)

    def close(self) -> None:
        """Stop the worker thread (after the jobs already queued)."""
        self._jobs.put(None)
        self._thread.join(timeout=RENDER_TIMEOUT_S)

    def _rendered(self, text: str, path: Path, cached: bool, render_ms: float) -> Rendered:
        return Rendered(text, path, cached, render_ms, wav_duration(path))

    def _run(self) -> None:
        try:
            backend = self._backend_factory(self.spec)
        except BaseException as error:
            self._started.set_exception(error)
            return
        self._started.set_result(True)
        fallback: Backend | None = None
        while (job := self._jobs.get()) is not None:
            text, future = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(self._render_one(backend, text))
            except RenderError as error:
                if self.spec.engine != "pyttsx3":
                    future.set_exception(error)
                    continue
                log.warning("pyttsx3 rendered a bad file (%s); using the espeak-ng program", error)
                try:
                    fallback = fallback or EspeakCliBackend(self.spec)
                    self.fallback_used = True
                    future.set_result(self._render_one(fallback, text))
                except Exception as second:  # noqa: BLE001 - reported to the waiting caller
                    future.set_exception(RenderError(str(second)))
            except Exception as error:  # noqa: BLE001 - reported to the waiting caller
                future.set_exception(RenderError(f"could not render {text!r}: {error}"))

    def _render_one(self, backend: Backend, text: str) -> Rendered:
        cached = self.cache.lookup(text)  # rendered meanwhile by an earlier job
        if cached is not None:
            return self._rendered(text, cached, cached=True, render_ms=0.0)
        temp = self.cache.temp_path(text)
        started = time.perf_counter()
        try:
            backend.save(text, temp)
            render_ms = (time.perf_counter() - started) * 1000.0
            verify_render(temp, text, self.spec.rate)
            final = self.cache.path(text)
            os.replace(temp, final)
        finally:
            temp.unlink(missing_ok=True)
        return self._rendered(text, final, cached=False, render_ms=render_ms)
