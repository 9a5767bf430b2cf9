"""The benchmark's test-audio corpus: generated, seeded, deterministic, cached outside git.

``build_corpus(profile, seed)`` writes 16 kHz mono WAV files and a ``manifest.json`` that lists
every item: its path, the command it holds (or null), where the spoken words start and end (in
seconds, sample-accurate: the generator places the speech itself), the voice, the noise and SNR,
and its category:

* ``command``: every command phrase (English: piper joe voice at a few speeds and several
  espeak-ng voices; Korean: espeak-ng's Korean voice), pitch/tempo perturbed, silence around it,
  clean and mixed with white/pink/babble/music noise at 20/10/6/0 dB SNR, some with room reverb.
* ``negative``: must decide nothing: everyday and coaching talk without a command phrase,
  counting, breathing-like noise, near silence (at least 30 minutes in the full profile).
* ``self``: every line the coach can say, in the coach's own voice, at speaker-to-mic gain, dry
  and with reverb; ``coach_speech`` lists when the coach was talking.
* ``real_command`` / ``real_negative``: padded copies of the human recordings in
  ``realspeech/`` (README there), when that folder exists.

The cache folder is named by a hash of everything that shapes the audio, so a changed phrase,
line, profile or seed makes a new corpus and an unchanged one is reused.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import string
import tomllib
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from voicecoach import paths
from voicecoach.bench import noise as nz
from voicecoach.bench.synth import RATE, Renderer, Voice, perturb, reverb, speech_bounds
from voicecoach.coach.commands import load_vocabulary, normalize
from voicecoach.speak.wav import read_wav, resample, write_wav

GENERATOR_VERSION = 1  # bump when the generator's output changes for the same inputs
SNRS_DB = (20, 10, 6, 0)
LEAD_S = (0.4, 1.0)  # silence before a command, seconds (uniform)
TAIL_S = 1.5  # silence after a command: room for the recognizer's end-of-speech detection
FLOOR_DB = -66.0  # a faint noise floor under everything (dBFS RMS), like a real microphone
SELF_GAIN = 0.35  # coach speech at the microphone relative to full scale (speaker about 1 m away)
COACH_VOICE = Voice("espeak-ng", "en", 1.0)  # the coach's default pyttsx3 voice: espeak-ng "en", 160 wpm
# Example values for the {fields} of the coach's line templates (any other field says "three").
LINE_FIELDS = {"drill": "wall hip hinge", "plan": "three sets of wall hip hinge", "equipment": "a clear wall",
               "load": "twenty", "count_in": "ten", "phrase": "that hurts", "command": "skip", "state": "rest"}
REALSPEECH_COMMANDS = {"go": "next", "stop": "stop", "yes": "yes", "no": "no"}  # folder -> command


@dataclass(frozen=True)
class Profile:
    """How big the corpus is. ``full`` is what `make bench` uses; ``tiny`` is for tests."""

    name: str
    en_voices: tuple[Voice, ...]
    ko_voices: tuple[Voice, ...]
    noisy_copies: int  # noisy versions of each clean command item (SNRs rotate)
    negative_minutes: float
    negative_item_s: float = 30.0
    self_item_s: float = 30.0
    max_phrases: int = 0  # 0 = every phrase; else the first N of each language
    max_self_lines: int = 0  # 0 = every line
    realspeech_per_folder: int = 0  # 0 = every clip


PIPER = [Voice("piper", "joe", s) for s in (0.85, 1.0, 1.2)]
PROFILES = {
    "full": Profile("full", (*PIPER, Voice("espeak-ng", "en-us"), Voice("espeak-ng", "en-us+f3", 1.1),
                             Voice("espeak-ng", "en-gb", 0.9), Voice("espeak-ng", "en-gb-scotland+m3")),
                    (Voice("espeak-ng", "ko"), Voice("espeak-ng", "ko+f3", 1.1), Voice("espeak-ng", "ko+m3", 0.9),
                     Voice("espeak-ng", "ko+f2", 1.2)),
                    noisy_copies=2, negative_minutes=30.0),
    "quick": Profile("quick", (PIPER[1], Voice("espeak-ng", "en-us+f3", 1.1), Voice("espeak-ng", "en-gb", 0.9)),
                     (Voice("espeak-ng", "ko"), Voice("espeak-ng", "ko+f3", 1.1)),
                     noisy_copies=1, negative_minutes=5.0, realspeech_per_folder=10),
    "tiny": Profile("tiny", (Voice("espeak-ng", "en-us"),), (Voice("espeak-ng", "ko"),), noisy_copies=1,
                    negative_minutes=0.5, negative_item_s=10.0, self_item_s=10.0, max_phrases=4,
                    max_self_lines=3, realspeech_per_folder=2),
}


@dataclass
class Item:
    """One corpus file and what it holds. Times are seconds from the start of the file."""

    id: str
    path: str  # relative to the corpus folder
    category: str  # command | negative | self | real_command | real_negative
    language: str  # "en" | "ko"
    text: str
    expected: str | None  # a Command value, or None: must decide nothing
    word_start: float | None
    word_end: float | None
    voice: str
    snr_db: float | None  # None = clean
    noise: str  # "none" | white | pink | babble | music | breathing | silence | kitchen
    reverb: bool
    duration: float
    coach_speech: list[list[float]] = field(default_factory=list)  # self: [start, end] of each line
    source: str = ""  # real items: the original recording


def texts() -> dict[str, list[str]]:
    """The negative/babble sentences (``texts.toml``)."""
    return tomllib.loads(resources.files("voicecoach.bench").joinpath("texts.toml").read_text("utf-8"))


def command_in(text: str, phrases: Iterable[str]) -> str | None:
    """The first command phrase that occurs in `text` as whole words, or None."""
    words = normalize(text).split()
    for phrase in phrases:
        target = phrase.split()
        if any(words[i : i + len(target)] == target for i in range(len(words) - len(target) + 1)):
            return phrase
    return None


def coach_lines() -> list[str]:
    """Every line the coach can say: each built-in drill's lines plus the coach's own fixed lines."""
    from voicecoach.program.load import load_library

    lines: list[str] = []
    for drill in load_library(include_user=False).ordered():
        lines += drill.spoken_lines()
    try:  # the coach's own fixed lines, when the coach area provides them
        from voicecoach.coach.lines import all_templates
    except ImportError:
        return list(dict.fromkeys(lines))
    for template in all_templates().values():
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        text = template.format(**{name: LINE_FIELDS.get(name, "three") for name in fields})
        lines.append(text[:1].upper() + text[1:])
    return list(dict.fromkeys(lines))


def default_realspeech_dir() -> Path:
    """`$VOICECOACH_REALSPEECH`, else ``../shared/realspeech`` next to the checkout."""
    env = os.environ.get("VOICECOACH_REALSPEECH")
    return Path(env) if env else paths.checkout_models_dir().parent.parent / "shared" / "realspeech"


def _safe(name: str) -> str:
    """A file-name-safe version of an item id."""
    return re.sub(r"[^\w.-]+", "_", name)


def _stable(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256(json.dumps(parts, default=str).encode()).digest()[:8], "little")


class _Builder:
    """Writes items into one corpus folder."""

    def __init__(self, folder: Path, seed: int, render: Renderer):
        self.folder, self.seed, self.render = folder, seed, render
        self.items: list[Item] = []
        self._babble: np.ndarray | None = None

    def rng(self, *key: object) -> np.random.Generator:
        return np.random.default_rng([self.seed, _stable(*key)])

    def babble(self) -> np.ndarray:
        if self._babble is None:
            voices = ["en-us", "en-gb", "en-us+f3", "en-us+m4", "en-029+f2"]
            sentences = [self.render(t, Voice("espeak-ng", voices[i % len(voices)])) for i, t in enumerate(texts()["everyday"])]
            self._babble = nz.babble_bed(sentences, self.rng("babble"))
        return self._babble

    def write(self, item: Item, audio: np.ndarray, rng: np.random.Generator) -> None:
        audio = audio + nz.white(rng, audio.size) * 10 ** (FLOOR_DB / 20)
        path = self.folder / item.path
        path.parent.mkdir(parents=True, exist_ok=True)
        write_wav(path, nz.normalize_peak(audio), RATE)
        item.duration = round(audio.size / RATE, 4)
        self.items.append(item)

    def command(self, language: str, phrase: str, command: str, voice: Voice, copy: int, index: int) -> None:
        item_id = _safe(f"cmd-{language}-{_stable(phrase) % 10**8:08d}-{voice.label}-{copy}")
        rng = self.rng(item_id)
        speech = self.render(phrase, voice)
        if rng.random() < 0.5:
            speech = perturb(speech, pitch_cents=rng.uniform(-150, 150), tempo=rng.uniform(0.9, 1.1))
        lead = int(rng.uniform(*LEAD_S) * RATE)
        audio = np.concatenate([np.zeros(lead, np.float32), speech * 0.5, np.zeros(int(TAIL_S * RATE), np.float32)])
        snr, kind, wet = None, "none", False
        if copy > 0:
            snr = SNRS_DB[(index + copy - 1) % len(SNRS_DB)]
            kind = nz.NOISE_KINDS[int(rng.integers(0, len(nz.NOISE_KINDS)))]
            wet = bool(rng.random() < 0.25)
            if wet:
                audio = reverb(audio)[: audio.size]
            noise = nz.noise_of(kind, rng, audio.size, self.babble() if kind == "babble" else None)
            audio = nz.mix_at_snr(audio, slice(lead, lead + speech.size), noise, snr)
        item = Item(item_id, f"command/{language}/{item_id}.wav", "command", language, phrase, command,
                    round(lead / RATE, 4), round((lead + speech.size) / RATE, 4), voice.label, snr, kind, wet, 0.0)
        self.write(item, audio, rng)

    def negative(self, index: int, kind: str, voices: list[Voice], seconds: float) -> None:
        item_id = f"neg-{kind}-{index:03d}"
        rng = self.rng(item_id)
        n = int(seconds * RATE)
        said: list[str] = []
        if kind in ("everyday", "coaching", "counting"):
            pool = texts()[kind]
            voice = voices[int(rng.integers(0, len(voices)))]
            parts, total = [np.zeros(int(rng.uniform(0.3, 1.0) * RATE), np.float32)], 0
            while total < n:
                text = pool[int(rng.integers(0, len(pool)))]
                said.append(text)
                parts += [self.render(text, voice) * 0.5, np.zeros(int(rng.uniform(0.3, 1.5) * RATE), np.float32)]
                total = sum(p.size for p in parts)
            audio = np.concatenate(parts)[:n]
            label = voice.label
        elif kind == "breathing":
            audio, label = nz.breathing(rng, n), "breathing"
        else:
            audio, label = nz.pink(rng, n) * 10 ** (-50 / 20), "silence"
        snr, noise_kind = None, kind if kind in ("breathing", "silence") else "none"
        if kind in ("everyday", "coaching") and rng.random() < 0.3:
            snr, noise_kind = float(rng.choice([20, 10])), nz.NOISE_KINDS[int(rng.integers(0, 2))]
            audio = nz.mix_at_snr(audio, slice(0, n), nz.noise_of(noise_kind, rng, n), snr)
        item = Item(item_id, f"negative/{item_id}.wav", "negative", "en", " ".join(said)[:200], None, None, None,
                    label, snr, noise_kind, False, 0.0)
        self.write(item, audio, rng)

    def self_speech(self, index: int, lines: list[str], wet: bool) -> None:
        item_id = f"self-{'reverb' if wet else 'dry'}-{index:03d}"
        rng = self.rng(item_id)
        parts, spans, position = [], [], int(0.5 * RATE)
        parts.append(np.zeros(position, np.float32))
        for line in lines:
            speech = self.render(line, COACH_VOICE) * SELF_GAIN
            spans.append([round(position / RATE, 4), round((position + speech.size) / RATE, 4)])
            gap = np.zeros(int(rng.uniform(0.4, 1.2) * RATE), np.float32)
            parts += [speech, gap]
            position += speech.size + gap.size
        audio = np.concatenate(parts + [np.zeros(int(TAIL_S * RATE), np.float32)])
        if wet:
            audio = reverb(audio, amount=60, room=80)[: audio.size]
        audio = audio + nz.pink(rng, audio.size) * 10 ** (-55 / 20)  # room tone
        item = Item(item_id, f"self/{item_id}.wav", "self", "en", " | ".join(lines)[:400], None, None, None,
                    COACH_VOICE.label, None, "room", wet, 0.0, coach_speech=spans)
        self.write(item, audio, rng)

    def real(self, folder: Path, rel: str, command: str | None, index: int) -> None:
        samples, rate = read_wav(folder / rel)
        samples = resample(samples, rate, RATE)
        lead = int(0.3 * RATE)
        audio = np.concatenate([np.zeros(lead, np.float32), samples, np.zeros(int(TAIL_S * RATE), np.float32)])
        start, end = speech_bounds(samples)
        category = "real_command" if command else "real_negative"
        item_id = f"real-{Path(rel).parent.name}-{index:03d}"
        item = Item(item_id, f"real/{item_id}.wav", category, "en", Path(rel).parent.name, command,
                    round((lead + start) / RATE, 4) if command else None, round((lead + end) / RATE, 4) if command else None,
                    "human", None, "real", False, 0.0, source=str(folder / rel))
        self.write(item, audio, self.rng(item_id))


def _chunks(lines: list[str], seconds: float, words_per_s: float = 2.7) -> list[list[str]]:
    """Group lines into items of about `seconds` of speech."""
    out, current, length = [], [], 0.0
    for line in lines:
        current.append(line)
        length += len(line.split()) / words_per_s + 0.8
        if length >= seconds:
            out.append(current)
            current, length = [], 0.0
    return out + ([current] if current else [])


def _realspeech_files(folder: Path | None, per_folder: int) -> list[tuple[str, str | None]]:
    if folder is None or not (folder / "manifest.csv").exists():
        return []
    rows = [line.split(",")[:2] for line in (folder / "manifest.csv").read_text().splitlines()[1:] if line.strip()]
    out: list[tuple[str, str | None]] = []
    for label in [*REALSPEECH_COMMANDS, "_negative_speech", "_noise"]:
        files = sorted(f for lab, f in rows if lab == label or f.startswith(label + "/"))
        out += [(f, REALSPEECH_COMMANDS.get(label)) for f in (files[:per_folder] if per_folder else files)]
    return out


def corpus_key(profile: Profile, seed: int, realspeech: Path | None) -> str:
    """Hash of everything that shapes the corpus (its cache folder name)."""
    vocab = {lang: load_vocabulary(lang).phrases for lang in ("en", "ko")}
    real = _realspeech_files(realspeech, profile.realspeech_per_folder)
    blob = json.dumps([GENERATOR_VERSION, asdict(profile), seed, vocab, texts(), coach_lines(), real], default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def default_cache_root() -> Path:
    """Where generated corpora live: ``<user cache>/bench-corpus/``."""
    return paths.cache_dir() / "bench-corpus"


def build_corpus(profile: Profile | str = "full", seed: int = 1234, out: Path | None = None,
                 realspeech: Path | None = None, progress: Callable[[str], None] | None = None) -> Path:
    """Generate (or reuse) a corpus; returns its folder, which holds ``manifest.json``.

    `out` is the folder to write into (default: a hash-named folder under the cache). `realspeech`
    is the human-recordings folder (None: not used).
    """
    profile = PROFILES[profile] if isinstance(profile, str) else profile
    key = corpus_key(profile, seed, realspeech)
    folder = Path(out) if out else default_cache_root() / f"{profile.name}-{key}"
    manifest_path = folder / "manifest.json"
    if manifest_path.exists() and json.loads(manifest_path.read_text()).get("key") == key:
        return folder
    say = progress or (lambda message: None)
    folder.mkdir(parents=True, exist_ok=True)
    builder = _Builder(folder, seed, Renderer())
    for language, voices in (("en", profile.en_voices), ("ko", profile.ko_voices)):
        phrases = list(load_vocabulary(language).phrases.items())
        phrases = phrases[: profile.max_phrases] if profile.max_phrases else phrases
        say(f"commands ({language}): {len(phrases)} phrases x {len(voices)} voices x {1 + profile.noisy_copies}")
        index = 0
        for phrase, command in phrases:
            for voice in voices:
                for copy in range(1 + profile.noisy_copies):
                    builder.command(language, phrase, command.value, voice, copy, index)
                index += 1
    en_phrases = list(load_vocabulary("en").phrases)
    for kind in ("everyday", "coaching", "counting"):
        for text in texts()[kind]:
            if command_in(text, en_phrases):
                raise ValueError(f"texts.toml: {kind} line {text!r} contains the command {command_in(text, en_phrases)!r}")
    count = max(1, round(profile.negative_minutes * 60 / profile.negative_item_s))
    kinds = ["everyday", "coaching", "everyday", "coaching", "everyday", "coaching", "counting", "breathing", "silence", "everyday"]
    say(f"negatives: {count} x {profile.negative_item_s:g} s")
    for i in range(count):
        builder.negative(i, kinds[i % len(kinds)], list(profile.en_voices), profile.negative_item_s)
    lines = coach_lines()
    lines = lines[: profile.max_self_lines] if profile.max_self_lines else lines
    groups = _chunks(lines, profile.self_item_s)
    say(f"self-speech: {len(lines)} coach lines in {len(groups)} items, dry and with reverb")
    for i, group in enumerate(groups):
        builder.self_speech(i, group, wet=False)
        builder.self_speech(i, group, wet=True)
    real = _realspeech_files(realspeech, profile.realspeech_per_folder)
    if real:
        say(f"real speech: {len(real)} recordings from {realspeech}")
    for i, (rel, command) in enumerate(real):
        builder.real(realspeech, rel, command, i)
    manifest = {"key": key, "profile": profile.name, "seed": seed, "rate": RATE,
                "realspeech": str(realspeech) if real else None, "items": [asdict(it) for it in builder.items]}
    tmp = folder / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    os.replace(tmp, manifest_path)
    return folder


def load_manifest(folder: Path) -> tuple[dict, list[Item]]:
    """Read a corpus folder's manifest: (header, items)."""
    data = json.loads((Path(folder) / "manifest.json").read_text())
    items = [Item(**it) for it in data.pop("items")]
    return data, items
