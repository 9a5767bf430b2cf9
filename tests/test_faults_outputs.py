"""Issue 21, security (items 1, 7, 8): outputs only to regular files and through symlinks, private
modes, no formula / escape sequence / Lua smuggled in; and the properties over every path argument.

Special files are made in a private temp folder (tests/special_files.py); the real /dev is never touched.
"""

from __future__ import annotations

import csv
import io
import os
import stat
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from cli_helpers import run_cli
from fault_helpers import files_in, history_rows, isolated, make_history, run  # noqa: F401
from history_driver import FakeClock
from special_files import IS_ROOT, PROPS, SPECIAL_KINDS, kind_of, make_special, special  # noqa: F401
from voicecoach.history import open_recorder


# ---- item 1: outputs go to regular files only, and through symlinks -----------------------------

OUTPUT_COMMANDS = {
    "export": ("export", "--csv"),
    "plot": ("history", "--plot"),
    "say": ("say", "Hello.", "--out"),
    "diagram": ("diagram", "--out"),
}


@pytest.mark.parametrize("kind", SPECIAL_KINDS)
@pytest.mark.parametrize("command", sorted(OUTPUT_COMMANDS))
def test_outputs_refuse_special_files(isolated, capsys, special, kind, command):
    node = special(kind, "out.csv" if command == "export" else "out.png")
    code, _, err = run(capsys, *OUTPUT_COMMANDS[command], str(node), "--db", str(isolated / "h.db")) \
        if command in ("export", "plot") else run(capsys, *OUTPUT_COMMANDS[command], str(node))
    assert code == 2 and err.count("\n") == 1, err
    assert "not a regular file" in err and str(node) in err
    assert kind_of(node) == kind  # the old code renamed a regular file over it
    assert sorted(os.listdir(node.parent)) == [node.name]  # no temporary file left beside it


@pytest.mark.parametrize("kind", ("fifo", "chardev"))
def test_an_output_through_a_link_to_a_special_file_is_refused(isolated, capsys, special, kind):
    node = special(kind)
    link = isolated / "link.csv"
    link.symlink_to(node)
    code, _, err = run(capsys, "export", "--csv", str(link), "--db", str(isolated / "h.db"))
    assert code == 2 and "not a regular file" in err
    assert link.is_symlink() and kind_of(node) == kind


@pytest.mark.parametrize("target_exists", [True, False])
def test_an_output_is_written_through_a_symlink(isolated, capsys, target_exists):
    db = make_history(isolated / "h.db")
    target = isolated / "real" / "sets.csv"
    target.parent.mkdir()
    if target_exists:
        target.write_text("last week\n")
    link = isolated / "link.csv"
    link.symlink_to(target)
    code, _, err = run(capsys, "export", "--csv", str(link), "--db", str(db))
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(target)  # the old code replaced the link
    assert target.read_text().startswith("session,") and target.read_text().count("\n") == 10
    assert files_in(target.parent) == {"sets.csv"}


# ---- item 7: private data stays private, chosen modes are kept --------------------------------------


