"""Load and validate drill files: the built-in library plus the user's own drills.

Every problem is reported as one line naming the file, the drill and the field::

    my_drill.toml: drill 'band_pull': tempo.descent: must be more than 0 seconds (got 0)

:func:`check_files` returns all problems of some files (for ``voicecoach drills check``);
:func:`load_library` raises :class:`DrillError` holding every problem it found.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable

from voicecoach import paths
from voicecoach.errors import UserError
from voicecoach.program.model import (
    CUE_PHASES,
    REP_PHASES,
    Drill,
    Library,
    Mistake,
    Progression,
    Range,
    SafetyRule,
    Variation,
)

MAX_CUE_WORDS = 12  # a cue must fit inside one phase of a rep
MAX_LINE_WORDS = 30  # any other spoken line


@dataclass(frozen=True)
class DrillProblem:
    """One thing wrong with one field of one drill in one file."""

    file: str
    drill: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: drill '{self.drill}': {self.field}: {self.message}"


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


class _Checker:
    """Reads one drill table field by field, collecting problems instead of stopping at the first."""

    def __init__(self, file: str, table: dict[str, Any], seeds: dict[str, str]):
        self.file = file
        self.table = table
        self.seeds = seeds
        self.drill = table.get("id") if isinstance(table.get("id"), str) else "?"
        self.problems: list[DrillProblem] = []
        self.links: list[tuple[str, str]] = []  # (field, drill id) this drill points at

    def problem(self, field: str, message: str) -> None:
        self.problems.append(DrillProblem(self.file, self.drill, field, message))

    def unknown_keys(self, table: dict[str, Any], allowed: set[str], where: str) -> None:
        for key in sorted(set(table) - allowed):
            name = f"{where}.{key}" if where else key
            self.problem(name, f"unknown key; allowed: {', '.join(sorted(allowed))}")

    def get(self, table: dict[str, Any], key: str, where: str, kind: type | tuple, required: bool = True) -> Any:
        """The value of `key`, or None after recording a missing/wrong-type problem."""
        name = f"{where}.{key}" if where else key
        if key not in table:
            if required:
                self.problem(name, "missing")
            return None
        value = table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            wanted = " or ".join(_TYPE_WORDS[k] for k in kinds)
            self.problem(name, f"must be {wanted} (got {type(value).__name__} {value!r})")
            return None
        return value

    def text(self, table: dict[str, Any], key: str, where: str = "", required: bool = True, max_words: int = MAX_LINE_WORDS) -> str | None:
        value = self.get(table, key, where, str, required)
        if value is None:
            return None
        name = f"{where}.{key}" if where else key
        if not value.strip():
            self.problem(name, "must not be empty")
            return None
        self.check_words(name, value, max_words)
        return value.strip()

    def check_words(self, name: str, line: str, max_words: int) -> None:
        words = len(line.split())
        if words > max_words:
            self.problem(name, f"{words} words is too long to say; at most {max_words}")

    def lines(self, table: dict[str, Any], key: str, where: str = "", required: bool = True,
              allow_empty: bool = False, max_words: int = MAX_LINE_WORDS) -> tuple[str, ...]:
        value = self.get(table, key, where, list, required)
        name = f"{where}.{key}" if where else key
        if value is None:
            return ()
        if not value and not allow_empty:
            self.problem(name, "must not be empty")
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.problem(f"{name}[{i}]", f"must be a non-empty string (got {item!r})")
                continue
            self.check_words(f"{name}[{i}]", item, max_words)
            out.append(item.strip())
        return tuple(out)

    def positive(self, table: dict[str, Any], key: str, where: str = "", whole: bool = False) -> float | None:
        value = self.get(table, key, where, int if whole else (int, float))
        if value is None:
            return None
        if value <= 0:
            name = f"{where}.{key}" if where else key
            self.problem(name, f"must be more than 0 (got {value})")
            return None
        return value

    def range(self, key: str) -> Range | None:
        value = self.get(self.table, key, "", (int, list))
        if value is None:
            return None
        if isinstance(value, int):
            value = [value, value]
        if len(value) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            self.problem(key, f"must be a whole number or [low, high] (got {value!r})")
            return None
        low, high = value
        if low <= 0 or high < low:
            self.problem(key, f"must be more than 0 with low <= high (got {value!r})")
            return None
        return Range(low, high)

    def source(self, table: dict[str, Any], key: str, where: str = "") -> str | None:
        value = self.get(table, key, where, str)
        return None if value is None else self.seed(f"{where}.{key}" if where else key, value)

    def seed(self, name: str, value: str) -> str | None:
        """The seed id ("000") a source names, given as an id or a seed file name."""
        seed = value.split("_")[0].removesuffix(".txt")
        if seed not in self.seeds or value not in (seed, self.seeds[seed]):
            self.problem(name, f"{value!r} is not a seed file; use one of {', '.join(sorted(self.seeds))}")
            return None
        return seed


_TYPE_WORDS = {str: "text", int: "a whole number", float: "a number", list: "a list", dict: "a table", bool: "true or false"}

_TOP_KEYS = {
    "id", "name", "summary", "role", "equipment", "setup", "cues", "tempo", "sets", "reps", "rest_s",
    "mistakes", "safety", "form_check", "progression", "regression", "variations", "load", "sources",
}


def _table_list(c: _Checker, key: str, keys: set[str], build: Callable[[dict, str], Any], required: bool) -> tuple:
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


def _drill_from_table(c: _Checker, file: Path) -> Drill | None:
    t = c.table
    c.unknown_keys(t, _TOP_KEYS, "")
    drill_id = c.text(t, "id")
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
            seconds = c.positive(tempo_table, phase, "tempo")
            if seconds is not None:
                tempo[phase] = float(seconds)

    sets, reps = c.range("sets"), c.range("reps")
    rest_s = c.positive(t, "rest_s")

    def mistake(item: dict, where: str) -> Mistake | None:
        parts = (c.text(item, "id", where), c.text(item, "name", where),
                 c.text(item, "correction", where, max_words=MAX_CUE_WORDS + 4), c.source(item, "source", where))
        return Mistake(*parts) if None not in parts else None

    def safety_rule(item: dict, where: str) -> SafetyRule | None:
        parts = (c.text(item, "id", where), c.text(item, "text", where), c.source(item, "source", where))
        return SafetyRule(*parts) if None not in parts else None

    def variation(item: dict, where: str) -> Variation | None:
        parts = (c.text(item, "id", where), c.text(item, "name", where), c.text(item, "instruction", where))
        return Variation(*parts) if None not in parts else None

    mistakes = _table_list(c, "mistakes", {"id", "name", "correction", "source"}, mistake, True)
    safety = _table_list(c, "safety", {"id", "text", "source"}, safety_rule, True)
    variations = _table_list(c, "variations", {"id", "name", "instruction"}, variation, False)
    form_check = c.text(t, "form_check", required=False)
    regression = c.text(t, "regression", required=False)
    if regression:
        c.links.append(("regression", regression))
    load = c.get(t, "load", "", bool, required=False) or False

    progression = None
    prog = c.get(t, "progression", "", dict, required=False)
    if prog is not None:
        c.unknown_keys(prog, {"to", "sets", "reps", "good_form", "variation", "rule", "source"}, "progression")
        parts = dict(
            to=c.text(prog, "to", "progression"),
            sets=c.positive(prog, "sets", "progression", whole=True),
            reps=c.positive(prog, "reps", "progression", whole=True),
            good_form=c.get(prog, "good_form", "progression", bool),
            variation=c.text(prog, "variation", "progression", required=False),
            rule=c.text(prog, "rule", "progression"),
            source=c.source(prog, "source", "progression"),
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
        load=load, sources=tuple(s.split("_")[0] for s in sources), file=file,
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


def _parse(path: Path, text: str, seeds: dict[str, str]) -> _Parsed:
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return _Parsed(path.name, None, [DrillProblem(path.name, "?", "(file)", f"not valid TOML: {error}")])
    checker = _Checker(path.name, table, seeds)
    drill = _drill_from_table(checker, path)
    return _Parsed(path.name, drill, checker.problems, checker.drill, checker.links)


def _link_problems(file: str, drill_id: str, links: list[tuple[str, str]], known: set[str]) -> list[DrillProblem]:
    """Problems between drills: links to unknown drills, or to the drill itself."""
    problems = []
    for field_name, target in links:
        if target == drill_id:
            problems.append(DrillProblem(file, drill_id, field_name, "a drill cannot lead to itself"))
        elif target not in known:
            problems.append(DrillProblem(file, drill_id, field_name, f"unknown drill {target!r}"))
    return problems


def _read(path: Path | Any) -> str | DrillProblem:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return DrillProblem(path.name, "?", "(file)", f"cannot read: {getattr(error, 'strerror', None) or error}")


def _collect(files: list[Any], seeds: dict[str, str], drills: dict[str, Drill], problems: list[DrillProblem]) -> list[_Parsed]:
    """Parse `files` into `drills` (valid ones) and `problems`; return every parsed file."""
    parsed_files = []
    for path in files:
        text = _read(path)
        if isinstance(text, DrillProblem):
            problems.append(text)
            continue
        parsed = _parse(Path(str(path)), text, seeds)
        parsed_files.append(parsed)
        problems.extend(parsed.problems)
        drill = parsed.drill
        if drill is None:
            continue
        if drill.id in drills:
            other = drills[drill.id].file.name
            problems.append(DrillProblem(path.name, drill.id, "id", f"duplicate id, already defined in {other}"))
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
            parsed += _collect(sorted(folder.glob("*.toml")), seeds, drills, problems)
    problems += _all_link_problems(parsed, drills)
    for drill_id in [*program["ladder"], *program["accessories"]]:
        if drill_id not in drills and not problems:
            problems.append(DrillProblem("program.toml", drill_id, "ladder", "no such drill"))
    if problems:
        raise DrillError(problems)
    return Library(drills, tuple(program["ladder"]), tuple(program["accessories"]), seeds)


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
