"""`voicecoach history`, `voicecoach progress`, `voicecoach export`: read the history database."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from voicecoach.errors import UserError

DB_HELP = "history database (default: <data dir>/history.sqlite3; env VOICECOACH_DB)"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `history`, `progress` and `export`."""
    p = subparsers.add_parser("history", help="list past sessions",
                              description="List past sessions: date, drills, sets, reps, pain reports.")
    p.add_argument("--json", action="store_true", help="print a JSON list, one object per session")
    p.add_argument("--plot", type=Path, metavar="FILE.png", help="draw reps per drill over time (needs voicecoach[plot])")
    p.add_argument("--db", dest="store.db", metavar="PATH", help=DB_HELP)
    p.set_defaults(func=run_history)

    p = subparsers.add_parser("progress", help="where you stand on the ladder",
                              description="Where you stand on the ladder, and exactly what is needed to move on.")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.add_argument("--db", dest="store.db", metavar="PATH", help=DB_HELP)
    p.set_defaults(func=run_progress)

    p = subparsers.add_parser("export", help="export the history as CSV",
                              description="Export every set (reps, variation, load, form check, pain) as CSV, e.g. for a physiotherapist.")
    p.add_argument("--csv", type=Path, required=True, metavar="FILE", help="CSV file to write ('-' for standard output)")
    p.add_argument("--db", dest="store.db", metavar="PATH", help=DB_HELP)
    p.set_defaults(func=run_export)


def _sessions(settings) -> list:
    """Every session in the database the settings point at; [] if there is no database yet."""
    from voicecoach.history.store import open_store
    from voicecoach.settings import db_path

    path = db_path(settings)
    if not path.exists():
        return []
    store = open_store(path, create=False, check_writable=False)
    try:
        return store.sessions()
    finally:
        store.close()


def _library():
    from voicecoach.program.load import load_library

    return load_library()


def run_history(args: argparse.Namespace, settings) -> int:
    from voicecoach.history import report

    sessions = _sessions(settings)
    library = _library()
    if args.plot:
        lines = report.plot_reps(sessions, args.plot, library)
        print(f"wrote {args.plot} ({lines} drill{'s' if lines != 1 else ''}, {len(sessions)} sessions)", file=sys.stderr)
    if args.json:
        print(json.dumps(report.history_json(sessions), indent=2))
    elif not args.plot:
        print(report.history_text(sessions, library))
    return 0


def run_progress(args: argparse.Namespace, settings) -> int:
    from voicecoach.history import report

    sessions, library = _sessions(settings), _library()
    if args.json:
        print(json.dumps(report.progress_json(library, sessions), indent=2))
    else:
        print(report.progress_text(library, sessions))
    return 0


def run_export(args: argparse.Namespace, settings) -> int:
    from voicecoach.history import report

    sessions = _sessions(settings)
    if str(args.csv) == "-":
        report.export_csv(sessions, sys.stdout)
        return 0
    try:
        with open(args.csv, "w", newline="", encoding="utf-8") as out:
            rows = report.export_csv(sessions, out)
    except OSError as error:
        raise UserError(f"cannot write {args.csv}: {error.strerror or error}") from None
    print(f"wrote {args.csv} ({rows} rows)", file=sys.stderr)
    return 0
