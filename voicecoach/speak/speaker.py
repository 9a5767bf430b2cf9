"""The `Speaker` the session drives: ``say`` returns at once, events report progress.

* :class:`AudioSpeaker` renders each line to a cached WAV (one TTS worker thread), plays it
  through one output stream, mixes earcons on top, and posts ``SpeechStarted`` / ``SpeechDone``
  (and ``DeviceChanged``) to the session's event queue. ``stop()`` cuts the voice within one
  audio block and drops what was queued (each dropped line still gets a ``SpeechDone`` with
  ``interrupted=True``, so nobody waits for it).
* :class:`TextSpeaker` prints lines instead: text-only mode, or no output device.
* :func:`make_speaker` picks one from the settings and falls back to text with a one-line warning.

If the output device disappears mid-session, lines are printed instead, and playback resumes
when the device can be opened again (retried at most every ``RETRY_DEVICE_S`` seconds).
"""

from __future__ import annotations

import itertools
import logging
import queue
import sys
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Iterable, TextIO

import numpy as np

from voicecoach import paths
from voicecoach.errors import notice
from voicecoach.events import DeviceChanged, SpeechDone, SpeechStarted
from voicecoach.speak.earcons import make_earcon
from voicecoach.coach.lines import speech_seconds
from voicecoach.speak.render import RENDER_TIMEOUT_S, Rendered, RenderWorker, VoiceSpec, short
from voicecoach.speak.wav import read_wav, resample, trim_silence

log = logging.getLogger(__name__)

TEXT_PREFIX = "COACH: "  # how a printed line of the coach starts (text mode, echo, no device)
RETRY_DEVICE_S = 2.0  # how often a lost output device is tried again
CLIP_MEMORY = 256  # decoded clips kept in memory
WAKE = "wake"  # put on the dispatch queue to make the dispatcher look at the device


def default_cache_dir() -> Path:
    """Where rendered speech lives: ``<XDG cache>/voicecoach/speech``."""
    return paths.cache_dir() / "speech"


warn = notice  # one line on stderr, in the CLI's style


class TextSpeaker:
    """Prints each line. SpeechDone comes at once, or (``pace=True``) after the line's estimated
    spoken length, when :meth:`poll` is called with a clock time past it (no sleeping)."""

    def __init__(self, events: queue.Queue, out: TextIO | None = None, clock: Callable[[], float] = time.monotonic, pace: bool = False, rate_wpm: int = 160):
        self.events = events
        self.out = out
        self.clock = clock
        self.pace = pace
        self.rate_wpm = rate_wpm
        self._ids = itertools.count(1)
        self._due: list[tuple[float, int]] = []
        self.gain = 1.0

    def say(self, text: str, kind: str = "info") -> int:
        """Print the line; returns its utterance id."""
        utterance = next(self._ids)
        print(TEXT_PREFIX + text, file=self.out or sys.stdout, flush=True)
        now = self.clock()
        self.events.put(SpeechStarted(utterance, now))
        if self.pace:  # lines queue up like real speech: this one ends after the one before
            start = max([now] + [due for due, _ in self._due])
            self._due.append((start + speech_seconds(text, self.rate_wpm), utterance))
        else:
            self.events.put(SpeechDone(utterance, now))
        return utterance

    def poll(self, now: float) -> None:
        """Post SpeechDone for paced lines whose estimated end is at or before `now`."""
        for due in [d for d in self._due if d[0] <= now]:
            self._due.remove(due)
            self.events.put(SpeechDone(due[1], due[0]))

    def stop(self) -> None:
        """End every paced line now, as interrupted."""
        now = self.clock()
        for _, utterance in self._due:
            self.events.put(SpeechDone(utterance, now, interrupted=True))
        self._due.clear()

    def earcon(self, name: str) -> None:
        """Text mode has no tones."""

    def set_gain(self, gain: float) -> None:
        """Text has no volume; kept so "louder" works the same with either speaker."""
        self.gain = gain

    def pause_output(self) -> None:
        """No device to pause."""

    def resume_output(self) -> None:
        """No device to resume."""

    def prerender(self, lines: Iterable[str], progress: bool = True, background: bool = False) -> list[Rendered]:
        """Nothing to prepare in text mode."""
        return []

    def close(self) -> None:
        """Nothing to release."""


