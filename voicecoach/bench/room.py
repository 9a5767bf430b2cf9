"""Simulated living rooms for the session bench: where the coach's voice, the person and the noise
reach one microphone.

A :class:`RoomKind` says what kind of place it is (earbuds, a quiet room, a room with household
noise at 10 dB below the person's speech, a room with music at 6 dB below); :func:`make_room` draws
one seeded room of that kind with ``pyroomacoustics`` (image-source room impulse responses of a
shoebox room, 3x4 to 5x6 m, RT60 0.2-0.6 s): the coach's loudspeaker about 1 m from the
microphone, the person 1.5-3 m away at a few positions (they move between sets), a noise source
somewhere else in the room. Earbuds are a room too: the coach's voice does not reach the
microphone and the person is close, so their speech arrives dry.

Levels, all at the microphone: the person's speech is set to ``SPEECH_DBFS`` (active-speech RMS)
at the first position; the coach's loudspeaker plays ``COACH_DB`` louder at its source than the
person speaks (a speaker set to be heard across the room); noise is ``noise_db`` below the
person's speech. Every clip is level-normalised before it enters the room, so a quiet recording
is not a quiet person.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

RATE = 16000
SPEECH_DBFS = -28.0  # the person's active speech at the microphone (first position), RMS dBFS
COACH_DB = 3.0  # the coach's loudspeaker at its source, relative to the person's voice at theirs
FLOOR_DBFS = -70.0  # the microphone's own noise floor (white), so no stretch is digital silence
REFERENCE_RMS = 0.1  # every clip is scaled to this active-speech RMS before it enters the room
SPEAKER_RMS = 0.1  # active RMS of the coach's rendered speech at full volume (calibration: see below)


@dataclass(frozen=True)
class RoomKind:
    """What kind of place a session happens in."""

    name: str
    echo: bool  # does the coach's loudspeaker reach the microphone?
    noise: tuple[str, ...] = ()  # noise recordings to draw from (names of NOISE_FILES), () = none
    noise_db: float = 0.0  # noise this far below the person's speech at the microphone
    label: str = ""
    rt60_s: tuple[float, float] = (0.2, 0.6)  # reverberation time drawn (and measured) in this range
    own_music: bool = False  # the coach plays music itself, at its speech level, ducked under its lines


ROOM_KINDS: dict[str, RoomKind] = {
    "earbuds": RoomKind("earbuds", echo=False, label="earbuds (no echo, person close)"),
    "living": RoomKind("living", echo=True, noise=("tap", "bike"), noise_db=20.0, rt60_s=(0.3, 0.5),
                       label="speaker in a furnished living room"),
    "quiet": RoomKind("quiet", echo=True, noise=("tap", "bike"), noise_db=20.0, label="speaker in a quiet room"),
    "noise10": RoomKind("noise10", echo=True, noise=("kitchen", "tap", "bike"), noise_db=10.0,
                        label="speaker, household noise 10 dB below"),
    "music6": RoomKind("music6", echo=True, noise=("music",), noise_db=6.0, label="speaker, music 6 dB below"),
    "music10": RoomKind("music10", echo=True, noise=("music",), noise_db=10.0, label="speaker, music 10 dB below"),
    # the quiet room (same draws, same seeds) with the coach's own music through its speaker
    "ownmusic": RoomKind("ownmusic", echo=True, noise=("tap", "bike"), noise_db=20.0, own_music=True,
                         label="speaker, the coach's own music at speech level"),
}

# The real noise recordings of ../shared/realspeech/_noise/ (README there).
NOISE_FILES = {
    "kitchen": "_noise/pv_kitchen_60_120.wav",
    "bike": "_noise/sc_bg_exercise_bike.wav",
    "tap": "_noise/sc_bg_running_tap.wav",
    "music": "_noise/music_hungarian_dance_number_5_allegro_in_f_sh.wav",
}


@dataclass
class Room:
    """One drawn room: impulse responses to the microphone and the noise bed."""

    kind: RoomKind
    seed: int
    size_m: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rt60_s: float = 0.0  # measured on the person's response
    coach_rir: np.ndarray | None = None  # loudspeaker -> microphone, scaled; None: no echo
    person_rirs: list[np.ndarray] = field(default_factory=list)  # one per position, scaled
    person_distances_m: list[float] = field(default_factory=list)
    noise: np.ndarray | None = None  # the noise at the microphone, looped as needed (float32)
    noise_name: str = "none"
    music: np.ndarray | None = None  # the coach's own music as played (dry, 16 kHz, RMS = SPEAKER_RMS), or None

    def describe(self) -> str:
        """One line: the room's size, reverberation and noise."""
        if not self.kind.echo:
            return f"{self.kind.label}"
        x, y, z = self.size_m
        return (f"{x:.1f}x{y:.1f}x{z:.1f} m, RT60 {self.rt60_s:.2f} s, person at "
                f"{'/'.join(f'{d:.1f}' for d in self.person_distances_m)} m, noise {self.noise_name}"
                + (f" {self.kind.noise_db:g} dB below" if self.noise is not None else ""))

    def distance(self, position: int) -> float:
        """How far the person stands from the microphone at `position`, in metres."""
        return self.person_distances_m[position % len(self.person_distances_m)]

    def person(self, clip: np.ndarray, position: int) -> np.ndarray:
        """A level-normalised clip as the microphone hears it from `position` (reverb tail kept)."""
        return convolve(normalize_speech(clip), self.person_rirs[position % len(self.person_rirs)])

    def coach(self, clip: np.ndarray) -> np.ndarray | None:
        """The coach's played samples (full scale) as the microphone hears them, or None (earbuds)."""
        if self.coach_rir is None:
            return None
        return convolve(clip, self.coach_rir)

    def noise_at(self, start: int, count: int) -> np.ndarray:
        """`count` samples of noise bed from sample `start` (looped)."""
        if self.noise is None:
            return np.zeros(count, np.float32)
        index = (np.arange(start, start + count) % self.noise.size)
        return self.noise[index]


