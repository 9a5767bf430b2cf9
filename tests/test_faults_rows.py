"""Issue 21, part 2: a history that was tampered with or damaged, and outputs named oddly. A bad row
is said once and skipped while the rest still shows; a damaged page or schema is one line, never
a traceback; another user's private database says "no permission"; --plot writes what its
suffix names.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from fault_helpers import isolated  # noqa: F401 - a fixture
from input_helpers import PROPERTIES, run_captured


# ---- tampered history rows (item 11) ----------------------------------------------------------------------

# (what, SQL on a history of two 9-set sessions, export rows lost): the damaged row is skipped, the rest shows
TAMPERED = [
    ("plan with text sets", "UPDATE sessions SET plan = '[{\"drill\": \"wall_hinge\", \"sets\": \"abc\"}]' WHERE id = 1", 0),
    ("plan with infinite sets", "UPDATE sessions SET plan = '[{\"drill\": \"wall_hinge\", \"sets\": 1e999}]' WHERE id = 1", 0),
    ("start that is not a date", "UPDATE sessions SET started_at = 'yesterday' WHERE id = 1", 9),
    ("end that is not a date", "UPDATE sessions SET ended_at = 'x' WHERE id = 1", 9),
    ("reps as text", "UPDATE sets SET reps = 'many' WHERE id = 1", 1),
    ("a set that finished 'soon'", "UPDATE sets SET done_at = 'soon' WHERE id = 4", 1),
    ("a pain report at no time", "INSERT INTO pains (session_id, at, drill, set_no, phrase) VALUES (1, 'never', 'x', 1, 'ow')", 0),
]
COMMANDS = [("history",), ("history", "--json"), ("progress",), ("progress", "--json"), ("export", "--csv", "-")]


def export_rows(capsys, db: Path) -> int:
    code, out, _ = run_captured(capsys, "export", "--csv", "-", "--db", str(db))
    assert code == 0
    return len(out.splitlines()) - 1





@pytest.mark.parametrize("what, sql, lost", TAMPERED, ids=[t[0] for t in TAMPERED])
def test_a_tampered_history_row_is_said_once_and_the_rest_still_shows(isolated, capsys, what, sql, lost):
    import sqlite3

    from fault_helpers import make_history

    db = make_history(isolated / "h.sqlite3", sessions=2)
    clean = export_rows(capsys, db)
    with sqlite3.connect(db) as conn:
        conn.execute(sql)
    for command in COMMANDS:
        code, out, err = run_captured(capsys, *command, "--db", str(db))
        assert code == 0 and "Traceback" not in err, (command, err)
        assert err.count("\n") == 1 and "skipped a damaged record (session 1" in err, (command, err)
        assert out.strip()
    assert export_rows(capsys, db) == clean - lost


def test_a_text_schema_version_is_one_line_and_simulate_trains_anyway(isolated, capsys):
    import sqlite3

    from fault_helpers import make_history

    db = make_history(isolated / "h.sqlite3")
    with sqlite3.connect(db) as conn:
        conn.executescript("DROP TABLE schema_version; CREATE TABLE schema_version (version, applied_at);"
                           "INSERT INTO schema_version VALUES ('abc', 'x');")
    code, _, err = run_captured(capsys, "history", "--db", str(db))
    assert code == 1 and err == f"voicecoach: history database {db} is damaged (schema version 'abc'); move it aside to start a new history\n"
    code, out, err = run_captured(capsys, "simulate", "--drill", "wall_hinge", "--db", str(db))
    assert code == 0 and err.count("\n") == 1 and "this workout will not be saved" in err and out


COLUMNS = {"sessions": ["started_at", "ended_at", "end_reason", "plan", "goal"],
           "sets": ["drill", "set_no", "started_at", "done_at", "reps", "target_reps", "tempo_scale", "verbosity",
                    "variation", "load_kg", "ended_early", "form_ok"],
           "pains": ["at", "drill", "set_no", "phrase"], "drills_done": ["drill", "sets_done", "skipped"]}
ROW_VALUES = st.one_of(st.none(), st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=True, allow_infinity=True),
                       st.text(max_size=12), st.binary(max_size=8),
                       st.sampled_from(["[]", "{}", '[{"drill": 1}]', '[{"drill": "x", "sets": -1e999}]', "2026-13-01"]))


@PROPERTIES
@given(table_column=st.sampled_from([(t, c) for t, cs in COLUMNS.items() for c in cs]), value=ROW_VALUES,
       command=st.sampled_from(COMMANDS))
def test_any_tampered_value_is_exit_0_or_one_line(isolated, capsys, table_column, value, command):
    import sqlite3

    from fault_helpers import make_history

    db = isolated / "h.sqlite3"
    if not db.exists():  # one history per test run, tampered further by each example
        make_history(db, sessions=2)
        with sqlite3.connect(db) as conn:
            conn.execute("INSERT INTO pains (session_id, at, drill, set_no, phrase) SELECT 1, started_at, drill, 1, 'ow' "
                         "FROM sets LIMIT 1")
    table, column = table_column
    with sqlite3.connect(db) as conn:
        try:
            conn.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = (SELECT MIN(rowid) FROM {table})", (value,))
        except sqlite3.IntegrityError:  # NOT NULL, CHECK: the database itself refuses the tampering
            return
    code, out, err = run_captured(capsys, *command, "--db", str(db))
    assert code == 0 and "Traceback" not in err and err.count("\n") <= 1, (table, column, value, err)

# ---- damaged pages (items 11 and 16) ---------------------------------------------------------------------------

@PROPERTIES
@given(page=st.integers(2, 12), offset=st.sampled_from([0, 8, 100, 2000, 4000]), junk=st.sampled_from([b"\xff", b"\0", b"\x7f"]),
       command=st.sampled_from([*COMMANDS, ("simulate", "--drill", "wall_hinge")]))
def test_a_damaged_page_is_at_most_one_line_never_a_traceback(isolated, tmp_path_factory, capsys, page, offset, junk, command):
    from fault_helpers import make_history

    folder = tmp_path_factory.mktemp("page")
    db = make_history(folder / "h.sqlite3", sessions=3)
    with open(db, "r+b") as f:
        f.seek((page - 1) * 4096 + offset)
        f.write(junk * 16)
    code, out, err = run_captured(capsys, *command, "--db", str(db))
    assert code in (0, 1) and "Traceback" not in err and err.count("\n") <= 1, (page, offset, command, err)

# ---- another user's database (item 20) ------------------------------------------------------------------------

@pytest.fixture
def shared_folder():
    """A folder in /tmp any user may enter (tmp_path's parents are root's own, 0700)."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="voicecoach-shared-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


