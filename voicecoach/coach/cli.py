"""Subcommands of the coach area (filled in by its issue)."""

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this area's subcommands to the `voicecoach` parser."""
