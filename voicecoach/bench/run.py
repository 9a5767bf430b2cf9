"""The benchmark run: corpus, recognition per engine, voice, session; then the report.

Every part that cannot run (a missing engine, a part of voicecoach that does not exist yet) becomes
a "not measured (reason)" row: the bench reports, it never fails.
"""

from __future__ import annotations

import datetime
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from voicecoach.bench import recognition as rec
from voicecoach.bench.corpus import build_corpus, default_realspeech_dir, load_manifest
from voicecoach.bench.figures import engine_rows
from voicecoach.bench.report import Report, Row
from voicecoach.bench.session import run_child
from voicecoach.settings import Settings


@dataclass(frozen=True)
class Options:
    """What to run (from ``python -m voicecoach.bench`` flags)."""

    profile: str = "full"
    seed: int = 1234
    corpus: Path | None = None  # corpus folder (default: the cache)
    realspeech: Path | None = None  # None: the default folder, if it exists
    results: Path = Path("bench/results")
    recognition_budget_s: float = 300.0  # wall seconds per engine grammar pass (gated 0.3x, free-form 0.5x)
    freeform_audio_s: float = 360.0  # audio seconds the free-form baseline decodes per engine
    workers: int = 2
    voice: bool = True
    session: bool = True
    engines: tuple[str, ...] = ()  # only these engines ("" = all available)
    recognition: bool = True  # the per-file recognition passes
    hearing: bool = True  # whole simulated sessions in rooms (voicecoach.bench.hearing)
    hearing_sessions: int = 12  # seeded sessions per engine and room kind through our pipeline
    hearing_baseline_sessions: int = 4  # of those, how many also through the previous defaults and the naive way
    hearing_length_s: float = 90.0  # the simulated person says "stop" after this much audio
    hearing_budget_s: float = 180.0  # wall seconds per engine and room kind
    rooms: tuple[str, ...] = ()  # only these room kinds ("" = all)
    stream_items: int = 80  # command items in the continuous-stream pass per engine (0 = skip it)


def run(options: Options, settings: Settings = Settings(), say: Callable[[str], None] = print) -> Report:
    """Measure everything; returns the report (not yet written)."""
    started = time.perf_counter()
    report = Report(started=datetime.datetime.now().isoformat(timespec="seconds"))
    real = options.realspeech or default_realspeech_dir()
    if not (real / "manifest.csv").exists():
        report.messages.append(f"real speech: {real} not found; real-speech rows skipped")
        say(f"note: real-speech folder {real} not found; its rows are skipped")
        real = None
    folder, items = _corpus(options, real, report, say) if options.recognition or options.stream_items else (None, [])
    if options.recognition:
        _recognition(options, settings, folder, items, report, say)
    if options.hearing:
        _hearing(options, report, real, say)
    if options.stream_items:
        _stream(options, folder, items, report, say)
    if options.voice:
        _voice(settings, report, say)
    if options.session:
        _session(report, say)
    report.seconds = time.perf_counter() - started
    return report


def _corpus(options: Options, real: Path | None, report: Report, say) -> tuple[Path, list]:
    """Build (or find) the test-audio corpus; the whole sessions do not need it."""
    say(f"corpus: profile {options.profile}, seed {options.seed}")
    t0 = time.perf_counter()
    folder = build_corpus(options.profile, options.seed, options.corpus, real, progress=lambda m: say("  " + m))
    header, items = load_manifest(folder)
    counts = Counter(i.category for i in items)
    minutes = {c: sum(i.duration for i in items if i.category == c) / 60 for c in counts}
    report.corpus = {"folder": str(folder), "profile": header["profile"], "seed": header["seed"], "items": dict(counts),
                     "minutes": {c: round(m, 1) for c, m in minutes.items()}, "build_s": round(time.perf_counter() - t0, 1),
                     "summary": ", ".join(f"{counts[c]} {c} ({minutes[c]:.1f} min)" for c in sorted(counts))}
    say(f"  {report.corpus['summary']} in {folder} ({report.corpus['build_s']} s)")
    return folder, items


