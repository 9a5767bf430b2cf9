"""A simulated person training with the coach: what they say, when, and in whose voice.

:class:`VoiceBank` holds the person's audio: real recordings of ``../shared/realspeech/`` where the
word exists (go for next, stop, yes, no), piper and espeak-ng renders of every other command
phrase, and things that must trigger nothing: real spoken coffee orders, everyday talk, counting
along, breathing and grunts.

:class:`Persona` decides what to say from what the coach does, like a person would: "next" at the
ready prompt (often before the coach has finished it), an answer to a form check or to "Stop the
workout?", "resume" after a pause, and at moments of their own choosing a "repeat" after a cue,
"how many left", "slower", a pause mid-set, two commands 1-2 s apart, "that hurts" in a few
sessions, "stop" at the end. Between commands it talks and breathes. When a command gets no
reaction within :data:`RETRY_AFTER_S` it says it again, up to :data:`MAX_RETRIES` times.

Everything is drawn from one seeded generator, so a session replays exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voicecoach.bench.synth import RATE, Renderer, Voice, speech_bounds

RETRY_AFTER_S = 2.0  # no reaction this long after the word ends: say it again
MAX_RETRIES = 3
REAL_WORDS = {"next": "go", "stop": "stop", "yes": "yes", "no": "no"}  # command -> realspeech folder
EN_VOICES = (Voice("piper", "joe", 0.9), Voice("piper", "joe", 1.15), Voice("espeak-ng", "en-us"),
             Voice("espeak-ng", "en-us+f3", 1.1), Voice("espeak-ng", "en-gb", 0.9), Voice("espeak-ng", "en-us+m4"))
KO_VOICES = (Voice("espeak-ng", "ko"), Voice("espeak-ng", "ko+f3", 1.1), Voice("espeak-ng", "ko+m3", 0.9))
# What a person would say for each command (the first phrases of the vocabulary, most natural first).
PHRASES_PER_COMMAND = 2
# The coach's questions, by the state that waits for the answer: (answer, probability) pairs.
ANSWERS: dict[str, tuple[tuple[str, float], ...]] = {
    "form_check": (("yes", 0.65), ("no", 0.35)),
    "back_check": (("no", 1.0),),  # "Any pain in your low back?"
    "pain_check": (("no", 1.0),),  # "Does it still hurt?"
    "goal": (("strength", 0.5), ("endurance", 0.5)),
    "weight": (("weight", 1.0),),  # "... kilos"
    "form_detail": (("head", 0.3), ("upper_back", 0.4), ("tailbone", 0.3)),
    "offer": (("no", 1.0),),
}


@dataclass(frozen=True)
class Clip:
    """One thing the person says: audio (float32, 16 kHz, trimmed to the speech) and what it is."""

    audio: np.ndarray = field(repr=False)
    command: str | None  # the Command value it should decide, None = must decide nothing
    text: str
    voice: str


class VoiceBank:
    """The person's voices: real recordings where they exist, renders for the rest (memoised)."""

    def __init__(self, language: str, realspeech: Path | None, renderer: Renderer | None = None):
        from voicecoach.coach.commands import Command, load_vocabulary

        self.language = language
        self.vocabulary = load_vocabulary(language)
        self.render = renderer or Renderer()
        self.voices = KO_VOICES if language == "ko" else EN_VOICES
        self._real: dict[str, list[Path]] = {}
        self._negatives: list[Path] = []
        if realspeech is not None and language == "en":
            for command, folder in REAL_WORDS.items():
                self._real[command] = sorted((Path(realspeech) / folder).glob("*.wav"))
            self._negatives = sorted((Path(realspeech) / "_negative_speech").glob("*.wav"))
        self._phrases = {c.value: self.vocabulary.phrases_for(c)[:PHRASES_PER_COMMAND] for c in Command}
        self._memo: dict[tuple, np.ndarray] = {}

    def command(self, command: str, rng: np.random.Generator) -> Clip:
        """A clip of the person saying `command` (real recording or render)."""
        real = self._real.get(command, [])
        if real and rng.random() < 0.7:
            path = real[int(rng.integers(0, len(real)))]
            return Clip(self._file(path), command, REAL_WORDS[command], f"human:{path.stem}")
        phrases = self._phrases[command]
        phrase = phrases[int(rng.integers(0, len(phrases)))]
        voice = self.voices[int(rng.integers(0, len(self.voices)))]
        return Clip(self._speech(phrase, voice), command, phrase, voice.label)

    def distractor(self, kind: str, rng: np.random.Generator) -> Clip:
        """Something said or done that is not a command: "talk", "count" (one number) or "breath"."""
        from voicecoach.bench import noise as nz
        from voicecoach.bench.corpus import texts

        if kind == "talk" and self._negatives and rng.random() < 0.5:
            path = self._negatives[int(rng.integers(0, len(self._negatives)))]
            audio = self._file(path)
            start = int(rng.integers(0, max(1, audio.size - 3 * RATE)))
            return Clip(audio[start:start + int(rng.uniform(1.5, 3.5) * RATE)], None, "(coffee order)", f"human:{path.stem}")
        if kind == "breath":
            seconds = rng.uniform(0.6, 1.6)
            return Clip((nz.breathing(rng, int(seconds * RATE)) * 0.3).astype(np.float32), None, "(breath)", "noise")
        voice = EN_VOICES[int(rng.integers(0, len(EN_VOICES)))]
        pool = texts()["counting" if kind == "count" else "everyday"]
        text = pool[int(rng.integers(0, len(pool)))]
        if kind == "count":
            text = " ".join(text.split()[:1])
        return Clip(self._speech(text, voice), None, text, voice.label)

    def _file(self, path: Path) -> np.ndarray:
        key = ("file", path)
        if key not in self._memo:
            from voicecoach.speak.wav import read_wav, resample

            samples, rate = read_wav(path)
            audio = resample(samples, rate, RATE).astype(np.float32)
            start, end = speech_bounds(audio)
            self._memo[key] = audio[max(0, start - 800):end + 800]
        return self._memo[key]

    def _speech(self, text: str, voice: Voice) -> np.ndarray:
        return self.render(text, voice)


