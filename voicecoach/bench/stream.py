"""The stream penalty as a number: corpus items one file at a time vs joined into one stream.

The per-file pass gives every item a fresh recognizer; a session is one continuous stream, where
whatever carries over from one utterance to the next (endpointing, decoder resets, cepstral mean,
the decider's bookkeeping) can cost commands. :func:`stream_figures` takes a seeded sample of an
engine's command items (clean and noisy renders, real recordings) and some negatives, decides them
one file at a time, then joined with 1.0 / 1.5 / 3 s of the corpus's microphone floor between them
(white noise at ``corpus.FLOOR_DB``, what every file already has under its speech, so the joins
add no onsets of their own) through one recognizer and one decider. (Joined with *digital*
silence instead, PocketSphinx's endpointer takes the step from zeros to the floor for speech and
starts an utterance that swallows the next command; tests/test_listen_stream.py covers digital
silence on real recordings.)
An item is right when the first decision inside its stretch of the stream (up to the next item)
is its command; a decision inside a negative's stretch is a false accept.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from voicecoach.bench.corpus import FLOOR_DB

GAPS_S = (1.0, 1.5, 3.0)


def _first_decisions(engine, model, audio: np.ndarray, spans: list[tuple[float, float]]) -> list[str | None]:
    """Feed `audio` through one Listener; the first decision inside each span (None: nothing)."""
    from voicecoach.bench.hearing_run import make_listener
    from voicecoach.listen.wavsource import chunks

    listener = make_listener(engine, "ours", "earbuds", model)  # our defaults, nothing gated: no coach talks
    decisions = [d for chunk in chunks(audio) for d in listener.feed(chunk)] + listener.finish()
    first: list[str | None] = []
    for start, end in spans:
        inside = [d.command for d in decisions if start <= d.at < end]
        first.append(inside[0] if inside else None)
    return first


def stream_figures(engine, folder: Path, items: list, sample: int = 80, seed: int = 1234) -> dict:
    """Accuracy one file at a time and as one stream per gap, and their ratio (see the module doc)."""
    from voicecoach.listen.wavsource import read_wav

    model = None
    if engine.kind == "vosk":
        from voicecoach.listen.vosk_engine import load_model

        model = load_model(engine.model)
    rng = random.Random(seed)
    commands = [i for i in items if i.category in ("command", "real_command") and i.language == engine.language]
    negatives = [i for i in items if i.category in ("negative", "real_negative") and i.duration <= 12.0]
    rng.shuffle(commands)
    rng.shuffle(negatives)
    chosen = commands[:sample] + negatives[: max(2, sample // 10)]
    rng.shuffle(chosen)
    audio = [read_wav(Path(folder) / item.path) for item in chosen]
    isolated = [_first_decisions(engine, model, clip, [(0.0, len(clip) / 16000 + 1.0)])[0] for clip in audio]
    figures: dict = {"n_commands": sum(1 for i in chosen if i.expected), "n_negatives": sum(1 for i in chosen if not i.expected),
                     "isolated": _accuracy(chosen, isolated), "isolated_false_accepts": _false_accepts(chosen, isolated)}
    floor = np.random.default_rng(seed)
    for gap in GAPS_S:
        parts, spans, position = [], [], 0
        for clip in audio:
            silence = np.round(floor.standard_normal(int(gap * 16000)) * 32767 * 10 ** (FLOOR_DB / 20)).astype(np.int16)
            parts += [clip, silence]
            spans.append((position / 16000, (position + len(clip) + len(silence)) / 16000))
            position += len(clip) + len(silence)
        first = _first_decisions(engine, model, np.concatenate(parts), spans)
        accuracy = _accuracy(chosen, first)
        figures[f"stream_{gap:g}s"] = accuracy
        figures[f"stream_{gap:g}s_false_accepts"] = _false_accepts(chosen, first)
        figures[f"ratio_{gap:g}s"] = round(accuracy / figures["isolated"], 3) if figures["isolated"] else None
    return figures


def _accuracy(items: list, first: list[str | None]) -> float:
    pairs = [(i.expected, f) for i, f in zip(items, first) if i.expected]
    return round(sum(1 for want, got in pairs if want == got) / len(pairs), 4) if pairs else float("nan")


def _false_accepts(items: list, first: list[str | None]) -> int:
    return sum(1 for i, f in zip(items, first) if not i.expected and f is not None)


def worker(args) -> tuple[str, dict]:
    """Pool entry point: (engine, folder, items, sample, seed) -> (engine name, figures or error)."""
    engine, folder, items, sample, seed = args
    try:
        return engine.name, stream_figures(engine, folder, items, sample, seed)
    except Exception as error:  # noqa: BLE001 - the bench reports, it never fails
        return engine.name, {"error": f"{type(error).__name__}: {error}"}
