"""PulseAudio virtual devices for tests: a virtual speaker and a virtual microphone.

Fixture API (kept stable; other areas' tests use it):

``pulse_server`` (function; the daemon behind it lives for the session)
    A private PulseAudio daemon of our own, started in a fresh runtime dir on first use and stopped
    at the end of the session; a server the environment names (a developer's desktop) is never
    used. ``PULSE_SERVER`` is set to it for the test only, and PortAudio (sounddevice) is
    re-initialised so it sees the ``pulse`` ALSA device (and again after the test, so the next test
    sees the machine as it is). A watchdog process stops our daemon whenever pytest ends, also on a
    failure, Ctrl-C or kill -9. Value: a :class:`PulseServer` with ``.address`` (``unix:/...``) and
    ``.pactl(*args) -> str``.

``virtual_speaker`` (function)
    A ``module-null-sink`` with a unique name. ``PULSE_SINK`` is set to it for the test, so any
    sounddevice output stream opened on the ``pulse``/``default`` device during the test plays
    into it. Value: a :class:`VirtualSpeaker`:
      - ``.sink`` (sink name), ``.monitor`` (its monitor source name),
      - ``.record() -> Recording``: starts ``parec`` on the monitor now;
        ``Recording.stop() -> numpy float32 mono array`` at ``Recording.rate`` (48 kHz).

``virtual_microphone`` (function)
    A microphone you can speak into: a null sink ``<name>_feed`` whose monitor is remapped into
    the source ``<name>`` (``module-remap-source``). ``PULSE_SOURCE`` is set to it for the test,
    so sounddevice input streams on ``pulse``/``default`` record from it. Value: a
    :class:`VirtualMicrophone`:
      - ``.source`` (source name), ``.feed_sink``,
      - ``.play(wav_path, wait=True) -> subprocess.Popen``: ``paplay`` the file into the mic
        (``wait=False`` returns at once; call ``.wait()`` on the result yourself).

``pulse_env(sink=None, source=None)`` (helper, not a fixture): a dict of env vars for a
subprocess (e.g. the ``voicecoach`` CLI) that routes its audio to the given sink/source.

Devices are unloaded after each test. libpulse reads ``PULSE_SINK``/``PULSE_SOURCE`` when a
stream is opened, so they work per stream without re-initialising PortAudio (verified here).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from userns import in_namespace

START_TIMEOUT_S = 10.0


@dataclass
class PulseServer:
    """A PulseAudio daemon we started."""

    address: str
    daemon_env: dict  # environment of the daemon we started
    runtime_dir: Path

    watchdog: subprocess.Popen | None = None

    def stop_daemon(self) -> None:
        """Stop the daemon we started (``pulseaudio --kill`` reads its pid file in our runtime dir)."""
        subprocess.run(["pulseaudio", "--kill"], env=self.daemon_env, capture_output=True, timeout=10)
        if self.watchdog is not None:  # its job is done; let it exit
            self.watchdog.stdin.close()
            self.watchdog.wait(timeout=15)
            self.watchdog = None

    @property
    def daemon_pid(self) -> int | None:
        """The pid of the daemon we started (from its pid file), if any."""
        try:
            return int((self.runtime_dir / "pulse" / "pid").read_text().split()[0])
        except (OSError, ValueError, TypeError, IndexError):
            return None

    def pactl(self, *args: str) -> str:
        """Run pactl against this server; returns its stdout."""
        env = dict(os.environ, PULSE_SERVER=self.address)
        done = subprocess.run(["pactl", *args], env=env, capture_output=True, text=True, timeout=10)
        if done.returncode != 0:
            raise RuntimeError(f"pactl {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout.strip()


def _server_alive(address: str) -> bool:
    env = dict(os.environ, PULSE_SERVER=address)
    try:
        return subprocess.run(["pactl", "info"], env=env, capture_output=True, timeout=5).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


RUNTIME_PREFIX = "vc-pulse-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_orphaned_servers() -> None:
    """Stop daemons this fixture started for test sessions that died without tearing down
    (e.g. a pytest killed by a timeout). Only dirs with our prefix and a dead owner are touched."""
    for runtime in Path(tempfile.gettempdir()).glob(f"{RUNTIME_PREFIX}*"):
        try:
            owner = int((runtime / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        if _alive(owner):
            continue
        env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime), HOME=str(runtime))
        env.pop("PULSE_SERVER", None)
        subprocess.run(["pulseaudio", "--kill"], env=env, capture_output=True, timeout=10)
        shutil.rmtree(runtime, ignore_errors=True)


def start_private_server() -> PulseServer:
    """Start a PulseAudio daemon of our own, listening on a socket in a fresh temp dir."""
    reap_orphaned_servers()
    runtime = Path(tempfile.mkdtemp(prefix=RUNTIME_PREFIX))
    (runtime / "owner.pid").write_text(str(os.getpid()))
    socket = runtime / "native"
    script = runtime / "server.pa"
    script.write_text(
        f"load-module module-native-protocol-unix auth-anonymous=1 socket={socket}\n"
        "load-module module-null-sink sink_name=vc_fallback sink_properties=device.description=vc_fallback\n"
    )
    env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime), HOME=str(runtime), PULSE_STATE_PATH=str(runtime / "state"))
    env.pop("PULSE_SERVER", None)
    # --daemonize=yes: the parent returns only once the daemon is ready (no polling, no sleeps).
    started = subprocess.run(
        ["pulseaudio", "--daemonize=yes", "--exit-idle-time=-1", "--system=false", "-n", "-F", str(script),
         "--use-pid-file=yes", "--disable-shm=yes", f"--log-target=file:{runtime / 'pulseaudio.log'}"],
        env=env, capture_output=True, text=True, timeout=START_TIMEOUT_S,
    )
    address = f"unix:{socket}"
    if started.returncode != 0 or not _server_alive(address):
        raise RuntimeError(f"pulseaudio did not start: {started.stderr.strip()} (log: {runtime / 'pulseaudio.log'})")
    server = PulseServer(address, env, runtime)
    server.watchdog = start_watchdog(env)
    return server


# The watchdog waits for its standard input to close: that happens when the test process ends in
# any way (teardown, a failure, Ctrl-C, kill -9), since only we hold the pipe's write end. Then it
# stops the daemon. Its own session, so the Ctrl-C sent to pytest's process group does not reach it.
WATCHDOG = "import subprocess, sys; sys.stdin.buffer.read(); subprocess.run(['pulseaudio', '--kill'], capture_output=True, timeout=10)"


def start_watchdog(daemon_env: dict) -> subprocess.Popen:
    """A process that stops the daemon as soon as this process is gone (see WATCHDOG)."""
    return subprocess.Popen([sys.executable, "-c", WATCHDOG], stdin=subprocess.PIPE, env=daemon_env,
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _reinit_portaudio() -> None:
    """Make an already-imported sounddevice see the server (PortAudio lists devices at init)."""
    if "sounddevice" in sys.modules:
        sd = sys.modules["sounddevice"]
        sd._terminate()
        sd._initialize()


@pytest.fixture(scope="session")
def pulse_daemon():
    """Our own PulseAudio daemon for the whole session (never a server found in the environment)."""
    server = start_private_server()
    try:
        yield server
    finally:
        server.stop_daemon()
        shutil.rmtree(server.runtime_dir, ignore_errors=True)


@pytest.fixture
def pulse_server(pulse_daemon):
    """The session's daemon, with ``PULSE_SERVER`` pointing at it for this test only (see the
    module docstring); PortAudio is re-initialised before and after (about 45 ms each)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PULSE_SERVER", pulse_daemon.address)
        _reinit_portaudio()
        yield pulse_daemon
    _reinit_portaudio()


