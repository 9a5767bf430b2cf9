"""The coach's own music: the mixer's gains, ramps and pause (pure), the player's mix and reference,
real decoding of the files in tests/data (libsndfile, soxr), the loader thread and the folder checks."""

import queue

import numpy as np
import pytest

from tests.test_speak_player import FakeStream
from voicecoach.speak import music as m
from voicecoach.speak.music import MusicLoader, MusicMixer, MusicPlayer, decode, find_tracks, start_music
from voicecoach.speak.player import Player

DATA = __import__("pathlib").Path(__file__).parent / "data"
RATE = 8000
BLOCK = 80  # 10 ms
DUCK = 10 ** (m.DUCK_DB / 20)


def ones_mixer(level=0.5, seconds=30.0):
    """A mixer fed with constant 1.0 samples (so its output is its gain), playing."""
    mixer = MusicMixer(RATE, level)
    for _ in range(int(seconds / m.CHUNK_S)):
        mixer.feed(0, np.ones(int(m.CHUNK_S * RATE), np.float32))
    mixer.playing = True
    return mixer


def run(mixer, seconds, ducked=False):
    """Mix `seconds` of blocks over silence; the concatenated output."""
    out = []
    for _ in range(int(round(seconds * RATE / BLOCK))):
        block = np.zeros(BLOCK, np.float32)
        mixer.mix(block, ducked)
        out.append(block)
    return np.concatenate(out)


def test_play_fades_in_to_the_level_and_stays_there():
    mixer = ones_mixer(level=0.5)
    out = run(mixer, m.FADE_S + 0.1)
    fade = int(m.FADE_S * RATE)
    assert out[0] < 0.01 and np.all(np.diff(out[:fade]) > 0)  # a ramp, not a jump
    np.testing.assert_allclose(out[fade:], 0.5, atol=1e-6)


def test_a_coach_line_ducks_the_music_by_15_db_within_the_short_ramp_and_releases_it():
    mixer = ones_mixer(level=0.5)
    run(mixer, m.FADE_S)
    ducked = run(mixer, 0.3, ducked=True)
    down = int(m.DUCK_S * RATE)
    assert np.all(np.diff(ducked[:down]) < 0)
    np.testing.assert_allclose(ducked[down:], 0.5 * DUCK, rtol=1e-5)
    assert 20 * np.log10(ducked[-1] / 0.5) == pytest.approx(-15.0, abs=0.01)
    released = run(mixer, m.RELEASE_S + 0.1)
    up = int(m.RELEASE_S * RATE)
    assert released[0] < 0.5 * DUCK + 0.01 and np.all(np.diff(released[:up]) > 0)
    np.testing.assert_allclose(released[up:], 0.5, atol=1e-6)


def test_pause_fades_out_then_keeps_its_place_and_play_goes_on_from_there():
    mixer = MusicMixer(RATE, 1.0)
    track = np.arange(1, 30 * RATE + 1, dtype=np.float32)  # sample i is i + 1: where we are is visible
    for start in range(0, track.size, 4000):
        mixer.feed(0, track[start:start + 4000])
    mixer.playing = True
    run(mixer, 1.0)
    mixer.playing = False
    fading = run(mixer, m.FADE_S)
    assert fading[-1] == 0.0 and fading[0] > 0
    assert not run(mixer, 2.0).any()  # paused: silence...
    mixer.playing = True
    again = run(mixer, 0.5)
    played = int((1.0 + m.FADE_S) * RATE)
    assert again[0] == pytest.approx((played + 1) * (1 / int(m.FADE_S * RATE)), rel=1e-4)  # ...and no sample skipped
    np.testing.assert_allclose(again[int(m.FADE_S * RATE):], track[played + int(m.FADE_S * RATE): played + int(0.5 * RATE)])


def test_next_song_drops_the_rest_of_the_track_and_fades_the_next_in():
    mixer = MusicMixer(RATE, 1.0)
    for _ in range(4):
        mixer.feed(0, np.full(4000, 0.25, np.float32))
    mixer.playing = True
    run(mixer, 1.0)
    mixer.next_song()
    mixer.feed(1, np.full(40 * RATE, 0.75, np.float32))
    out = run(mixer, 1.0)
    assert out[0] < 0.01  # faded in from silence...
    np.testing.assert_allclose(out[int(m.FADE_S * RATE):], 0.75)  # ...the new song, none of the old one


def test_a_starved_mixer_plays_silence_and_counts_it():
    mixer = MusicMixer(RATE, 1.0)
    mixer.playing = True
    assert not run(mixer, 0.1).any()
    assert mixer.starved == 10
    assert mixer.room.is_set()


def test_the_mixer_asks_for_more_below_its_lookahead_and_not_above():
    mixer = MusicMixer(RATE, 1.0)
    for _ in range(m.AHEAD_CHUNKS):
        mixer.feed(0, np.ones(int(m.CHUNK_S * RATE), np.float32))
    assert not mixer.room.is_set()
    mixer.playing = True
    run(mixer, m.CHUNK_S + 0.01)
    assert mixer.room.is_set()


@pytest.fixture
def player():
    streams = []
    player = Player(lambda *note: None, samplerate=RATE, blocksize=BLOCK,
                    stream_factory=lambda **kw: streams.append(FakeStream(**kw)) or streams[-1])
    yield player, streams
    player.close()


