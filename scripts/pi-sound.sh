# The sound set-up of scripts/install-pi.sh (sourced by it; uses its run/note/step helpers and
# variables). Three ways, chosen with --sound:
#
#   auto      (default) a machine that already has a sound server (PipeWire or PulseAudio, as the
#             Raspberry Pi OS desktop image does) is left exactly as it is; one without (Raspberry
#             Pi OS Lite) gets PipeWire
#   pipewire  PipeWire + its PulseAudio bridge + WirePlumber as user services, ALSA programs routed
#             to it (pipewire-alsa); --speaker/--microphone NAME make the device whose name
#             contains NAME the default whenever it is plugged in (a WirePlumber rule);
#             --echo-cancel adds PipeWire's echo canceller (libpipewire-module-echo-cancel) and
#             makes its virtual microphone and speaker the defaults
#   alsa      no sound server: ~/.asoundrc with dmix (shared playback) and dsnoop (shared capture)
#             on the speaker and microphone cards chosen by name (/proc/asound/pcm)
#
# The files written are templates in voicecoach/pi/sound/; each says how to undo it.

sound_templates=$checkout/voicecoach/pi/sound
asound_dir=${VOICECOACH_ASOUND_DIR:-/proc/asound}  # tests point this at fake cards/pcm files
pipewire_debs=(pipewire pipewire-pulse pipewire-alsa wireplumber libspa-0.2-modules pulseaudio-utils)
wireplumber_dir=$config_home/wireplumber/main.lua.d
pipewire_conf_dir=$config_home/pipewire/pipewire.conf.d
echo_cancel_conf=$pipewire_conf_dir/60-voicecoach-echo-cancel.conf
asoundrc=$HOME/.asoundrc

installed() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true) == "install ok installed" ]]; }

# What --sound auto means on this machine: "keep" when a sound server is installed already.
resolve_sound_mode() {
    if [[ $sound != auto ]]; then
        echo "$sound"
    elif installed pipewire-pulse || installed pulseaudio; then
        echo keep
    else
        echo pipewire
    fi
}

