"""Shared test fixtures. Audio-device fixtures (PulseAudio virtual speaker and microphone) live in
`audio_devices.py` and are registered here."""

from audio_devices import *  # noqa: F401,F403  (pytest fixtures)
