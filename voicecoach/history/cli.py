"""`voicecoach history`, `voicecoach progress`, `voicecoach export`: read the history database."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path


DB_HELP = "history database (default: <data dir>/history.sqlite3; env VOICECOACH_DB)"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `history`, `progress` and `export`."""
    p = subparsers.add_parser("history", help="list past sessions",
                              description="List past sessions: date, drills, sets, reps, pain reports.")
    p.add_argument("--json", action="store_true", help="print a JSON list, one object per session")
    p.add_argument("--plot", type=Path, metavar="FILE", help="draw reps per drill over time: .png, .svg or .pdf (needs voicecoach[plot])")
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
    """Every session in the database the settings point at; [] if there is no database yet.

    Opened read-only, so a history on a read-only disk (or one a session is writing) can be viewed."""
    from voicecoach.history.store import explain, open_readonly
    from voicecoach.settings import db_path

    path = db_path(settings)
    if not path.exists():
        return []
    store = open_readonly(path)
    if store.notice:
        from voicecoach.errors import notice

        notice(store.notice)
    try:
        return store.sessions()
    except sqlite3.DatabaseError as error:  # a damaged page met while reading: one line, not a traceback
        raise explain(error, path) from None
    finally:
        store.close()


def _protected(settings) -> list[Path]:
    from voicecoach.outfile import database_files
    from voicecoach.settings import db_path

    return database_files(db_path(settings))


def _library():
    from voicecoach.program.load import load_library

    return load_library()


def run_history(args: argparse.Namespace, settings) -> int:
    from voicecoach.history import report

    from voicecoach.outfile import check_not_protected, write_output

    if args.plot:
        check_not_protected(args.plot, _protected(settings))
        fmt = report.plot_format(args.plot)
    sessions = _sessions(settings)
    library = _library()
    if args.plot:
        lines = write_output(args.plot, lambda temp: report.plot_reps(sessions, temp, library, fmt), _protected(settings))
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

    from voicecoach.outfile import check_not_protected, write_output

    if str(args.csv) != "-":
        check_not_protected(args.csv, _protected(settings))  # before reading anything
    sessions = _sessions(settings)
    if str(args.csv) == "-":
        report.export_csv(sessions, sys.stdout)
        return 0

    def write(temp: Path) -> int:
        with open(temp, "w", newline="", encoding="utf-8") as out:
            return report.export_csv(sessions, out)

    rows = write_output(args.csv, write, _protected(settings))
    print(f"wrote {args.csv} ({rows} rows)", file=sys.stderr)
    return 0