@pytest.fixture
def umask():
    """set(mask) for this test; the old umask comes back after it."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("mask", [0o000, 0o022])
def test_the_history_and_its_folder_are_private_under_any_umask(isolated, capsys, umask, mask):
    umask(mask)
    data = isolated / "data" / "voicecoach"
    db = data / "history.sqlite3"
    recorder = open_recorder(db, now=FakeClock(), warn=lambda line: None)
    recorder.record("session_started", {"plan": [], "language": "en"})
    wal = Path(f"{db}-wal")
    assert wal.exists() and mode(wal) == 0o600 and mode(Path(f"{db}-shm")) == 0o600
    recorder.close()
    assert mode(data) == 0o700  # the old code: 0777 under umask 000
    assert mode(db) == 0o600  # the old code: 0644 under umask 022, 0666 under 000
    assert mode(Path(f"{db}.lock")) == 0o600


def test_a_folder_the_user_made_keeps_its_mode(isolated, umask):
    shared = isolated / "shared"
    shared.mkdir(mode=0o750)
    open_recorder(shared / "h.db", warn=lambda line: None).close()
    assert mode(shared) == 0o750 and mode(shared / "h.db") == 0o600


def test_the_model_folder_is_private_under_umask_000(tmp_path, umask):
    from test_listen_model import Server, fetch

    umask(0o000)
    server = Server()
    try:
        installed = fetch(server, tmp_path / "data" / "models")
    finally:
        server.close()
    assert mode(tmp_path / "data" / "models") == 0o700  # the old code: 0777
    assert installed.parent == tmp_path / "data" / "models"


@pytest.mark.parametrize("existing", [None, 0o600, 0o640, 0o400])
def test_an_export_is_private_and_an_overwritten_one_keeps_its_mode(isolated, capsys, umask, existing):
    umask(0o022)
    db = make_history(isolated / "h.db")
    out = isolated / "sets.csv"
    if existing is not None:
        out.write_text("old\n")
        os.chmod(out, existing)
    code, _, err = run(capsys, "export", "--db", str(db), "--csv", str(out))
    assert code == 0, err
    assert out.read_text().startswith("session,")
    assert mode(out) == (existing or 0o600)  # the old code: 0644 whatever it was


# ---- item 8: no formula, escape sequence or Lua code smuggled in through user text ----------------


def test_csv_cells_that_would_run_as_formulas_are_escaped(tmp_path, capsys):
    db = tmp_path / "h.db"
    recorder = open_recorder(db, now=FakeClock(), warn=lambda line: None)
    evil = "=cmd|' /C calc'!A0"
    for kind, data in [("session_started", {"plan": [], "language": "en"}),
                       ("set_started", {"drill": evil, "set": 1, "variation": "@SUM(A1)", "load_kg": -2.5}),
                       ("pain", {"phrase": "+1 ouch"}),
                       ("set_done", {"drill": evil, "set": 1, "reps": 3, "target_reps": 12, "variation": "@SUM(A1)",
                                     "load_kg": -2.5}),
                       ("pain", {"drill": "-x", "set": 2, "phrase": "\tsharp"})]:
        recorder.record(kind, data)
    recorder.close()
    out = tmp_path / "x.csv"
    code, _, err = run(capsys, "export", "--db", str(db), "--csv", str(out))
    assert code == 0, err
    rows = list(csv.DictReader(out.open(newline="")))
    assert rows[0]["drill"] == "'" + evil and rows[0]["variation"] == "'@SUM(A1)"  # the old code: the formula as is
    assert rows[0]["pain"] == "'+1 ouch" and rows[0]["load_kg"] == "-2.5"  # numbers stay numbers
    assert rows[1]["drill"] == "'-x" and rows[1]["pain"] == "'\tsharp"


def test_escape_sequences_in_a_user_drill_are_removed_with_a_warning(tmp_path):
    from voicecoach.program.load import builtin_files

    text = next(f for f in builtin_files() if f.name == "glute_bridge.toml").read_text()
    text = text.replace('id = "glute_bridge"', 'id = "my_bridge"', 1).replace(
        'name = "Glute bridge"', 'name = "\\u001b[2J\\u001b[31mMy bridge\\u0007"', 1).replace(
        '"Brace your belly."', '"Brace\\u001b]0;pwned\\u0007 your belly.\\u009b1m"', 1)
    folder = tmp_path / "config" / "voicecoach" / "drills"
    folder.mkdir(parents=True)
    (folder / "my_bridge.toml").write_text(text)
    shown = run_cli(tmp_path, "drills", "show", "my_bridge")
    assert shown.returncode == 0, shown.stderr
    assert "My bridge" in shown.stdout and "\x1b" not in shown.stdout and "\x07" not in shown.stdout
    assert shown.stderr.count("\n") == 1 and "my_bridge.toml" in shown.stderr and "control characters" in shown.stderr
    simulated = run_cli(tmp_path, "simulate", "--drill", "my_bridge")
    assert simulated.returncode == 0, simulated.stderr
    assert "Brace your belly." in simulated.stdout
    assert not any(ch in simulated.stdout for ch in "\x1b\x07\x9b")  # the old code printed them raw


@pytest.mark.parametrize("name", ["USB\nos.execute('touch /tmp/pwned') --", 'USB" }', "USB'", "a\\b", "USB*", "\x1b[31mUSB",
                                  "x" * 101])
@pytest.mark.parametrize("option", ["--speaker", "--microphone"])
def test_the_installer_refuses_device_names_that_would_break_the_lua_rule(tmp_path, option, name):
    from test_pi_install import Sandbox

    box = Sandbox(tmp_path, dry=False, lite=True)
    result = box.run("--no-model", option, name)
    assert result.returncode == 2, result.stdout + result.stderr  # the old script wrote a rule that runs the code
    assert result.stderr.count("\n") == 1 and "one line" in result.stderr
    assert box.changes() == [] and not (box.home / ".config/wireplumber").exists()


def test_the_installer_takes_a_plain_device_name(tmp_path):
    from test_pi_install import Sandbox

    box = Sandbox(tmp_path, dry=True, lite=True)
    result = box.run("--dry-run", "--no-model", "--speaker", "USB PnP (2) - C-Media", "--sound", "pipewire")
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"*USB PnP (2) - C-Media*"' in result.stdout


# ---- properties (hypothesis, derandomized): special files, odd names, hostile text --------------------

PATH_ARGUMENTS = {  # command line with {p} where the path goes, and whether the path is the database
    "export-csv": (("export", "--db", "{db}", "--csv", "{p}"), False),
    "history-plot": (("history", "--db", "{db}", "--plot", "{p}"), False),
    "diagram-out": (("diagram", "--out", "{p}"), False),
    "simulate-db": (("simulate", "--drill", "wall_hinge", "--db", "{p}"), True),
    "history-db": (("history", "--db", "{p}"), True),
    "progress-db": (("progress", "--db", "{p}"), True),
    "export-db": (("export", "--csv", "{out}", "--db", "{p}"), True),
}
PATH_KINDS = ["fifo", "socket", "chardev", "blockdev", "link-to-fifo", "dangling-link", "folder"]


def make_kind(folder: Path, kind: str, sockets: list) -> Path:
    """A path of `kind` in `folder` (device nodes only as root; a FIFO stands in for them otherwise)."""
    path = folder / "target"
    if kind in ("chardev", "blockdev") and not IS_ROOT:
        kind = "fifo"
    if kind in SPECIAL_KINDS:
        make_special(path, kind, sockets)
    elif kind == "link-to-fifo":
        os.mkfifo(folder / "fifo")
        path.symlink_to(folder / "fifo")
    elif kind == "dangling-link":
        path.symlink_to(folder / "elsewhere.out")
    elif kind == "folder":
        path.mkdir()
    return path


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: kind_of(p) for p in folder.iterdir()}


@PROPS
@given(command=st.sampled_from(sorted(PATH_ARGUMENTS)), kind=st.sampled_from(PATH_KINDS))
def test_any_special_file_as_any_path_argument(tmp_path, capsys, command, kind):
    """Exit 0/1/2 in one line, no traceback; a special file stays what it was; a refusal makes no file;
    the history is intact."""
    case = Path(tempfile.mkdtemp(prefix=f"{command}-{kind}-", dir=tmp_path))
    history = make_history(case / "history.db")
    folder = case / "paths"
    folder.mkdir()
    sockets: list = []
    try:
        path = make_kind(folder, kind, sockets)
        before = snapshot(folder)
        argv, is_db = PATH_ARGUMENTS[command]
        code, _, err = run(capsys, *(a.format(p=path, db=history, out=case / "out.csv") for a in argv))
    finally:
        for sock in sockets:
            sock.close()
    assert code in (0, 1, 2) and "Traceback" not in err
    problems = [line for line in err.splitlines() if not line.startswith("voicecoach: wrote ")]
    assert len(problems) <= 1, err
    if kind == "dangling-link" and code == 0 and command not in ("history-db", "progress-db", "export-db"):
        # written through the link, the link kept (reading a database that is not there yet makes nothing)
        assert path.is_symlink() and (folder / "elsewhere.out").is_file()
    else:
        assert snapshot(folder) == before, (err, snapshot(folder))
    if kind not in ("dangling-link", "folder"):
        assert code == 2 and "not a regular file" in err, err
    assert history_rows(history) == (1, 9, ["ok"])
    if is_db and code == 2:
        assert not (case / "out.csv").exists()


CELL_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)


@PROPS
@given(drill=CELL_TEXT.filter(bool), variation=CELL_TEXT, phrase=CELL_TEXT)
def test_no_exported_text_cell_starts_a_formula_and_every_text_comes_back(tmp_path, drill, variation, phrase):
    from voicecoach.history.report import FORMULA_STARTS, export_csv

    store_path = Path(tempfile.mkdtemp(dir=tmp_path)) / "h.db"
    recorder = open_recorder(store_path, now=FakeClock(), warn=lambda line: None)
    for kind, data in [("session_started", {"plan": [], "language": "en"}),
                       ("set_started", {"drill": drill, "set": 1, "variation": variation or None, "load_kg": None}),
                       ("pain", {"phrase": phrase}),
                       ("set_done", {"drill": drill, "set": 1, "reps": 1, "target_reps": 1, "variation": variation or None})]:
        recorder.record(kind, data)
    sessions = recorder.store.sessions()
    recorder.close()
    buffer = io.StringIO(newline="")
    export_csv(sessions, buffer)
    (row,) = list(csv.DictReader(io.StringIO(buffer.getvalue(), newline="")))
    for column, original in (("drill", drill), ("variation", variation), ("pain", phrase)):
        cell = row[column]
        assert not cell.startswith(FORMULA_STARTS), (column, cell)
        assert (cell[1:] if original.startswith(FORMULA_STARTS) else cell) == original


@PROPS
@given(text=st.text(max_size=40))
def test_cleaned_drill_text_has_no_control_characters_and_keeps_the_rest(text):
    import unicodedata

    from voicecoach.program.cleantext import clean_text

    cleaned = clean_text(text)
    assert not any(unicodedata.category(ch) == "Cc" for ch in cleaned)
    assert clean_text(cleaned) == cleaned
    if not any(unicodedata.category(ch) == "Cc" for ch in text):
        assert cleaned == text