def test_the_player_mixes_music_under_its_clips_and_the_tap_gets_exactly_what_is_played(player):
    player, streams = player
    mixer = ones_mixer(level=0.5)
    player.music = mixer
    tapped = []
    player.tap = lambda block, at, rate: tapped.append(block.copy())
    before = streams[0].pull(int(0.5 * RATE / BLOCK))
    assert before[-1] == pytest.approx(0.5)  # music alone, faded in
    voice = np.full(int(0.5 * RATE), 0.2, np.float32)
    player.enqueue(voice, 1)
    during = streams[0].pull(int(0.5 * RATE / BLOCK))
    down = int(m.DUCK_S * RATE)
    np.testing.assert_allclose(during[down:], 0.2 + 0.5 * DUCK, rtol=1e-5)  # voice plus ducked music
    after = streams[0].pull(int(0.6 * RATE / BLOCK))
    assert after[-1] == pytest.approx(0.5)
    np.testing.assert_array_equal(np.concatenate(tapped), np.concatenate([before, during, after]))


def test_music_player_steers_the_mixer(player):
    player, _ = player
    mixer = MusicMixer(RATE, 0.4)
    loader = MusicLoader([], mixer, lambda line: None)
    control = MusicPlayer(player, mixer, loader)
    control.steer("play")
    assert mixer.playing
    control.steer("gain", 0.5)
    assert mixer.level == pytest.approx(0.2)
    control.steer("next")
    assert mixer.generation == 1
    control.steer("pause")
    assert not mixer.playing
    with pytest.raises(ValueError):
        control.steer("shuffle")


@pytest.mark.parametrize("name", ["tune.ogg", "tune.flac", "tune.mp3"])
def test_a_real_music_file_decodes_to_mono_at_the_players_rate(name):
    from tests.data.make_tune import NOTE_S, NOTES, RATE as FILE_RATE, tune

    samples = decode(DATA / name, 22050)
    expected = tune().mean(axis=1)
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert abs(samples.size - expected.size * 22050 / FILE_RATE) < 0.06 * 22050  # MP3 pads its frames
    # the first note's pitch survives (A3, 220 Hz): its spectrum peaks there
    first = samples[:int(NOTE_S * 22050)] if name != "tune.mp3" else samples[int(0.03 * 22050):int((NOTE_S + 0.03) * 22050)]
    spectrum = np.abs(np.fft.rfft(first * np.hanning(first.size)))
    peak = np.argmax(spectrum) * 22050 / first.size
    assert peak == pytest.approx(440.0 * 2 ** ((NOTES[0] - 69) / 12), rel=0.05)
    level = np.sqrt(np.mean(expected ** 2))
    assert np.sqrt(np.mean(samples ** 2)) == pytest.approx(level, rel=0.1)


def test_the_loader_feeds_the_mixer_shuffles_loops_and_skips_a_file_it_cannot_read(tmp_path):
    (tmp_path / "a.ogg").write_bytes((DATA / "tune.ogg").read_bytes())
    (tmp_path / "b.flac").write_bytes((DATA / "tune.flac").read_bytes())
    (tmp_path / "broken.mp3").write_bytes(b"not music at all" * 100)
    (tmp_path / "notes.txt").write_text("not a track")
    tracks = find_tracks(tmp_path)
    assert [t.name for t in tracks] == ["a.ogg", "b.flac", "broken.mp3"]
    said = queue.Queue()
    mixer = MusicMixer(22050, 1.0)
    loader = MusicLoader(tracks, mixer, said.put, seed=3).start()
    try:
        assert "broken.mp3" in said.get(timeout=10)
        mixer.playing = True
        seconds = 0
        while len(loader.played) < 5 and seconds < 60:  # play through: the loop goes on past the good files
            assert mixer.arrived.wait(10)
            mixer.arrived.clear()
            mixer.mix(np.zeros(22050, np.float32), False)
            seconds += 1
        assert len(loader.played) >= 5
        assert {p.name for p in loader.played} == {"a.ogg", "b.flac", "broken.mp3"}
        assert said.empty()  # the broken file was said once and then left out
    finally:
        loader.close()


def test_the_loader_gives_up_in_one_line_when_nothing_plays(tmp_path):
    (tmp_path / "broken.ogg").write_bytes(b"\0" * 1000)
    said = []
    loader = MusicLoader(find_tracks(tmp_path), MusicMixer(RATE), said.append).start()
    assert loader.gave_up.wait(10)
    loader.close()
    assert said[-1] == "none of the music files could be played; training without music"
    assert len(said) == 2


def test_start_music_says_one_line_for_a_missing_or_empty_folder_and_plays_a_good_one(tmp_path, player):
    player, _ = player
    said = []
    assert start_music("", player, 0.4, said.append) is None and said == []
    assert start_music(str(tmp_path / "nowhere"), player, 0.4, said.append) is None
    assert start_music(str(tmp_path), player, 0.4, said.append) is None
    assert start_music(str(tmp_path), None, 0.4, said.append) is None
    assert said == [f"music folder {tmp_path / 'nowhere'} not found; training without music (set music.folder or --music to a folder)",
                    f"no music files (.flac, .ogg, .oga, .opus, .wav, .mp3) in {tmp_path}; training without music",
                    "music needs an audio output; training without music"]
    (tmp_path / "song.flac").write_bytes((DATA / "tune.flac").read_bytes())
    control = start_music(str(tmp_path), player, 0.4, said.append)
    try:
        assert player.music is control.mixer and control.mixer.rate == RATE and not control.mixer.playing
        assert control.mixer.arrived.wait(10) and control.mixer.queued()
    finally:
        control.close()
    assert player.music is None