def _recognition(options: Options, settings: Settings, folder: Path, items, report: Report, say) -> None:
    try:
        import voicecoach.listen.bench  # noqa: F401
    except ImportError as error:
        report.rows.append(Row("recognition", "", "recognition", None, note=f"not measured (voicecoach.listen.bench: {error})"))
        return
    engines, messages = rec.available_engines(settings.listen.model)
    if options.engines:
        engines = [e for e in engines if e.name in options.engines]
    report.messages += messages
    for message in messages:
        say("note: " + message)
    tasks = [t for e in engines for t in rec.plan_tasks(e, folder, items, options.recognition_budget_s,
                                                          options.freeform_audio_s, options.seed)]
    say(f"recognition: {len(tasks)} passes over {', '.join(e.name for e in engines)} ({options.workers} workers)")
    results = rec.run_tasks(tasks, options.workers, say)
    report.details["passes"] = [rec.as_dict(r) for r in results]
    for engine in engines:
        rows, latencies, details = engine_rows(engine.name, engine.language, items, [r for r in results if r.engine == engine.name])
        report.rows += rows
        report.latencies.update(latencies)
        for key, value in details.items():
            report.details.setdefault(key, {}).update(value)


def _engines(options: Options, settings: Settings) -> list:
    engines, _ = rec.available_engines(settings.listen.model)
    return [e for e in engines if not options.engines or e.name in options.engines]


def _hearing(options: Options, report: Report, real: Path | None, say) -> None:
    """Whole sessions: the real coach, a simulated person, a simulated room, one stream each."""
    try:
        from voicecoach.bench import hearing_report
        from voicecoach.bench.hearing_run import Cell, run_cells
        from voicecoach.bench.room import ROOM_KINDS
    except ImportError as error:
        report.rows.append(Row("sessions", "", "whole sessions", None, note=f"not measured ({error})"))
        return
    rooms = [r for r in ROOM_KINDS if not options.rooms or r in options.rooms]
    cells = [Cell(engine, room, options.hearing_sessions, options.hearing_baseline_sessions, options.hearing_length_s,
                  options.hearing_budget_s, str(real) if real else None)
             for engine in _engines(options, Settings()) for room in rooms]
    say(f"sessions: {len(cells)} engine x room cells, up to {options.hearing_sessions} sessions of "
        f"{options.hearing_length_s:g} s each ({options.workers} workers)")
    summary = hearing_report.summarize(run_cells(cells, options.workers, say))
    report.rows += hearing_report.rows(summary)
    report.details["sessions"] = summary
    report.extra_tables["whole sessions"] = hearing_report.table(summary)
    report.extra_tables["where hearing breaks (ours)"] = hearing_report.breaks_table(summary)


def _stream(options: Options, folder: Path, items, report: Report, say) -> None:
    """The continuous-stream pass: the same items one file at a time and joined into one stream."""
    import multiprocessing

    from voicecoach.bench import stream

    engines = _engines(options, Settings())
    say(f"stream: {options.stream_items} command items per engine, one file at a time and as one stream "
        f"({', '.join(f'{g:g}' for g in stream.GAPS_S)} s apart)")
    with multiprocessing.get_context("spawn").Pool(max(1, min(options.workers, len(engines)))) as pool:
        results = pool.map(stream.worker, [(e, folder, items, options.stream_items, options.seed) for e in engines])
    for name, figures in results:
        report.details.setdefault("stream", {})[name] = figures
        if "error" in figures:
            report.rows.append(Row("stream", name, "stream / isolated accuracy", None, note=f"not measured ({figures['error']})"))
            continue
        for gap in stream.GAPS_S:
            report.rows.append(Row("stream", name, f"accuracy as one stream, {gap:g} s apart", 100 * figures[f"stream_{gap:g}s"],
                                   "%", 100 * figures["isolated"], "one file each",
                                   note=f"n={figures['n_commands']}, FA {figures[f'stream_{gap:g}s_false_accepts']}"
                                        f"/{figures['n_negatives']} negatives"))
        report.rows.append(Row("stream", name, "stream / isolated accuracy, 1.5 s apart", figures["ratio_1.5s"], "",
                               goal="stream_ratio"))


