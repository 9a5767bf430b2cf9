"""Issue 15, properties: any settings value and any arguments to any subcommand end in exit 0, 1 or 2,
never a traceback; the history database stays intact; no file appears but the one asked for.

The subcommands that open devices or wait for a person (practice, serve, check, devices, listen
without --wav, say without --out) are covered by their own tests; here every command that
finishes by itself gets arbitrary arguments.
"""

from __future__ import annotations

import contextlib
import io
import os
import string
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from fault_helpers import history_rows, make_history, wav_header
from voicecoach.cli import main
from voicecoach.errors import ConfigError
from voicecoach.settings import RANGES, _sections, load_settings

FAST = settings(max_examples=int(os.environ.get("VOICECOACH_FAULT_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
KEYS = sorted(f"{section}.{name}" for section, cls in _sections().items() for name in vars(cls()))

# ---- settings values ---------------------------------------------------------------------------

NASTY_TEXT = st.sampled_from(["", "nan", "NaN", "inf", "-inf", "1e309", "-1", "0", "1", "0.5", "450", "1e-300", "yes",
                              "true", "full", "en", " 3 ", "\udcff", "caf\udce9", "9" * 400, "auto", "0x10"])
ANY_VALUE = st.one_of(st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=True, allow_infinity=True),
                      NASTY_TEXT, st.text(max_size=20), st.lists(st.integers(), max_size=2))


def toml_literal(value) -> str:
    """A TOML spelling of `value` (floats as nan/inf where needed); may be invalid TOML on purpose."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if value != value else ("inf" if value == float("inf") else "-inf" if value == float("-inf") else repr(value))
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def check_loaded(result) -> None:
    for dotted, allowed in RANGES.items():
        section, key = dotted.split(".")
        value = getattr(getattr(result, section), key)
        assert allowed.low <= value <= allowed.high, (dotted, value)


@FAST
@given(key=st.sampled_from(KEYS), value=ANY_VALUE, channel=st.sampled_from(["file", "env", "flag"]))
def test_any_setting_value_loads_in_range_or_is_one_config_error(tmp_path, key, value, channel):
    section, name = key.split(".")
    config = tmp_path / "c.toml"
    config.write_bytes(f"[{section}]\n{name} = {toml_literal(value)}\n".encode("utf-8", "surrogateescape"))
    try:
        if channel == "file":
            result = load_settings(config_path=config, environ={})
        elif channel == "env":
            result = load_settings(config_path=tmp_path / "none.toml", environ={f"VOICECOACH_{section.upper()}_{name.upper()}": str(value)})
        else:
            result = load_settings(config_path=tmp_path / "none.toml", environ={}, flags={key: value})
    except ConfigError as error:
        assert error.exit_code == 2 and "\n" not in str(error)
        return
    check_loaded(result)


@FAST
@given(data=st.binary(max_size=200))
def test_any_bytes_as_a_config_file_load_or_are_one_config_error(tmp_path, data):
    config = tmp_path / "c.toml"
    config.write_bytes(data)
    try:
        check_loaded(load_settings(config_path=config, environ={}))
    except ConfigError as error:
        assert error.exit_code == 2 and "\n" not in str(error)


# ---- subcommand arguments ------------------------------------------------------------------------


def arguments(root: Path):
    """A strategy of argv lists for every subcommand that ends by itself, with nasty values."""
    db, folder = str(root / "h.db"), str(root)
    paths = st.sampled_from([db, f"{db}-wal", folder, str(root / "missing" / "x"), str(root / "out.csv"),
                             str(root / "out.png"), str(root / "out.svg"), str(root / "out.mmd"), str(root / "out.wav"),
                             str(root / "zero.wav"), str(root / "bom.txt"), "-", "", "\udcff.txt"])
    values = st.one_of(NASTY_TEXT, paths, st.text(string.printable, max_size=12))
    option_sets = {
        "drills": ["--json"],
        "simulate": ["--drill", "--script", "--json", "--db", "--count-in", "--tempo-scale", "--verbosity", "--rate"],
        "diagram": ["--out"],
        "history": ["--json", "--plot", "--db"],
        "progress": ["--json", "--db"],
        "export": ["--csv", "--db"],
        "model path": ["--model", "--language"],
        "model check": ["--language"],
        "model download": ["--dest", "--quiet"],
        "listen": ["--engine", "--language", "--json"],
        "say": ["--rate", "--volume", "--voice", "--json"],
    }
    flags_without_value = {"--json", "--quiet"}

    @st.composite
    def argv(draw):
        command = draw(st.sampled_from(sorted(option_sets)))
        out = command.split()
        for option in draw(st.lists(st.sampled_from(option_sets[command]), max_size=4, unique=True)):
            out += [option] if option in flags_without_value else [f"{option}={draw(values)}"]
        if command == "model check":
            out.append(draw(paths))  # never the checkout's real model: loading it takes seconds
        if command == "model download":
            out.append(f"--url={draw(st.sampled_from(['file:///etc/passwd', 'http://127.0.0.1:9/m.zip', 'ftp://x/y', 'x']))}")
        if command == "listen":
            out.append(f"--wav={draw(paths)}")
        if command == "say":
            out += [draw(NASTY_TEXT), f"--out={draw(paths)}"]
        if command in ("export",) and not any(a.startswith("--csv") for a in out):
            out.append(f"--csv={draw(paths)}")
        if command == "diagram" and len(out) == 1:
            out.append(f"--out={draw(paths)}")
        return out

    return argv()


def listing(root: Path) -> set[str]:
    skip = {"cache", "home"}  # the speech cache fills as `say` renders
    return {str(p.relative_to(root)) for p in root.rglob("*") if not (set(p.relative_to(root).parts) & skip)}


def allowed_new(argv: list[str], root: Path) -> set[str]:
    """Files an argv may create: the paths it names (and a database's companions)."""
    named = set()
    for arg in argv:
        value = arg.split("=", 1)[1] if arg.startswith("--") and "=" in arg else arg
        if value and not value.startswith("/"):
            value = str(root / value)  # the test runs in `root`
        if value.startswith(str(root)) and value != str(root):
            rel = str(Path(value).relative_to(root))
            named |= {rel, f"{rel}-wal", f"{rel}-shm", f"{rel}.lock"}
            if Path(rel).name:
                named.add(str(Path(rel).with_suffix(".mmd")))
            named |= {str(p) for p in Path(rel).parents if str(p) != "."}
    return named


def test_any_arguments_to_any_subcommand_exit_0_1_or_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # relative output paths land here, where the test looks for strays
    for name in list(os.environ):
        if name.startswith("VOICECOACH_"):
            monkeypatch.delenv(name)
    for var in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / ("cache" if var == "XDG_CACHE_HOME" else "home")))
    monkeypatch.setenv("VOICECOACH_DB", str(tmp_path / "h.db"))
    monkeypatch.setenv("VOICECOACH_VOICE_ENGINE", "pyttsx3")
    make_history(tmp_path / "h.db")
    (tmp_path / "zero.wav").write_bytes(wav_header(0, frames=10))
    (tmp_path / "bom.txt").write_bytes("\ufeff2 next\n".encode())
    rows = history_rows(tmp_path / "h.db")

    @FAST
    @given(argv=arguments(tmp_path))
    def run(argv):
        before = listing(tmp_path)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exit_:  # argparse: a usage error
                code = exit_.code
        assert code in (0, 1, 2), (argv, code, err.getvalue())
        assert "Traceback" not in err.getvalue()
        if code:
            assert err.getvalue().strip(), argv  # a failure always says why
        try:
            intact = history_rows(tmp_path / "h.db")[2] == ["ok"]
        except Exception as error:  # noqa: BLE001 - reported with the argv that did it
            intact = error
        assert intact is True, (argv, intact)
        new = listing(tmp_path) - before
        assert new <= allowed_new(argv, tmp_path), (argv, new)
        assert not [n for n in new if Path(n).name.startswith(".") and n.endswith(".tmp")], new  # no stray temp file

    run()
    sessions, sets, _ = history_rows(tmp_path / "h.db")
    assert (sessions, sets) >= rows[:2]  # only simulate --db adds to it; nothing removed
