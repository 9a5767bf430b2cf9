"""Text to WAV: one worker thread owns the TTS engine for the life of the process; a file cache.

pyttsx3 2.99 on Linux has these traps (see docs/voice.md), each guarded here:

1. ``say()`` after ``save_to_file()`` re-writes the last saved file: we never call the engine's
   ``say()``; after each render the driver's remembered file name is cleared; and every render goes
   to a fresh temporary name that is checked, then renamed into the cache.
2. The espeak driver prints "Audio saved to ..." on stdout: the driver module's ``print`` is
   replaced by a debug log, so our stdout (JSON, text mode) stays clean.
3. ``runAndWait`` driven from several threads hangs: exactly one thread (:class:`EngineThread`)
   ever touches the engine, for the life of the process; other threads hand it jobs through a
   queue and wait on a Future.
4. (found here) espeak-ng applies a rate or volume set after the first line late or not at all:
   each line carries espeak's embedded speed/amplitude commands, which always take effect.

Every rendered file is verified (exists, not silent, duration plausible for the text) before it is
cached. If pyttsx3 fails that check, the line is rendered once more with the ``espeak-ng`` command
line program (same voice, rate and volume).
"""

from __future__ import annotations

import errno
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

from voicecoach.coach.lines import speech_seconds  # the one estimate of a line's spoken length
from voicecoach.errors import UserError, notice
from voicecoach.settings import expand_path
from voicecoach.speak.cachedisk import CACHE_FILE_MODE, cache_unwritable, make_private_dir, room_for, scratch_dir
from voicecoach.speak.wav import SILENCE_LEVEL, read_wav, wav_duration

log = logging.getLogger(__name__)

START_TIMEOUT_S = 20.0  # engine start-up (piper loads a model)
SPELLED_CHAR_S = 0.1  # seconds per character, at most, of text spoken letter by letter
RENDER_TIMEOUT_S = 30.0  # one line; a hung engine must not hang the coach


class RenderError(UserError):
    """A line could not be turned into a usable WAV file (one line for the CLI, exit 1)."""


def short(text: str, limit: int = 60) -> str:
    """A line as it appears in messages: quoted, and cut after `limit` characters."""
    return repr(text if len(text) <= limit else text[:limit] + "...")




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


def verify_render(path: Path, text: str, rate_wpm: int) -> float:
    """Check a rendered file: exists, not silent, duration plausible for the text. Returns seconds."""
    if not path.exists() or path.stat().st_size <= 44:
        raise RenderError(f"no audio written for {short(text)}")
    samples, rate = read_wav(path)
    duration = samples.size / rate
    if samples.size == 0 or float(np.max(np.abs(samples))) < SILENCE_LEVEL:
        raise RenderError(f"silent audio for {short(text)}")
    expected = speech_seconds(text, rate_wpm)
    longest = max(3.0 * expected + 2.0, SPELLED_CHAR_S * len(text))  # a long "word" is spelled out
    if not 0.2 * expected <= duration <= longest:
        raise RenderError(f"implausible duration {duration:.2f} s for {short(text)} (expected about {expected:.2f} s)")
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
        model = expand_path(spec.piper_model)
        stamp = f"{model.stat().st_size}-{int(model.stat().st_mtime)}" if model.exists() else "missing"
        try:
            version = metadata.version("piper-tts")
        except metadata.PackageNotFoundError:
            version = "missing"
        return f"piper-{version}-{model.name}-{stamp}"
    return f"pyttsx3-{metadata.version('pyttsx3')}-espeak-ng-{_espeak_version()}"


def _quiet_print(*args, **kwargs) -> None:
    """Stand-in for ``print`` inside pyttsx3's espeak driver (trap 2)."""
    log.debug("pyttsx3: %s", " ".join(str(a) for a in args))