class AudioSpeaker:
    """Speech through a sound device (see the module docstring)."""

    def __init__(
        self,
        events: queue.Queue,
        voice,  # VoiceSettings
        cache_dir: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
        echo: TextIO | None = None,
        text_out: TextIO | None = None,
        player_factory: Callable[..., object] | None = None,
    ):
        """`echo`: also print every line there as it is queued (``practice --text``).
        `text_out`: where a line goes when it cannot be played (default: stdout)."""
        from voicecoach.speak.devices import choose_device
        from voicecoach.speak.player import Player

        self.events = events
        self.voice = voice
        self.clock = clock
        self.echo = echo
        self.text_out = text_out
        self.available = True
        self.gain = 1.0  # "louder" / "quieter": a multiplier on the rendered speech
        self._closed = False
        self._said = threading.Event()  # the first line was said (the prerender thread yields until then)
        self._last_retry = -1e9
        self._ids = itertools.count(1)
        self._generation = 0
        self._lock = threading.Lock()
        self._in_player: set[int] = set()
        self._clips: OrderedDict[Path, np.ndarray] = OrderedDict()
        self._earcons: dict[str, np.ndarray] = {}
        self._dispatch: queue.SimpleQueue = queue.SimpleQueue()
        # The output stream first: a fresh stream takes a while to start pulling (through
        # PulseAudio about 1.5 s), and the voice engine starts meanwhile.
        if player_factory is None:
            device = choose_device(voice.output_device, "output").index
            player_factory = lambda notify: Player(notify, device=device)  # noqa: E731
        self.player = player_factory(self._on_note)
        try:
            self.renderer = RenderWorker(VoiceSpec.from_settings(voice), cache_dir or default_cache_dir())
        except BaseException:
            self.player.close()
            raise
        self._dispatcher = threading.Thread(target=self._run_dispatch, name="voicecoach-speaker", daemon=True)
        self._dispatcher.start()

    # ---- the Speaker protocol ----

    def say(self, text: str, kind: str = "info") -> int:
        """Queue a line; returns its utterance id at once."""
        utterance = next(self._ids)
        self._said.set()
        if self.echo is not None:
            print(TEXT_PREFIX + text, file=self.echo, flush=True)
        self._dispatch.put((utterance, text, self.renderer.submit(text), self._generation))
        return utterance

    def stop(self) -> None:
        """Silence the voice within one audio block; drop every line queued so far."""
        with self._lock:
            self._generation += 1
            self.player.stop()

    def set_gain(self, gain: float) -> None:
        """Scale every line queued from now on (the rendered cache stays as it is)."""
        self.gain = max(0.0, gain)

    def earcon(self, name: str) -> None:
        """Play a tone now, on top of speech ("listening", "accepted", "beat", "rest_over")."""
        if not self.voice.earcons or (name == "beat" and not self.voice.metronome) or not self.available:
            return
        if name not in self._earcons:
            self._earcons[name] = make_earcon(name, self.player.samplerate, self.voice.volume)
        self.player.overlay(self._earcons[name])

    def pause_output(self) -> None:
        """Stop the output stream while nothing will be said for a while (see :meth:`Player.pause`)."""
        pause = getattr(self.player, "pause", None)
        if pause and self.available:
            pause()

    def resume_output(self) -> None:
        """Restart the output stream now, so it is running by the time the next line comes."""
        resume = getattr(self.player, "resume", None)
        if resume and self.available:
            try:
                resume()
            except Exception as error:  # noqa: BLE001 - the next line finds out and prints instead
                log.warning("could not restart the audio output: %s", error)

    def prerender(self, lines: Iterable[str], progress: bool = True, background: bool = False) -> list[Rendered]:
        """Render every line not yet cached, with a progress bar (stderr) if it takes a moment.
        Returns once the output device is running too, so the first line starts at once.

        With `background`, returns (an empty list) as soon as the device runs and renders the lines
        on a helper thread one at a time, so a line said meanwhile waits for one render at most:
        the session starts speaking without waiting for lines it will say minutes later."""
        unique = list(dict.fromkeys(line for line in lines if line.strip()))
        if background:
            threading.Thread(target=self._render_each, args=(unique,), name="voicecoach-prerender", daemon=True).start()
            self.player.wait_ready()
            return []
        from tqdm import tqdm

        futures = [self.renderer.submit(line) for line in unique]
        done = []
        with tqdm(total=len(futures), desc="Preparing the voice", unit="line", delay=0.5, file=sys.stderr, disable=not progress, leave=False) as bar:
            for line, future in zip(unique, futures):
                try:
                    done.append(future.result(timeout=RENDER_TIMEOUT_S))
                except Exception as error:  # noqa: BLE001 - that line is printed when it comes up
                    log.warning("could not prepare %s: %s", short(line), error)
                bar.update(1)
        self.player.wait_ready()
        return done

    def close(self) -> None:
        """Stop speaking and release the device and the TTS thread."""
        self._closed = True
        self.stop()
        self._dispatch.put(None)
        self._dispatcher.join(timeout=5.0)
        self.player.close()
        self.renderer.close()

    # ---- inside ----

    def _render_each(self, lines: list[str]) -> None:
        """Fill the cache one line at a time (the prerender thread); stops when the speaker closes.
        Between the device's start and the first line said it waits, so as not to slow that down."""
        for line in lines:
            if self.player.ready.is_set() and not self._said.is_set():
                self._said.wait(2.0)
            if self._closed:
                return
            try:
                self.renderer.render(line)
            except Exception as error:  # noqa: BLE001 - said later, the line is rendered (or printed) then
                log.debug("could not prerender %r: %s", line, error)

    def clip(self, rendered: Rendered) -> np.ndarray:
        """The line's samples, trimmed and at the player's rate (kept in memory)."""
        cached = self._clips.get(rendered.path)
        if cached is None:
            samples, rate = read_wav(rendered.path)
            cached = resample(trim_silence(samples, rate), rate, self.player.samplerate)
            self._clips[rendered.path] = cached
            if len(self._clips) > CLIP_MEMORY:
                self._clips.popitem(last=False)
        return cached

    def _run_dispatch(self) -> None:
        while True:
            try:  # while the device is gone, look for it every RETRY_DEVICE_S even when nothing is said
                item = self._dispatch.get(timeout=None if self.available else RETRY_DEVICE_S)
            except queue.Empty:
                self._retry_device()
                continue
            if item is None:
                break
            if item == WAKE:  # the device was just lost: wait with a timeout from now on
                continue
            utterance, text, future, generation = item
            if generation < self._generation:
                self.events.put(SpeechDone(utterance, self.clock(), interrupted=True))
                continue
            try:
                samples = self.clip(future.result(timeout=RENDER_TIMEOUT_S))
            except Exception as error:  # noqa: BLE001 - a line that cannot be rendered is printed
                log.warning("could not render %s: %s", short(text), error)
                self._print_instead(utterance, text)
                continue
            if not self.available:
                self._retry_device()
            with self._lock:
                if generation < self._generation:
                    self.events.put(SpeechDone(utterance, self.clock(), interrupted=True))
                    continue
                if self.available:
                    self._in_player.add(utterance)
                    if self.gain != 1.0:
                        samples = np.clip(samples * self.gain, -1.0, 1.0)
                    self.player.enqueue(samples, utterance)
                    continue
            self._print_instead(utterance, text)

    def _print_instead(self, utterance: int, text: str) -> None:
        if self.echo is None:
            print(TEXT_PREFIX + text, file=self.text_out or sys.stdout, flush=True)
        now = self.clock()
        self.events.put(SpeechStarted(utterance, now))
        self.events.put(SpeechDone(utterance, now))

    def _retry_device(self) -> None:
        now = self.clock()
        if now - self._last_retry < RETRY_DEVICE_S:
            return
        self._last_retry = now
        try:
            self.player.open()
        except Exception as error:  # noqa: BLE001 - still gone
            log.debug("output device still unavailable: %s", error)
            return
        self.available = True
        log.info("audio output is back")
        self.events.put(DeviceChanged("output", True))

    def _on_note(self, kind: str, tag: int, at: float, interrupted: bool) -> None:
        """Player notes (notifier thread) -> session events."""
        if kind == "started":
            self.events.put(SpeechStarted(tag, self.clock()))
        elif kind == "done":
            self._in_player.discard(tag)
            self.events.put(SpeechDone(tag, self.clock(), interrupted=interrupted))
        elif kind == "lost":
            with self._lock:
                self.available = False
                self._last_retry = self.clock()
                self.player.stop()
                lost, self._in_player = self._in_player, set()
            self._dispatch.put(WAKE)
            warn("audio output device lost; printing lines until it is back")
            self.events.put(DeviceChanged("output", False, "stream ended"))
            for utterance in sorted(lost):
                self.events.put(SpeechDone(utterance, self.clock(), interrupted=True))


