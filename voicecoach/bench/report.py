"""The benchmark's output: one table on stdout, ``bench/results/<date>.json``, a markdown report
and a PNG chart of decision-latency distributions (matplotlib, imported only here)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

from voicecoach.bench.goals import goal_for


@dataclass
class Row:
    """One measured figure, with its baseline (when it has one) and its goal."""

    section: str  # "recognition" | "voice" | "session" | "corpus"
    engine: str  # e.g. "vosk-ko", "pocketsphinx-en"; "" when not engine-specific
    figure: str  # what is measured, in words
    value: float | None  # None: not measured (see `note`)
    unit: str = ""
    baseline: float | None = None
    baseline_name: str = ""  # e.g. "wait for final"
    goal: str | None = None  # a key of goals.GOALS
    note: str = ""  # e.g. "not measured (no listen/bench.py yet)", "n=120"

    @property
    def ratio(self) -> float | None:
        """value / baseline (None when either is missing or the baseline is 0)."""
        if self.value is None or self.baseline is None or self.baseline == 0 or _nan(self.value) or _nan(self.baseline):
            return None
        return self.value / self.baseline

    @property
    def status(self) -> str:
        """PASS / FAIL against the goal; "-" without a goal; "n/m" when not measured."""
        goal = goal_for(self.goal)
        if self.value is None:
            return "n/m"
        return goal.status(self.value) if goal else "-"


@dataclass
class Report:
    """Everything one run measured."""

    started: str  # ISO time
    seconds: float = 0.0  # wall time of the run
    corpus: dict = field(default_factory=dict)  # folder, profile, item counts, hours
    rows: list[Row] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=dict)  # "engine: pipeline" -> seconds
    details: dict = field(default_factory=dict)  # confusion matrices, false accept words, ...
    messages: list[str] = field(default_factory=list)  # skipped parts and why
    extra_tables: dict[str, str] = field(default_factory=dict)  # title -> a preformatted table (printed after the main one)


def _nan(value: float) -> bool:
    return isinstance(value, float) and math.isnan(value)


def fmt(value: float | None, unit: str = "") -> str:
    """A figure for the table: 3 significant digits, unit appended."""
    if value is None or _nan(value):
        return "-"
    text = f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return f"{text} {unit}".rstrip() if unit not in ("", "x") else text


def table(rows: Sequence[Row]) -> str:
    """The fixed-width table printed at the end of a run."""
    header = ("section", "engine", "figure", "value", "baseline", "ratio", "goal", "status", "note")
    lines = [header]
    for r in rows:
        goal = goal_for(r.goal)
        value = fmt(r.value, r.unit) if r.value is not None else "not measured"
        base = f"{fmt(r.baseline, r.unit)} ({r.baseline_name})" if r.baseline is not None else ""
        lines.append((r.section, r.engine, r.figure, value, base, fmt(r.ratio) + ("x" if r.ratio is not None else ""),
                      goal.text() if goal else "", r.status, r.note))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    out = []
    for n, line in enumerate(lines):
        out.append("  ".join(str(cell).ljust(w) for cell, w in zip(line, widths)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def markdown_table(rows: Sequence[Row]) -> str:
    """The same table as markdown."""
    out = ["| section | engine | figure | value | baseline | ratio | goal | status | note |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        goal = goal_for(r.goal)
        value = fmt(r.value, r.unit) if r.value is not None else "not measured"
        base = f"{fmt(r.baseline, r.unit)} ({r.baseline_name})" if r.baseline is not None else ""
        ratio = fmt(r.ratio) + "x" if r.ratio is not None else ""
        cells = (r.section, r.engine, r.figure, value, base, ratio, goal.text() if goal else "", r.status, r.note)
        out.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
    return "\n".join(out)


def plot_latencies(latencies: dict[str, list[float]], path: Path) -> bool:
    """Box-and-strip chart of decision latency (ms after the word ends) per pipeline; False if none."""
    series = {name: [v * 1000.0 for v in values] for name, values in latencies.items() if values}
    if not series:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(series)
    fig, ax = plt.subplots(figsize=(9, 0.7 * len(names) + 1.8))
    horizontal = {"orientation": "horizontal"} if _version(matplotlib.__version__) >= (3, 10) else {"vert": False}
    ax.boxplot([series[n] for n in names], whis=(5, 95), showfliers=True, **horizontal)
    ax.set_yticks(range(1, len(names) + 1), names)
    ax.axvline(150, color="green", linestyle="--", linewidth=1, label="goal p50 150 ms")
    ax.axvline(250, color="orange", linestyle="--", linewidth=1, label="goal p95 250 ms")
    ax.set_xlabel("decision latency after the end of the word (ms); whiskers p5-p95")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def write(report: Report, folder: Path) -> dict[str, Path]:
    """Write ``<date>.json``, ``<date>.md`` and ``<date>-latency.png`` into `folder`; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = report.started.replace(":", "-").split(".")[0]
    paths = {"json": folder / f"{stem}.json", "markdown": folder / f"{stem}.md", "chart": folder / f"{stem}-latency.png"}
    data = asdict(report)
    for row, raw in zip(data["rows"], report.rows):
        row.update(ratio=raw.ratio, status=raw.status, goal_text=goal_for(raw.goal).text() if goal_for(raw.goal) else "")
    paths["json"].write_text(json.dumps(_finite(data), indent=1, ensure_ascii=False, default=_json_default))
    has_chart = plot_latencies(report.latencies, paths["chart"])
    if not has_chart:
        paths.pop("chart")
    md = [f"# voicecoach benchmark, {report.started}", "",
          f"Run time {report.seconds:.0f} s. Corpus: {report.corpus.get('summary', '')}", "",
          markdown_table(report.rows), ""]
    if has_chart:
        md += ["## Decision latency", "", f"![decision latency]({paths['chart'].name})", ""]
    for title, text in report.extra_tables.items():
        md += [f"## {title[:1].upper() + title[1:]}", "", "```", text, "```", ""]
    if report.messages:
        md += ["## Not measured or skipped", ""] + [f"- {m}" for m in report.messages] + [""]
    for name, matrix in report.details.get("confusion", {}).items():
        md += [f"## Confusion: {name}", "", _confusion_md(matrix), ""]
    paths["markdown"].write_text("\n".join(md))
    return paths


def _confusion_md(matrix: dict[str, dict[str, int]]) -> str:
    decided = sorted({d for row in matrix.values() for d in row}, key=lambda d: (d == "none", d))
    out = ["| expected \\ decided | " + " | ".join(decided) + " |", "| --- |" + " --- |" * len(decided)]
    for expected, row in matrix.items():
        out.append(f"| {expected} | " + " | ".join(str(row.get(d, "")) for d in decided) + " |")
    return "\n".join(out)


def _version(text: str) -> tuple[int, int]:
    major, minor = (text.split(".") + ["0"])[:2]
    return int(major), int("".join(c for c in minor if c.isdigit()) or 0)


def _finite(value):
    """The same structure with NaN floats as None (JSON has no NaN)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _json_default(value):
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    raise TypeError(type(value).__name__)
