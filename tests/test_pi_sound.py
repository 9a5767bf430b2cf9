"""The installer's sound set-ups (scripts/pi-sound.sh): the desktop image is left alone; Raspberry Pi
OS Lite gets PipeWire + pipewire-pulse + WirePlumber as user services, with device rules by name and
the optional echo canceller; or plain ALSA with dmix/dsnoop on the cards chosen by name. Dry runs
show every file and command and change nothing; real runs (against recording stubs) write the
files and make the calls. Whether PipeWire itself accepts the files is checked by
`make test-arm64` (scripts/test-arm64.sh), which starts it."""

from __future__ import annotations

from pathlib import Path

import pytest

from pi_sandbox import REPO, Sandbox

CARDS = """\
 0 [Headphones     ]: bcm2835_headpho - bcm2835 Headphones
                      bcm2835 Headphones
 1 [vc4hdmi0       ]: vc4-hdmi - vc4-hdmi-0
                      vc4-hdmi-0
 2 [Device         ]: USB-Audio - USB PnP Sound Device
                      C-Media Electronics Inc. USB PnP Sound Device at usb-0000:01:00.0-1.3, full speed
"""
PCM = """\
00-00: bcm2835 Headphones : bcm2835 Headphones : playback 8
01-00: MAI PCM i2s-hifi-0 : MAI PCM i2s-hifi-0 : playback 1
02-00: USB Audio : USB Audio : capture 1
"""
PIPEWIRE_CALLS = [
    "systemctl --user enable pipewire.socket pipewire-pulse.socket wireplumber.service",
    "systemctl --user restart pipewire.service pipewire-pulse.service wireplumber.service",
]


@pytest.fixture
def lite(tmp_path: Path) -> Sandbox:
    """Raspberry Pi OS Lite: no sound server installed."""
    box = Sandbox(tmp_path, dry=False, lite=True)
    # pactl: the echo canceller's source exists once PipeWire runs
    (box.stubs / "pactl").write_text(f'#!/bin/sh\necho "pactl $*" >> "{box.log}"\n'
                                     'case "$1" in list) echo "42 voicecoach_ec_source PipeWire s16le 1ch 48000Hz" ;; esac\n')
    (box.stubs / "pactl").chmod(0o755)
    return box


@pytest.fixture
def lite_dry(tmp_path: Path) -> Sandbox:
    return Sandbox(tmp_path, dry=True, lite=True)


@pytest.fixture
def desktop(tmp_path: Path) -> Sandbox:
    """The desktop image: PipeWire installed already (the stub says every package is)."""
    return Sandbox(tmp_path, dry=False)


def sound_section(out: str) -> str:
    """The installer's sound-server step, heading first."""
    steps = out.split("\n[")
    found = [s for s in steps if s.split("\n", 1)[0].split("] ", 1)[-1].startswith(("Sound server", "Sound: plain ALSA"))]
    assert len(found) == 1, out
    return "[" + found[0]


def with_cards(box: Sandbox, tmp_path: Path) -> dict[str, str]:
    asound = tmp_path / "asound"
    asound.mkdir(exist_ok=True)
    (asound / "cards").write_text(CARDS)
    (asound / "pcm").write_text(PCM)
    return {"VOICECOACH_ASOUND_DIR": str(asound)}


def test_desktop_image_is_left_alone(desktop: Sandbox):
    result = desktop.run("--no-model", "--speaker", "USB")
    assert result.returncode == 0, result.stdout + result.stderr
    section = sound_section(result.stdout)
    assert "nothing changed" in section and "--sound pipewire" in section
    assert not any("pipewire" in call or call.startswith("pactl") for call in desktop.changes())
    assert not (desktop.home / ".config/pipewire").exists() and not (desktop.home / ".config/wireplumber").exists()
    assert not (desktop.home / ".asoundrc").exists()


def test_lite_dry_run_shows_the_pipewire_setup_and_changes_nothing(lite_dry: Sandbox):
    before = lite_dry.files()
    result = lite_dry.run("--dry-run", "--microphone", "USB PnP", "--echo-cancel")
    assert result.returncode == 0, result.stderr
    section = sound_section(result.stdout)
    assert "PipeWire" in section.splitlines()[0] and "echo cancelling" in section.splitlines()[0]
    assert "ensure-debian-packages.sh pipewire pipewire-pulse pipewire-alsa wireplumber" in section
    for call in PIPEWIRE_CALLS + ["pactl set-default-source voicecoach_ec_source", "pactl set-default-sink voicecoach_ec_sink"]:
        assert call in section, call
    assert '"node.description", "matches", "*USB PnP*"' in section  # the rule is shown, not written
    assert "libpipewire-module-echo-cancel" in section
    assert lite_dry.changes() == [] and lite_dry.files() == before


