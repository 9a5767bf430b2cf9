"""Where voicecoach keeps things on disk (XDG dirs on Linux, via platformdirs), and how private it is."""

import os
from pathlib import Path

import platformdirs

APP = "voicecoach"
PRIVATE_DIR_MODE = 0o700  # the data, model and cache folders: a umask of 000 must not open them to all
PRIVATE_FILE_MODE = 0o600  # the history database, its lock and journals, exports: they hold pain reports


def make_private_dir(path: Path, tighten: bool = False) -> None:
    """Create a folder only its owner can use; one that exists is left as the user made it
    (`tighten`: made private too, for folders only voicecoach uses, like the speech cache)."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    if tighten and path.stat().st_mode & 0o077:
        os.chmod(path, PRIVATE_DIR_MODE)


def config_dir() -> Path:
    """User config: config.toml and user drill files (``drills/*.toml``)."""
    return Path(platformdirs.user_config_dir(APP))


def data_dir() -> Path:
    """User data: the history database and downloaded models."""
    return Path(platformdirs.user_data_dir(APP))


def cache_dir() -> Path:
    """Disposable cache: rendered speech."""
    return Path(platformdirs.user_cache_dir(APP))


def config_file() -> Path:
    """The user's config file (may not exist)."""
    return config_dir() / "config.toml"


def user_drills_dir() -> Path:
    """Folder of the user's own drill files, merged with the built-in library."""
    return config_dir() / "drills"


def checkout_models_dir() -> Path:
    """`models/` in a source checkout (next to the package), if voicecoach runs from one."""
    return Path(__file__).resolve().parent.parent / "models"
