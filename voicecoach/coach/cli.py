"""`voicecoach practice`, `voicecoach simulate` and `voicecoach diagram`: thin layers over the coach."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from voicecoach.errors import UserError, notice
from voicecoach.settings import Settings

GRAPHVIZ_FORMATS = ("svg", "png")


def _settings_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--count-in", dest="coach.count_in_s", type=float, metavar="S",
                   help="seconds the ready prompt waits before starting a set; 0 waits for 'next'")
    p.add_argument("--tempo-scale", dest="coach.tempo_scale", type=float, metavar="X",
                   help="multiply every rep phase's duration (1.2 = slower)")
    p.add_argument("--verbosity", dest="coach.verbosity", choices=("full", "normal", "terse"),
                   help="full cues, one cue per rep, or counts only")
    p.add_argument("--rate", dest="voice.rate", type=int, metavar="WPM", help="speaking rate, words per minute")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `practice`, `simulate` and `diagram`."""
    p = subparsers.add_parser("practice", help="train with the coach",
                              description="Train with the coach, by voice. With --text, type commands (next, pause, "
                                          "help...) instead; Ctrl-D or 'stop' ends the session.")
    p.add_argument("--text", action="store_true", help="type commands instead of speaking them; the coach's lines are printed too")
    p.add_argument("--drill", metavar="ID", help="practise this drill (default: today's plan from your history)")
    choice = p.add_mutually_exclusive_group()
    choice.add_argument("--resume", dest="resume", action="store_const", const=True, default=None,
                        help="pick up an interrupted session without asking")
    choice.add_argument("--new", dest="resume", action="store_const", const=False,
                        help="start a new session even if the last one was interrupted")
    p.add_argument("--db", dest="store.db", metavar="PATH", help="history database (default: in your data dir)")
    p.add_argument("--music", dest="music.folder", metavar="DIR",
                   help="play the music in this folder (FLAC, OGG, WAV, MP3; shuffled, looped), ducked under the coach")
    _settings_options(p)
    p.set_defaults(func=run_practice)

    p = subparsers.add_parser("simulate", help="play a whole session on a virtual clock",
                              description="Play a whole session on a virtual clock, with commands from a script "
                                          "of '<seconds> <spoken phrase>' lines ('#' starts a comment).")
    p.add_argument("--drill", metavar="ID", help="simulate this drill (default: the first rung of the ladder)")
    p.add_argument("--script", metavar="FILE", help="the spoken commands; '-' reads standard input")
    p.add_argument("--json", action="store_true", help="one JSON object per line: t, who, text, command, state")
    p.add_argument("--db", dest="store.db", metavar="PATH",
                   help="record the simulated session in this history database (and plan it from that history)")
    _settings_options(p)
    p.set_defaults(func=run_simulate)

    p = subparsers.add_parser("diagram", help="draw the coach's state machine",
                              description="Write the coach's state machine as a picture: SVG or PNG (graphviz), "
                                          "or Mermaid text (.mmd) when graphviz is not installed.")
    p.add_argument("--out", required=True, type=Path, metavar="FILE", help="output file: .svg, .png or .mmd")
    p.set_defaults(func=run_diagram)


def _plan(drill_id: str | None):
    from voicecoach.program.load import load_library
    from voicecoach.program.plan import first_day_plan, single_drill_plan

    library = load_library()
    if drill_id is None:
        return library, first_day_plan(library)
    return library, single_drill_plan(library, drill_id)


def run_simulate(args: argparse.Namespace, settings: Settings) -> int:
    """Print the transcript of a simulated session."""
    from voicecoach.coach.script import read_script
    from voicecoach.coach.simulate import simulate

    script = read_script(args.script) if args.script else []
    library, plan = _plan(args.drill)
    recorder = progress_line = None
    if getattr(args, "store.db", None):
        from voicecoach.history import open_recorder, plan_today, progress_summary
        from voicecoach.settings import db_path

        recorder = open_recorder(db_path(settings))
        if args.drill is None:
            plan = plan_today(library, recorder.store)
        progress_line = lambda: progress_summary(library, recorder.store)  # noqa: E731
    try:
        for entry in simulate(library, plan, settings, script, recorder=recorder, progress_line=progress_line):
            print(json.dumps(entry.as_json(), ensure_ascii=False) if args.json else entry.as_text(), flush=True)
    finally:
        if recorder is not None:
            recorder.close()
    return 0


def run_practice(args: argparse.Namespace, settings: Settings) -> int:
    """A live session: speaks, listens (or reads typed commands with --text), records history."""
    from voicecoach.practice import practise

    reason = practise(settings, text=args.text, drill_id=args.drill, resume=args.resume)
    if reason == "interrupted":  # Ctrl-C / SIGTERM: nothing ends the session in the history
        notice("interrupted; the next `voicecoach practice` offers to pick up where you stopped")
        return 130
    return 0


def write_diagram(out: Path, protected: tuple[Path, ...] = ()) -> Path:
    """Draw the machine to `out` (.svg/.png with graphviz, else Mermaid text); return the file written."""
    import logging

    from transitions.extensions import GraphMachine

    from voicecoach.coach.machine import machine_kwargs

    fmt = out.suffix.lower().lstrip(".")
    engine = "graphviz" if fmt in GRAPHVIZ_FORMATS else "mermaid"
    if engine == "graphviz":
        try:
            import graphviz  # noqa: F401  (the python binding transitions draws with)
        except ImportError:
            engine, out = "mermaid", out.with_suffix(".mmd")
            print(f"voicecoach: the graphviz python package is not installed; writing Mermaid text to {out}", file=sys.stderr)
    logging.getLogger("transitions").setLevel(logging.ERROR)
    kwargs = machine_kwargs(answers=False)  # the in-place answers are listed in docs/coach.md
    machine = GraphMachine(graph_engine=engine, show_conditions=True, title="voicecoach coach", **kwargs)
    graph = machine.get_graph()
    from voicecoach.outfile import write_output

    try:  # drawn in memory, then written in one go: a failure leaves no stray or empty file
        data = graph.draw(None, format=fmt, prog="dot") if engine == "graphviz" else graph.draw(None).encode("utf-8")
    except Exception as error:  # graphviz's ExecutableNotFound and friends
        raise UserError(f"cannot draw {out}: {error}") from None
    write_output(out, lambda temp: temp.write_bytes(data), protected)
    return out


def run_diagram(args: argparse.Namespace, settings: Settings) -> int:
    """Write the state machine diagram."""
    from voicecoach.outfile import database_files
    from voicecoach.settings import db_path

    written = write_diagram(args.out, tuple(database_files(db_path(settings))))
    print(written)
    return 0