def test_lite_gets_pipewire_with_device_rules_and_echo_cancel(lite: Sandbox):
    result = lite.run("--no-model", "--speaker", "Headphones", "--microphone", "USB PnP", "--echo-cancel")
    assert result.returncode == 0, result.stdout + result.stderr
    calls = lite.changes()
    assert any(c.startswith("sudo apt-get install") and "pipewire-pulse" in c and "wireplumber" in c for c in calls), calls
    for call in PIPEWIRE_CALLS + ["pactl set-default-source voicecoach_ec_source", "pactl set-default-sink voicecoach_ec_sink"]:
        assert call in calls, call
    rules = lite.home / ".config/wireplumber/main.lua.d"
    speaker = (rules / "51-voicecoach-speaker.lua").read_text()
    microphone = (rules / "51-voicecoach-microphone.lua").read_text()
    assert '"*Headphones*"' in speaker and '"Audio/Sink"' in speaker and "@" not in speaker
    assert '"*USB PnP*"' in microphone and '"Audio/Source"' in microphone
    conf = lite.home / ".config/pipewire/pipewire.conf.d/60-voicecoach-echo-cancel.conf"
    assert "libpipewire-module-echo-cancel" in conf.read_text()

    # Again without the options: what the first run wrote is taken away, nothing else.
    lite.log.write_text("")
    again = lite.run("--no-model")
    assert again.returncode == 0, again.stdout + again.stderr
    assert not conf.exists() and not (rules / "51-voicecoach-speaker.lua").exists()
    assert "pactl set-default-source voicecoach_ec_source" not in lite.changes()


def test_plain_alsa_shares_the_chosen_cards(lite: Sandbox, tmp_path: Path):
    env = with_cards(lite, tmp_path)
    theirs = lite.home / ".asoundrc"
    theirs.write_text("pcm.!default { type hw card 1 }\n")
    result = lite.run("--no-model", "--sound", "alsa", "--microphone", "usb", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    asoundrc = theirs.read_text()
    assert 'pcm "hw:CARD=Headphones,DEV=0"' in asoundrc and "type dmix" in asoundrc
    assert 'pcm "hw:CARD=Device,DEV=0"' in asoundrc and "type dsnoop" in asoundrc
    assert "@" not in asoundrc
    assert (lite.home / ".asoundrc.before-voicecoach").read_text() == "pcm.!default { type hw card 1 }\n"
    assert not any("pipewire" in call for call in lite.changes())


def test_plain_alsa_dry_run_shows_the_file_and_writes_nothing(lite_dry: Sandbox, tmp_path: Path):
    before = lite_dry.files()
    result = lite_dry.run("--dry-run", "--sound", "alsa", "--speaker", "headphones", "--microphone", "USB",
                          env=with_cards(lite_dry, tmp_path))
    assert result.returncode == 0, result.stderr
    section = sound_section(result.stdout)
    assert "plain ALSA" in section.splitlines()[0]
    assert "speaker:    hw:CARD=Headphones,DEV=0" in section and "microphone: hw:CARD=Device,DEV=0" in section
    assert '|         slave { pcm "hw:CARD=Device,DEV=0" rate 48000 }' in section
    assert lite_dry.changes() == [] and lite_dry.files() == before


def test_plain_alsa_names_the_cards_when_nothing_matches(lite: Sandbox, tmp_path: Path):
    result = lite.run("--no-model", "--sound", "alsa", "--microphone", "Blue Yeti", env=with_cards(lite, tmp_path))
    assert result.returncode == 1
    assert 'no capture device matching "Blue Yeti"' in result.stderr and "USB PnP Sound Device" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (lite.home / ".asoundrc").exists()


def test_sound_options_are_checked(lite_dry: Sandbox):
    no_ec = lite_dry.run("--dry-run", "--sound", "alsa", "--echo-cancel")
    assert no_ec.returncode == 2 and "--echo-cancel needs PipeWire" in no_ec.stderr
    bad = lite_dry.run("--dry-run", "--sound", "jack")
    assert bad.returncode == 2 and "--sound takes auto, pipewire or alsa" in bad.stderr
    empty = lite_dry.run("--dry-run", "--speaker")
    assert empty.returncode == 2 and "--speaker needs a piece" in empty.stderr


def test_templates_are_where_the_installer_reads_them():
    folder = REPO / "voicecoach/pi/sound"
    assert {p.name for p in folder.iterdir()} >= {"asoundrc.in", "pipewire-echo-cancel.conf", "wireplumber-device.lua.in"}
