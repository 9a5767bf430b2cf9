"""Load and validate drill files: the built-in library plus the user's own drills.

Every problem is reported as one line naming the file, the drill and the field::

    my_drill.toml: drill 'band_pull': tempo.descent: must be more than 0 seconds (got 0)

:func:`check_files` returns all problems of some files (for ``voicecoach drills check``);
:func:`load_library` raises :class:`DrillError` holding every problem it found.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable

from voicecoach import paths
from voicecoach.errors import UserError
from voicecoach.infile import parse_toml, read_user_text
from voicecoach.program.checker import MAX_CUE_WORDS, MAX_LINE_WORDS, Checker, DrillProblem
from voicecoach.program.cleantext import clean_table
from voicecoach.program.model import (
    CUE_PHASES,
    DETAIL_ANSWERS,
    REP_PHASES,
    Drill,
    FormDetail,
    Goal,
    LoadLimit,
    Library,
    Mistake,
    PHASE_SECONDS,
    Progression,
    REST_SECONDS,
    SafetyRule,
    Variation,
)

class DrillError(UserError):
    """Drill files are invalid; ``problems`` lists each one."""

    exit_code = 2

    def __init__(self, problems: list[DrillProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _builtin_dir():
    return resources.files("voicecoach.program").joinpath("drills")


def read_program() -> dict[str, Any]:
    """The built-in ``program.toml``: ladder order, accessories and the seed articles."""
    return tomllib.loads(resources.files("voicecoach.program").joinpath("program.toml").read_text("utf-8"))


_TOP_KEYS = {
    "id", "name", "summary", "role", "equipment", "setup", "cues", "tempo", "sets", "reps", "rest_s",
    "mistakes", "safety", "form_check", "progression", "regression", "variations", "load", "sources",
    "resistance", "primer", "stop", "form_fix", "form_detail", "rest_focus", "set_start", "set_end",
}
RESISTANCES = ("none", "band", "weight")
DRILL_ID = re.compile(r"[a-z0-9_]+")  # what `--drill ID` can name


def _table_list(c: Checker, key: str, keys: set[str], build: Callable[[dict, str], Any], required: bool) -> tuple:
    items = c.get(c.table, key, "", list, required)
    if items is None:
        return ()
    if not items and required:
        c.problem(key, "must not be empty")
    out, seen = [], set()
    for i, item in enumerate(items):
        where = f"{key}[{i}]"
        if not isinstance(item, dict):
            c.problem(where, "must be a table")
            continue
        c.unknown_keys(item, keys, where)
        built = build(item, where)
        if built is None:
            continue
        if built.id in seen:
            c.problem(f"{where}.id", f"duplicate id {built.id!r}")
        seen.add(built.id)
        out.append(built)
    return tuple(out)


def _drill_from_table(c: Checker, file: Path) -> Drill | None:
    t = c.table
    c.unknown_keys(t, _TOP_KEYS, "")
    drill_id = c.text(t, "id")
    if drill_id is not None and not DRILL_ID.fullmatch(drill_id):
        c.problem("id", f"must be lower-case letters, digits and _ only, so --drill can name it (got {drill_id!r})")
    name = c.text(t, "name")
    summary = c.text(t, "summary")
    role = c.text(t, "role")
    if role is not None and role not in ("ladder", "accessory"):
        c.problem("role", f"must be 'ladder' or 'accessory' (got {role!r})")
    equipment = c.lines(t, "equipment", allow_empty=True)
    setup = c.lines(t, "setup")

    cues: dict[str, tuple[str, ...]] = {}
    cue_table = c.get(t, "cues", "", dict)
    if cue_table is not None:
        c.unknown_keys(cue_table, set(CUE_PHASES), "cues")
        for phase in CUE_PHASES:
            cues[phase] = c.lines(cue_table, phase, "cues", max_words=MAX_CUE_WORDS)

    tempo: dict[str, float] = {}
    tempo_table = c.get(t, "tempo", "", dict)
    if tempo_table is not None:
        c.unknown_keys(tempo_table, set(REP_PHASES), "tempo")
        for phase in REP_PHASES:
            seconds = c.seconds(tempo_table, phase, PHASE_SECONDS, "tempo")
            if seconds is not None:
                tempo[phase] = float(seconds)

    sets, reps = c.range("sets"), c.range("reps")
    rest_s = c.seconds(t, "rest_s", REST_SECONDS)

    def mistake(item: dict, where: str) -> Mistake | None:
        parts = (c.text(item, "id", where), c.text(item, "name", where),
                 c.text(item, "correction", where, max_words=MAX_CUE_WORDS + 4), c.source(item, "source", where))
        between = item.get("between_sets", False)
        if not isinstance(between, bool):
            c.problem(f"{where}.between_sets", "must be true or false")
        return Mistake(*parts, between_sets=between is True) if None not in parts else None

    def safety_rule(item: dict, where: str) -> SafetyRule | None:
        parts = (c.text(item, "id", where), c.text(item, "text", where), c.source(item, "source", where))
        return SafetyRule(*parts) if None not in parts else None

    def variation(item: dict, where: str) -> Variation | None:
        parts = (c.text(item, "id", where), c.text(item, "name", where), c.text(item, "instruction", where))
        return Variation(*parts) if None not in parts else None

    mistakes = _table_list(c, "mistakes", {"id", "name", "correction", "source", "between_sets"}, mistake, True)
    safety = _table_list(c, "safety", {"id", "text", "source"}, safety_rule, True)
    variations = _table_list(c, "variations", {"id", "name", "instruction"}, variation, False)
    form_check = c.text(t, "form_check", required=False)
    regression = c.text(t, "regression", required=False)
    if regression:
        c.links.append(("regression", regression))
    load = c.get(t, "load", "", bool, required=False) or False
    resistance = c.text(t, "resistance", required=False) or ("weight" if load else "none")
    if resistance not in RESISTANCES:
        c.problem("resistance", f"must be one of {', '.join(RESISTANCES)} (got {resistance!r})")
    primer = c.text(t, "primer", required=False)
    if primer:
        c.links.append(("primer", primer))
    elif resistance != "none":
        c.problem("primer", "a drill with an external load needs an unloaded primer drill (three-drills)")
    stop = c.text(t, "stop", required=False)
    form_fix = c.text(t, "form_fix", required=False)
    if form_fix and form_fix not in {m.id for m in mistakes}:
        c.problem("form_fix", f"{form_fix!r} is not one of this drill's mistakes")
    form_detail = None
    detail = c.get(t, "form_detail", "", dict, required=False)
    if detail is not None:
        c.unknown_keys(detail, {"question", *DETAIL_ANSWERS}, "form_detail")
        question = c.text(detail, "question", "form_detail")
        fixes = {k: c.text(detail, k, "form_detail") for k in DETAIL_ANSWERS if k in detail}
        if question and fixes and None not in fixes.values():
            form_detail = FormDetail(question, fixes)
    rest_focus = c.lines(t, "rest_focus", required=False)
    set_start = c.text(t, "set_start", required=False)
    set_end = c.text(t, "set_end", required=False)

    progression = None
    prog = c.get(t, "progression", "", dict, required=False)
    if prog is not None:
        c.unknown_keys(prog, {"to", "sets", "reps", "good_form", "variation", "rule", "source", "team_choice"}, "progression")
        parts = dict(
            to=c.text(prog, "to", "progression"),
            sets=c.positive(prog, "sets", "progression", whole=True),
            reps=c.positive(prog, "reps", "progression", whole=True),
            good_form=c.get(prog, "good_form", "progression", bool),
            variation=c.text(prog, "variation", "progression", required=False),
            rule=c.text(prog, "rule", "progression"),
            source=c.source(prog, "source", "progression"),
            team_choice=bool(c.get(prog, "team_choice", "progression", bool, required=False)),
        )
        if parts["to"]:
            c.links.append(("progression.to", parts["to"]))
        if parts["variation"] is not None and parts["variation"] not in {v.id for v in variations}:
            c.problem("progression.variation", f"{parts['variation']!r} is not one of this drill's variations")
        if parts["good_form"] and not form_check:
            c.problem("progression.good_form", "needs a form_check question to judge good form")
        if all(v is not None for k, v in parts.items() if k != "variation"):
            progression = Progression(**parts)

    sources = c.lines(t, "sources")
    for i, source in enumerate(sources):
        c.seed(f"sources[{i}]", source)

    if c.problems:
        return None
    return Drill(
        id=drill_id, name=name, summary=summary, role=role, equipment=equipment, setup=setup, cues=cues,
        tempo=tempo, sets=sets, reps=reps, rest_s=float(rest_s), mistakes=mistakes, safety=safety,
        form_check=form_check, progression=progression, regression=regression, variations=variations,
        load=load, sources=tuple(s.split("_")[0] for s in sources), resistance=resistance, primer=primer,
        stop=stop, form_fix=form_fix, form_detail=form_detail, rest_focus=rest_focus, set_start=set_start,
        set_end=set_end, file=file,
    )


@dataclass
class _Parsed:
    """One file read: the drill (None if invalid), its problems, and the drills it links to."""

    file: str
    drill: Drill | None
    problems: list[DrillProblem]
    drill_id: str = "?"
    links: list[tuple[str, str]] = field(default_factory=list)


def parse_drill_file(path: Path, text: str, seeds: dict[str, str]) -> tuple[Drill | None, list[DrillProblem]]:
    """Parse one drill file's text; return the drill (None if invalid) and its problems."""
    parsed = _parse(path, text, seeds)
    return parsed.drill, parsed.problems


