#!/usr/bin/env bash
# Run a command with a private PulseAudio server whose default sink is a silent null sink, so
# speech-out figures can be measured on a machine without sound hardware (CI, a headless box).
# The server is started for the command and stopped after it. Usage: with-virtual-audio.sh CMD...
set -uo pipefail
runtime=$(mktemp -d /tmp/voicecoach-audio.XXXXXX)
cat > "$runtime/server.pa" <<PA
load-module module-native-protocol-unix auth-anonymous=1 socket=$runtime/native
load-module module-null-sink sink_name=bench_speaker sink_properties=device.description=bench_speaker
set-default-sink bench_speaker
PA
daemon_env=(env -u PULSE_SERVER XDG_RUNTIME_DIR="$runtime" HOME="$runtime" PULSE_STATE_PATH="$runtime/state")
if ! "${daemon_env[@]}" pulseaudio --daemonize=yes --exit-idle-time=-1 --system=false -n -F "$runtime/server.pa" \
        --use-pid-file=yes --disable-shm=yes "--log-target=file:$runtime/pulseaudio.log" 2>"$runtime/start.err"; then
    echo "voicecoach: could not start a virtual audio server ($(cat "$runtime/start.err")); running without it" >&2
    "$@"; rc=$?
    rm -rf "$runtime"; exit $rc
fi
# stop the server however the command ends (also on Ctrl-C or a kill of this script)
cleanup() { "${daemon_env[@]}" pulseaudio --kill 2>/dev/null || true; rm -rf "$runtime"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
PULSE_SERVER="unix:$runtime/native" "$@"; rc=$?
exit $rc
