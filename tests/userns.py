"""Commands run as root of their own user and mount namespace (``unshare --user --map-root-user
--mount``): a normal user gets real mounts (a small tmpfs, an empty /dev/snd) that no one else sees,
and no root is needed. Debian enables unprivileged user namespaces by default."""

from __future__ import annotations

import os

UNSHARE = ["unshare", "--user", "--map-root-user", "--mount"]


def in_namespace(argv: list[str], setup: str = "") -> list[str]:
    """`argv` run in a fresh user and mount namespace, after the shell commands `setup` ran there."""
    return [*UNSHARE, "sh", "-ec", f'{setup}\nexec "$@"', "sh", *argv]


def is_root() -> bool:
    """Whether this process may mount file systems itself."""
    return os.geteuid() == 0
