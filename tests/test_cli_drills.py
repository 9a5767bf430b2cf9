"""`voicecoach drills` through the real entry point: the contract scripts rely on."""

import json
import re
from pathlib import Path

import pytest

from cli_helpers import run_cli
from voicecoach.cli import build_parser
from voicecoach.program.load import load_library

REPO = Path(__file__).resolve().parent.parent


def test_drills_json_lists_the_whole_ladder(tmp_path):
    result = run_cli(tmp_path, "drills", "--json")
    assert result.returncode == 0, result.stderr
    drills = json.loads(result.stdout)
    ids = [d["id"] for d in drills]
    assert ids[:6] == ["wall_hinge", "dowel_hinge", "bodyweight_rdl", "band_good_morning", "weighted_rdl", "kettlebell_swing"]
    assert "glute_bridge" in ids
    for d in drills:
        assert {"id", "name", "sets", "reps", "cues", "mistakes", "progression", "sources"} <= set(d)
        assert isinstance(d["sets"], int) and isinstance(d["reps"], int)
        assert d["cues"] and all(isinstance(line, str) and line for line in d["cues"])
    wall = drills[0]
    assert (wall["sets"], wall["reps"], wall["progression"]["to"]) == (3, 12, "dowel_hinge")


def test_drills_table_is_readable(tmp_path):
    result = run_cli(tmp_path, "drills")
    assert result.returncode == 0
    header, *rows = result.stdout.splitlines()
    assert header.split()[:2] == ["ID", "NAME"]
    assert rows[0].startswith("wall_hinge") and "3 x 12" in rows[0]


def test_drills_show_prints_one_drill_in_full(tmp_path):
    result = run_cli(tmp_path, "drills", "show", "wall_hinge")
    assert result.returncode == 0
    for expected in ("Wall hip hinge", "Set-up:", "Cues:", "Common mistakes:", "Safety:", "Move on to dowel_hinge"):
        assert expected in result.stdout


def test_drills_show_cites_its_articles_by_title_and_author(tmp_path):
    out = run_cli(tmp_path, "drills", "show", "wall_hinge").stdout
    sources = out[out.index("Sources:"):out.index("Set-up:")].splitlines()[1:-1]
    assert sources == ['  [wall-drill] "How to do the hip hinge" (a coach\'s article with a beginner\'s wall drill; no author named)',
                       '  [baird] "How To Hip Hinge Correctly: Avoid These Mistakes" (Dr. Baird)',
                       '  [russell] "Perfecting the Hip Hinge" (Blake Russell, physical therapist)']
    assert "[baird]: Reach your hips to the wall." in out  # a fact names its article by that key
    assert not re.search(r"\b00[0-4]\b", out)  # no bare file numbers


def test_drills_sources_lists_the_five_articles(tmp_path):
    result = run_cli(tmp_path, "drills", "sources")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 6 and lines[3] == '  [baird] "How To Hip Hinge Correctly: Avoid These Mistakes" (Dr. Baird)'
    listed = json.loads(run_cli(tmp_path, "drills", "sources", "--json").stdout)
    assert [a["key"] for a in listed] == ["wall-drill", "hinge-vs-bend", "baird", "russell", "three-drills"]
    assert listed[3] == {"key": "russell", "title": "Perfecting the Hip Hinge", "author": "Blake Russell, physical therapist"}
    cited = {key for d in json.loads(run_cli(tmp_path, "drills", "--json").stdout) for key in d["sources"]}
    assert cited <= {a["key"] for a in listed}


def test_drills_show_unknown_id_is_one_line(tmp_path):
    result = run_cli(tmp_path, "drills", "show", "moonwalk")
    assert result.returncode == 2
    assert result.stderr.strip() == "voicecoach: no drill 'moonwalk'; `voicecoach drills` lists them"


def test_drills_check_valid_and_invalid(tmp_path):
    from voicecoach.program.load import builtin_files

    good = tmp_path / "good.toml"
    good.write_text(next(f for f in builtin_files() if f.name == "wall_hinge.toml").read_text().replace('"wall_hinge"', '"mine"'))
    bad = tmp_path / "bad.toml"
    bad.write_text(good.read_text().replace("descent = 3.0", "descent = 0").replace('to = "dowel_hinge"', 'to = "nowhere"'))
    assert run_cli(tmp_path, "drills", "check", str(good)).returncode == 0
    result = run_cli(tmp_path, "drills", "check", str(bad))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, lines  # one message per problem, no traceback
    assert all(line.startswith("voicecoach: bad.toml: drill 'mine': ") for line in lines)
    assert "Traceback" not in result.stderr


def test_broken_user_drill_is_refused_clearly(tmp_path):
    folder = tmp_path / "config" / "voicecoach" / "drills"
    folder.mkdir(parents=True)
    (folder / "oops.toml").write_text("id = 'oops'\n")
    result = run_cli(tmp_path, "drills")
    assert result.returncode == 2
    assert f"voicecoach: {folder / 'oops.toml'}: drill 'oops': name: missing" in result.stderr  # named with its folder
    assert "Traceback" not in result.stderr


def test_bad_config_file_is_one_line(tmp_path):
    config = tmp_path / "config" / "voicecoach" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[voice]\nrate = 'quick'\n")
    result = run_cli(tmp_path, "drills")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and str(config) in result.stderr and "voice.rate" in result.stderr


def test_unknown_command_and_option_exit_2_with_usage(tmp_path):
    for args in (["bogus"], ["drills", "--bogus"]):
        result = run_cli(tmp_path, *args)
        assert result.returncode == 2
        assert result.stderr.startswith("usage: voicecoach")


def all_subcommands():
    """Every (sub)command path in the parser, e.g. ('drills',), ('drills', 'show')."""
    import argparse

    def walk(parser, prefix):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield (*prefix, name)
                    yield from walk(sub, (*prefix, name))

    return list(walk(build_parser(), ()))


@pytest.mark.parametrize("command", all_subcommands(), ids=" ".join)
def test_every_command_has_help(command):
    parser = build_parser()
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args([*command, "--help"])
    assert exit_info.value.code == 0


def test_the_readme_lists_every_source_as_the_program_data_does():
    """program.toml keeps the articles; the README's Sources section repeats them for readers."""
    readme = (REPO / "README.md").read_text()
    for key, article in load_library(include_user=False).seeds.items():
        assert f'| `{key}` | "{article["title"]}" ({article["author"]}) |' in readme, key
