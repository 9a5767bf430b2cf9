"""The one family of events and actions that flows through a session, and the hardware Protocols.

Everything that happens goes into one queue as an *event*; only the session loop hands events to
the coach. The coach answers with *actions*, which the session carries out (speak, play an earcon,
record history). Hardware sits behind the small Protocols at the bottom, so tests pass fakes in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence

# ---- events: into the coach -------------------------------------------------------------------


@dataclass(frozen=True)
class CommandHeard:
    """The person said (or typed) a command."""

    command: str  # a Command value, e.g. "next"
    text: str = ""  # what was heard
    confidence: float = 1.0
    source: str = "keyboard"  # "partial", "final", "keyboard", "script"
    engine: str = ""  # "vosk", "pocketsphinx", "" for keyboard
    at: float = 0.0  # clock seconds


@dataclass(frozen=True)
class NotUnderstood:
    """Speech was heard but matched no command (answered, never acted on)."""

    text: str
    at: float = 0.0


@dataclass(frozen=True)
class CommandUnsure:
    """A costly command (stop, skip) heard with borderline confidence: ask before acting.

    The coach should ask ("Stop the workout?") and act on "yes"; the listener accepts yes/no next.
    """

    command: str
    text: str = ""
    confidence: float = 0.0
    engine: str = ""
    at: float = 0.0


@dataclass(frozen=True)
class Tick:
    """The clock moved on; `now` is clock seconds."""

    now: float


@dataclass(frozen=True)
class SpeechStarted:
    utterance_id: int
    at: float


@dataclass(frozen=True)
class SpeechDone:
    """An utterance finished playing (or was cut off: `interrupted`)."""

    utterance_id: int
    at: float
    interrupted: bool = False


@dataclass(frozen=True)
class DeviceChanged:
    """A microphone or speaker went away or came back."""

    kind: str  # "input" | "output"
    available: bool
    detail: str = ""


# ---- actions: out of the coach ----------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    """Speak a line. `kind` is "cue", "count", "info", "safety", "prompt", ... (for logs and tests)."""

    text: str
    kind: str = "info"
    interrupt: bool = False  # cut off whatever is playing first (stop, pain)


@dataclass(frozen=True)
class Earcon:
    """Play a short tone: "listening", "accepted", "beat", "rest_over"."""

    name: str


@dataclass(frozen=True)
class Volume:
    """Set the speech volume to `gain` times the rendered level ("louder" / "quieter")."""

    gain: float


@dataclass(frozen=True)
class Music:
    """Steer the coach's own music: "play", "pause" (it keeps its place), "next" (song), or
    "gain" (`gain` times the set music volume)."""

    op: str
    gain: float = 1.0


@dataclass(frozen=True)
class Record:
    """A fact for the history store, e.g. Record("set_done", {...})."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict)


# ---- hardware protocols -----------------------------------------------------------------------


@dataclass(frozen=True)
class Heard:
    """One recognizer result: text with a confidence, partial or final, at an audio time."""

    text: str
    confidence: float
    final: bool
    at: float  # audio seconds since the stream started
    silence_s: float = float("nan")  # non-speech audio just before `at` (engine's VAD); NaN = unknown


class Recognizer(Protocol):
    """Speech in: feed 16-bit mono PCM chunks, get results."""

    def accept(self, chunk: bytes) -> list[Heard]: ...

    def reset(self) -> None: ...

    def set_commands(self, phrases: Sequence[str]) -> None: ...


class Speaker(Protocol):
    """Speech out: non-blocking; reports SpeechStarted/SpeechDone to the session queue."""

    def say(self, text: str, kind: str = "info") -> int: ...

    def stop(self) -> None: ...

    def earcon(self, name: str) -> None: ...


class Recorder(Protocol):
    """History out: the session hands every `Record` action to this (SQLite in production)."""

    def record(self, kind: str, data: dict[str, Any]) -> None: ...


# The `Record` kinds the coach emits, and the keys of their data. One place for this contract:
# the coach writes them, the history store reads them.
RECORD_KINDS: dict[str, tuple[str, ...]] = {
    "session_started": ("plan", "language"),  # plan: list of {"drill", "sets", "variation", "start_set"}
    "set_started": ("drill", "set", "variation", "load_kg"),
    "set_done": ("drill", "set", "reps", "target_reps", "tempo_scale", "verbosity", "variation", "load_kg", "ended_early"),
    "form_check": ("drill", "set", "answer"),  # answer: "yes" | "no"
    "pain": ("drill", "set", "phrase"),
    "command": ("command", "text", "confidence", "engine", "source", "state"),
    "drill_done": ("drill", "sets_done", "skipped"),
    "session_ended": ("reason",),  # "completed" | "stopped" | "pain"
    "goal": ("goal",),  # the answer to the goal question (004), asked once: "strength" | "endurance"
}
