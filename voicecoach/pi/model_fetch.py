"""The better speech model, fetched by the service itself when the install could not.

A Pi is often installed before it has a network (or the download fails half-way). Then `serve`
listens with PocketSphinx and, at each start, tries the English Vosk model download once in the
background (a partial download resumes). When it succeeds the service says so once, by voice,
and uses Vosk from the next time it listens; the following starts find the model and do nothing.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Callable

from voicecoach.errors import UserError
from voicecoach.settings import Settings

log = logging.getLogger(__name__)


def wants_download(settings: Settings, find_model: Callable[[str, str], Path | None] | None = None) -> bool:
    """True when `serve` should fetch the model: automatic engine choice, English (the one model
    `voicecoach model download` installs), no model folder configured, and none found."""
    if find_model is None:
        from voicecoach.listen.model import find_model
    listen = settings.listen
    return (listen.engine == "auto" and settings.coach.language == "en" and not listen.model
            and find_model("", "en") is None)


class ModelFetch:
    """One background download attempt; :meth:`take_ready` says (once) when the model is in place."""

    def __init__(self, download: Callable[[], Path] | None = None):
        if download is None:
            from voicecoach.listen.model import download as fetch

            download = lambda: fetch(progress=False)  # noqa: E731
        self._download = download
        self._done = threading.Event()
        self._ready = False
        self._told = False
        self.error: str | None = None
        self.thread = threading.Thread(target=self._run, name="voicecoach-model-fetch", daemon=True)

    def start(self) -> "ModelFetch":
        """Begin the download on a daemon thread (it dies with the service)."""
        log.info("no English Vosk model yet: downloading it in the background; PocketSphinx listens meanwhile")
        self.thread.start()
        return self

    def _run(self) -> None:
        try:
            path = self._download()
        except (UserError, OSError) as error:
            self.error = str(error)
            log.warning("model download failed (%s); PocketSphinx goes on, and the next start tries again", error)
        else:
            self._ready = True
            log.info("the English Vosk model is in place: %s", path)
        finally:
            self._done.set()

    def take_ready(self) -> bool:
        """True once, the first time it is asked after a successful download."""
        if self._ready and not self._told:
            self._told = True
            return True
        return False

    def wait(self, timeout: float) -> bool:
        """Wait for the attempt to end (tests, shutdown); True if it ended."""
        return self._done.wait(timeout)
