#!/usr/bin/env bash
# Run a command with a private PipeWire (pipewire + WirePlumber + pipewire-pulse, the sound server
# Raspberry Pi OS uses) whose default sink is a silent null sink, so speech-out figures and the
# installer's PipeWire set-up can be checked on a machine without sound hardware.
# The servers are started for the command and stopped after it. Usage: with-pipewire-audio.sh CMD...
# (A pipewire-pulse null sink; the private servers' logs are kept only when the command fails.)
set -uo pipefail
for tool in pipewire wireplumber pipewire-pulse pactl dbus-run-session; do
    command -v "$tool" >/dev/null || { echo "with-pipewire-audio: $tool is missing (apt-get install pipewire pipewire-pulse wireplumber pulseaudio-utils dbus-bin)" >&2; exit 2; }
done
runtime=$(mktemp -d /tmp/voicecoach-pipewire.XXXXXX)
chmod 700 "$runtime"
export XDG_RUNTIME_DIR=$runtime HOME=${PIPEWIRE_TEST_HOME:-$runtime} PULSE_SERVER="unix:$runtime/pulse/native"
export XDG_CONFIG_HOME=$runtime/config XDG_STATE_HOME=$runtime/state
# PIPEWIRE_TEST_CONFIG: a folder laid out like ~/.config (pipewire/, wireplumber/) to start with,
# e.g. what scripts/install-pi.sh writes, to check that PipeWire and WirePlumber accept it.
mkdir -p "$XDG_CONFIG_HOME"
if [[ -n ${PIPEWIRE_TEST_CONFIG:-} ]]; then
    cp -r "$PIPEWIRE_TEST_CONFIG"/. "$XDG_CONFIG_HOME"/
fi
unset PIPEWIRE_REMOTE
inner() {
    pipewire >"$XDG_RUNTIME_DIR/pipewire.log" 2>&1 &
    local pids=($!)
    for _ in $(seq 100); do [[ -S $XDG_RUNTIME_DIR/pipewire-0 ]] && break; sleep 0.1; done
    wireplumber >"$XDG_RUNTIME_DIR/wireplumber.log" 2>&1 &
    pids+=($!)
    pipewire-pulse >"$XDG_RUNTIME_DIR/pipewire-pulse.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
    # WirePlumber may still be starting (slow under emulation): "Not supported" until it is
    local made=0 ready=0
    for _ in $(seq 150); do
        if (( !made )) && pactl load-module module-null-sink sink_name=bench_speaker sink_properties=device.description=bench_speaker >/dev/null 2>&1; then
            made=1
        fi
        if (( made )) && pactl set-default-sink bench_speaker >/dev/null 2>&1; then
            ready=1; break
        fi
        sleep 0.2
    done
    (( ready )) || { echo "with-pipewire-audio: could not start PipeWire:" >&2; tail -n 5 "$XDG_RUNTIME_DIR"/*.log >&2; kill "${pids[@]}"; return 2; }
    "$@"; local rc=$?
    kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null
    return $rc
}
export -f inner
dbus-run-session -- bash -c 'inner "$@"' inner "$@"; rc=$?
rm -rf "$runtime"
exit $rc
