"""A sandbox for scripts/install-pi.sh: a fake home and a PATH of stub system commands that
record their calls (used by test_pi_install.py and test_pi_sound.py)."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
INSTALLER = REPO / "scripts" / "install-pi.sh"
UNIT = REPO / "scripts" / "voicecoach.service"

# Commands that change the system. In a dry run none may be called; in a "real" run they are
# stubs that only record their arguments.
SYSTEM_COMMANDS = ("sudo", "apt-get", "dpkg-query", "systemctl", "loginctl", "usermod", "python3", "pip")
FILE_COMMANDS = ("rm", "mkdir", "mv")  # real in a real run, stubbed (forbidden) in a dry run

RECORDING_STUB = """#!/bin/sh
echo "$(basename "$0") $*" >> "{log}"
{body}
"""

# python3 -m venv DIR makes a venv whose python, pip and voicecoach are recording stubs too.
PYTHON_STUB_BODY = """
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
    mkdir -p "$3/bin"
    for tool in python pip voicecoach; do
        printf '#!/bin/sh\\necho "venv-%s $*" >> "{log}"\\n' "$tool" > "$3/bin/$tool"
        chmod +x "$3/bin/$tool"
    done
fi
exit 0
"""

# dpkg-query answering like Raspberry Pi OS Lite: everything installed but a sound server.
LITE_DPKG_QUERY_BODY = """
for pkg; do :; done
case "$pkg" in
    pipewire*|wireplumber|pulseaudio*|libspa-0.2-modules) exit 1 ;;
esac
printf 'install ok installed'
"""

# A non-root user "pi" who is not yet in the audio group.
ID_STUB_BODY = """
case "$1" in
    -u) echo 1000 ;;
    -un) echo pi ;;
    -nG) echo pi ;;
    *) echo "uid=1000(pi) gid=1000(pi) groups=1000(pi)" ;;
esac
"""


def write_stub(folder: Path, name: str, log: Path, body: str = "exit 0") -> None:
    path = folder / name
    path.write_text(RECORDING_STUB.format(log=log, body=body.replace("{log}", str(log))))
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


class Sandbox:
    """A fake home and a PATH of stubs; runs the installer inside them."""

    def __init__(self, root: Path, dry: bool, lite: bool = False):
        self.home = root / "home"
        self.home.mkdir()
        self.stubs = root / "stubs"
        self.stubs.mkdir()
        self.log = root / "calls.log"
        self.log.touch()
        for name in SYSTEM_COMMANDS:
            body = PYTHON_STUB_BODY if name == "python3" else "exit 0"
            if name == "dpkg-query":
                body = LITE_DPKG_QUERY_BODY if lite else "printf 'install ok installed'"
            write_stub(self.stubs, name, self.log, body)
        write_stub(self.stubs, "id", root / "id.log", ID_STUB_BODY)
        if dry:
            for name in FILE_COMMANDS:
                write_stub(self.stubs, name, self.log)
        self.venv = self.home / ".local/share/voicecoach/venv"
        self.unit = self.home / ".config/systemd/user/voicecoach.service"
        self.db = self.home / ".local/share/voicecoach/history.sqlite3"

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        env = {
            "HOME": str(self.home),
            "PATH": f"{self.stubs}:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "XDG_RUNTIME_DIR": str(self.home / "run"),
            **(env or {}),
        }
        return subprocess.run(["bash", str(INSTALLER), *args], env=env, capture_output=True, text=True, timeout=60)

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines()

    def changes(self) -> list[str]:
        """The calls that could change the system (dpkg-query only reads)."""
        return [call for call in self.calls() if not call.startswith("dpkg-query")]

    def files(self) -> list[Path]:
        return sorted(p for p in self.home.rglob("*"))
