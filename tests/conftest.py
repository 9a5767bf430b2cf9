"""Shared test fixtures and hooks.

- Every test runs with its own HOME and XDG folders and without the user's VOICECOACH_* variables,
  so no test reads or writes the user's config, history or caches (``own_home``).
- Audio-device fixtures (a private PulseAudio server, virtual speaker and microphone) live in
  `audio_devices.py` and are registered here.
- A normal user's tests that need a real small disk run in their own user and mount namespace
  (`fault_helpers.run_in_own_namespace`).
- Hypothesis profile ``ci`` (``--hypothesis-profile=ci``, as .ci/run runs): derandomized, so a CI
  run is the same every time; no deadline (real engines on a shared machine), no example database.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

from audio_devices import *  # noqa: F401,F403  (pytest fixtures)
from fault_helpers import needs_own_namespace, run_in_own_namespace

settings.register_profile("ci", derandomize=True, deadline=None, database=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])

XDG_FOLDERS = {"XDG_CONFIG_HOME": "config", "XDG_DATA_HOME": "data", "XDG_CACHE_HOME": "cache", "XDG_STATE_HOME": "state"}


def _point_home_at(patch: pytest.MonkeyPatch, home) -> None:
    for name in list(os.environ):
        if name.startswith("VOICECOACH_"):
            patch.delenv(name)
    patch.setenv("HOME", str(home))
    for var, folder in XDG_FOLDERS.items():
        patch.setenv(var, str(home / folder))


@pytest.fixture(scope="session", autouse=True)
def session_home(tmp_path_factory):
    """Session and module fixtures (set up before any test's own HOME) get a HOME of the session;
    matplotlib's font cache stays in one folder for the run (a tool's cache, not user data)."""
    with pytest.MonkeyPatch.context() as patch:
        _point_home_at(patch, tmp_path_factory.mktemp("session-home"))
        patch.setenv("MPLCONFIGDIR", str(tmp_path_factory.mktemp("matplotlib")))
        yield


@pytest.fixture(autouse=True)
def own_home(tmp_path_factory, monkeypatch):
    """A fresh HOME with XDG_CONFIG/DATA/CACHE/STATE_HOME inside it, and no VOICECOACH_* variables."""
    home = tmp_path_factory.mktemp("home")
    _point_home_at(monkeypatch, home)
    return home


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """A normal user's small-disk test runs in a child pytest in its own namespace instead."""
    if needs_own_namespace(pyfuncitem):
        run_in_own_namespace(pyfuncitem, pyfuncitem.funcargs["tmp_path"] / "namespace")
        return True
    return None
