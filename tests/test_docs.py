"""Consistency: the README lists every command and phrase of the vocabulary."""

from pathlib import Path

import pytest

from voicecoach.coach.commands import Command, load_vocabulary

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", list(Command))
def test_readme_lists_every_command_with_its_phrases(command):
    rows = [line for line in README.splitlines() if line.startswith("| ") and command.value in line.split("|")[1]]
    assert rows, f"README has no row for {command.value}"
    for phrase in load_vocabulary("en").phrases_for(command):
        assert f'"{phrase}"' in rows[0], f"README row for {command.value} lacks {phrase!r}"


def test_readme_setup_is_the_two_make_commands():
    setup = README.split("## Set-up")[1].split("##")[0]
    commands = [line.split("#")[0].strip() for line in setup.split("```sh")[1].split("```")[0].strip().splitlines()]
    assert commands == ["make run", "make test"]