@dataclass
class Attempt:
    """One time the person said a command."""

    group: int  # which intention it belongs to (retries share it)
    number: int  # 0 = the first time, 1.. = retries
    command: str
    text: str
    voice: str
    start: float  # audio seconds
    word_end: float
    over_coach: bool  # the coach was talking when it began
    distance_m: float = float("nan")  # from the person to the microphone (set by the session)


@dataclass
class Intention:
    """A command the person wants the coach to act on, with its attempts."""

    id: int
    command: str
    attempts: list[Attempt] = field(default_factory=list)
    obeyed_at: float | None = None
    given_up: bool = False


@dataclass
class Utterance:
    """What the persona starts saying now: a clip, and the attempt it is (None for distractors)."""

    clip: Clip
    attempt: Attempt | None


@dataclass
class CoachView:
    """What the persona can tell of the coach at a moment (as a person hears it)."""

    now: float
    state: str
    accepted: frozenset[str]  # command values the coach would act on now
    talking: bool
    said: list[tuple[str, str]]  # (kind, text) of lines the coach began since the last look
    confirming: bool  # the coach asked "Stop the workout?"-style yes/no


class Persona:
    """Chooses what to say and when; told what the coach did, it retries like a person."""

    def __init__(self, bank: VoiceBank, seed: int, length_s: float, pain: bool = False):
        self.bank = bank
        self.rng = np.random.default_rng([seed, 4242])
        self.length_s = length_s
        self.pain_at = float(self.rng.uniform(0.4, 0.9) * length_s) if pain else None
        self.intentions: list[Intention] = []
        self.distractors: list[tuple[float, float, str]] = []  # (start, end, text)
        self._busy_until = 0.0
        self._queue: list[tuple[float, str, bool]] = []  # (when, command, wait for the coach to finish)
        self._next_random = float(self.rng.uniform(4, 10))
        self._next_distractor = float(self.rng.uniform(6, 15))
        self._pending: Intention | None = None
        self._retry_at: float | None = None
        self._stopping = False
        self._unpause_at: float | None = None
        self._stop_said = False
        self._last_state = ""

    # ---- told by the session --------------------------------------------------------------

    def coach_acted(self, command: str, at: float) -> None:
        """The coach acted on `command` (its reaction is heard at once)."""
        pending = self._pending
        if pending is not None and pending.obeyed_at is None and command == pending.command:
            pending.obeyed_at = at
            self._pending, self._retry_at = None, None

    # ---- asked every step -----------------------------------------------------------------

    def step(self, view: CoachView) -> Utterance | None:
        """What to start saying now, if anything."""
        self._plan(view)
        if view.now < self._busy_until:
            return None
        if self._retry_at is not None and view.now >= self._retry_at:
            return self._retry(view)
        due = [q for q in self._queue if q[0] <= view.now]
        if due:
            when, command, wait = due[0]
            self._queue.remove(due[0])
            if wait:  # a person lets the line finish, then answers 0.3-2 s later
                self._queue.insert(0, (view.now + (0.1 if view.talking else self._delay()), command, view.talking))
            elif command in view.accepted:
                return self._say_command(command, view, new=True)
        if self._pending is None and view.now >= self._next_distractor:
            self._next_distractor = view.now + float(self.rng.uniform(10, 25))
            kind = "count" if view.state == "set" and self.rng.random() < 0.4 else str(self.rng.choice(["talk", "breath"]))
            return self._say(self.bank.distractor(kind, self.rng), None, view)
        return None

    def _plan(self, view: CoachView) -> None:
        """React to the lines the coach just began, and to the time."""
        rng = self.rng
        if view.state != self._last_state and view.state in ANSWERS and not self._stopping:
            answers, weights = zip(*ANSWERS[view.state])
            answer = str(rng.choice(answers, p=np.array(weights) / sum(weights)))
            if answer in view.accepted:
                self._plan_command(answer, view, during=rng.random() < 0.2)
        self._last_state = view.state
        for kind, _text in view.said:
            if view.confirming:
                self._queue = [(view.now, "yes" if self._stopping else "no", True)]
            elif kind == "prompt" and view.state == "ready" and rng.random() < 0.85:
                self._plan_command("next", view, during=rng.random() < 0.35)
            elif kind == "cue" and rng.random() < 0.06:
                self._plan_command("repeat", view)
        if view.state == "paused" and self._unpause_at is None:
            self._unpause_at = view.now + float(rng.uniform(2.0, 5.0))
        if view.state == "paused" and self._unpause_at is not None and view.now >= self._unpause_at and not self._queue:
            self._queue.append((view.now, "resume", False))
            self._unpause_at = view.now + 6.0  # if this is missed, ask again later
        if view.state != "paused":
            self._unpause_at = None
        if self.pain_at is not None and view.now >= self.pain_at and view.state == "set":
            self.pain_at = None
            self._queue = [(view.now, "pain", False)]
            self._stopping = True
        if view.state == "safety" and not self._queue and self._pending is None and not self._stop_said:
            self._stop_said = True
            self._queue.append((view.now, "stop", True))
        if view.now >= self.length_s and not self._stopping:
            self._stopping = True
            self._queue = [(view.now, "stop", True)]
        if view.now >= self._next_random and not self._queue and not self._stopping:
            self._next_random = view.now + float(rng.uniform(6, 14))
            choice = self._random_command(view)
            if choice:
                self._queue.append((view.now, choice, False))
                if rng.random() < 0.2:  # two commands close together
                    follow = self._random_command(view)
                    if follow and follow not in ("pause", choice):
                        self._queue.append((view.now + 0.01, follow, False))

    def _random_command(self, view: CoachView) -> str | None:
        options = {"set": ("status", "repeat", "pause", "slower", "faster", "done"),
                   "rest": ("status", "next", "repeat"), "intro": ("repeat", "next"),
                   "ready": ("status", "repeat")}.get(view.state, ())
        weights = {"status": 3, "repeat": 3, "pause": 2, "slower": 1, "faster": 1, "done": 0.5, "next": 2}
        options = tuple(o for o in options if o in view.accepted)
        if not options:
            return None
        p = np.array([weights[o] for o in options], float)
        return str(self.rng.choice(options, p=p / p.sum()))

    def _plan_command(self, command: str, view: CoachView, during: bool = False) -> None:
        """Say `command` after the coach's line (0.3-2 s after it ends), or while it is still talking."""
        when = view.now + (float(self.rng.uniform(0.5, 1.5)) if during else 0.0)
        self._queue.append((when, command, not during))

    def _delay(self) -> float:
        return float(self.rng.uniform(0.3, 2.0))

    # ---- speaking ----------------------------------------------------------------------------

    def _say_command(self, command: str, view: CoachView, new: bool) -> Utterance | None:
        if new:
            if self._pending is not None and self._pending.obeyed_at is None:
                self._pending.given_up = True
            self._pending = Intention(len(self.intentions), command)
            self.intentions.append(self._pending)
        clip = self.bank.command(command, self.rng)
        attempt = Attempt(self._pending.id, len(self._pending.attempts), command, clip.text, clip.voice, view.now,
                          view.now + clip.audio.size / RATE, view.talking)
        self._pending.attempts.append(attempt)
        self._retry_at = attempt.word_end + RETRY_AFTER_S
        return self._say(clip, attempt, view)

    def _retry(self, view: CoachView) -> Utterance | None:
        pending = self._pending
        self._retry_at = None
        if pending is None:
            return None
        if len(pending.attempts) > MAX_RETRIES or pending.command not in view.accepted:
            pending.given_up = True
            self._pending = None
            return None
        return self._say_command(pending.command, view, new=False)

    def _say(self, clip: Clip, attempt: Attempt | None, view: CoachView) -> Utterance:
        end = view.now + clip.audio.size / RATE
        self._busy_until = end + float(self.rng.uniform(1.0, 2.0))  # no one says two things closer together
        if attempt is None:
            self.distractors.append((view.now, end, clip.text))
        return Utterance(clip, attempt)