class Pyttsx3Backend:
    """pyttsx3 (espeak-ng on Linux) rendering to files. Used only in the engine thread.

    pyttsx3 keeps one engine per process; each backend applies its own voice, rate and volume
    before it renders if another backend changed them.
    """

    _applied: VoiceSpec | None = None  # the spec the shared engine is set to now
    _default_voice: str | None = None  # the engine's voice before anyone changed it

    def __init__(self, spec: VoiceSpec):
        import pyttsx3
        from pyttsx3.drivers import espeak as espeak_driver

        espeak_driver.print = _quiet_print  # trap 2: the driver prints "Audio saved to ..."
        self.spec = spec
        self.engine = pyttsx3.init()
        if Pyttsx3Backend._default_voice is None:
            Pyttsx3Backend._default_voice = self.engine.getProperty("voice")
        self.voice_id = find_voice(self.engine, spec.voice) if spec.voice else Pyttsx3Backend._default_voice
        self._finished = threading.Event()
        self.engine.connect("finished-utterance", lambda **_: self._finished.set())
        self._apply()

    def _apply(self) -> None:
        if Pyttsx3Backend._applied == self.spec:
            return
        self.engine.setProperty("voice", self.voice_id)
        self.engine.setProperty("rate", self.spec.rate)
        self.engine.setProperty("volume", self.spec.volume)
        # No runAndWait() here: with nothing to say it never returns once the engine has spoken
        # (its endLoop runs before the loop starts). Queued changes run at the next render.
        Pyttsx3Backend._applied = self.spec

    def save(self, text: str, path: Path) -> None:
        self._apply()
        if str(self.engine) == "espeak":
            # trap 4: espeak-ng applies a rate/volume set after the first line late or not at all;
            # its embedded commands (speed in wpm, amplitude in %) take effect for this line, always.
            text = f"\x01{self.spec.rate}S\x01{round(self.spec.volume * 100)}A {text}"
        self._finished.clear()
        self.engine.save_to_file(text, str(path))
        self.engine.runAndWait()
        # trap 5: for a long line runAndWait returns while espeak still synthesises on its own
        # thread; the file is written when the utterance finishes
        self._finished.wait(RENDER_TIMEOUT_S)
        driver = getattr(getattr(self.engine, "proxy", None), "_driver", None)
        if driver is not None:
            # trap 1: the driver remembers the last file and text; a later say() or runAndWait()
            # would synthesise that text again into that file. Never None: with no file, the
            # driver plays the line itself through aplay (we only ever render to files).
            driver._save_file = os.devnull
            driver._text_to_say = None


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


# ---- the engine thread and its clients ---------------------------------------------------------


class EngineThread:
    """The ONE thread in the process that touches TTS engines (trap 3). Lives as long as the process.

    Jobs are callables run in order on this thread; each gets a Future for its result.
    """

    _shared: "EngineThread | None" = None
    _shared_lock = threading.Lock()

    @classmethod
    def shared(cls) -> "EngineThread":
        """The process's engine thread, started on first use."""
        with cls._shared_lock:
            if cls._shared is None or not cls._shared.thread.is_alive():
                cls._shared = cls()
            return cls._shared

    def __init__(self):
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._backends: dict[tuple, Backend] = {}
        self.thread = threading.Thread(target=self._run, name="voicecoach-tts", daemon=True)
        self.thread.start()

    def submit(self, job: Callable[[], object]) -> Future:
        """Run `job()` on the engine thread; its result (or exception) lands in the Future."""
        future: Future = Future()
        self._jobs.put((job, future))
        return future

    def backend(self, spec: VoiceSpec, factory: Callable[[VoiceSpec], Backend]) -> Backend:
        """The backend for a spec, created on first use. Only call this on the engine thread."""
        assert threading.current_thread() is self.thread, "TTS engines are only touched by the engine thread"
        key = (factory, spec)
        if key not in self._backends:
            self._backends[key] = factory(spec)
        return self._backends[key]

    def _run(self) -> None:
        while True:
            job, future = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(job())
            except BaseException as error:  # noqa: BLE001 - handed to the waiting caller
                future.set_exception(error)