def _voice(settings: Settings, report: Report, say) -> None:
    try:
        from voicecoach.speak.bench import measure_voice
    except ImportError as error:
        report.rows.append(Row("voice", "pyttsx3", "cue to first audio", None, note=f"not measured (voicecoach.speak.bench: {error})"))
        return
    say("voice: cue to first audio, cached and uncached, vs direct pyttsx3 say()/runAndWait()")
    try:
        result = measure_voice(voice=settings.voice)
    except Exception as error:  # noqa: BLE001 - the bench reports, never fails (e.g. no output device)
        message = str(error).splitlines()[0] if str(error) else ""
        report.rows.append(Row("voice", "pyttsx3", "cue to first audio", None, note=f"not measured ({type(error).__name__}: {message})"))
        return
    report.rows += voice_rows(result)
    report.details["voice"] = result


def voice_rows(result: dict) -> list[Row]:
    """Rows from ``voicecoach.speak.bench.measure_voice``'s dict (milliseconds)."""
    direct = result.get("direct_pyttsx3_ms", {})
    direct = direct.get("first_audio_est") or direct.get("to_player_handoff") or {}
    rows = []
    for key, label, goal in (("first_audio_cached_ms", "cached", "cached_cue_first_audio"),
                             ("first_audio_uncached_ms", "uncached", None)):
        figures = result.get(key, {})
        for q in ("p50", "p95"):
            rows.append(Row("voice", "pyttsx3", f"cue to first audio, {label} {q}", figures.get(q), "ms", direct.get(q),
                            "direct say()", goal if q == "p50" else None, f"n={figures.get('n', '?')}"))
    render = result.get("render_per_cue_ms", {})
    if render:
        rows.append(Row("voice", "pyttsx3", "render time per cue p50", render.get("p50"), "ms", note=f"max {render.get('max')}"))
    return rows


def _session(report: Report, say) -> None:
    say("session: practice start to first spoken line; simulated session CPU")
    with tempfile.TemporaryDirectory(prefix="voicecoach-bench-") as home:
        start = run_child(["practice", "--text"], Path(home) / "practice", stdin_after_first_line=True, timeout=60)
        if start.first_line_s is not None:
            report.rows.append(Row("session", "", "practice --text: start to first spoken line", start.first_line_s, "s",
                                   goal="start_to_first_word", note=start.detail[:40]))
            report.rows.append(Row("session", "", "practice --text: peak RSS", start.peak_rss_mb, "MB"))
        else:
            report.rows.append(Row("session", "", "practice --text: start to first spoken line", None,
                                   note=f"not measured ({start.detail})"))
        sim = run_child(["simulate"], Path(home) / "simulate", timeout=120)
        if sim.ok:
            report.rows.append(Row("session", "", "simulated full session: CPU time", sim.cpu_s, "s", note=f"wall {sim.wall_s:.2f} s"))
            report.rows.append(Row("session", "", "simulated full session: peak RSS", sim.peak_rss_mb, "MB"))
        else:
            report.rows.append(Row("session", "", "simulated full session: CPU time", None, note=f"not measured ({sim.detail})"))


def budget_for(profile: str) -> tuple[float, float]:
    """(recognition budget per engine pass, free-form audio seconds) that fit a profile in 15 minutes."""
    return {"full": (150.0, 240.0), "quick": (60.0, 60.0), "tiny": (40.0, 20.0)}.get(profile, (150.0, 240.0))


# profile -> (sessions, baseline sessions, session length s, wall budget per engine x room s, stream items)
HEARING = {"full": (12, 4, 90.0, 180.0, 80), "quick": (4, 2, 75.0, 90.0, 30), "tiny": (1, 1, 40.0, 60.0, 6)}

