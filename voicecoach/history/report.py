"""History and progress for people: text tables, JSON (a contract for scripts), CSV for a
physiotherapist, and an optional plot of reps per drill over time (matplotlib, ``voicecoach[plot]``)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO

from voicecoach.errors import UserError
from voicecoach.history.progression import criterion, needed_line, standing, summary_line
from voicecoach.history.records import SessionRecord
from voicecoach.program.model import Library

CSV_COLUMNS = ("session", "started_at", "drill", "set", "reps", "target_reps", "variation", "load_kg",
               "form_check", "tempo_scale", "verbosity", "ended_early", "finished", "pain")


def _name(library: Library | None, drill_id: str) -> str:
    return library[drill_id].name if library is not None and drill_id in library.drills else drill_id


def session_json(session: SessionRecord) -> dict:
    """One session as JSON: date, drills, sets, reps, pain flags, and every set."""
    return {
        "id": session.id,
        "date": session.day.isoformat(),
        "started_at": session.started_at.isoformat(),
        "ended_at": session.ended_at.isoformat() if session.ended_at else None,
        "end_reason": session.end_reason,
        "interrupted": session.interrupted,
        "drills": session.drill_ids(),
        "sets": len(session.finished_sets()),
        "reps": session.total_reps,
        "pain": bool(session.pains),
        "pain_reports": [{"at": p.at.isoformat(), "drill": p.drill, "set": p.set_no, "phrase": p.phrase} for p in session.pains],
        "set_details": [
            {"drill": s.drill, "set": s.set_no, "finished": s.finished, "reps": s.reps, "target_reps": s.target_reps,
             "variation": s.variation, "load_kg": s.load_kg, "form_ok": s.form_ok, "tempo_scale": s.tempo_scale,
             "verbosity": s.verbosity, "ended_early": s.ended_early}
            for s in session.sets
        ],
    }


def history_json(sessions: list[SessionRecord]) -> list[dict]:
    return [session_json(s) for s in sessions]


def history_text(sessions: list[SessionRecord], library: Library | None = None) -> str:
    """A table of sessions, oldest first; 'No sessions yet.' when empty."""
    if not sessions:
        return "No sessions yet."
    rows = [("DATE", "TIME", "DRILLS", "SETS", "REPS", "PAIN", "END")]
    for s in sessions:
        local = s.started_at.astimezone()
        end = "interrupted" if s.interrupted else (s.end_reason or "")
        rows.append((local.date().isoformat(), local.strftime("%H:%M"), ", ".join(_name(library, d) for d in s.drill_ids()),
                     str(len(s.finished_sets())), str(s.total_reps), "PAIN" if s.pains else "-", end))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def progress_json(library: Library, sessions: list[SessionRecord]) -> dict:
    """Where the person stands on the ladder and exactly what is needed to move on."""
    where = standing(library, sessions)
    crit = criterion(library, where.rung)
    rung_id = where.rung.drill_id
    position = library.ladder.index(rung_id) if rung_id in library.ladder else None
    ladder = []
    for i, drill_id in enumerate(library.ladder):
        status = "current" if drill_id == rung_id else ("done" if position is not None and i < position else "ahead")
        ladder.append({"drill": drill_id, "name": library[drill_id].name, "status": status})
    return {
        "drill": rung_id,
        "name": library[rung_id].name,
        "variation": where.rung.variation,
        "step": None if position is None else position + 1,
        "of": len(library.ladder),
        "sessions_on_step": where.sessions_on_rung,
        "best_good_sets": where.best_good_sets,
        "criterion": None if crit is None else {
            "kind": crit.kind, "sets": crit.sets, "reps": crit.reps, "good_form": crit.good_form,
            "variation": crit.variation, "rule": crit.rule,
            "leads_to": {"drill": crit.leads_to.drill_id, "variation": crit.leads_to.variation},
        },
        "needed": needed_line(library, where),
        "last_change": None if where.change is None else {"kind": where.change.kind, "line": where.change.line},
        "summary": summary_line(library, sessions),
        "ladder": ladder,
        "path": [{"date": day.isoformat(), "drill": r.drill_id, "variation": r.variation, "rule": rule} for day, r, rule in where.path],
    }


def progress_text(library: Library, sessions: list[SessionRecord]) -> str:
    """The ladder with the current step marked, and what is needed to move on."""
    data = progress_json(library, sessions)
    marks = {"done": "[x]", "current": "[>]", "ahead": "[ ]"}
    lines = [f"{marks[step['status']]} {step['name']}" for step in data["ladder"]]
    if data["step"] is None:
        lines.append(f"[>] {data['name']} (not on the ladder)")
    if data["variation"]:
        drill = library[data["drill"]]
        lines.append(f"Variation: {next(v.name for v in drill.variations if v.id == data['variation'])}")
    lines.append(data["needed"])
    if data["last_change"]:
        lines.append(f"Last change: {data['last_change']['line']}")
    return "\n".join(lines)


def export_csv(sessions: list[SessionRecord], out: IO[str]) -> int:
    """One row per set (pain reports in the set they happened in; a report outside any set gets
    its own row). Returns the number of rows written. Text that a spreadsheet would run as a
    formula (a drill id ``=cmd|...``) is written with a leading ``'``."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    rows = 0
    for session in sessions:
        pains = list(session.pains)
        for s in session.sets:
            here = [p for p in pains if p.drill == s.drill and p.set_no == s.set_no]
            pains = [p for p in pains if p not in here]
            form = {True: "yes", False: "no", None: ""}[s.form_ok]
            writer.writerow(map(_cell, (session.id, session.started_at.isoformat(), s.drill, s.set_no, s.reps, s.target_reps,
                                        s.variation, s.load_kg, form, s.tempo_scale, s.verbosity,
                                        {True: "yes", False: "no", None: ""}[s.ended_early], "yes" if s.finished else "no",
                                        "; ".join(p.phrase for p in here))))
            rows += 1
        for p in pains:
            writer.writerow(map(_cell, (session.id, session.started_at.isoformat(), p.drill, p.set_no, *[""] * 9, p.phrase)))
            rows += 1
    return rows


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a cell starting so is a formula to Excel, LibreOffice, Sheets


