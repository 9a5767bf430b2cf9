#!/usr/bin/env bash
# Install voicecoach on a Raspberry Pi (Raspberry Pi OS Bookworm, arm64) or any Debian 12 machine,
# as a systemd user service that starts at boot and waits for "start workout".
#
#   scripts/install-pi.sh                     install or update (safe to run again)
#   scripts/install-pi.sh --dry-run           print every step and command, run nothing
#   scripts/install-pi.sh --uninstall         remove the service, the venv and the speech cache;
#                                             keeps your history, config and speech models
#   scripts/install-pi.sh --uninstall --purge-history   ... and delete the history too
#
# Sound (scripts/pi-sound.sh): --sound auto (default: leave a machine with a sound server as it is,
# give Raspberry Pi OS Lite PipeWire), --sound pipewire, or --sound alsa (dmix/dsnoop, no server);
# --speaker NAME / --microphone NAME pick devices by a piece of their name; --echo-cancel adds
# PipeWire's echo canceller.
#
# Run it as the person who trains (e.g. `pi`), not as root: the service runs as that user so it
# gets their sound server. It asks for sudo only for Debian packages, the audio group and lingering.
#
# Environment: VOICECOACH_VENV (default ~/.local/share/voicecoach/venv), and the usual
# XDG_CONFIG_HOME / XDG_DATA_HOME / XDG_CACHE_HOME.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
checkout=$(dirname "$here")

usage() {
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
    echo
    echo "Options: --dry-run  --uninstall  --purge-history  --source PATH|SPEC (default: this checkout)"
    echo "         --no-model (skip the speech model download)"
    echo "         --sound auto|pipewire|alsa  --speaker NAME  --microphone NAME  --echo-cancel  -h|--help"
}

