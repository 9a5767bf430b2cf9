"""`voicecoach drills`: list, show and check drill files; list the articles the drills cite."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from voicecoach.errors import UserError
from voicecoach.program.model import CUE_PHASES, Drill, Library


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `drills`, `drills show ID`, `drills sources` and `drills check FILE...`."""
    p = subparsers.add_parser("drills", help="list the drill library", description="List the drill library (built-in and your own).")
    p.add_argument("--json", action="store_true", help="print a JSON list, one object per drill")
    p.set_defaults(func=run_list)
    sub = p.add_subparsers(dest="drills_command", metavar="{show,sources,check}")
    show = sub.add_parser("show", help="print one drill in full", description="Print one drill in full.")
    show.add_argument("drill_id", metavar="ID")
    show.add_argument("--json", action="store_true", help="print it as JSON")
    show.set_defaults(func=run_show)
    sources = sub.add_parser("sources", help="list the articles the drills cite",
                             description="List the articles the drills' facts come from: key, title, author.")
    sources.add_argument("--json", action="store_true", help="print a JSON list, one object per article")
    sources.set_defaults(func=run_sources)
    check = sub.add_parser("check", help="validate drill files", description="Validate drill files; exit 0 if all are valid, 2 otherwise.")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    check.set_defaults(func=run_check)


def _library() -> Library:
    from voicecoach.program.load import load_library

    return load_library()


def drill_json(drill: Drill, library: Library | None = None) -> dict:
    """The stable JSON form of a drill (a contract: tests and scripts rely on these keys)."""
    prog = drill.progression
    return {
        "id": drill.id,
        "name": drill.name,
        "summary": drill.summary,
        "role": drill.role,
        "equipment": list(drill.equipment),
        "sets": drill.sets.target,
        "sets_range": [drill.sets.low, drill.sets.high],
        "reps": drill.reps.target,
        "reps_range": [drill.reps.low, drill.reps.high],
        "rest_s": drill.rest_s,
        "tempo": drill.tempo,
        "setup": list(drill.setup),
        "cues": drill.cue_lines(),
        "cues_by_phase": {phase: list(drill.cues[phase]) for phase in CUE_PHASES},
        "mistakes": [{"id": m.id, "name": m.name, "correction": m.correction, "source": m.source} for m in drill.mistakes],
        "safety": [{"id": s.id, "text": s.text, "source": s.source} for s in drill.safety],
        "form_check": drill.form_check,
        "variations": [{"id": v.id, "name": v.name, "instruction": v.instruction} for v in drill.variations],
        "load": drill.load,
        "progression": None if prog is None else {
            "to": prog.to, "sets": prog.sets, "reps": prog.reps, "good_form": prog.good_form,
            "variation": prog.variation, "rule": library.progression_rule(drill) if library else prog.rule,
            "source": prog.source,
        },
        "regression": drill.regression,
        "sources": list(drill.sources),
        "file": str(drill.file),
    }


def run_list(args: argparse.Namespace, settings) -> int:
    library = _library()
    drills = library.ordered()
    if args.json:
        json.dump([drill_json(d, library) for d in drills], sys.stdout, indent=2)
        print()
        return 0
    rows = [("ID", "NAME", "ROLE", "SETS x REPS", "REST", "NEXT")]
    for d in drills:
        rows.append((d.id, d.name, d.role, f"{d.sets} x {d.reps}", f"{d.rest_s:g}s", d.progression.to if d.progression else "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    return 0


def run_show(args: argparse.Namespace, settings) -> int:
    library = _library()
    if args.drill_id not in library.drills:
        raise UserError(f"no drill {args.drill_id!r}; `voicecoach drills` lists them", 2)
    drill = library[args.drill_id]
    if args.json:
        print(json.dumps(drill_json(drill, library), indent=2))
        return 0
    print(format_drill(drill, library))
    return 0


def run_sources(args: argparse.Namespace, settings) -> int:
    sources = _library().seeds
    if args.json:
        json.dump([{"key": key, **article} for key, article in sources.items()], sys.stdout, indent=2)
        print()
        return 0
    print("The drills' facts come from these articles; a fact names its article by the key in brackets.")
    for key, article in sources.items():
        print(f"  [{key}] {cite(article)}")
    return 0


def cite(article: dict[str, str]) -> str:
    """An article as a reader can look it up: "Title" (author)."""
    return f"\"{article['title']}\" ({article['author']})"


def format_drill(d: Drill, library: Library) -> str:
    """A drill in full, as readable text; the library gives the cited titles and the goal's rule."""
    sources = library.seeds
    out = [f"{d.name} ({d.id}) - {d.role}", d.summary, ""]
    out.append(f"Sets x reps: {d.sets} x {d.reps}; rest {d.rest_s:g} s; one rep {d.rep_seconds:g} s "
               f"({', '.join(f'{p} {s:g}' for p, s in d.tempo.items())})")
    out.append(f"Equipment: {', '.join(d.equipment) or 'none'}")
    out.append("Sources:")
    out += [f"  [{key}] {cite(sources[key])}" for key in d.sources]
    out += ["", "Set-up:"] + [f"  - {line}" for line in d.setup]
    out += ["", "Cues:"]
    for phase in CUE_PHASES:
        out.append(f"  {phase}: " + " | ".join(d.cues[phase]))
    if d.variations:
        out += ["", "Variations (easiest first):"] + [f"  - {v.name}: {v.instruction}" for v in d.variations]
    out += ["", "Common mistakes:"] + [f"  - {m.name} [{m.source}]: {m.correction}" for m in d.mistakes]
    out += ["", "Safety:"] + [f"  - {s.text} [{s.source}]" for s in d.safety]
    if d.form_check:
        out += ["", f"Form check: {d.form_check}"]
    if d.progression:
        p = d.progression
        rule = library.progression_rule(d) if library else p.rule
        out += ["", f"Move on to {p.to} after {rule} [{p.source}{', team choice' if p.team_choice else ''}]."]
    if d.regression:
        out.append(f"Step back to {d.regression} after pain.")
    return "\n".join(out)


def run_check(args: argparse.Namespace, settings) -> int:
    from voicecoach.program.load import check_files

    problems = check_files(args.files)
    for problem in problems:
        print(f"voicecoach: {problem}", file=sys.stderr)
    if problems:
        return 2
    print(f"{len(args.files)} drill file(s) valid")
    return 0
