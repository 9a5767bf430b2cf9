"""The coach's own music: the person's tracks, mixed into the player's output under the coach's voice.

Running and class apps play the music themselves; so does the coach, and for a reason beyond
comfort: what the player plays is the echo canceller's reference (``listen/reference.py``), so
music mixed into the same output stream is cancelled like the coach's voice, and a command said
over it is heard (docs/listening.md, "The coach's music").

* :class:`MusicMixer` is pure and runs in the audio callback: it adds the music to each block,
  ducked under the coach's lines (:data:`DUCK_DB`, with short ramps), faded out when paused (and
  then it keeps its place), faded in after "next song". It only copies samples that are ready.
* :class:`MusicLoader` is the thread that keeps it fed: the folder's tracks, shuffled and looped,
  decoded with libsndfile (the ``soundfile`` package: FLAC, OGG, WAV, MP3) and resampled with
  soxr, a few seconds ahead, block by block (a long mix never sits whole in memory).
* :func:`start_music` puts both on a player; :class:`MusicPlayer` steers them (``Music`` actions).

A missing, empty or unreadable folder is one line, and the coach trains without music.
"""

from __future__ import annotations

import collections
import logging
import random
import threading
from pathlib import Path
from typing import Callable

import numpy as np

log = logging.getLogger(__name__)

EXTENSIONS = (".flac", ".ogg", ".oga", ".opus", ".wav", ".mp3")  # what libsndfile reads
DUCK_DB = -15.0  # the music under a coach line, relative to its level
DUCK_S = 0.05  # ramp down when a line starts (short: the line's first word should be clear)
RELEASE_S = 0.4  # ramp back up after it
FADE_S = 0.3  # fade in and out on play / pause / next song
CHUNK_S = 0.5  # the loader's decoding step
AHEAD_CHUNKS = 8  # chunks kept ready (4 s): the loader may be late by that much without a gap


class MusicMixer:
    """Music for the audio callback: :meth:`mix` adds it to a block (see the module docstring).

    Chunks come from :meth:`feed` (any thread), tagged with the generation they were decoded
    for; :meth:`next_song` bumps the generation, and chunks of an older one are dropped."""

    def __init__(self, rate: int, level: float = 0.4, duck_db: float = DUCK_DB):
        self.rate = rate
        self.level = level  # the person's music level (linear, times the decoded samples)
        self.duck = 10 ** (duck_db / 20)
        self.playing = False
        self.generation = 0
        self.starved = 0  # blocks that wanted music and found none ready (the loader fell behind)
        self.room = threading.Event()  # set when the loader should decode more
        self.room.set()
        self.arrived = threading.Event()  # set by every feed (for whoever waits for the first music)
        self._chunks: collections.deque[tuple[int, np.ndarray]] = collections.deque()
        self._chunk: np.ndarray | None = None
        self._chunk_generation = 0
        self._position = 0
        self._gain = 0.0  # the gain applied at the end of the last block
        self._ramp: tuple[float, float, int, int] | None = None  # (from, to, length, done) in samples

    # ---- control (any thread) ----

    def feed(self, generation: int, samples: np.ndarray) -> None:
        """Queue decoded mono float32 samples at the mixer's rate (the loader's thread)."""
        self._chunks.append((generation, samples))
        self.arrived.set()
        if len(self._chunks) >= AHEAD_CHUNKS:
            self.room.clear()

    def queued(self) -> int:
        """Chunks ready to play."""
        return len(self._chunks)

    def next_song(self) -> None:
        """Drop the rest of this track; the loader starts the next one (faded in)."""
        self.generation += 1
        self.room.set()

    def target(self, ducked: bool) -> float:
        """The gain the music should have now."""
        if not self.playing:
            return 0.0
        return self.level * (self.duck if ducked else 1.0)

    # ---- the audio thread ----

    def mix(self, out: np.ndarray, ducked: bool) -> None:
        """Add the music to `out` (float32, in place); `ducked`: a coach line plays in this block."""
        if self._chunk is not None and self._chunk_generation < self.generation:
            self._chunk = None  # "next song": the rest of this track goes, the next one fades in
            self._gain, self._ramp = 0.0, None
        gains = self._gains(out.size, self.target(ducked))
        if gains is None:
            return  # silent and meant to be: paused in place
        samples = self._take(out.size)
        out += samples * gains

    def _gains(self, count: int, target: float) -> np.ndarray | None:
        """Per-sample gains for the next `count` samples, ramping towards `target`; None while silent."""
        if self._ramp is None or abs(self._ramp[1] - target) > 1e-9:
            if abs(self._gain - target) <= 1e-9:
                self._ramp = None
            else:
                seconds = DUCK_S if 0 < target < self._gain else RELEASE_S if target > 0 and self._gain > 0 else FADE_S
                self._ramp = (self._gain, target, max(1, int(seconds * self.rate)), 0)
        if self._ramp is None:
            if self._gain == 0.0:
                return None
            return np.full(count, self._gain, np.float32)
        start, end, length, done = self._ramp
        steps = np.arange(done + 1, done + count + 1, dtype=np.float64)
        gains = start + (end - start) * np.minimum(steps / length, 1.0)
        done += count
        self._gain = float(gains[-1])
        self._ramp = None if done >= length else (start, end, length, done)
        return gains.astype(np.float32)

    def _take(self, count: int) -> np.ndarray:
        """The next `count` samples of music (silence where nothing is ready)."""
        out = np.zeros(count, np.float32)
        filled = 0
        while filled < count:
            if self._chunk is None or self._position >= self._chunk.size:
                if not self._chunks:
                    self.starved += 1
                    break
                self._chunk_generation, self._chunk = self._chunks.popleft()
                self._position = 0
                if self._chunk_generation < self.generation:
                    self._chunk = None  # decoded for a song that was skipped
                if len(self._chunks) < AHEAD_CHUNKS:
                    self.room.set()
                continue
            part = self._chunk[self._position:self._position + count - filled]
            out[filled:filled + part.size] = part
            filled += part.size
            self._position += part.size
        return out


