"""The session bench's "ownmusic" room: the quiet room's draws, with the coach's own music at the
level of its speech, mixed into what its speaker plays (and so into the canceller's reference)."""

import numpy as np
import pytest

from voicecoach.bench.hearing import own_music
from voicecoach.bench.room import RATE, SPEAKER_RMS, make_room


def test_the_own_music_room_is_the_quiet_room_with_music_at_the_coachs_speech_level():
    quiet, music = make_room("quiet", 3), make_room("ownmusic", 3)
    assert music.describe() == quiet.describe()  # the same room, person and noise for the same seed
    np.testing.assert_array_equal(music.coach_rir, quiet.coach_rir)
    assert quiet.music is None
    assert np.sqrt(np.mean(music.music.astype(np.float64) ** 2)) == pytest.approx(SPEAKER_RMS, rel=1e-3)


def test_the_coachs_music_in_the_bench_plays_looped_at_its_level_and_pauses_when_told():
    room = make_room("ownmusic", 3)
    assert own_music(make_room("quiet", 3), 10.0) is None
    music = own_music(room, 2 * room.music.size / RATE)
    music.steer("play")
    block = np.zeros(room.music.size * 2, np.float32)  # two loops
    music.mixer.mix(block, ducked=False)
    fade = int(0.3 * RATE)
    np.testing.assert_allclose(block[room.music.size + fade:], room.music[fade:], atol=1e-6)
    music.steer("pause")
    rest = np.zeros(RATE, np.float32)
    music.mixer.mix(rest, ducked=False)
    assert not rest[fade:].any()