def _cell(value) -> str:
    """A CSV cell: None is empty, numbers as they are, text that would start a formula behind a ``'``."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return str(value)


PLOT_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}  # what --plot writes, by the file's suffix


def plot_format(path: Path) -> str:
    """The format `path`'s suffix asks for (no suffix: PNG); another suffix is a UserError (exit 2)."""
    suffix = Path(path).suffix.lower()
    if not suffix:
        return "png"
    if suffix not in PLOT_FORMATS:
        raise UserError(f"--plot {path}: cannot draw a {suffix} file; name it .png, .svg or .pdf", exit_code=2)
    return PLOT_FORMATS[suffix]


def plot_reps(sessions: list[SessionRecord], path: Path, library: Library | None = None, fmt: str = "png") -> int:
    """Draw reps per drill per session over time into a `fmt` file (png, svg, pdf); returns the
    number of lines drawn.

    Needs the optional extra ``voicecoach[plot]`` (matplotlib).
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise UserError("--plot needs matplotlib: pip install 'voicecoach[plot]'") from None
    series: dict[str, list[tuple]] = {}
    for session in sessions:
        for drill in session.drill_ids():
            reps = sum(s.reps or 0 for s in session.finished_sets(drill))
            if reps:
                series.setdefault(drill, []).append((session.started_at.astimezone(), reps))
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for drill, points in series.items():
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=_name(library, drill))
    ax.set_xlabel("session")
    ax.set_ylabel("reps")
    ax.set_title("Reps per drill")
    if series:
        ax.legend()
    fig.autofmt_xdate()
    try:
        fig.savefig(path, format=fmt)  # an OSError goes to the caller (voicecoach.outfile)
    finally:
        plt.close(fig)
    return len(series)