def find_tracks(folder: Path) -> list[Path]:
    """The music files under `folder` (recursively), sorted; [] when there are none."""
    return sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() in EXTENSIONS and p.is_file())


def decode_blocks(path: Path, rate: int, chunk_s: float = CHUNK_S):
    """Yield a file's audio as mono float32 chunks at `rate` (libsndfile decodes, soxr resamples).
    Raises ``soundfile.LibsndfileError`` (a RuntimeError) or OSError for a file it cannot read."""
    import soundfile
    import soxr

    with soundfile.SoundFile(str(path)) as f:
        resampler = None if f.samplerate == rate else soxr.ResampleStream(f.samplerate, rate, 1, dtype="float32")
        step = max(1, int(chunk_s * f.samplerate))
        while True:
            block = f.read(step, dtype="float32", always_2d=True)
            last = block.shape[0] < step
            mono = np.ascontiguousarray(block.mean(axis=1), np.float32)
            out = mono if resampler is None else resampler.resample_chunk(mono, last=last)
            if out.size:
                yield out
            if last:
                return


def decode(path: Path, rate: int) -> np.ndarray:
    """A whole file as mono float32 at `rate` (for tests and the session bench)."""
    chunks = list(decode_blocks(path, rate))
    return np.concatenate(chunks) if chunks else np.zeros(0, np.float32)


class MusicLoader:
    """The thread that keeps a :class:`MusicMixer` fed: tracks shuffled, then looped in a new order."""

    def __init__(self, tracks: list[Path], mixer: MusicMixer, notice: Callable[[str], None], seed: int | None = None):
        self.tracks = list(tracks)
        self.mixer = mixer
        self.notice = notice
        self.bad: set[Path] = set()
        self.played: list[Path] = []  # tracks started, in order
        self.gave_up = threading.Event()  # set when no track could be read
        self._random = random.Random(seed)
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="voicecoach-music", daemon=True)

    def start(self) -> "MusicLoader":
        """Start decoding."""
        self._thread.start()
        return self

    def close(self, timeout: float = 2.0) -> None:
        """Stop the thread (it finishes the chunk it is decoding)."""
        self._closed.set()
        self.mixer.room.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._closed.is_set():
            order = [t for t in self.tracks if t not in self.bad]
            if not order:
                self.notice("none of the music files could be played; training without music")
                self.gave_up.set()
                return
            self._random.shuffle(order)
            for path in order:
                if self._closed.is_set():
                    return
                self._play(path)

    def _play(self, path: Path) -> None:
        generation = self.mixer.generation
        self.played.append(path)
        try:
            for chunk in decode_blocks(path, self.mixer.rate):
                while not self.mixer.room.wait(0.5):
                    if self._closed.is_set():
                        return
                if self._closed.is_set() or self.mixer.generation != generation:
                    return  # closed, or "next song"
                self.mixer.feed(generation, chunk)
        except (RuntimeError, OSError, ValueError) as error:  # soundfile.LibsndfileError is a RuntimeError
            self.bad.add(path)
            self.notice(f"cannot play {path.name} ({error}); skipping it")


class MusicPlayer:
    """Steers the coach's music on one player: the target of the coach's ``Music`` actions.
    (The session bench has no player and no loader: its mixer holds the music already.)"""

    def __init__(self, player, mixer: MusicMixer, loader: MusicLoader | None):
        self.player, self.mixer, self.loader = player, mixer, loader
        self.base_level = mixer.level

    def steer(self, op: str, gain: float = 1.0) -> None:
        """``play`` / ``pause`` (fade; the track keeps its place), ``next`` (song), ``gain``
        (times the set level)."""
        if op == "play":
            self.mixer.playing = True
            resume = getattr(self.player, "resume", None)
            if resume:
                resume()  # a paused output stream (serve between sessions) must run for the music
        elif op == "pause":
            self.mixer.playing = False
        elif op == "next":
            self.mixer.next_song()
        elif op == "gain":
            self.mixer.level = self.base_level * gain
        else:
            raise ValueError(f"unknown music op {op!r}")

    def close(self) -> None:
        """Stop the music and take the mixer off the player."""
        self.mixer.playing = False
        if self.loader is not None:
            self.loader.close()
        if getattr(self.player, "music", None) is self.mixer:
            self.player.music = None


def start_music(folder: str, player, level: float, notice: Callable[[str], None], seed: int | None = None) -> MusicPlayer | None:
    """Put the music of `folder` on `player` (paused until the coach says play); None, with one
    line said through `notice`, when there is no folder, no player, or no music in it."""
    if not folder:
        return None
    from voicecoach.settings import expand_path

    path = expand_path(folder)
    if player is None:
        notice("music needs an audio output; training without music")
        return None
    if not path.is_dir():
        notice(f"music folder {path} not found; training without music (set music.folder or --music to a folder)")
        return None
    try:
        tracks = find_tracks(path)
    except OSError as error:
        notice(f"cannot read the music folder {path} ({error.strerror}); training without music")
        return None
    if not tracks:
        notice(f"no music files ({', '.join(EXTENSIONS)}) in {path}; training without music")
        return None
    mixer = MusicMixer(player.samplerate, level)
    loader = MusicLoader(tracks, mixer, notice, seed).start()
    player.music = mixer
    return MusicPlayer(player, mixer, loader)
