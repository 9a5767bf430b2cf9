"""Errors a user can cause and fix. The CLI prints them as one line, never a traceback."""


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