def _parse(path: Path, text: str, seeds: dict[str, str], name: str | None = None) -> _Parsed:
    """`name`: how problems name the file (default: its file name)."""
    name = name or path.name
    try:
        table = parse_toml(text)
    except tomllib.TOMLDecodeError as error:
        return _Parsed(name, None, [DrillProblem(name, "?", "(file)", f"not valid TOML: {error}")])
    table = clean_table(table, name)
    checker = Checker(name, table, seeds)
    drill = _drill_from_table(checker, path)
    return _Parsed(name, drill, checker.problems, checker.drill, checker.links)


def _link_problems(file: str, drill_id: str, links: list[tuple[str, str]], known: set[str]) -> list[DrillProblem]:
    """Problems between drills: links to unknown drills, or to the drill itself."""
    problems = []
    for field_name, target in links:
        if target == drill_id:
            problems.append(DrillProblem(file, drill_id, field_name, "a drill cannot lead to itself"))
        elif target not in known:
            problems.append(DrillProblem(file, drill_id, field_name, f"unknown drill {target!r}"))
    return problems


def _read(path: Path | Any, name: str) -> str | DrillProblem:
    """The text of a drill file: a built-in one from the package, a user's one only from a regular
    file of at most 1 MB (:mod:`voicecoach.infile`)."""
    try:
        if isinstance(path, Path):
            return read_user_text(path, "drill file")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return DrillProblem(name, "?", "(file)", f"cannot read: {getattr(error, 'strerror', None) or error}")
    except UserError as error:  # the message starts with the path, which the problem names already
        return DrillProblem(name, "?", "(file)", str(error).removeprefix(f"{path}: "))