@pytest.mark.parametrize("command", [("history",), ("progress",), ("export", "--csv", "-")])
def test_another_users_private_database_is_no_permission_not_read_only(isolated, capsys, monkeypatch, shared_folder, command):
    from fault_helpers import make_history

    monkeypatch.setenv("XDG_CONFIG_HOME", str(shared_folder / "config"))  # nobody may look there: no config
    db = make_history(shared_folder / "h.sqlite3")
    db.chmod(0o600)
    os.seteuid(65534)  # nobody, for this call only (the suite runs as root, as CI does)
    try:
        code, _, err = run_captured(capsys, *command, "--db", str(db))
    finally:
        os.seteuid(0)
    assert code == 1 and err == (f"voicecoach: history database {db} cannot be read (no permission; it belongs to root); "
                                 "use --db for a file of your own\n")

# ---- --plot writes what its name says (item 20) ---------------------------------------------------------------

@pytest.mark.parametrize("name, starts", [("x.svg", b"<?xml"), ("x.SVG", b"<?xml"), ("x.png", b"\x89PNG"), ("x.pdf", b"%PDF")])
def test_plot_writes_the_format_its_suffix_names(isolated, capsys, name, starts):
    from fault_helpers import make_history

    db = make_history(isolated / "h.sqlite3")
    code, _, err = run_captured(capsys, "history", "--plot", str(isolated / name), "--db", str(db))
    assert code == 0, err
    assert (isolated / name).read_bytes().startswith(starts)


def test_plot_to_a_suffix_it_cannot_draw_is_refused_before_anything(isolated, capsys):
    from fault_helpers import make_history

    db = make_history(isolated / "h.sqlite3")
    code, _, err = run_captured(capsys, "history", "--plot", str(isolated / "x.jpg"), "--db", str(db))
    assert code == 2 and err == f"voicecoach: --plot {isolated / 'x.jpg'}: cannot draw a .jpg file; name it .png, .svg or .pdf\n"
    assert not (isolated / "x.jpg").exists()