dry_run=0 uninstall=0 purge_history=0 want_model=1 source=$checkout
sound=auto speaker="" microphone="" echo_cancel=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --dry-run) dry_run=1 ;;
        --uninstall) uninstall=1 ;;
        --purge-history) purge_history=1 ;;
        --no-model) want_model=0 ;;
        --source) [[ $# -ge 2 ]] || { echo "install-pi: --source needs a path or a package spec" >&2; exit 2; }
                  source=$2; shift ;;
        --sound) [[ $# -ge 2 && $2 =~ ^(auto|pipewire|alsa)$ ]] \
                     || { echo "install-pi: --sound takes auto, pipewire or alsa" >&2; exit 2; }
                 sound=$2; shift ;;
        --speaker|--microphone)
                 [[ $# -ge 2 && -n $2 ]] || { echo "install-pi: $1 needs a piece of the device's name" >&2; exit 2; }
                 # it goes into a Lua string (and comment) of a WirePlumber rule, and into an ALSA lookup
                 if [[ $2 =~ [[:cntrl:]] || $2 == *[\"\'\\*]* || ${#2} -gt 100 ]]; then
                     echo "install-pi: $1 takes a piece of a device's name on one line (up to 100 characters;" \
                          "no quotes, backslashes, * or control characters)" >&2
                     exit 2
                 fi
                 if [[ $1 == --speaker ]]; then speaker=$2; else microphone=$2; fi
                 shift ;;
        --echo-cancel) echo_cancel=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install-pi: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
if (( purge_history && !uninstall )); then
    echo "install-pi: --purge-history only goes with --uninstall" >&2
    exit 2
fi
if (( echo_cancel )) && [[ $sound == alsa ]]; then
    echo "install-pi: --echo-cancel needs PipeWire (--sound pipewire or auto); plain ALSA has no echo canceller" >&2
    exit 2
fi

user=$(id -un)
if [[ $(id -u) -eq 0 ]] && (( !dry_run )); then
    echo "install-pi: run this as the user who will train (e.g. pi), not as root; it uses sudo where needed" >&2
    exit 1
fi

data_home=${XDG_DATA_HOME:-$HOME/.local/share}
config_home=${XDG_CONFIG_HOME:-$HOME/.config}
cache_home=${XDG_CACHE_HOME:-$HOME/.cache}
venv=${VOICECOACH_VENV:-$data_home/voicecoach/venv}
unit_dir=$config_home/systemd/user
unit=$unit_dir/voicecoach.service
default_db=$data_home/voicecoach/history.sqlite3
# The runtime Debian packages: one list, in the Makefile (RUN_DEBS).
read -r -a debs <<<"$(sed -n 's/^RUN_DEBS *:= *//p' "$checkout/Makefile")"
[[ ${#debs[@]} -gt 0 ]] || { echo "install-pi: no RUN_DEBS in $checkout/Makefile" >&2; exit 1; }
# Vosk's arm64 library (libvosk.so) links libatomic, which a minimal Debian lacks.
[[ " ${debs[*]} " == *" libatomic1 "* ]] || debs+=(libatomic1)

# systemctl --user needs the user's runtime dir (missing under `sudo -u` or some ssh setups).
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/run/user/$(id -u)}

step_no=0
step() {
    step_no=$((step_no + 1))
    printf '\n[%d] %s\n' "$step_no" "$*"
}
# Print a command, then run it unless this is a dry run.
run() {
    printf '    $'
    printf ' %q' "$@"
    printf '\n'
    (( dry_run )) || "$@"
}
note() { printf '    %s\n' "$*"; }

# shellcheck source=pi-sound.sh
source "$here/pi-sound.sh"

# Copy a unit file, pointing its ExecStart at this venv (systemd wants % doubled).
install_unit_file() {
    local from=$1 to=$2 exec=${venv//%/%%}/bin/voicecoach
    mkdir -p "$(dirname "$to")"
    sed "s|^ExecStart=.*|ExecStart=\"$exec\" serve|" "$from" >"$to.tmp"
    mv "$to.tmp" "$to"
}

check_debian_and_python() {
    command -v apt-get >/dev/null || { echo "install-pi: needs a Debian-based system (no apt-get here)" >&2; return 1; }
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || { echo "install-pi: needs Python 3.11 or newer (Debian 12 / Raspberry Pi OS Bookworm)" >&2; return 1; }
}

# The history database the installed voicecoach uses (it may be moved by store.db in the config).
history_db() {
    local db=""
    if (( !dry_run )) && [[ -x $venv/bin/python ]]; then
        db=$("$venv/bin/python" -c 'from voicecoach.settings import db_path, load_settings; print(db_path(load_settings()))' \
            2>/dev/null) || db=""
    fi
    echo "${db:-$default_db}"
}

(( dry_run )) && echo "install-pi: dry run: printing every step, running none"

if (( uninstall )); then
    step "Stop and disable the service"
    run systemctl --user disable --now voicecoach.service || note "(it was not running)"

    step "Remove the unit file $unit"
    run rm -f "$unit"
    run systemctl --user daemon-reload || true

    db=$(history_db)
    step "History at $db"
    if (( purge_history )); then
        run rm -f "$db" "$db-wal" "$db-shm"
    else
        note "kept (add --purge-history to delete it)"
    fi

    step "Remove the venv $venv"
    run rm -rf "$venv"

    step "Remove the rendered-speech cache $cache_home/voicecoach"
    run rm -rf "$cache_home/voicecoach"

    step "Kept: config in $config_home/voicecoach, speech models in $data_home/voicecoach, the Debian packages, and lingering"
    note "undo lingering with: sudo loginctl disable-linger $user"
    note "the sound set-up stays too: delete the files marked install-pi.sh in ~/.config/pipewire, ~/.config/wireplumber and ~/.asoundrc"
    echo
    echo "install-pi: voicecoach is uninstalled"
    exit 0
fi

step "Check the system: Debian (apt-get) and Python 3.11 or newer"
run check_debian_and_python

step "Debian packages (only the missing ones): ${debs[*]}"
run "$here/ensure-debian-packages.sh" "${debs[@]}"

step "Sound: $user in the audio group (plain ALSA on a Pi without a desktop needs it)"
if id -nG "$user" | tr ' ' '\n' | grep -qx audio; then
    note "already a member"
else
    run sudo usermod -a -G audio "$user"
    note "takes effect at the next boot or login"
fi

sound_mode=$(resolve_sound_mode)
case $sound_mode in
    keep) step "Sound server: keep the one installed (PipeWire or PulseAudio)" ;;
    pipewire) step "Sound server: PipeWire, pipewire-pulse and WirePlumber as user services$( (( echo_cancel )) && echo ", with echo cancelling")" ;;
    alsa) step "Sound: plain ALSA, dmix + dsnoop in ~/.asoundrc (no sound server)" ;;
esac
setup_sound "$sound_mode"

step "Python venv at $venv"
if [[ -x $venv/bin/python ]]; then
    note "already there"
else
    run python3 -m venv "$venv"
fi

step "voicecoach into the venv from $source"
run "$venv/bin/pip" install --quiet --upgrade "$source"

step "Speech model: voicecoach model download"
if (( want_model )); then
    run "$venv/bin/voicecoach" model download \
        || note "download failed: the coach uses PocketSphinx until you run '$venv/bin/voicecoach model download'"
else
    note "skipped (--no-model)"
fi

step "Start at boot without a login: lingering for $user"
run sudo loginctl enable-linger "$user"

step "systemd user service: $unit"
run install_unit_file "$here/voicecoach.service" "$unit"
note "ExecStart=\"$venv/bin/voicecoach\" serve"
run systemctl --user daemon-reload
run systemctl --user enable voicecoach.service
# restart, not start: a re-run after an update must load the new code.
run systemctl --user restart voicecoach.service

step "Done"
note "In a few seconds the speaker says it is ready. Then say \"start workout\"."
note "Set-up by ear (volume, microphone, distance): $venv/bin/voicecoach check"
note "Logs: journalctl --user -u voicecoach -f"
(( dry_run )) && echo && echo "install-pi: dry run done; nothing was changed"
exit 0
