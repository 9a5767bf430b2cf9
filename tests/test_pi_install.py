"""scripts/install-pi.sh: dry run lists every step and runs nothing; a real run (against stub
system commands that record their calls) does each step once, is idempotent, and installs a unit
file that systemd itself accepts; --uninstall removes what it should and keeps the history."""

from __future__ import annotations

import configparser
import os
import subprocess
from pathlib import Path

import pytest

from pi_sandbox import ID_STUB_BODY, REPO, UNIT, Sandbox, write_stub


@pytest.fixture
def dry(tmp_path: Path) -> Sandbox:
    return Sandbox(tmp_path, dry=True)


@pytest.fixture
def real(tmp_path: Path) -> Sandbox:
    return Sandbox(tmp_path, dry=False)


# Every install step, and a command or phrase that must appear in it.
INSTALL_STEPS = [
    ("Check the system", "check_debian_and_python"),
    ("Debian packages", "ensure-debian-packages.sh espeak-ng"),
    ("audio group", "usermod -a -G audio pi"),
    ("Sound server", "nothing changed"),  # the sandbox has a sound server installed, like the desktop image
    ("Python venv", "python3 -m venv"),
    ("voicecoach into the venv", "pip install --quiet --upgrade"),
    ("Speech model", "voicecoach model download"),
    ("lingering", "sudo loginctl enable-linger pi"),
    ("systemd user service", "systemctl --user enable voicecoach.service"),
    ("Done", "start workout"),
]


def test_dry_run_lists_every_install_step_and_runs_none(dry: Sandbox):
    before = dry.files()
    result = dry.run("--dry-run")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    headings = [line for line in out.splitlines() if line.startswith("[")]
    assert len(headings) == len(INSTALL_STEPS)
    for number, ((title, command), heading) in enumerate(zip(INSTALL_STEPS, headings), start=1):
        assert heading.startswith(f"[{number}] ") and title in heading, heading
        section = out.split(heading, 1)[1].split("\n[", 1)[0]
        assert command in section, f"step {heading!r} does not show {command!r}"
    for command in ("systemctl --user daemon-reload", "systemctl --user restart voicecoach.service", "install_unit_file"):
        assert command in out
    assert dry.changes() == [], "a dry run must not run any system command"
    assert dry.files() == before, "a dry run must not touch the home directory"


def test_dry_run_uninstall_lists_removals_and_keeps_everything(dry: Sandbox):
    dry.venv.mkdir(parents=True)
    dry.db.write_bytes(b"history")
    dry.unit.parent.mkdir(parents=True)
    dry.unit.write_text("[Unit]\n")
    before = dry.files()
    result = dry.run("--uninstall", "--purge-history", "--dry-run")
    assert result.returncode == 0, result.stderr
    for command in (
        "systemctl --user disable --now voicecoach.service",
        f"rm -f {dry.unit}",
        f"rm -f {dry.db}",
        f"rm -rf {dry.venv}",
        f"rm -rf {dry.home}/.cache/voicecoach",
    ):
        assert command in result.stdout
    assert dry.calls() == []
    assert dry.files() == before


def test_install_runs_each_step_and_a_second_run_changes_nothing(real: Sandbox):
    first = real.run()
    assert first.returncode == 0, first.stdout + first.stderr
    calls = real.calls()
    expected_in_order = [
        "python3 -c",  # Python version check
        "dpkg-query",  # ensure-debian-packages.sh looks up what is missing
        "sudo usermod -a -G audio pi",
        f"python3 -m venv {real.venv}",
        f"venv-pip install --quiet --upgrade {REPO}",
        "venv-voicecoach model download",
        "sudo loginctl enable-linger pi",
        "systemctl --user daemon-reload",
        "systemctl --user enable voicecoach.service",
        "systemctl --user restart voicecoach.service",
    ]
    position = 0
    for expected in expected_in_order:
        found = [i for i, call in enumerate(calls) if call.startswith(expected) and i >= position]
        assert found, f"{expected!r} not called (in order) among {calls}"
        position = found[0]
    assert not any(call.startswith("apt-get") for call in calls), "nothing was missing, so no apt-get"
    unit_text = real.unit.read_text()
    assert f'ExecStart="{real.venv}/bin/voicecoach" serve' in unit_text

    real.log.write_text("")
    second = real.run()
    assert second.returncode == 0, second.stdout + second.stderr
    again = real.calls()
    assert not any(call.startswith("python3 -m venv") for call in again), "the venv is reused"
    assert any(call.startswith("venv-pip install") for call in again), "voicecoach is updated"
    assert "systemctl --user restart voicecoach.service" in again
    assert real.unit.read_text() == unit_text


def test_installed_unit_passes_systemd_analyze_verify(real: Sandbox, tmp_path: Path):
    assert real.run("--no-model").returncode == 0
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    result = subprocess.run(
        ["systemd-analyze", "--user", "verify", str(real.unit)],
        env={**os.environ, "XDG_RUNTIME_DIR": str(runtime), "HOME": str(real.home)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    # verify exits 0 even for unknown keys, but prints a warning: both must be clean.
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr


def test_unit_file_shape():
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str
    parser.read_string(UNIT.read_text())
    service = parser["Service"]
    assert service["ExecStart"].endswith("/venv/bin/voicecoach serve")
    assert service["Restart"] == "on-failure"
    assert service["StandardOutput"] == "journal" and service["StandardError"] == "journal"
    assert "User" not in service, "a user unit runs as its user already"
    assert parser["Install"]["WantedBy"] == "default.target"


def test_uninstall_removes_service_and_venv_and_keeps_history(real: Sandbox):
    assert real.run("--no-model").returncode == 0
    real.db.write_bytes(b"history")
    cache = real.home / ".cache/voicecoach"
    cache.mkdir(parents=True)
    result = real.run("--uninstall")
    assert result.returncode == 0, result.stderr
    assert not real.unit.exists() and not real.venv.exists() and not cache.exists()
    assert real.db.read_bytes() == b"history"
    assert "systemctl --user disable --now voicecoach.service" in real.calls()

    purge = real.run("--uninstall", "--purge-history")
    assert purge.returncode == 0, purge.stderr
    assert not real.db.exists()


def test_refuses_to_install_as_root_and_bad_options(dry: Sandbox):
    write_stub(dry.stubs, "id", dry.home / "id.log", ID_STUB_BODY.replace("1000", "0").replace("pi", "root"))
    as_root = dry.run()
    assert as_root.returncode == 1 and "not as root" in as_root.stderr
    assert dry.changes() == []
    bad = dry.run("--purge-history")
    assert bad.returncode == 2 and "only goes with --uninstall" in bad.stderr
    unknown = dry.run("--frobnicate")
    assert unknown.returncode == 2 and "unknown option" in unknown.stderr