def make_speaker(
    events: queue.Queue,
    voice,  # VoiceSettings
    *,
    text_only: bool = False,
    echo: TextIO | None = None,
    text_out: TextIO | None = None,
    clock: Callable[[], float] = time.monotonic,
    cache_dir: Path | None = None,
    pace: bool = False,
):
    """An :class:`AudioSpeaker`, or a :class:`TextSpeaker` when asked for text only (or
    ``voice.engine == "none"``) or when there is no usable output device (one warning line).

    `echo`: print every line there too, even while speaking. `text_out`: where lines go when
    they cannot be spoken (default stdout). `pace`: text mode reports SpeechDone after each
    line's estimated length (see :meth:`TextSpeaker.poll`)."""
    from voicecoach.speak.devices import NoDeviceError

    text_speaker = lambda: TextSpeaker(events, out=echo or text_out, clock=clock, pace=pace, rate_wpm=voice.rate)  # noqa: E731
    if text_only or voice.engine == "none":
        return text_speaker()
    try:
        return AudioSpeaker(events, voice, cache_dir=cache_dir, clock=clock, echo=echo, text_out=text_out)
    except NoDeviceError as error:
        warn(f"{error}; text only")
    except OSError as error:  # sounddevice.PortAudioError is not an OSError; caught below
        warn(f"audio output unavailable ({error}); text only")
    except Exception as error:  # noqa: BLE001
        if type(error).__name__ != "PortAudioError":
            raise
        warn(f"audio output unavailable ({error}); text only")
    return text_speaker()
