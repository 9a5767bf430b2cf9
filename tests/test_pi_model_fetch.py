"""The service fetches the better speech model itself when the install could not: only when it is
wanted (auto engine, English, none found), one attempt per start, a failure leaves PocketSphinx
listening, and success is said once by voice and switches idle listening to the new recognizer.
Real parts: PocketSphinx, the real Server loop; the microphone is a stream of silent chunks."""

from __future__ import annotations

import io
import queue
import threading
from pathlib import Path

import pytest

from voicecoach.errors import UserError
from voicecoach.pi.check import lines
from voicecoach.pi.hardware import recognizer_maker
from voicecoach.pi.model_fetch import ModelFetch, wants_download
from voicecoach.pi.serve import Server
from voicecoach.settings import load_settings
from voicecoach.speak.speaker import TextSpeaker

CHUNK = b"\0\0" * 800  # 50 ms of silence at 16 kHz


def settings_with(tmp_path: Path, **flags):
    return load_settings(config_path=tmp_path / "none.toml", environ={}, flags={"coach.language": "en", **flags})


@pytest.mark.parametrize("flags, found, wanted", [
    ({"listen.engine": "auto"}, None, True),
    ({"listen.engine": "auto"}, Path("/models/en"), False),  # already there
    ({"listen.engine": "pocketsphinx"}, None, False),  # asked for PocketSphinx
    ({"listen.engine": "auto", "coach.language": "ko"}, None, False),  # the download is English only
    ({"listen.engine": "auto", "listen.model": "/my/model"}, None, False),  # a model folder of one's own
])
def test_wants_download_only_when_the_automatic_english_choice_lacks_a_model(tmp_path, flags, found, wanted):
    assert wants_download(settings_with(tmp_path, **flags), find_model=lambda setting, language: found) is wanted


def test_a_failed_download_is_kept_quiet_and_tried_again_next_start():
    def fail() -> Path:
        raise UserError("download incomplete: 100 of 41000000 bytes; run it again to resume")

    fetch = ModelFetch(download=fail).start()
    assert fetch.wait(10)
    assert not fetch.take_ready() and "incomplete" in fetch.error


def test_a_finished_download_is_ready_exactly_once(tmp_path):
    fetch = ModelFetch(download=lambda: tmp_path / "vosk-model-small-en-us-0.15").start()
    assert fetch.wait(10)
    assert fetch.take_ready() is True
    assert fetch.take_ready() is False


class SilentMicrophone:
    """An opened capture that yields silent chunks until closed; counts the chunks it gave."""

    device_name = "silence"

    def __init__(self, after: threading.Event, server_ref: list, fetch: ModelFetch):
        self.after = after
        self.fetch = fetch
        self.server_ref = server_ref
        self.given = 0

    def __iter__(self):
        while True:
            self.given += 1
            if self.given == 20:  # one second of idle listening, then the download finishes
                self.after.set()
                assert self.fetch.wait(10)  # chunks come faster than real time: let it land first
            if self.given > 40:
                self.server_ref[0].stop()
            yield CHUNK

    def close(self) -> None:
        pass


def test_serve_says_once_that_the_better_model_is_in_place_and_switches_to_it(tmp_path):
    settings = settings_with(tmp_path, **{"listen.engine": "pocketsphinx"})
    events: queue.Queue = queue.Queue()
    out = io.StringIO()
    speaker = TextSpeaker(events, out=out)
    finish = threading.Event()
    fetch = ModelFetch(download=lambda: (finish.wait(10), tmp_path / "model")[1]).start()
    made: list[object] = []
    real_maker = recognizer_maker(settings)

    def make(phrases):
        made.append(real_maker(phrases))
        return made[-1]

    server_ref: list = []
    microphone = SilentMicrophone(finish, server_ref, fetch)
    server = Server(settings, speaker, events, lambda: microphone, make, run_session=lambda: "completed",
                    model_fetch=fetch)
    server_ref.append(server)
    assert server.wait_for_start() is None  # stopped by the microphone after 41 chunks
    said = out.getvalue().splitlines()
    better = [line for line in said if lines()["serve"]["better_model"] in line]
    assert len(better) == 1, said
    assert len(made) == 2, "idle listening must switch to a recognizer made after the download"
    assert server.recognizer is made[-1]
