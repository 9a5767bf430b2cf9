"""One whole session as a person lives it: the real coach, its real voice in a simulated room, a
simulated person, one continuous microphone signal through the real listening pipeline.

:func:`run_session` steps audio time in 50 ms blocks (the fake clock *is* the audio clock). Each
block: the coach's due timers run; the loudspeaker (:class:`CoachVoice`) plays the coach's real
rendered lines (the same WAV cache the live speaker plays) and posts ``SpeechStarted`` /
``SpeechDone`` at the moments its audio starts and ends; the persona may start saying something;
the microphone (:class:`Microphone`) sums the coach's voice through the loudspeaker's room
response, the person's speech through theirs, the room's noise and the microphone's own floor; the
block goes through the real :class:`~voicecoach.listen.listener.Listener` (recognizer, decider,
grammar switching, half-duplex gating driven by the speech events, as in a live session); and every
decision goes back into the same :class:`~voicecoach.coach.coach.Coach`. So a missed "next" really
delays the set and a false "skip" really skips. The loudspeaker's dry samples are kept block by
block, ready to be an echo canceller's reference.

The result is a :class:`SessionLog` (what the person meant, when, and every decision), which
:mod:`voicecoach.bench.sessionscore` turns into figures.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from voicecoach.bench.persona import Attempt, CoachView, Intention, Persona, VoiceBank
from voicecoach.bench.room import RATE, Room, mic_floor
from voicecoach.coach.clock import FakeClock
from voicecoach.coach.coach import Coach
from voicecoach.coach.commands import Command
from voicecoach.events import CommandHeard, CommandUnsure, Earcon, Music, Say, SpeechDone, SpeechStarted, Tick
from voicecoach.session import listening_for

BLOCK = 800  # samples per step: 50 ms, a microphone block
TAIL_S = 20.0  # a session still running this long after the persona's "stop" is cut off


@dataclass(frozen=True)
class Decision:
    """What the listening pipeline handed the coach."""

    command: str
    at: float  # audio seconds
    kind: str  # "heard" | "unsure"
    text: str
    state: str  # the coach's state when it arrived
    source: str = ""  # "partial" (the fast path) | "final" | "" (a confirmation question)


@dataclass
class SessionLog:
    """Everything the scoring needs to know about one simulated session."""

    seed: int
    room: str
    drill: str
    duration_s: float = 0.0
    intentions: list[Intention] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    distractors: list[tuple[float, float, str]] = field(default_factory=list)  # (start, end, text)
    coach_talk: list[tuple[float, float]] = field(default_factory=list)  # when the loudspeaker played
    end_reason: str = ""
    cpu_s: float = 0.0
    rt60_s: float = float("nan")  # the room's measured reverberation time (NaN: earbuds)

    @property
    def attempts(self) -> list[Attempt]:
        """Every time the person said a command, in time order."""
        return sorted((a for i in self.intentions for a in i.attempts), key=lambda a: a.start)


class LineAudio:
    """The coach's lines as the loudspeaker plays them: the speech cache's WAVs, trimmed, at 16 kHz."""

    def __init__(self, render: Callable[[str], Path]):
        self._render = render
        self._memo: dict[str, np.ndarray] = {}

    @classmethod
    def from_settings(cls, voice_settings, cache_dir: Path | None = None) -> "LineAudio":
        """Render with the user's voice settings into the live speaker's own cache."""
        from voicecoach.speak.render import RenderWorker, VoiceSpec
        from voicecoach.speak.speaker import default_cache_dir

        worker = RenderWorker(VoiceSpec.from_settings(voice_settings), cache_dir or default_cache_dir())
        return cls(lambda text: worker.render(text).path)

    def __call__(self, text: str) -> np.ndarray:
        if text not in self._memo:
            from voicecoach.speak.wav import read_wav, resample, trim_silence

            samples, rate = read_wav(self._render(text))
            self._memo[text] = resample(trim_silence(samples, rate), rate, RATE).astype(np.float32)
        return self._memo[text]


class CoachVoice:
    """The loudspeaker: plays queued lines one after another, earcons on top; counts in samples."""

    def __init__(self, lines: LineAudio, volume: float = 1.0):
        from voicecoach.speak.earcons import make_earcon

        self.lines = lines
        self.volume = volume
        self._earcon = lambda name: make_earcon(name, RATE, volume)
        self._queue: deque[tuple[int, np.ndarray]] = deque()
        self._current: tuple[int, int, np.ndarray] | None = None  # (id, start sample, samples)
        self._earcons: list[tuple[int, np.ndarray]] = []
        self._next_id = 0
        self.spans: list[tuple[float, float]] = []

    @property
    def playing(self) -> bool:
        """Is a line playing or queued?"""
        return self._current is not None or bool(self._queue)

    def say(self, text: str) -> int:
        """Queue a line; returns its utterance id."""
        self._next_id += 1
        self._queue.append((self._next_id, self.lines(text) * self.volume))
        return self._next_id

    def earcon(self, name: str, at: int) -> None:
        """Play a tone from sample `at`, over whatever is playing."""
        self._earcons.append((at, self._earcon(name)))

    def stop(self, at: int) -> list[SpeechDone]:
        """Cut the line playing and drop the queue (each gets an interrupted SpeechDone)."""
        done = []
        if self._current is not None:
            uid, start, _samples = self._current
            self.spans.append((start / RATE, at / RATE))
            done.append(SpeechDone(uid, at / RATE, interrupted=True))
            self._current = None
        done += [SpeechDone(uid, at / RATE, interrupted=True) for uid, _ in self._queue]
        self._queue.clear()
        return done

    def advance(self, at: int) -> list[Any]:
        """Speech events due by sample `at`: a line that ended, the next one that started."""
        events: list[Any] = []
        if self._current is not None:
            uid, start, samples = self._current
            if start + samples.size <= at:
                self._current = None
                self.spans.append((start / RATE, (start + samples.size) / RATE))
                events.append(SpeechDone(uid, (start + samples.size) / RATE))
        if self._current is None and self._queue:
            uid, samples = self._queue.popleft()
            self._current = (uid, at, samples)
            events.append(SpeechStarted(uid, at / RATE))
        return events

    def block(self, start: int, count: int) -> np.ndarray:
        """The dry samples handed to the device for [start, start + count)."""
        out = np.zeros(count, np.float32)
        if self._current is not None:
            _, begin, samples = self._current
            _add(out, start, begin, samples)
        for begin, samples in self._earcons:
            _add(out, start, begin, samples)
        self._earcons = [(b, s) for b, s in self._earcons if b + s.size > start + count]
        return out


def _add(out: np.ndarray, start: int, begin: int, samples: np.ndarray) -> None:
    """Add the part of `samples` (starting at sample `begin`) that falls into `out` (starting at `start`)."""
    lo, hi = max(start, begin), min(start + out.size, begin + samples.size)
    if lo < hi:
        out[lo - start:hi - start] += samples[lo - begin:hi - begin]


class Microphone:
    """Sums what reaches the microphone: sources added at absolute sample positions, plus noise."""

    def __init__(self, room: Room, seed: int):
        self.room = room
        self.rng = np.random.default_rng([seed, 99])
        self._base = 0
        self._buffer = np.zeros(RATE * 4, np.float32)

    def add(self, at: int, samples: np.ndarray) -> None:
        """Mix `samples` in from sample `at` on (at >= the next sample to be taken)."""
        offset = at - self._base
        need = offset + samples.size
        if need > self._buffer.size:
            self._buffer = np.concatenate([self._buffer, np.zeros(need - self._buffer.size + RATE, np.float32)])
        self._buffer[offset:need] += samples

    def take(self, count: int) -> np.ndarray:
        """The next `count` samples the microphone hears, as float32 (full scale 1.0)."""
        out = self._buffer[:count].copy()
        self._buffer = np.concatenate([self._buffer[count:], np.zeros(count, np.float32)])
        out += self.room.noise_at(self._base, count) + mic_floor(self.rng, count)
        self._base += count
        return out


def to_pcm(samples: np.ndarray) -> bytes:
    """float32 full-scale samples -> 16-bit PCM bytes (clipped)."""
    return np.clip(np.round(samples * 32767.0), -32768, 32767).astype(np.int16).tobytes()


@dataclass
class SessionSetup:
    """One session to simulate."""

    seed: int
    room: Room
    drill: str
    listener: Any  # a Listener (voicecoach.listen.listener) with its recognizer
    bank: VoiceBank
    lines: LineAudio
    length_s: float = 150.0  # the persona says "stop" after this much audio
    pain: bool = False
    follow_grammar: bool = True  # tell the listener what the coach accepts (False: the naive baseline)
    settings: Any = None  # voicecoach.settings.Settings
    frontend: Any = None  # an echo canceller / front end: process(mic_pcm, reference_pcm) -> pcm


def own_music(room: Room, seconds: float):
    """The coach's own music for a room that has it: a :class:`~voicecoach.speak.music.MusicPlayer`
    whose mixer holds the room's music, looped for `seconds`; None for other rooms."""
    if room.music is None:
        return None
    from voicecoach.speak.music import MusicMixer, MusicPlayer

    mixer = MusicMixer(RATE, level=1.0)  # the room's music is already at the level it plays at
    for _ in range(int(seconds * RATE // room.music.size) + 1):
        mixer.feed(0, room.music)
    return MusicPlayer(None, mixer, None)


def run_session(setup: SessionSetup) -> SessionLog:
    """Simulate one session to its end (or :data:`TAIL_S` past the persona's "stop")."""
    import time

    from voicecoach.program.load import load_library
    from voicecoach.program.plan import single_drill_plan
    from voicecoach.settings import Settings

    cpu0 = time.process_time()
    settings = setup.settings or Settings()
    library = load_library(include_user=False)
    clock = FakeClock()
    music = own_music(setup.room, setup.length_s + 120.0)  # the coach's own music (the "ownmusic" room)
    coach = Coach(library, single_drill_plan(library, setup.drill), settings.coach, speech_rate=settings.voice.rate,
                  music=music is not None)
    voice = CoachVoice(setup.lines, settings.voice.volume)
    mic = Microphone(setup.room, setup.seed)
    persona = Persona(setup.bank, setup.seed, setup.length_s, setup.pain)
    listener = setup.listener
    log = SessionLog(setup.seed, setup.room.kind.name, setup.drill,
                     rt60_s=setup.room.rt60_s if setup.room.kind.echo else float("nan"))
    said: list[tuple[str, str]] = []
    commands: list[frozenset | None] = [None]

    def carry_out(actions: list[Any], sample: int) -> None:
        for action in actions:
            if isinstance(action, Say):
                if action.interrupt:
                    for done in voice.stop(sample):
                        carry_out(coach.handle(done), sample)
                voice.say(action.text)
                said.append((action.kind, action.text))
            elif isinstance(action, Earcon):
                voice.earcon(action.name, sample)
            elif isinstance(action, Music) and music is not None:
                music.steer(action.op, action.gain)
        if setup.follow_grammar:
            wanted = listening_for(coach)
            if wanted != commands[0]:
                commands[0] = wanted
                listener.set_commands(wanted)

    carry_out(coach.begin_session(0.0), 0)
    sample, limit = 0, int((setup.length_s + 120.0) * RATE)
    stop_said_at: float | None = None
    while sample < limit:
        t = sample / RATE
        clock.set(t)
        due = coach.next_due()
        if due is not None and due <= t:
            carry_out(coach.handle(Tick(t)), sample)
        for event in voice.advance(sample):
            listener.set_speaking(voice.playing)
            carry_out(coach.handle(event), sample)
        if coach.state == "ended" and not voice.playing:
            break
        view = CoachView(t, coach.state, frozenset(c.value for c in listening_for(coach)),
                         voice.playing, said[:], Command.YES in coach.accepted_commands() and coach.state != "form_check")
        said.clear()
        utterance = persona.step(view)
        if utterance is not None:
            position = coach.position["set"] - 1
            mic.add(sample, setup.room.person(utterance.clip.audio, position))
            if utterance.attempt is not None:
                utterance.attempt.distance_m = setup.room.distance(position)
            if utterance.attempt is not None and utterance.attempt.command == "stop" and stop_said_at is None:
                stop_said_at = t
        played = voice.block(sample, BLOCK)
        if music is not None:  # mixed into what is played, as the player does: the reference has it too
            music.mixer.mix(played, ducked=voice.playing)
        wet = setup.room.coach(played) if played.any() else None
        if wet is not None:
            mic.add(sample, wet)
        pcm = to_pcm(mic.take(BLOCK))
        if setup.frontend is not None:
            pcm = setup.frontend.process(pcm, to_pcm(played))
        sample += BLOCK
        for decision in listener.feed(pcm):
            at = sample / RATE
            kind = "unsure" if isinstance(decision, CommandUnsure) else "heard"
            log.decisions.append(Decision(decision.command, at, kind, decision.text, coach.state,
                                          getattr(decision, "source", "")))
            persona.coach_acted(decision.command, at)  # acting, or asking "Stop the workout?", is a reaction
            event = CommandHeard(decision.command, decision.text, decision.confidence, decision.source,
                                 decision.engine, at) if kind == "heard" else CommandUnsure(
                decision.command, decision.text, decision.confidence, decision.engine, at)
            carry_out(coach.handle(event), sample)
        if stop_said_at is not None and t > stop_said_at + TAIL_S:
            break
    log.duration_s = sample / RATE
    log.intentions = persona.intentions
    log.distractors = persona.distractors
    log.coach_talk = voice.spans
    log.end_reason = coach.state
    log.cpu_s = time.process_time() - cpu0
    return log
