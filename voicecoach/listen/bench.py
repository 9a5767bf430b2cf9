"""Listening benchmark functions, called by the `make bench` runner. Importing has no side effects.

API
---
``Item(path, expected, word_end)``: one WAV file; `expected` is the command value it should
decide (``"next"``) or None for audio that must decide nothing; `word_end` is the audio second the
spoken command ends (None for negatives), which latency is measured from.

``run_items(factory, items, language="en", settings=ListenSettings(), coach_speaking=False)``
feeds every file once through ``factory()`` (a fresh or reset recognizer per file) in real-time
sized chunks, keeps every recognizer result, and replays that same result stream through each
strategy, so they are compared on identical recognition:

* ``"stable_partial"``: our decider (fast path on stable partials, gates);
* ``"final_only"``: the same decider but partials ignored (wait for the endpointer's result).

With ``coach_speaking=True`` every file is treated as heard while the coach talks (half-duplex
gating on), for self-trigger counts. Returns a :class:`BenchRun`: per-item decisions per strategy,
decoding seconds, audio seconds, peak RSS.

``run_keyword_baseline(factory, items, language="en")``: the naive way, free-form recognition
(`factory()` must return a recognizer *without* a grammar) + any command phrase found in the
final text acts. Same :class:`BenchRun` shape, strategy ``"keyword_spotting"``.

``summarize(run)`` -> ``{strategy: {"accuracy", "false_accepts", "negatives_audio_s",
"false_accepts_per_hour", "latency_p50_s", "latency_p95_s", "n"}}`` plus ``"rtf"`` and
``"peak_rss_mb"``. ``mix_at_snr(speech, noise, snr_db)`` mixes noise into int16 speech.
"""

from __future__ import annotations

import dataclasses
import math
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from voicecoach.coach.commands import load_vocabulary, normalize
from voicecoach.events import CommandHeard, Heard
from voicecoach.listen.decide import Decider
from voicecoach.listen.wavsource import MODEL_RATE, chunks, read_wav
from voicecoach.settings import ListenSettings

STRATEGIES = ("stable_partial", "final_only")


@dataclass(frozen=True)
class Item:
    path: Path
    expected: str | None
    word_end: float | None = None


@dataclass(frozen=True)
class Decided:
    """One decision: command, audio time, source ("partial", "final", "unsure")."""

    command: str
    at: float
    source: str
    text: str = ""

    @property
    def acts(self) -> bool:
        return self.source != "unsure"


@dataclass
class ItemResult:
    item: Item
    decisions: dict[str, list[Decided]] = field(default_factory=dict)
    audio_s: float = 0.0


@dataclass
class BenchRun:
    results: list[ItemResult]
    decode_s: float  # CPU-side wall time spent recognizing
    audio_s: float
    peak_rss_mb: float

    @property
    def rtf(self) -> float:
        """Real-time factor: decoding time / audio time (below 1 keeps up)."""
        return self.decode_s / self.audio_s if self.audio_s else math.nan


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _recognize(recognizer, samples: np.ndarray) -> list[Heard]:
    results: list[Heard] = []
    for chunk in chunks(samples):
        results.extend(recognizer.accept(chunk))
    finish = getattr(recognizer, "finish", None)
    if finish:
        results.extend(finish())
    return results


def _decide(results: Sequence[Heard], decider: Decider, partials: bool, coach_speaking: bool) -> list[Decided]:
    if coach_speaking:
        decider.coach_speaking(True, 0.0)
    out: list[Decided] = []
    for heard in results:
        if heard.final or partials:
            for d in decider.feed(heard):
                source = d.source if isinstance(d, CommandHeard) else "unsure"
                out.append(Decided(d.command, d.at, source, d.text))
    return out