class RenderWorker:
    """Renders lines for one voice into one cache dir, on the shared engine thread.

    ``submit``/``render`` are safe from any thread; a cache hit costs a file lookup.
    """

    def __init__(self, spec: VoiceSpec, cache_dir: Path, backend_factory: Callable[[VoiceSpec], Backend] = make_backend):
        self.spec = spec
        self.cache = SpeechCache(cache_dir, spec)
        self.cache_ok = True  # False: the cache cannot be written (full disk...); lines render to a scratch folder
        self._uncached: dict[str, Rendered] = {}
        try:
            make_private_dir(self.cache.directory)
        except OSError as error:
            self._cache_fault(error)
        self._factory = backend_factory
        self.fallback_used = False
        self.engine_thread = EngineThread.shared()
        # start the engine now, so a bad voice or model fails here, not mid-session
        self.engine_thread.submit(lambda: self.engine_thread.backend(spec, backend_factory)).result(timeout=START_TIMEOUT_S)

    def submit(self, text: str) -> Future:
        """Start rendering a line; the Future resolves to :class:`Rendered`. A cache hit is done at once."""
        path = self.cache.lookup(text)
        if path is not None:
            future: Future = Future()
            future.set_result(Rendered(text, path, True, 0.0, wav_duration(path)))
            return future
        return self.engine_thread.submit(lambda: self._render_job(text))

    def render(self, text: str, timeout: float = RENDER_TIMEOUT_S) -> Rendered:
        """Render a line (or find it in the cache) and wait for the file."""
        return self.submit(text).result(timeout=timeout)

    def close(self) -> None:
        """Nothing to release: the engine thread lives as long as the process."""

    def _render_job(self, text: str) -> Rendered:
        """Runs on the engine thread."""
        try:
            return self._render_one(self.engine_thread.backend(self.spec, self._factory), text)
        except RenderError as error:
            if self.spec.engine != "pyttsx3":
                raise
            log.warning("pyttsx3 rendered a bad file (%s); using the espeak-ng program", error)  # short(): never the whole text
            self.fallback_used = True
            return self._render_one(self.engine_thread.backend(self.spec, EspeakCliBackend), text)
        except (UserError, RenderError):
            raise
        except Exception as error:
            raise RenderError(f"could not render {short(text)}: {error}") from error

    def _render_one(self, backend: Backend, text: str) -> Rendered:
        cached = self.cache.lookup(text)  # rendered meanwhile by an earlier job
        if cached is not None:
            return Rendered(text, cached, True, 0.0, wav_duration(cached))
        if self.cache_ok and not room_for(self.cache.directory, text, self.spec.rate):
            # checked first: pyttsx3's espeak driver hangs for good when its file write fails
            self._cache_fault(OSError(errno.ENOSPC, "No space left on device"))
        if not self.cache_ok:
            return self._render_uncached(backend, text)
        temp = self.cache.temp_path(text)
        started = time.perf_counter()
        try:
            backend.save(text, temp)
            render_ms = (time.perf_counter() - started) * 1000.0
            duration = verify_render(temp, text, self.spec.rate)
            final = self.cache.path(text)
            os.chmod(temp, CACHE_FILE_MODE)
            os.replace(temp, final)
        except (OSError, RenderError) as error:
            if not cache_unwritable(self.cache.directory, error):
                raise
            self._cache_fault(error)
            return self._render_uncached(backend, text)
        finally:
            temp.unlink(missing_ok=True)
        return Rendered(text, final, False, render_ms, duration)

    def _cache_fault(self, error: BaseException) -> None:
        """The cache cannot take files: say so once, render to a scratch folder from now on."""
        if self.cache_ok:
            self.cache_ok = False
            why = "is full" if cache_unwritable(self.cache.directory, error, space_only=True) else \
                f"cannot be written ({getattr(error, 'strerror', None) or error})"
            notice(f"the speech cache {self.cache.directory} {why}; speaking without it "
                   "(free some space to make the start faster again)")

    def _render_uncached(self, backend: Backend, text: str) -> Rendered:
        """Render into the process's scratch folder (kept for the session, removed at exit)."""
        if text in self._uncached:
            return self._uncached[text]
        path = scratch_dir() / f"{self.cache.key(text)}.wav"
        if not room_for(path.parent, text, self.spec.rate):
            raise RenderError(f"no disk space left to render {short(text)} (the speech cache and {path.parent} are full)")
        started = time.perf_counter()
        try:
            backend.save(text, path)
            duration = verify_render(path, text, self.spec.rate)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        rendered = Rendered(text, path, False, (time.perf_counter() - started) * 1000.0, duration)
        self._uncached[text] = rendered
        return rendered
