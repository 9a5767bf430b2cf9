"""All settings in one place: a frozen dataclass tree, merged once at start.

Precedence, lowest to highest: built-in defaults, the user's config file
(``~/.config/voicecoach/config.toml``), ``VOICECOACH_<SECTION>_<KEY>`` environment variables
(e.g. ``VOICECOACH_VOICE_RATE=150``), then command-line flags. The result is passed down; nothing
reads configuration deep inside a loop.

Config file example::

    [voice]
    rate = 150          # words per minute
    output_device = "USB"

    [listen]
    barge_in = "full"   # earbuds: the mic cannot hear the coach

    [music]
    folder = "~/Music/training"   # the coach plays it, ducked under its voice
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping

from voicecoach import paths
from voicecoach.errors import ConfigError, UserError
from voicecoach.infile import parse_toml, read_user_text


@dataclass(frozen=True)
class CoachSettings:
    """How a session unfolds."""

    language: Literal["en", "ko"] = "en"  # command vocabulary (cues stay English)
    count_in_s: float = 10.0  # seconds the ready prompt waits before starting a set; 0 = wait for "next"
    tempo_scale: float = 1.0  # multiplies every phase duration (slower > 1 > faster)
    verbosity: Literal["full", "normal", "terse"] = "normal"  # full cues / rotating cue / counts only
    mistake_every: int = 4  # mid-set, the fix for a mistake the person reported, every N reps
    rest_scale: float = 1.0  # multiplies the drill's rest time
    step_pause_s: float = 2.0  # seconds after each spoken set-up step, to do it
    answer_timeout_s: float = 15.0  # seconds a form-check question waits for yes or no
    safety_timeout_s: float = 60.0  # seconds after a pain stop before the session ends by itself


@dataclass(frozen=True)
class VoiceSettings:
    """Speech out."""

    engine: Literal["pyttsx3", "piper", "none"] = "pyttsx3"  # "none": text only
    voice: str = ""  # pyttsx3 voice id or name substring; "" = engine default
    rate: int = 160  # words per minute
    volume: float = 1.0  # 0.0 .. 1.0, also scales earcons
    output_device: str = ""  # sounddevice index or name substring; "" = system default
    piper_model: str = ""  # path to a piper .onnx voice (engine = "piper")
    earcons: bool = True  # chimes and ticks
    metronome: bool = False  # a beat at each rep phase


@dataclass(frozen=True)
class ListenSettings:
    """Speech in."""

    engine: Literal["auto", "vosk", "pocketsphinx", "keyboard"] = "auto"
    model: str = ""  # Vosk model dir; "" = look up (see `voicecoach model path`)
    input_device: str = ""  # sounddevice index or name substring; "" = system default
    barge_in: Literal["auto", "half", "full"] = "auto"  # half: only stop/pause/pain while the coach talks; full: every command (earbuds); auto: full while the echo is cancelled, else half
    stable_partial_s: float = 0.09  # a partial must hold this long (audio time) to act on it
    min_confidence: float = 0.6  # word confidence needed to act
    strict_confidence: float = 0.8  # for stop and skip
    barge_in_confidence: float = 0.75  # while the coach is speaking
    speech_tail_s: float = 0.4  # after the coach stops talking, still half-duplex this long
    end_silence_s: float = 0.15  # a partial acts only after this much non-speech (seconds, VAD)
    utterance_end_s: float = 0.45  # Vosk: end the utterance after this much non-speech (s); 0 = Vosk's own (~0.8 s)
    echo_cancel: Literal["auto", "webrtc", "system", "off"] = "auto"  # webrtc: ours (AEC3 + a linear canceller); system: the sound server's; auto: system if loaded, else ours (docs/listening.md)
    vad: Literal["auto", "silero", "webrtc"] = "auto"  # voice activity for the end-of-word wait: Silero, PocketSphinx's WebRTC-style one, or auto: Silero, the WebRTC-style one on the echo canceller's output
    noise_suppression: Literal["off", "low", "moderate", "high", "very_high"] = "off"  # WebRTC NS: 6 / 12 / 18 / 21 dB of noise removed
    live_partials: bool = False  # PocketSphinx: partial results on the audio as it comes, not 0.3 s late as its endpointer hands it back; off: no clear gain yet (docs/listening.md)
    utterance_end: Literal["speech", "sound"] = "speech"  # PocketSphinx: speech: an utterance ends where Silero hears speech end, though music or noise goes on; sound: its endpointer alone (docs/listening.md)


@dataclass(frozen=True)
class MusicSettings:
    """The coach's own music (docs/listening.md, "The coach's music")."""

    folder: str = ""  # play the music files in this folder (shuffled, looped), ducked under the coach; "" = none
    volume: float = 0.4  # the music's level, times the files' own (the coach's voice is about 0.1 RMS)