def active_rms(samples: np.ndarray) -> float:
    """RMS over the loud part of a clip (frames within 30 dB of the loudest), like an active-speech level."""
    frame = 160
    count = samples.size // frame
    if count == 0:
        return float(np.sqrt(np.mean(samples ** 2))) if samples.size else 0.0
    rms = np.sqrt(np.mean(samples[: count * frame].reshape(count, frame).astype(np.float64) ** 2, axis=1) + 1e-20)
    loud = rms[rms > rms.max() * 10 ** (-30 / 20)]
    return float(np.sqrt(np.mean(loud ** 2)))


def normalize_speech(clip: np.ndarray) -> np.ndarray:
    """A clip scaled to :data:`REFERENCE_RMS` active-speech level (float32)."""
    level = active_rms(clip)
    return (clip * (REFERENCE_RMS / level)).astype(np.float32) if level > 0 else clip.astype(np.float32)


def convolve(clip: np.ndarray, rir: np.ndarray) -> np.ndarray:
    """Clip through an impulse response (FFT convolution), float32."""
    from scipy.signal import fftconvolve

    if rir.size == 1:
        return (clip * rir[0]).astype(np.float32)
    return fftconvolve(clip, rir).astype(np.float32)


def _speech_gain(rir: np.ndarray) -> float:
    """How much an impulse response scales a clip's active level (its energy, as an RMS factor)."""
    return float(np.sqrt(np.sum(rir.astype(np.float64) ** 2)))


def load_noise(realspeech: Path | None, name: str) -> np.ndarray | None:
    """A noise recording from the realspeech folder as float32 at 16 kHz, or None when absent."""
    if realspeech is None or not (Path(realspeech) / NOISE_FILES[name]).exists():
        return None
    from voicecoach.speak.wav import read_wav, resample

    samples, rate = read_wav(Path(realspeech) / NOISE_FILES[name])
    return resample(samples, rate, RATE).astype(np.float32)


def make_room(kind: RoomKind | str, seed: int, realspeech: Path | None = None, positions: int = 3) -> Room:
    """Draw one room of `kind` (seeded); noise comes from `realspeech` (pink noise when it is absent)."""
    kind = ROOM_KINDS[kind] if isinstance(kind, str) else kind
    rng = np.random.default_rng([seed, 7001])
    room = Room(kind, seed)
    target = REFERENCE_RMS  # scale so the person's speech reaches SPEECH_DBFS (applied below)
    if not kind.echo:
        room.person_rirs = [np.array([1.0], np.float32) for _ in range(positions)]
        room.person_distances_m = [0.05] * positions
    else:
        import pyroomacoustics as pra

        size = (float(rng.uniform(3.0, 5.0)), float(rng.uniform(4.0, 6.0)), float(rng.uniform(2.4, 2.8)))
        rt60 = float(rng.uniform(*kind.rt60_s))
        mic = np.array([size[0] / 2 + rng.uniform(-0.5, 0.5), 0.6 + rng.uniform(0, 0.4), 0.9])
        speaker = mic + _offset(rng, 0.8, 1.2, size, mic)
        people = [mic + _offset(rng, 1.5, 3.0, size, mic, height=rng.uniform(1.2, 1.7)) for _ in range(positions)]
        noise_pos = mic + _offset(rng, 1.5, 3.5, size, mic, height=1.0)
        absorption, max_order = calibrated_absorption(rt60, size, mic, people[0])
        rirs = _rirs(size, absorption, max_order, mic, (speaker, *people, noise_pos))
        room.size_m, room.rt60_s = size, float(pra.experimental.measure_rt60(rirs[1], fs=RATE))
        room.person_distances_m = [float(np.linalg.norm(p - mic)) for p in people]
        person_gain = _speech_gain(rirs[1])
        scale = 1.0 / person_gain  # the first position's speech arrives at REFERENCE_RMS
        room.person_rirs = [(r * scale).astype(np.float32) for r in rirs[1:1 + positions]]
        coach_scale = scale * 10 ** (COACH_DB / 20) * REFERENCE_RMS / SPEAKER_RMS
        room.coach_rir = (rirs[0] * coach_scale).astype(np.float32)
        noise_rir = rirs[-1] * (1.0 / _speech_gain(rirs[-1]))
        if kind.noise:
            name = kind.noise[int(rng.integers(0, len(kind.noise)))]
            bed = load_noise(realspeech, name)
            if bed is None:
                from voicecoach.bench import noise as nz

                bed, name = nz.pink(rng, 30 * RATE).astype(np.float32), f"pink (no {name} recording)"
            bed = convolve(bed, noise_rir)[: bed.size]
            level = float(np.sqrt(np.mean(bed.astype(np.float64) ** 2))) or 1.0
            room.noise = (bed * (target * 10 ** (-kind.noise_db / 20) / level)).astype(np.float32)
            room.noise_name = name
    if kind.own_music:
        room.music = own_music(realspeech, rng)
    # everything so far is relative to REFERENCE_RMS at the microphone: bring it to SPEECH_DBFS
    gain = 10 ** (SPEECH_DBFS / 20) / target
    room.person_rirs = [r * gain for r in room.person_rirs]
    if room.coach_rir is not None:
        room.coach_rir = room.coach_rir * gain
    if room.noise is not None:
        room.noise = room.noise * gain
    return room



