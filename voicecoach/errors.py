"""Errors a user can cause and fix, and how any one-line message reaches the user.

The CLI prints a :class:`UserError` as one line, never a traceback; :func:`notice` prints a
warning or notice the same way while the program goes on.
"""

import sys


class UserError(Exception):
    """A problem the user can fix: bad file, missing model, no device.

    `str(error)` is the one-line message; `exit_code` is what the CLI exits with.
    """

    exit_code = 1

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class ConfigError(UserError):
    """A bad config file, environment variable or flag value."""

    exit_code = 2


def notice(message: str) -> None:
    """One line on stderr, in the CLI's style: ``voicecoach: <message>``."""
    print(f"voicecoach: {message}", file=sys.stderr, flush=True)