def _collect(files: list[Any], seeds: dict[str, str], drills: dict[str, Drill], problems: list[DrillProblem],
             full_names: bool = False) -> list[_Parsed]:
    """Parse `files` into `drills` (valid ones) and `problems`; return every parsed file.

    `full_names`: problems name each file by its whole path (the user's own files, which may
    live anywhere), not just its file name (the built-in ones)."""
    parsed_files = []
    for path in files:
        name = str(path) if full_names else path.name
        text = _read(path, name)
        if isinstance(text, DrillProblem):
            problems.append(text)
            continue
        parsed = _parse(Path(str(path)), text, seeds, name)
        parsed_files.append(parsed)
        problems.extend(parsed.problems)
        drill = parsed.drill
        if drill is None:
            continue
        if drill.id in drills:
            other = drills[drill.id].file.name
            problems.append(DrillProblem(name, drill.id, "id", f"duplicate id, already defined in {other}"))
            continue
        drills[drill.id] = drill
    return parsed_files


def _all_link_problems(parsed_files: list[_Parsed], drills: dict[str, Drill]) -> list[DrillProblem]:
    known = set(drills) | {p.drill_id for p in parsed_files}
    return [problem for p in parsed_files for problem in _link_problems(p.file, p.drill_id, p.links, known)]


def builtin_files() -> list[Any]:
    """The drill files shipped inside the package."""
    return sorted((f for f in _builtin_dir().iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)


def load_library(user_dir: Path | None = None, include_user: bool = True) -> Library:
    """The built-in drills merged with the user's (``~/.config/voicecoach/drills/*.toml``).

    A user drill with a built-in id is an error, not an override. Raises :class:`DrillError`.
    """
    program = read_program()
    seeds = program["sources"]
    drills: dict[str, Drill] = {}
    problems: list[DrillProblem] = []
    parsed = _collect(builtin_files(), seeds, drills, problems)
    if include_user:
        folder = paths.user_drills_dir() if user_dir is None else user_dir
        if folder.is_dir():
            parsed += _collect(sorted(folder.glob("*.toml")), seeds, drills, problems, full_names=True)
    problems += _all_link_problems(parsed, drills)
    for drill_id in [*program["ladder"], *program["accessories"]]:
        if drill_id not in drills and not problems:
            problems.append(DrillProblem("program.toml", drill_id, "ladder", "no such drill"))
    if problems:
        raise DrillError(problems)
    return Library(drills, tuple(program["ladder"]), tuple(program["accessories"]), seeds,
                   after_pain=tuple(program.get("after_pain", ())),
                   criterion_sessions=int(program.get("criterion_sessions", 1)),
                   gentle_sets=int(program.get("gentle", {}).get("sets", 2)),
                   gentle_tempo=float(program.get("gentle", {}).get("tempo_scale", 1.25)),
                   goals={name: Goal(int(g["sets"]), int(g["reps"])) for name, g in program.get("goals", {}).items()},
                   default_goal=program.get("default_goal"),
                   criterion_days_apart=int(program.get("criterion_days_apart", 0)),
                   physio_after=int(program.get("physio_after_pain_sessions", 0)),
                   load_limits={d: LoadLimit(float(v["first_day_kg"]), float(v["step_kg"]))
                                for d, v in program.get("load", {}).items()})


def check_files(files: list[Path]) -> list[DrillProblem]:
    """Validate drill files as they would load next to the built-in library; return every problem."""
    seeds = read_program()["sources"]
    drills: dict[str, Drill] = {}
    problems: list[DrillProblem] = []
    # Links may point at built-in drills, so load those first (without reporting on them).
    names = {f.name for f in files}
    _collect([f for f in builtin_files() if f.name not in names], seeds, drills, [])
    parsed = _collect(list(files), seeds, drills, problems)
    return problems + _all_link_problems(parsed, drills)
