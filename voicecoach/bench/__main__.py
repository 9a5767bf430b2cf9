"""``python -m voicecoach.bench [--quick] [--corpus DIR] [--soak MINUTES]``: measure, print the table, write the report.

The bench never fails: parts that cannot run are reported as "not measured (reason)". Exit code 0
unless the arguments are wrong.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from voicecoach.bench.corpus import PROFILES


def build_parser() -> argparse.ArgumentParser:
    """The bench's command-line options."""
    p = argparse.ArgumentParser(prog="python -m voicecoach.bench",
                                description="Measure voicecoach's speed, accuracy and false triggers beside the naive baselines.")
    p.add_argument("--quick", action="store_const", const="quick", dest="profile", default="full", help="a small corpus (a few minutes)")
    p.add_argument("--profile", choices=sorted(PROFILES), default="full", help="corpus size (default: full)")
    p.add_argument("--corpus", type=Path, default=None, help="corpus folder (default: a hash-named folder in the user cache)")
    p.add_argument("--seed", type=int, default=1234, help="corpus seed (default: 1234)")
    p.add_argument("--realspeech", type=Path, default=None, help="human recordings folder (default: ../shared/realspeech)")
    p.add_argument("--results", type=Path, default=Path("bench/results"), help="where the JSON, markdown and chart go")
    p.add_argument("--budget", type=float, default=None, help="wall seconds per engine recognition pass")
    p.add_argument("--engine", action="append", default=[], help="only this engine (vosk-ko, pocketsphinx-en, vosk-en); repeatable")
    p.add_argument("--workers", type=int, default=2, help="parallel recognition processes (default: 2)")
    p.add_argument("--no-voice", action="store_true", help="skip the voice figures")
    p.add_argument("--no-session", action="store_true", help="skip the session figures")
    p.add_argument("--no-hearing", action="store_true", help="skip the whole simulated sessions in rooms")
    p.add_argument("--sessions", type=int, default=None, help="simulated sessions per engine and room kind")
    p.add_argument("--room", action="append", default=[], help="only this room kind (earbuds, living, quiet, noise10, music6, music10); repeatable")
    p.add_argument("--hearing-budget", type=float, default=None, help="wall seconds per engine and room kind for the sessions")
    p.add_argument("--stream-items", type=int, default=None, help="command items in the continuous-stream pass (0 = skip)")
    p.add_argument("--no-recognition", action="store_true", help="skip the per-file recognition passes")
    p.add_argument("--soak", type=_minutes, metavar="MINUTES", default=None,
                   help="only the soak: MINUTES of audio through the real listening path, sessions back to back "
                        "(RSS, file descriptors, threads, error lines); writes soak.json to --results")
    return p


def _minutes(text: str) -> float:
    value = float(text)
    if not 0 < value <= 24 * 60:  # also refuses nan and inf
        raise argparse.ArgumentTypeError("give minutes of audio, more than 0 and at most 1440")
    return value


def run_soak_only(minutes: float, results: Path) -> int:
    """``--soak``: run the soak, print its summary, write ``soak.json``."""
    import json

    from voicecoach.bench.soak import run_soak, summary

    figures = run_soak(minutes, say=lambda line: print(line, flush=True))
    print(summary(figures))
    results.mkdir(parents=True, exist_ok=True)
    (results / "soak.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {results / 'soak.json'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the bench; always 0 after a run (it reports, it does not judge)."""
    args = build_parser().parse_args(argv)
    if args.soak is not None:
        return run_soak_only(args.soak, args.results)
    from voicecoach.bench import report as rp
    from voicecoach.bench.run import HEARING, Options, budget_for, run
    from voicecoach.settings import load_settings

    budget, freeform = budget_for(args.profile)
    sessions, baseline_sessions, length, hearing_budget, stream_items = HEARING.get(args.profile, HEARING["full"])
    options = Options(profile=args.profile, seed=args.seed, corpus=args.corpus, realspeech=args.realspeech,
                      results=args.results, recognition_budget_s=args.budget or budget, freeform_audio_s=freeform,
                      workers=args.workers, voice=not args.no_voice, session=not args.no_session, engines=tuple(args.engine),
                      recognition=not args.no_recognition, hearing=not args.no_hearing,
                      hearing_sessions=args.sessions or sessions, hearing_baseline_sessions=min(baseline_sessions, args.sessions or sessions),
                      hearing_length_s=length, hearing_budget_s=args.hearing_budget or hearing_budget * max(1.0, (args.sessions or sessions) / sessions),
                      rooms=tuple(args.room), stream_items=stream_items if args.stream_items is None else args.stream_items)
    report = run(options, load_settings())
    print()
    print(rp.table(report.rows))
    for title, text in report.extra_tables.items():
        print(f"\n{title}:\n{text}")
    paths = rp.write(report, options.results)
    print(f"\nrun time {report.seconds:.0f} s; wrote " + ", ".join(str(p) for p in paths.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
