# voicecoach: `make run` starts the coach, `make test` runs the tests.
# Each target first brings the machine up to what it needs (Debian packages, a .venv), and is
# fast to re-run when nothing changed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

# Runtime: speech out, audio I/O, the linear echo canceller (libspeexdsp1). Tests additionally need virtual audio devices and sox.
RUN_DEBS  := espeak-ng libespeak-ng1 libportaudio2 libatomic1 libspeexdsp1 python3-venv
TEST_DEBS := $(RUN_DEBS) pulseaudio pulseaudio-utils alsa-utils sox libsox-fmt-all graphviz systemd
BENCH_DEBS := pipewire pipewire-pulse wireplumber dbus-bin

.PHONY: run test bench test-arm64 clean debs-run debs-test

# The English Vosk model is fetched once (41 MB, size and SHA-256 checked); without a network the
# coach falls back to PocketSphinx's bundled model and says so.
run: debs-run $(VENV)/.stamp-run
	@$(BIN)/voicecoach model path >/dev/null 2>&1 || $(BIN)/voicecoach model download || \
		echo "voicecoach: no English Vosk model yet; listening with PocketSphinx until 'voicecoach model download' works"
	$(BIN)/voicecoach practice $(ARGS)

# pytest exits 5 when it collected no tests: that is a failure, not a pass.
# File order by default (see .ci/run); PYTEST_ARGS= shuffles with pytest-randomly.
PYTEST_ARGS ?= -p no:randomly
test: debs-test $(VENV)/.stamp-test
	@$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: no tests ran" >&2; exit 1; fi; exit $$rc

# Speech-out figures need an output device: the bench runs with a private, silent PulseAudio sink.
# The bench plays through a private PipeWire (what Raspberry Pi OS and Debian 12's desktop run): a
# fresh PulseAudio null sink idles at 2 s of latency and is pulled 1.0-1.7 s late, which no code
# of ours can shorten (docs/raspberry-pi.md). The bench itself keeps the user's HOME, so its corpus
# and speech caches persist between runs (the private servers have their own).
bench: debs-test $(VENV)/.stamp-test
	@scripts/ensure-debian-packages.sh $(BENCH_DEBS)
	scripts/with-pipewire-audio.sh env -u XDG_CONFIG_HOME -u XDG_STATE_HOME HOME="$(HOME)" \
		$(BIN)/python -m voicecoach.bench $(ARGS)

# The arm64 proof: unit tests, simulate, listen --wav (Vosk traced beside this machine's, hence the
# venv), PipeWire and a whole serve session in an emulated arm64 Debian root. Slow
# (about 20 minutes the first time, 8 after), so on demand only, not in CI. See docs/raspberry-pi.md.
test-arm64: $(VENV)/.stamp-test
	scripts/test-arm64.sh

debs-run:
	@scripts/ensure-debian-packages.sh $(RUN_DEBS)

debs-test:
	@scripts/ensure-debian-packages.sh $(TEST_DEBS)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.stamp-run: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.stamp-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.stamp-run

clean:
	rm -rf $(VENV) .pytest_cache