@dataclass(frozen=True)
class StoreSettings:
    """History on disk."""

    db: str = ""  # SQLite file; "" = <data dir>/history.sqlite3


@dataclass(frozen=True)
class Settings:
    """The whole tree. Build it with :func:`load_settings`."""

    coach: CoachSettings = field(default_factory=CoachSettings)
    voice: VoiceSettings = field(default_factory=VoiceSettings)
    listen: ListenSettings = field(default_factory=ListenSettings)
    music: MusicSettings = field(default_factory=MusicSettings)
    store: StoreSettings = field(default_factory=StoreSettings)


@dataclass(frozen=True)
class Range:
    """The values a numeric setting may take, inclusive, and the unit they are in."""

    low: float
    high: float
    unit: str

    def describe(self) -> str:
        """``from 0 to 1`` / ``from 80 to 450 words per minute``, for error messages."""
        low, high = (f"{v:g}" for v in (self.low, self.high))
        return f"from {low} to {high}" + (f" {self.unit}" if self.unit else "")


# Every numeric setting's range, checked at load for the file, the environment and flags alike
# (NaN and infinity are never in range). tests/test_settings.py checks each number has one.
RANGES: dict[str, Range] = {
    "coach.count_in_s": Range(0, 120, "seconds"),
    "coach.tempo_scale": Range(0.5, 3, "times the drill's tempo"),
    "coach.mistake_every": Range(0, 100, "reps (0 = never)"),
    "coach.rest_scale": Range(0.1, 5, "times the drill's rest"),
    "coach.step_pause_s": Range(0, 30, "seconds"),
    "coach.answer_timeout_s": Range(1, 300, "seconds"),
    "coach.safety_timeout_s": Range(1, 3600, "seconds"),
    "voice.rate": Range(80, 450, "words per minute"),  # espeak-ng's own limits
    "voice.volume": Range(0, 1, ""),
    "listen.stable_partial_s": Range(0, 2, "seconds"),
    "listen.min_confidence": Range(0, 1, ""),
    "listen.strict_confidence": Range(0, 1, ""),
    "listen.barge_in_confidence": Range(0, 1, ""),
    "listen.speech_tail_s": Range(0, 5, "seconds"),
    "listen.end_silence_s": Range(0, 2, "seconds"),
    "listen.utterance_end_s": Range(0, 5, "seconds"),
    "music.volume": Range(0, 1, ""),
}


# Short environment names the issues and docs promise, mapped to their full key.
ENV_ALIASES = {"VOICECOACH_DB": "store.db", "VOICECOACH_MODEL": "listen.model"}


def _sections() -> dict[str, type]:
    """Section name -> its dataclass, in declaration order."""
    return typing.get_type_hints(Settings)


def describe_allowed(section_cls: type, key: str) -> str:
    """Say in words what values a key accepts, for error messages."""
    hint = typing.get_type_hints(section_cls)[key]
    if typing.get_origin(hint) is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(hint))
    return {bool: "true or false", int: "a whole number", float: "a number", str: "text"}[hint]


def _coerce(section_cls: type, key: str, value: Any, from_text: bool, dotted: str = "") -> Any:
    """Convert and check one value (type, then range); raise ValueError with what is allowed."""
    hint = typing.get_type_hints(section_cls)[key]
    if typing.get_origin(hint) is Literal:
        allowed = typing.get_args(hint)
        if value not in allowed:
            raise ValueError(describe_allowed(section_cls, key))
        return value
    if from_text and isinstance(value, str):
        try:
            if hint is bool:
                lowered = value.strip().lower()
                if lowered in ("1", "true", "yes", "on"):
                    return True
                if lowered in ("0", "false", "no", "off"):
                    return False
                raise ValueError
            if hint is int:
                value = int(value)
            elif hint is float:
                value = float(value)
        except ValueError:
            raise ValueError(describe_allowed(section_cls, key)) from None
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if type(value) is not hint:
        raise ValueError(describe_allowed(section_cls, key))
    if hint is str and ("\0" in value or not value.isprintable() and _not_utf8(value)):
        raise ValueError("text (UTF-8, no control characters)")
    allowed = RANGES.get(dotted)
    if allowed is not None and not ((hint is int or math.isfinite(value)) and allowed.low <= value <= allowed.high):
        raise ValueError(f"{describe_allowed(section_cls, key)} {allowed.describe()}")
    return value