def unique_name(prefix: str) -> str:
    """A device name no other test session uses."""
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"


# Sound cards are /dev/snd (ALSA opens them) and /proc/asound (ALSA lists them): an empty tmpfs over
# each, in the command's own mount namespace, gives a machine without any.
HIDE_SOUND_CARDS = 'for d in /dev/snd /proc/asound; do if [ -e "$d" ]; then mount -t tmpfs none "$d"; fi; done'


def without_sound_cards(argv: list[str], env: dict[str, str], runtime_dir: Path) -> tuple[list[str], dict[str, str]]:
    """`argv` and `env` for a command that must see a machine without audio devices, whatever this
    one has: no sound cards (hidden in its own namespace), no PulseAudio or PipeWire server (an
    unreachable ``PULSE_SERVER``, an empty runtime dir)."""
    env = dict(env, PULSE_SERVER="unix:/nonexistent/native", XDG_RUNTIME_DIR=str(runtime_dir),
               PIPEWIRE_RUNTIME_DIR=str(runtime_dir))
    return in_namespace(argv, HIDE_SOUND_CARDS), env


def pulse_env(sink: str | None = None, source: str | None = None) -> dict[str, str]:
    """Environment for a subprocess whose audio should go to `sink` / come from `source`."""
    env = dict(os.environ)
    if sink:
        env["PULSE_SINK"] = sink
    if source:
        env["PULSE_SOURCE"] = source
    return env


