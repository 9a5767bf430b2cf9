"""The coach and its own music (pure logic): when it plays, the music commands, and no trace of
music in a session without it."""

from dataclasses import replace

from tests.coach_helpers import command, library, run_until
from voicecoach.coach.coach import Coach
from voicecoach.coach.commands import MUSIC, Command
from voicecoach.events import Music, Say
from voicecoach.program.plan import single_drill_plan
from voicecoach.session import listening_for
from voicecoach.settings import CoachSettings


def music_coach(music=True) -> Coach:
    lib = library()
    return Coach(lib, single_drill_plan(lib, "dowel_hinge"), replace(CoachSettings()), music=music)


def music_of(actions):
    return [a for a in actions if isinstance(a, Music)]


def said(actions):
    return [a.text for a in actions if isinstance(a, Say)]


def test_the_music_plays_from_the_welcome_and_stops_on_pause_and_resumes_after():
    coach = music_coach()
    assert music_of(coach.begin_session(0.0)) == [Music("play")]
    command(coach, "next")
    run_until(coach, "ready")
    assert music_of(command(coach, "pause")) == [Music("pause")]
    assert music_of(command(coach, "resume")) == [Music("play")]


def test_pain_stops_the_music_at_once_and_the_end_leaves_it_off():
    coach = music_coach()
    coach.begin_session(0.0)
    command(coach, "next")
    run_until(coach, "ready")
    actions = command(coach, "pain")
    assert coach.state == "safety" and Music("pause") in actions
    assert music_of(command(coach, "stop")) == []  # ended: already off, said once
    assert coach.state == "ended"


def test_stop_ends_the_music():
    coach = music_coach()
    coach.begin_session(0.0)
    assert music_of(command(coach, "stop")) == [Music("pause")]


def test_music_off_and_on_by_voice():
    coach = music_coach()
    coach.begin_session(0.0)
    actions = command(coach, "music_off")
    assert music_of(actions) == [Music("pause")] and said(actions) == ["Music off."]
    command(coach, "pause")
    assert music_of(command(coach, "resume")) == []  # the person's "off" holds through a pause
    actions = command(coach, "music_on")
    assert music_of(actions) == [Music("play")] and said(actions) == ["Music on."]


def test_next_song_and_the_music_level_within_limits():
    coach = music_coach()
    coach.begin_session(0.0)
    actions = command(coach, "next_song")
    assert music_of(actions) == [Music("next")] and said(actions) == ["Next song."]
    assert music_of(command(coach, "music_louder")) == [Music("gain", round(10 ** (3 / 20), 4))]
    assert music_of(command(coach, "music_louder")) == [Music("gain", round(10 ** (6 / 20), 4))]
    assert said(command(coach, "music_louder")) == ["That's as loud as the music goes."]
    for _ in range(6):
        actions = command(coach, "music_quieter")
    assert music_of(actions) == [Music("gain", round(10 ** (-12 / 20), 4))] and said(actions) == ["Music quieter."]
    assert said(command(coach, "music_quieter")) == ["That's as quiet as the music goes."]


def test_the_music_commands_are_listened_for_only_when_there_is_music():
    with_music, without = music_coach(), music_coach(music=False)
    for coach in (with_music, without):
        coach.begin_session(0.0)
    assert MUSIC <= listening_for(with_music)
    assert not MUSIC & listening_for(without)
    assert listening_for(without) == listening_for(with_music) - MUSIC


def test_without_music_no_music_action_and_a_typed_music_command_says_how_to_get_music():
    coach = music_coach(music=False)
    actions = coach.begin_session(0.0)
    actions += command(coach, "next")
    actions += [a for _, a in run_until(coach, "ready")]
    assert music_of(actions) == []
    actions = command(coach, "music_on")
    assert music_of(actions) == [] and said(actions) == ["There's no music. Start me with --music and a folder of songs."]


def test_help_does_not_list_the_music_commands():
    coach = music_coach()
    coach.begin_session(0.0)
    text = said(command(coach, "help"))[0]
    assert "music" not in text.lower() and "song" not in text.lower()
    assert Command.MUSIC_OFF in coach.accepted_commands()