# Write `to` from a template with @KEY@ replaced (args: template to KEY=value...), or show it in a dry run.
write_template() {
    local template=$1 to=$2 text
    shift 2
    text=$(<"$sound_templates/$template")
    local pair
    for pair in "$@"; do
        text=${text//@${pair%%=*}@/${pair#*=}}
    done
    printf '    write %s:\n' "$to"
    (( dry_run )) && { printf '%s\n' "$text" | sed 's/^/      | /'; return 0; }
    mkdir -p "$(dirname "$to")"
    printf '%s\n' "$text" >"$to.tmp"
    mv "$to.tmp" "$to"
}

remove_if_ours() {  # a file an earlier run wrote, now not wanted
    if [[ -f $1 ]] && grep -q "install-pi.sh" "$1"; then
        run rm -f "$1"
    fi
}

# One WirePlumber rule: option (speaker|microphone), name piece, media class.
device_rule() {
    local option=$1 name=$2 class=$3 file=$wireplumber_dir/51-voicecoach-$1.lua
    if [[ -z $name ]]; then
        remove_if_ours "$file"
        return 0
    fi
    # $name was checked when the options were read (one line, no quotes, backslashes or *): a plain Lua string
    write_template wireplumber-device.lua.in "$file" OPTION="$option" NAME="$name" MEDIA_CLASS="$class" \
        WHAT="$([[ $option == speaker ]] && echo "speaker (sink)" || echo "microphone (source)")"
}

setup_pipewire() {
    run "$here/ensure-debian-packages.sh" "${pipewire_debs[@]}"
    device_rule speaker "$speaker" Audio/Sink
    device_rule microphone "$microphone" Audio/Source
    if (( echo_cancel )); then
        write_template pipewire-echo-cancel.conf "$echo_cancel_conf"
    else
        remove_if_ours "$echo_cancel_conf"
    fi
    remove_if_ours "$asoundrc"  # an earlier --sound alsa would bypass PipeWire
    run systemctl --user enable pipewire.socket pipewire-pulse.socket wireplumber.service
    # restart: new rules and modules are read at start
    run systemctl --user restart pipewire.service pipewire-pulse.service wireplumber.service
    if (( echo_cancel )); then
        run wait_for_source voicecoach_ec_source
        run pactl set-default-source voicecoach_ec_source
        run pactl set-default-sink voicecoach_ec_sink
        note "WirePlumber remembers these defaults; the echo canceller follows the real devices"
    fi
    note "check: wpctl status (the defaults carry a *), voicecoach devices, voicecoach check"
}

wait_for_source() {  # the echo canceller's source appears a moment after PipeWire starts
    local _
    for _ in $(seq 50); do
        pactl list short sources 2>/dev/null | grep -q "$1" && return 0
        sleep 0.2
    done
    echo "install-pi: PipeWire did not create $1; see journalctl --user -u pipewire" >&2
    return 1
}

# The ALSA PCM (hw:CARD=id,DEV=n) of the first device in /proc/asound/pcm that can `direction`
# (playback|capture) and whose line (or card line) contains `name` (any, if empty).
find_alsa_pcm() {
    local direction=$1 name=$2 line index dev card_line card_id
    while IFS= read -r line; do
        [[ $line == *"$direction"* ]] || continue
        index=$((10#${line:0:2})) dev=$((10#${line:3:2}))
        card_line=$(grep -E "^ *$index \[" "$asound_dir/cards" || true)
        if [[ -n $name ]] && ! grep -qiF -- "$name" <<<"$line $card_line"; then
            continue
        fi
        card_id=$(sed -E 's/^ *[0-9]+ \[([^] ]+) *\].*/\1/' <<<"$card_line")
        [[ -n $card_id ]] || continue
        printf '%s\t%s\n' "hw:CARD=$card_id,DEV=$dev" "$(sed -E 's/^ *[0-9]+ \[[^]]*\]: *//' <<<"$card_line")"
        return 0
    done <"$asound_dir/pcm"
    return 1
}

setup_alsa() {
    local speaker_found microphone_found
    [[ -r $asound_dir/pcm && -r $asound_dir/cards ]] \
        || { echo "install-pi: no sound cards ($asound_dir/pcm); plug the speaker and microphone in first" >&2; return 1; }
    speaker_found=$(find_alsa_pcm playback "$speaker") \
        || { echo "install-pi: no playback device${speaker:+ matching \"$speaker\"}; the cards are:" >&2; cat "$asound_dir/cards" >&2; return 1; }
    microphone_found=$(find_alsa_pcm capture "$microphone") \
        || { echo "install-pi: no capture device${microphone:+ matching \"$microphone\"}; the cards are:" >&2; cat "$asound_dir/cards" >&2; return 1; }
    note "speaker:    ${speaker_found%%$'\t'*} (${speaker_found#*$'\t'})"
    note "microphone: ${microphone_found%%$'\t'*} (${microphone_found#*$'\t'})"
    if installed pipewire-pulse || installed pulseaudio; then
        note "a sound server is installed too: ~/.asoundrc sends ALSA programs past it"
    fi
    if [[ -f $asoundrc ]] && ! grep -q "install-pi.sh" "$asoundrc"; then
        run mv "$asoundrc" "$asoundrc.before-voicecoach"
    fi
    local speaker_pcm=${speaker_found%%$'\t'*}
    local speaker_card=${speaker_pcm#hw:CARD=}
    write_template asoundrc.in "$asoundrc" SPEAKER_PCM="$speaker_pcm" MICROPHONE_PCM="${microphone_found%%$'\t'*}" \
        SPEAKER_LINE="${speaker_found#*$'\t'}" MICROPHONE_LINE="${microphone_found#*$'\t'}" SPEAKER_CARD="${speaker_card%%,*}"
    if (( echo_cancel )); then
        note "--echo-cancel needs PipeWire (--sound pipewire); plain ALSA has none"
    fi
}

setup_sound() {
    case $1 in
        keep) note "a sound server is installed already (the desktop image): nothing changed"
              if [[ -n $speaker || -n $microphone ]] || (( echo_cancel )); then
                  note "(--speaker/--microphone/--echo-cancel apply with --sound pipewire)"
              fi ;;
        pipewire) setup_pipewire ;;
        alsa) setup_alsa ;;
    esac
}
