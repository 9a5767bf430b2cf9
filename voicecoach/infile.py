"""Reading an input the user named (config, drill file, script, typed commands) without hanging.

A user's text file is read only from a regular file (through a symlink too), never from a FIFO
(which blocks forever) or a device such as ``/dev/zero`` (which never ends), and only up to
:data:`MAX_TEXT_BYTES`; standard input is read with the same cap, typed lines with
:data:`MAX_LINE_CHARS`. Every refusal is a :class:`UserError` of one line, exit 2.
:func:`parse_toml` turns TOML nested too deeply for the parser into a plain decode error.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any, BinaryIO

from voicecoach.errors import UserError

MAX_TEXT_BYTES = 1_000_000  # a config, drill file or script is a few kB; 1 MB is far past any real one
MAX_LINE_CHARS = 1000  # a typed command is a few words


def _kind(mode: int) -> str:
    """What a file that is not a regular one is, in words."""
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_user_file(path: Path | str, what: str = "file") -> BinaryIO:
    """The user's file `path` open for reading, if it is a regular file (through a symlink too).

    A FIFO is opened without blocking, then refused; a device or a socket is refused too: a
    :class:`UserError` (exit 2) naming the file. OSError (no such file, a folder as
    IsADirectoryError, no permission) passes through for the caller to word.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0))
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "Is a directory", str(path))
        raise UserError(f"{path}: is {_kind(mode)}, not a {what}; give a regular file", 2)
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_user_bytes(path: Path | str, what: str = "file", missing_ok: bool = False,
                    limit: int = MAX_TEXT_BYTES) -> bytes | None:
    """The bytes of the user's file `path` (a `what`: "config file", "drill file", ...).

    Only a regular file is read (:func:`open_user_file`) and at most `limit` bytes of it. None
    when the file does not exist and `missing_ok`; any other problem is a :class:`UserError`
    (exit 2) naming the file and what to do.
    """
    try:
        file = open_user_file(path, what)
    except FileNotFoundError:
        if missing_ok:
            return None
        raise UserError(f"{path}: cannot read {what} (no such file); check the path", 2) from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a folder, not a {what}", 2) from None
    except OSError as error:
        raise UserError(f"{path}: cannot read {what} ({_reason(error)})", 2) from None
    with file:
        return _read_capped(file, str(path), what, limit)


def read_user_text(path: Path | str, what: str = "file", missing_ok: bool = False,
                   limit: int = MAX_TEXT_BYTES) -> str | None:
    """:func:`read_user_bytes`, decoded as UTF-8 (a BOM some editors write is fine)."""
    data = read_user_bytes(path, what, missing_ok, limit)
    return None if data is None else decode_text(data, str(path), what)


def read_stdin_text(stream: Any, what: str = "script", limit: int = MAX_TEXT_BYTES) -> str:
    """All of standard input as text, at most `limit` bytes; a closed stdin is a UserError."""
    if stream is None or getattr(stream, "closed", False):
        raise UserError(f"<stdin>: standard input is closed; give the {what} as a file or pipe it in", 2)
    binary = getattr(stream, "buffer", None)
    if binary is None:  # a text stream handed in (tests): already decoded
        text = stream.read(limit + 1)
        if len(text.encode("utf-8", "surrogatepass")) > limit:
            raise UserError(_too_big("<stdin>", what, limit), 2)
        return text.removeprefix("\ufeff")
    return decode_text(_read_capped(binary, "<stdin>", what, limit), "<stdin>", what)


def decode_text(data: bytes, name: str, what: str) -> str:
    """UTF-8 text (with or without a BOM), or a one-line UserError saying which byte is wrong."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UserError(f"{name}: not UTF-8 text (byte {error.start}); save it as UTF-8", 2) from None


def parse_toml(text: str) -> dict[str, Any]:
    """``tomllib.loads``, with TOML nested too deeply for the parser as a TOMLDecodeError too."""
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise tomllib.TOMLDecodeError("nested too deeply") from None


def _read_capped(file: BinaryIO, name: str, what: str, limit: int) -> bytes:
    try:
        data = file.read(limit + 1)
    except OSError as error:
        raise UserError(f"{name}: cannot read {what} ({_reason(error)})", 2) from None
    if data is None:  # a non-blocking stream with nothing yet
        data = b""
    if len(data) > limit:
        raise UserError(_too_big(name, what, limit), 2)
    return data


def _too_big(name: str, what: str, limit: int) -> str:
    return f"{name}: more than {limit // 1_000_000 or limit} {'MB' if limit >= 1_000_000 else 'bytes'}; a {what} is a small text file"


def _reason(error: OSError) -> str:
    if error.errno is not None and error.strerror:
        return error.strerror[0].lower() + error.strerror[1:]
    return str(error)
