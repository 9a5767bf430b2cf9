"""The real devices `serve` and `check` use, built from the settings (tests pass their own)."""

from __future__ import annotations

from typing import Callable, Sequence

from voicecoach.errors import UserError, notice
from voicecoach.settings import Settings


def microphone_opener(settings: Settings) -> Callable[[], object]:
    """A function that opens the configured microphone (16 kHz chunks; a device that rejects
    16 kHz is opened at its own rate and resampled, see :mod:`voicecoach.listen.capture`)."""
    from voicecoach.listen.capture import MicrophoneCapture

    def open_microphone() -> MicrophoneCapture:
        capture = MicrophoneCapture(settings.listen.input_device)
        capture.open()
        return capture

    return open_microphone


def recognizer_maker(settings: Settings) -> Callable[[Sequence[str]], object]:
    """A function that builds the configured recognizer for a list of phrases."""
    from voicecoach.listen.listener import make_recognizer

    def make(phrases: Sequence[str]):
        recognizer = make_recognizer(settings.listen, settings.coach.language, phrases, notice)
        if recognizer is None:
            raise UserError("the listen engine is 'keyboard'; this needs a recognizer (--engine auto)")
        return recognizer

    return make