RT60_TOLERANCE = 0.08  # a room's measured RT60 is within this fraction of the drawn one
CALIBRATION_STEPS = 4


def _rirs(size, absorption: float, max_order: int, mic: np.ndarray, sources) -> list[np.ndarray]:
    """Image-source impulse responses from each source to the microphone of a shoebox room."""
    import pyroomacoustics as pra

    shoebox = pra.ShoeBox(list(size), fs=RATE, materials=pra.Material(absorption), max_order=max_order)
    shoebox.add_microphone(mic)
    for position in sources:
        shoebox.add_source(list(position))
    shoebox.compute_rir()
    return [np.asarray(r, np.float64) for r in shoebox.rir[0]]


def calibrated_absorption(rt60: float, size, mic: np.ndarray, source: np.ndarray) -> tuple[float, int]:
    """Wall absorption and image-source order that give this room `rt60` as measured at the mic.

    Sabine's inversion (``pyroomacoustics.inverse_sabine``) assumes a diffuse field; a shoebox's
    image sources decay slower than that, so the measured RT60 came out up to 45 % longer than
    the one asked for (0.84 s for 0.58 s). The absorption is scaled by measured / wanted (RT60 is
    inversely proportional to it) until the measured value is within :data:`RT60_TOLERANCE`.
    """
    import pyroomacoustics as pra

    absorption, max_order = pra.inverse_sabine(rt60, list(size))
    for _ in range(CALIBRATION_STEPS):
        measured = float(pra.experimental.measure_rt60(_rirs(size, absorption, max_order, mic, [source])[0], fs=RATE))
        if abs(measured / rt60 - 1) <= RT60_TOLERANCE:
            break
        absorption = min(0.99, absorption * measured / rt60)
    return absorption, max_order


def own_music(realspeech: Path | None, rng: np.random.Generator) -> np.ndarray:
    """The coach's own music as its player plays it: the realspeech music recording (pink noise
    when it is absent), scaled to the RMS of the coach's speech at full volume (``SPEAKER_RMS``)."""
    music = load_noise(realspeech, "music")
    if music is None:
        from voicecoach.bench import noise as nz

        music = nz.pink(rng, 30 * RATE).astype(np.float32)
    level = float(np.sqrt(np.mean(music.astype(np.float64) ** 2))) or 1.0
    return (music * (SPEAKER_RMS / level)).astype(np.float32)


def _offset(rng: np.random.Generator, near: float, far: float, size: tuple[float, float, float], mic: np.ndarray,
            height: float | None = None) -> np.ndarray:
    """A random displacement from the microphone, `near`..`far` metres away, inside the room."""
    for _ in range(200):
        distance, angle = rng.uniform(near, far), rng.uniform(0, 2 * math.pi)
        z = (height if height is not None else rng.uniform(0.8, 1.2)) - mic[2]
        flat = math.sqrt(max(distance ** 2 - z ** 2, 0.01))
        offset = np.array([flat * math.cos(angle), flat * math.sin(angle), z])
        point = mic + offset
        if all(0.3 < point[i] < size[i] - 0.3 for i in range(3)):
            return offset
    raise ValueError(f"no point {near}-{far} m from the microphone fits in a {size} room")


def mic_floor(rng: np.random.Generator, count: int) -> np.ndarray:
    """The microphone's self-noise for `count` samples."""
    return (rng.standard_normal(count) * 10 ** (FLOOR_DBFS / 20)).astype(np.float32)