def _not_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _apply(overrides: dict[str, dict[str, Any]], source: str, section: str, key: str, value: Any, from_text: bool) -> None:
    sections = _sections()
    if section not in sections:
        raise ConfigError(f"{source}: unknown section [{section}]; allowed: {', '.join(sections)}")
    cls = sections[section]
    names = [f.name for f in dataclasses.fields(cls)]
    if key not in names:
        raise ConfigError(f"{source}: unknown key {section}.{key}; allowed: {', '.join(names)}")
    try:
        overrides.setdefault(section, {})[key] = _coerce(cls, key, value, from_text, f"{section}.{key}")
    except ValueError as error:
        raise ConfigError(f"{source}: {section}.{key} = {value!r} is not allowed; expected {error}") from None


def read_config_file(path: Path, required: bool = False, named_by: str = "--config path") -> dict[str, dict[str, Any]]:
    """Parse and check a config file; a missing file is an empty config unless `required`.

    Only a regular file of at most 1 MB is read (:mod:`voicecoach.infile`): a FIFO or a device
    named as the config is one line, exit 2, not a hang."""
    try:
        text = read_user_text(path, "config file", missing_ok=True)
    except UserError as error:
        raise ConfigError(str(error)) from None
    if text is None:
        if required:
            raise ConfigError(f"{path}: no such config file; check the {named_by}")
        return {}
    try:
        data = parse_toml(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    overrides: dict[str, dict[str, Any]] = {}
    for section, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: '{section}' must be a [section]; allowed: {', '.join(_sections())}")
        for key, value in table.items():
            _apply(overrides, str(path), section, key, value, from_text=False)
    return overrides


def read_environment(environ: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Pick ``VOICECOACH_<SECTION>_<KEY>`` (and the short aliases) out of an environment."""
    overrides: dict[str, dict[str, Any]] = {}
    sections = _sections()
    for name, value in sorted(environ.items()):
        if name in ENV_ALIASES:
            section, key = ENV_ALIASES[name].split(".")
        elif name.startswith("VOICECOACH_"):
            rest = name[len("VOICECOACH_"):].lower()
            section, _, key = rest.partition("_")
            if section not in sections:
                continue  # e.g. VOICECOACH_CONFIG, not a setting
        else:
            continue
        _apply(overrides, f"environment {name}", section, key, value, from_text=True)
    return overrides


def load_settings(
    config_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    flags: Mapping[str, Any] | None = None,
    config_required: bool = False,
    flag_names: Mapping[str, str] | None = None,
) -> Settings:
    """Merge defaults, config file, environment and flags (``{"voice.rate": 150}``), in that order.

    `config_required`: the config file was named explicitly (``--config``), so a missing one is an
    error; so is a missing one named by ``VOICECOACH_CONFIG``. `flag_names`: ``{"coach.count_in_s": "--count-in"}``, to name the option in messages.
    """
    environ = os.environ if environ is None else environ
    named_by = "--config path"
    if config_path is None and environ.get("VOICECOACH_CONFIG"):  # named: it must exist
        config_path, config_required, named_by = Path(environ["VOICECOACH_CONFIG"]), True, "VOICECOACH_CONFIG variable"
    config_path = config_path or paths.config_file()
    merged: dict[str, dict[str, Any]] = {}
    layers = [read_config_file(config_path, config_required, named_by), read_environment(environ)]
    flag_layer: dict[str, dict[str, Any]] = {}
    for dotted, value in (flags or {}).items():
        if value is None:
            continue
        section, key = dotted.split(".")
        name = (flag_names or {}).get(dotted) or f"--{key.replace('_', '-')}"
        _apply(flag_layer, f"option {name}", section, key, value, from_text=isinstance(value, str))
    layers.append(flag_layer)
    for layer in layers:
        for section, values in layer.items():
            merged.setdefault(section, {}).update(values)
    sections = _sections()
    return Settings(**{name: cls(**merged.get(name, {})) for name, cls in sections.items()})


def db_path(settings: Settings) -> Path:
    """The history database file the settings point at."""
    return expand_path(settings.store.db) if settings.store.db else paths.data_dir() / "history.sqlite3"


def expand_path(text: str) -> Path:
    """A path setting with ``~`` expanded; ``~nobody`` (no such user) stays as written."""
    try:
        return Path(text).expanduser()
    except RuntimeError:
        return Path(text)
