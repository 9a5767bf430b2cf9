"""Where voicecoach keeps things on disk (XDG dirs on Linux, via platformdirs)."""

from pathlib import Path

import platformdirs

APP = "voicecoach"


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
