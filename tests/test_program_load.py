"""Drill loader: every class of error gives one clear message naming file, drill and field."""

from pathlib import Path

import pytest

from voicecoach.program.load import DrillError, builtin_files, check_files, load_library

WALL = next(f for f in builtin_files() if f.name == "wall_hinge.toml").read_text("utf-8")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_builtin_drill_loads():
    library = load_library(include_user=False)
    assert set(library.ladder) <= set(library.drills)
    for drill in library:
        assert drill.cue_lines(), drill.id
        assert all(seconds > 0 for seconds in drill.tempo.values()), drill.id


def test_builtin_files_pass_check():
    assert check_files([Path(str(f)) for f in builtin_files()]) == []


# (case, text to replace in wall_hinge.toml, replacement, field named, words in the message)
ERROR_CASES = [
    ("unknown key", 'role = "ladder"', 'role = "ladder"\ncolour = "red"', "colour", "unknown key"),
    ("unknown key in a table", "descent = 3.0", "descent = 3.0\nspeed = 2", "tempo.speed", "unknown key"),
    ("missing field", 'name = "Wall hip hinge"\n', "", "name", "missing"),
    ("wrong type", "sets = 3", 'sets = "three"', "sets", "whole number"),
    ("negative tempo", "descent = 3.0", "descent = -1.0", "tempo.descent", "from 0.2 to 20 seconds (got -1.0)"),
    ("zero tempo", "bottom = 1.0", "bottom = 0", "tempo.bottom", "from 0.2 to 20 seconds (got 0)"),
    ("missing tempo phase", "ascent = 2.0\n", "", "tempo.ascent", "missing"),
    ("empty cue list", 'bottom = ["Touch the wall.", "Hamstrings and glutes."]', "bottom = []", "cues.bottom", "must not be empty"),
    ("cue too long to say", 'top = ["Stand tall.", "Ribs down."]',
     'top = ["' + "now stand up very tall and squeeze your glutes hard like you mean it please" + '"]', "cues.top[0]", "too long"),
    ("progression to unknown drill", 'to = "dowel_hinge"', 'to = "moon_walk"', "progression.to", "unknown drill 'moon_walk'"),
    ("regression to unknown drill", 'load = false', 'load = false\nregression = "sofa_sit"', "regression", "unknown drill 'sofa_sit'"),
    ("source not a source", 'source = "wall-drill"\n\n[[mistakes]]', 'source = "009"\n\n[[mistakes]]', "progression.source", "not a source"),
    ("drill sources not sources", 'sources = ["wall-drill", "baird", "russell"]', 'sources = ["wall-drill", "wikipedia"]', "sources[1]", "not a source"),
    ("reps range upside down", "reps = 12", "reps = [10, 6]", "reps", "low <= high"),
    ("good form needs a form check", 'form_check = "Did you feel it in your hamstrings?"\n', "", "progression.good_form", "form_check"),
    ("form fix names no mistake", 'form_fix = "step_out"', 'form_fix = "dancing"', "form_fix", "not one of this drill's mistakes"),
    ("a loaded drill needs a primer", 'load = false', 'load = true', "primer", "unloaded primer"),
    ("duplicate mistake ids", 'id = "squatting"', 'id = "bending_forward"', "mistakes[1].id", "duplicate id"),
    ("no mistakes", None, None, "mistakes", "missing"),
]


def mutate(case: str, old: str | None, new: str | None) -> str:
    text = WALL.replace('id = "wall_hinge"', 'id = "my_hinge"', 1)
    if case == "no mistakes":
        return text.split("[[mistakes]]")[0] + "[[safety]]" + text.split("[[safety]]")[1]
    assert old in text, f"test case {case!r} no longer matches wall_hinge.toml"
    return text.replace(old, new, 1)


@pytest.mark.parametrize("case,old,new,field,words", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_each_error_class_names_file_drill_and_field(tmp_path, case, old, new, field, words):
    path = write(tmp_path, "my_hinge.toml", mutate(case, old, new))
    problems = check_files([path])
    messages = [str(p) for p in problems]
    matching = [m for m in messages if f": {field}: " in m]
    assert matching, messages
    assert matching[0].startswith("my_hinge.toml: drill 'my_hinge': ")
    assert words in matching[0]


def test_invalid_toml_is_one_message(tmp_path):
    path = write(tmp_path, "broken.toml", 'id = "x"\nname = \n')
    [problem] = check_files([path])
    assert str(problem).startswith("broken.toml: drill '?': (file): not valid TOML")


def test_duplicate_ids_across_user_files(tmp_path):
    text = mutate("-", 'name = "Wall hip hinge"', 'name = "Mine"')
    write(tmp_path, "a.toml", text)
    write(tmp_path, "b.toml", text)
    with pytest.raises(DrillError) as caught:
        load_library(user_dir=tmp_path)
    assert any(p.file == str(tmp_path / "b.toml") and p.field == "id" and "already defined in a.toml" in p.message
               for p in caught.value.problems)


def test_user_drill_with_builtin_id_is_an_error_not_an_override(tmp_path):
    write(tmp_path, "my_wall.toml", WALL.replace('name = "Wall hip hinge"', 'name = "My wall"'))
    with pytest.raises(DrillError) as caught:
        load_library(user_dir=tmp_path)
    [problem] = caught.value.problems
    # a user's file is named with its folder: it may live anywhere (issue 15)
    assert (problem.file, problem.drill, problem.field) == (str(tmp_path / "my_wall.toml"), "wall_hinge", "id")
    assert "already defined in wall_hinge.toml" in problem.message


def test_valid_user_drill_is_merged(tmp_path):
    write(tmp_path, "my_hinge.toml", mutate("-", 'name = "Wall hip hinge"', 'name = "Couch hinge"'))
    library = load_library(user_dir=tmp_path)
    assert library["my_hinge"].name == "Couch hinge"
    assert library.ordered()[-1].id == "my_hinge"  # user drills come after the program's


def test_unreadable_file_is_reported(tmp_path):
    [problem] = check_files([tmp_path / "nope.toml"])
    assert problem.file == "nope.toml" and "cannot read" in problem.message
