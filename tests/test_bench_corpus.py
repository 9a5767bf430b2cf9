"""The benchmark corpus generator: deterministic, sample-accurate word bounds, clean negatives."""

import hashlib
import json

import numpy as np
import pytest

from voicecoach.bench.corpus import PROFILES, build_corpus, coach_lines, command_in, load_manifest, texts
from voicecoach.coach.commands import load_vocabulary
from voicecoach.speak.wav import read_wav


def _digest(folder, items):
    return {it.id: hashlib.sha256((folder / it.path).read_bytes()).hexdigest() for it in items}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = build_corpus("tiny", seed=7, out=tmp_path_factory.mktemp("corpus-a"))
    return folder, load_manifest(folder)[1]


def test_same_seed_gives_the_same_files(tiny, tmp_path):
    folder, items = tiny
    subset = [it for it in items if it.category == "command"][:6] + [it for it in items if it.category != "command"][:3]
    again = build_corpus("tiny", seed=7, out=tmp_path / "b")
    assert _digest(again, subset) == _digest(folder, subset)
    assert json.loads((again / "manifest.json").read_text())["key"] == json.loads((folder / "manifest.json").read_text())["key"]


def test_another_seed_gives_other_noise(tiny, tmp_path):
    folder, items = tiny
    noisy = [it for it in items if it.snr_db is not None][:3]
    other = build_corpus("tiny", seed=8, out=tmp_path / "c")
    _, other_items = load_manifest(other)
    by_id = {it.id: it for it in other_items}
    assert all(it.id in by_id for it in noisy)
    assert _digest(folder, noisy) != _digest(other, [by_id[it.id] for it in noisy])


def test_an_existing_corpus_is_reused_not_rebuilt(tiny):
    folder, _ = tiny
    stamp = (folder / "manifest.json").stat().st_mtime_ns
    assert build_corpus("tiny", seed=7, out=folder) == folder
    assert (folder / "manifest.json").stat().st_mtime_ns == stamp


def test_word_bounds_mark_where_the_speech_is(tiny):
    folder, items = tiny
    clean = [it for it in items if it.category == "command" and it.snr_db is None]
    assert clean
    for it in clean:
        samples, rate = read_wav(folder / it.path)
        assert rate == 16000
        assert 0 < it.word_start < it.word_end < it.duration
        start, end = round(it.word_start * rate), round(it.word_end * rate)
        word = np.sqrt(np.mean(samples[start:end] ** 2))
        before = np.sqrt(np.mean(samples[:start] ** 2))
        after = np.sqrt(np.mean(samples[end:] ** 2))
        assert word > 20 * before and word > 20 * after, it.id


def test_every_command_item_names_its_command_and_phrase(tiny):
    _, items = tiny
    for it in (i for i in items if i.category == "command"):
        assert load_vocabulary(it.language).match(it.text).value == it.expected


def test_noisy_items_cover_every_snr_and_negatives_expect_nothing(tiny):
    _, items = tiny
    assert {it.snr_db for it in items if it.category == "command"} >= {None, 20, 10}
    assert all(it.expected is None for it in items if it.category in ("negative", "self"))
    assert all(it.coach_speech for it in items if it.category == "self")


def test_negative_texts_hold_no_command_phrase():
    phrases = list(load_vocabulary("en").phrases)
    for kind, lines in texts().items():
        for line in lines:
            assert command_in(line, phrases) is None, (kind, line)


def test_command_in_matches_whole_words_only():
    assert command_in("please say that again now", ["again", "say that again"]) == "again"
    assert command_in("going backwards", ["go", "back"]) is None
    assert command_in("What's next?", ["what's next"]) == "what's next"


def test_self_speech_covers_drill_and_coach_lines():
    lines = coach_lines()
    assert "Hips back." in lines  # a drill cue
    assert any(line.startswith("Welcome.") for line in lines)  # a coach line, template filled
    assert not any("{" in line for line in lines)


def test_full_profile_has_at_least_30_minutes_of_negatives():
    full = PROFILES["full"]
    assert full.negative_minutes >= 30
    assert len(full.en_voices) >= 6 and any(v.engine == "piper" for v in full.en_voices)