def run_items(factory: Callable[[], object], items: Iterable[Item], language: str = "en",
              settings: ListenSettings = ListenSettings(), coach_speaking: bool = False) -> BenchRun:
    """Decide on every item with every strategy from one recognition pass; see the module doc."""
    vocabulary = load_vocabulary(language)
    results, decode_s, audio_s = [], 0.0, 0.0
    for item in items:
        samples = read_wav(item.path)
        recognizer = factory()
        start_samples = getattr(recognizer, "samples", 0)
        t0 = time.perf_counter()
        heard = _recognize(recognizer, samples)
        decode_s += time.perf_counter() - t0
        offset = start_samples / MODEL_RATE
        heard = [dataclasses.replace(h, at=h.at - offset) for h in heard]
        audio_s += len(samples) / MODEL_RATE
        result = ItemResult(item, audio_s=len(samples) / MODEL_RATE)
        for strategy in STRATEGIES:
            decider = Decider(vocabulary, settings, strategy)
            result.decisions[strategy] = _decide(heard, decider, strategy == "stable_partial", coach_speaking)
        results.append(result)
    return BenchRun(results, decode_s, audio_s, peak_rss_mb())


def run_keyword_baseline(factory: Callable[[], object], items: Iterable[Item], language: str = "en") -> BenchRun:
    """Free-form recognition + keyword matching in the final text (the naive way)."""
    vocabulary = load_vocabulary(language)
    phrases = sorted(vocabulary.phrases, key=len, reverse=True)
    results, decode_s, audio_s = [], 0.0, 0.0
    for item in items:
        samples = read_wav(item.path)
        recognizer = factory()
        start = getattr(recognizer, "samples", 0) / MODEL_RATE
        t0 = time.perf_counter()
        heard = _recognize(recognizer, samples)
        decode_s += time.perf_counter() - t0
        audio_s += len(samples) / MODEL_RATE
        decided: list[Decided] = []
        for h in heard:
            if not h.final:
                continue
            text = f" {normalize(h.text)} "
            for phrase in phrases:
                if f" {phrase} " in text:
                    decided.append(Decided(vocabulary.phrases[phrase].value, h.at - start, "final", phrase))
                    break
        results.append(ItemResult(item, {"keyword_spotting": decided}, len(samples) / MODEL_RATE))
    return BenchRun(results, decode_s, audio_s, peak_rss_mb())


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else math.nan


def summarize(run: BenchRun) -> dict:
    """Accuracy, false accepts, latency percentiles per strategy; RTF and peak RSS."""
    summary: dict = {"rtf": round(run.rtf, 4), "peak_rss_mb": round(run.peak_rss_mb, 1)}
    strategies = {s for r in run.results for s in r.decisions}
    for strategy in sorted(strategies):
        correct = positives = false_accepts = 0
        negatives_s = 0.0
        latencies: list[float] = []
        for r in run.results:
            acted = [d for d in r.decisions.get(strategy, []) if d.acts]
            if r.item.expected is None:
                negatives_s += r.audio_s
                false_accepts += len(acted)
                continue
            positives += 1
            first = next(iter(r.decisions.get(strategy, [])), None)
            if first is not None and first.command == r.item.expected:
                correct += 1
                if r.item.word_end is not None:
                    latencies.append(first.at - r.item.word_end)
            false_accepts += sum(1 for d in acted if d.command != r.item.expected)
        summary[strategy] = {
            "n": positives,
            "accuracy": round(correct / positives, 4) if positives else math.nan,
            "false_accepts": false_accepts,
            "negatives_audio_s": round(negatives_s, 1),
            "false_accepts_per_hour": round(false_accepts / negatives_s * 3600, 1) if negatives_s else math.nan,
            "latency_p50_s": round(_percentile(latencies, 50), 3),
            "latency_p95_s": round(_percentile(latencies, 95), 3),
        }
    return summary


def mix_at_snr(speech: np.ndarray, noise: np.ndarray, snr_db: float, seed: int = 0) -> np.ndarray:
    """Add `noise` (looped, random offset) to int16 `speech` at `snr_db` (speech power over the
    loud part of the speech vs noise power)."""
    rng = np.random.default_rng(seed)
    s = speech.astype(np.float64)
    reps = int(np.ceil((len(s) + len(noise)) / len(noise)))
    n = np.tile(noise.astype(np.float64), reps)
    start = int(rng.integers(0, len(noise)))
    n = n[start:start + len(s)]
    loud = s[np.abs(s) > 0.05 * np.abs(s).max()] if np.any(s) else s
    p_s = float(np.mean(loud ** 2)) if len(loud) else 0.0
    p_n = float(np.mean(n ** 2)) or 1.0
    gain = math.sqrt(p_s / (p_n * 10 ** (snr_db / 10))) if p_s else 0.0
    return np.clip(np.round(s + gain * n), -32768, 32767).astype(np.int16)