@dataclass
class Recording:
    """A running ``parec`` of a monitor source."""

    process: subprocess.Popen
    path: Path
    rate: int = 48000

    def stop(self) -> np.ndarray:
        """Stop recording; the audio as mono float32."""
        self.process.terminate()
        self.process.wait(timeout=5)
        return np.fromfile(self.path, dtype="<i2").astype(np.float32) / 32768.0


@dataclass
class VirtualSpeaker:
    """A null sink you can record from (see the module docstring)."""

    server: PulseServer
    sink: str
    tmp: Path
    _recordings: list = field(default_factory=list)

    @property
    def monitor(self) -> str:
        return f"{self.sink}.monitor"

    def record(self, rate: int = 48000) -> Recording:
        """Start recording what plays into the speaker."""
        path = self.tmp / f"{uuid.uuid4().hex[:8]}.raw"
        args = ["parec", f"--device={self.monitor}", "--format=s16le", f"--rate={rate}", "--channels=1", "--raw", "--latency-msec=10"]
        process = subprocess.Popen(args, stdout=open(path, "wb"), env=dict(os.environ, PULSE_SERVER=self.server.address))
        recording = Recording(process, path, rate)
        self._recordings.append(recording)
        return recording


@dataclass
class VirtualMicrophone:
    """A source you can play WAV files into (see the module docstring)."""

    server: PulseServer
    source: str
    feed_sink: str

    def play(self, wav_path: str | Path, wait: bool = True) -> subprocess.Popen:
        """``paplay`` a file into the microphone."""
        env = dict(os.environ, PULSE_SERVER=self.server.address)
        process = subprocess.Popen(["paplay", f"--device={self.feed_sink}", str(wav_path)], env=env)
        if wait:
            process.wait(timeout=120)
        return process


@pytest.fixture
def virtual_speaker(pulse_server, tmp_path, monkeypatch):
    """A fresh virtual speaker; output streams opened during the test play into it."""
    sink = unique_name("vc_speaker")
    module = pulse_server.pactl("load-module", "module-null-sink", f"sink_name={sink}", "rate=48000", "channels=1")
    monkeypatch.setenv("PULSE_SINK", sink)
    speaker = VirtualSpeaker(pulse_server, sink, tmp_path)
    try:
        yield speaker
    finally:
        for recording in speaker._recordings:
            if recording.process.poll() is None:
                recording.process.kill()
                recording.process.wait(timeout=5)
        pulse_server.pactl("unload-module", module)


@pytest.fixture
def virtual_microphone(pulse_server, monkeypatch):
    """A fresh virtual microphone; input streams opened during the test record from it."""
    source = unique_name("vc_mic")
    feed = f"{source}_feed"
    feed_module = pulse_server.pactl("load-module", "module-null-sink", f"sink_name={feed}", "rate=48000", "channels=1")
    remap_module = pulse_server.pactl("load-module", "module-remap-source", f"master={feed}.monitor", f"source_name={source}", "channels=1")
    monkeypatch.setenv("PULSE_SOURCE", source)
    try:
        yield VirtualMicrophone(pulse_server, source, feed)
    finally:
        pulse_server.pactl("unload-module", remap_module)
        pulse_server.pactl("unload-module", feed_module)
