"""The `voicecoach` command: a thin layer over the library.

Each area registers its own subcommands (``register(subparsers)`` in ``<area>/cli.py``); this
module only builds the parser, merges the settings once, and turns a :class:`UserError` into one
line on stderr and a non-zero exit. Arguments whose ``dest`` is ``"section.key"`` are settings
flags: they override the config file and environment (see :mod:`voicecoach.settings`).

Heavy libraries (audio, recognizers) are imported inside the command functions, so
``voicecoach drills`` starts instantly.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import sys
from pathlib import Path
from typing import Sequence

from voicecoach import __version__
from voicecoach.errors import UserError
from voicecoach.settings import load_settings

COMMAND_MODULES = (
    "voicecoach.program.cli",  # drills
    "voicecoach.coach.cli",  # practice, simulate, diagram
    "voicecoach.speak.cli",  # say, devices
    "voicecoach.listen.cli",  # listen, model
    "voicecoach.history.cli",  # history, progress, export
    "voicecoach.pi.cli",  # serve, check
)

# A path the user gave that can never be a file: their mistake to fix (exit 2), with what to do.
BAD_PATH = {errno.ENAMETOOLONG: "; give a shorter name", errno.ELOOP: "; a symlink loops",
            errno.ENOTDIR: "; a part of the path is a file, not a folder"}


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every area's subcommands."""
    parser = argparse.ArgumentParser(prog="voicecoach", description="An offline, hands-free voice coach for the hip hinge.")
    parser.add_argument("--version", action="version", version=f"voicecoach {__version__}")
    parser.add_argument("--config", type=Path, default=None, help="config file (default: ~/.config/voicecoach/config.toml)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def settings_flags(args: argparse.Namespace) -> dict[str, object]:
    """The ``section.key`` options the user gave on the command line."""
    return {k: v for k, v in vars(args).items() if "." in k and v is not None}


def flag_names(parser: argparse.ArgumentParser) -> dict[str, str]:
    """``section.key`` -> the option that sets it (``coach.count_in_s`` -> ``--count-in``), for messages."""
    names: dict[str, str] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                names.update({k: v for k, v in flag_names(sub).items() if k not in names})
        elif "." in action.dest and action.option_strings:
            names.setdefault(action.dest, action.option_strings[0])
    return names


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `voicecoach` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(config_path=args.config, flags=settings_flags(args),
                                 config_required=args.config is not None, flag_names=flag_names(parser))
        return int(args.func(args, settings) or 0)
    except UserError as error:
        for line in str(error).splitlines():  # one line per problem
            print(f"voicecoach: {line}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("voicecoach: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as error:  # the last net: a file problem no command explained yet, still one line
        where = f"{error.filename}: " if error.filename else ""
        print(f"voicecoach: {where}{error.strerror or error}{BAD_PATH.get(error.errno, '')}", file=sys.stderr)
        return 2 if error.errno in BAD_PATH else 1


if __name__ == "__main__":
    sys.exit(main())
