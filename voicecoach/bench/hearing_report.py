"""The session bench in the report: headline rows with goals, and the whole-session table.

The table has one line per engine, room kind and pipeline (ours, the previous defaults, the naive
baseline) and, under each room, ours as a ratio of each baseline on the same seeds.
"""

from __future__ import annotations

import math

from voicecoach.bench.hearing_run import PIPELINES, cpu_per_audio_s
from voicecoach.bench.report import Row, fmt
from voicecoach.bench.room import ROOM_KINDS
from voicecoach.bench.sessionscore import score

COLUMNS = (("obeyed_first_time", "first time", "%"), ("obeyed_first_time_between_lines", "between lines", "%"),
           ("obeyed_first_time_over_coach", "over coach", "%"), ("missed_per_100", "missed/100", ""),
           ("wrong_per_100", "wrong/100", ""), ("unwanted_per_hour", "unwanted/h", ""),
           ("latency_p50_s", "p50 s", ""), ("latency_p95_s", "p95 s", ""),
           ("attempts_per_command", "tries/cmd", ""), ("never_obeyed", "never", ""))
FIRST_TIME_GOAL = {"earbuds": "session_first_time_95", "quiet": "session_first_time_95", "noise10": "session_first_time_90"}


def summarize(results: dict) -> dict:
    """{engine: {room: {pipeline: figures}}} from :func:`voicecoach.bench.hearing_run.run_cells`,
    with "vs_<pipeline>" ratios of ours on the seeds both ran."""
    out: dict = {}
    for (engine, room), result in results.items():
        logs = result["logs"]
        cell = {p: {**score(logs[p]), "cpu_per_audio_s": round(cpu_per_audio_s(logs[p]), 4)} for p in PIPELINES if logs[p]}
        for baseline in ("previous", "naive"):
            seeds = {log.seed for log in logs[baseline]}
            if seeds:
                mine, theirs = score([g for g in logs["ours"] if g.seed in seeds]), score(logs[baseline])
                cell[f"vs_{baseline}"] = {key: _ratio(mine[key], theirs[key]) for key, _, _ in COLUMNS}
        cell["errors"] = result["errors"]
        out.setdefault(engine, {})[room] = cell
    return out


def rows(summary: dict) -> list[Row]:
    """Headline rows: first-time obeyed, unwanted actions per hour, latency; baseline = naive."""
    out: list[Row] = []
    for engine, rooms in summary.items():
        for room, cell in rooms.items():
            ours, naive = cell.get("ours"), cell.get("naive", {})
            label = ROOM_KINDS[room].name
            if not ours:
                out.append(Row("sessions", engine, f"{label}: sessions", None,
                               note=f"not measured ({(cell['errors'] or ['no session finished'])[0]})"))
                continue
            note = f"{ours['sessions']} sessions, {ours['commands']} commands"
            out.append(Row("sessions", engine, f"{label}: obeyed right first time", _pct(ours["obeyed_first_time"]), "%",
                           _pct(naive.get("obeyed_first_time")), "naive", FIRST_TIME_GOAL.get(room), note))
            out.append(Row("sessions", engine, f"{label}: unwanted actions per hour", ours["unwanted_per_hour"], "/h",
                           naive.get("unwanted_per_hour"), "naive", "session_unwanted_per_hour"))
            out.append(Row("sessions", engine, f"{label}: decision latency p50", _ms(ours["latency_p50_s"]), "ms",
                           _ms(naive.get("latency_p50_s")), "naive", "latency_p50"))
            out.append(Row("sessions", engine, f"{label}: decision latency p95", _ms(ours["latency_p95_s"]), "ms",
                           _ms(naive.get("latency_p95_s")), "naive", "latency_p95"))
    return out


def table(summary: dict) -> str:
    """The whole-session table, fixed width."""
    header = ("engine", "room", "pipeline", "sessions", "commands", *(name for _, name, _ in COLUMNS), "CPU/s")
    lines = [header]
    for engine, rooms in summary.items():
        for room, cell in rooms.items():
            for pipeline in (*PIPELINES, "vs_previous", "vs_naive"):
                figures = cell.get(pipeline)
                if not figures:
                    continue
                ratio = pipeline.startswith("vs_")
                values = [(fmt(figures[k]) + "x" if figures[k] is not None and not _nan(figures[k]) else "-") if ratio
                          else (fmt(100 * figures[k]) if unit == "%" and not _nan(figures[k]) else fmt(figures[k]))
                          for k, _, unit in COLUMNS]
                lines.append((engine, room, pipeline.replace("vs_", "ours / "), "" if ratio else str(figures["sessions"]),
                              "" if ratio else str(figures["commands"]), *values,
                              "" if ratio else fmt(figures["cpu_per_audio_s"])))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(str(v).ljust(w) for v, w in zip(line, widths)).rstrip() for line in lines)


def breaks_table(summary: dict) -> str:
    """Ours per room: the rooms' measured RT60s, and obeyed first time per RT60 and per distance
    of the person ("78 % (23)": 78 % of 23 commands), so a reader sees where hearing breaks."""
    lines = []
    for engine, rooms in summary.items():
        for room, cell in rooms.items():
            ours = cell.get("ours")
            if not ours:
                continue
            rt60 = ours.get("rt60_measured_s") or []
            spread = f"RT60 measured {rt60[0]:g}-{rt60[-1]:g} s (median {rt60[len(rt60) // 2]:g})" if rt60 else "no room"
            lines.append(f"{engine} {room}: {spread}")
            if rt60:
                lines.append(f"    by RT60: {_per_bin(ours['first_time_by_rt60'], 's')}")
            lines.append(f"    by distance: {_per_bin(ours['first_time_by_distance'], 'm')}")
    return "\n".join(lines)


def _per_bin(table: dict, unit: str) -> str:
    """``"0.3-0.4 s: 50 % (6), ..."`` from {bin: [ratio, commands]}."""
    return ", ".join(f"{label} {unit}: {_pct(ratio) if ratio is not None else '-'} % ({n})" for label, (ratio, n) in table.items())


def _nan(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _ratio(mine, theirs):
    if _nan(mine) or _nan(theirs) or theirs == 0:
        return None
    return round(mine / theirs, 3)


def _pct(value):
    return None if _nan(value) else round(100 * value, 1)


def _ms(value):
    return None if _nan(value) else round(1000 * value)
