"""Issue 21, part 2: drill and config files the coach cannot run: TOML nested too deeply, timing that
is not finite or out of range, ids --drill cannot name, a UTF-8 BOM. One line, exit 2, the range
in the message; one validation for `drills check`, loading and the Drill itself.
"""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from fault_helpers import isolated  # noqa: F401 - a fixture
from input_helpers import PROPERTIES, run_captured, wall_hinge_with


# ---- deeply nested TOML (item 9) ---------------------------------------------------------------------------

NESTED = "a = " + "[" * 5000 + "]" * 5000 + "\n"





@pytest.mark.parametrize("where", ["--config", "default config", "user drill", "drills check"])
def test_deeply_nested_toml_is_one_line_not_a_recursion_error(isolated, capsys, where):
    nested = isolated / "nested.toml"
    nested.write_text(NESTED)
    argv = ["drills"]
    if where == "--config":
        argv = ["--config", str(nested), "drills"]
    elif where == "drills check":
        argv = ["drills", "check", str(nested)]
    else:
        folder = isolated / "config" / "voicecoach" / ("drills" if where == "user drill" else "")
        folder.mkdir(parents=True, exist_ok=True)
        nested.rename(folder / ("mine.toml" if where == "user drill" else "config.toml"))
    code, _, err = run_captured(capsys, *argv)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert "not valid TOML" in err and "nested too deeply" in err

# ---- drill timing (item 10) ------------------------------------------------------------------------------




def toml_float(value: float) -> str:
    return "nan" if value != value else "inf" if value == float("inf") else "-inf" if value == -float("inf") else repr(value)


@pytest.mark.parametrize("key, value, message", [
    ("descent", "nan", "tempo.descent: must be from 0.2 to 20 seconds (got nan)"),
    ("descent", "inf", "tempo.descent: must be from 0.2 to 20 seconds (got inf)"),
    ("descent", "1e308", "tempo.descent: must be from 0.2 to 20 seconds (got 1e+308)"),
    ("top", "0.1", "tempo.top: must be from 0.2 to 20 seconds (got 0.1)"),
    ("rest_s", "1e300", "rest_s: must be from 0 to 600 seconds (got 1e+300)"),
    ("rest_s", "-inf", "rest_s: must be from 0 to 600 seconds (got -inf)"),
    ("rest_s", "601", "rest_s: must be from 0 to 600 seconds (got 601)"),
])
def test_drill_timing_the_coach_cannot_run_is_refused_with_the_range(isolated, capsys, key, value, message):
    drill = isolated / "wall_hinge.toml"
    drill.write_text(wall_hinge_with(**{key: value}))
    code, _, err = run_captured(capsys, "drills", "check", str(drill))
    assert code == 2 and err == f"voicecoach: wall_hinge.toml: drill 'wall_hinge': {message}\n"


def test_a_drill_built_in_code_with_timing_out_of_range_is_refused():
    import dataclasses

    from voicecoach.program.load import load_library

    drill = load_library(include_user=False)["wall_hinge"]
    with pytest.raises(ValueError, match=r"tempo.descent: must be from 0.2 to 20 seconds \(got nan\)"):
        dataclasses.replace(drill, tempo={**drill.tempo, "descent": float("nan")})
    with pytest.raises(ValueError, match=r"rest_s: must be from 0 to 600 seconds"):
        dataclasses.replace(drill, rest_s=1e300)


SECONDS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**400, 10**400),
                    st.sampled_from([0.2, 20, 0, 600, 0.19999, 20.0001, 600.5, -0.0]))


@PROPERTIES
@given(descent=SECONDS, rest=SECONDS)
def test_any_drill_timing_is_checked_in_range_or_one_line_per_field(tmp_path, capsys, descent, rest):
    from voicecoach.program.load import check_files
    from voicecoach.program.model import PHASE_SECONDS, REST_SECONDS

    drill = tmp_path / "wall_hinge.toml"
    spell = lambda v: toml_float(v) if isinstance(v, float) else str(v)  # noqa: E731
    drill.write_text(wall_hinge_with(descent=spell(descent), rest_s=spell(rest)))
    problems = {p.field: p.message for p in check_files([drill])}
    ok = lambda v, b: abs(v) < 10**30 and b.low <= v <= b.high  # noqa: E731 - nan compares False
    assert ("tempo.descent" not in problems) == ok(descent, PHASE_SECONDS), problems
    assert ("rest_s" not in problems) == ok(rest, REST_SECONDS), problems
    assert all("\n" not in m for m in problems.values())

# ---- drill files: a BOM, ids (item 20) ------------------------------------------------------------------------

def test_a_drill_file_with_a_utf8_bom_loads_like_a_config_file_does(isolated, capsys):
    text = wall_hinge_with(id='"my_hinge"')
    drills = isolated / "config" / "voicecoach" / "drills"
    drills.mkdir(parents=True)
    (drills / "mine.toml").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    code, out, err = run_captured(capsys, "drills", "check", str(drills / "mine.toml"))
    assert code == 0 and err == "", err
    code, out, err = run_captured(capsys, "drills", "show", "my_hinge")
    assert code == 0 and "Wall hip hinge" in out


@pytest.mark.parametrize("drill_id", ["a:b", "a\\nb", "Wall", "wall hinge", "=cmd", "é"])
def test_a_drill_id_that_drill_cannot_name_is_refused(isolated, capsys, drill_id):
    drill = isolated / "mine.toml"
    drill.write_text(wall_hinge_with(id=f'"{drill_id}"'))
    code, _, err = run_captured(capsys, "drills", "check", str(drill))
    assert code == 2 and "id: must be lower-case letters, digits and _ only, so --drill can name it" in err
    assert err.count("\n") == 1
