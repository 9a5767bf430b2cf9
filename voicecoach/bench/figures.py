"""Turn an engine's task results into report rows: ours beside each baseline, with goals."""

from __future__ import annotations

from voicecoach.bench import scoring as sc
from voicecoach.bench.recognition import TaskResult
from voicecoach.bench.report import Row


def _scored(items) -> list[sc.Scored]:
    return [sc.Scored(i.id, i.category, i.expected, i.word_end, i.snr_db, i.duration) for i in items]


def _only(items: list[sc.Scored], ids, *categories: str) -> list[sc.Scored]:
    wanted = set(ids)
    return [i for i in items if i.id in wanted and i.category in categories]


def engine_rows(engine: str, language: str, items, results: list[TaskResult]) -> tuple[list[Row], dict, dict]:
    """Rows for one engine, its latency series (seconds) and details (confusion, false-accept words)."""
    scored = [s for s, i in zip(_scored(items), items) if i.category != "command" or i.language == language]
    by_mode = {r.mode: r for r in results}
    rows: list[Row] = []
    latencies: dict[str, list[float]] = {}
    details: dict = {"confusion": {}, "false_accepts": {}}
    grammar, gated, free = by_mode.get("grammar"), by_mode.get("gated"), by_mode.get("freeform")
    if grammar is None or not grammar.measured:
        reason = (grammar.error or "no items measured") if grammar else "no result"
        return [Row("recognition", engine, "recognition", None, note=f"not measured ({reason})")], latencies, details
    ours, final = grammar.decisions.get("ours", {}), grammar.decisions.get("final", {})
    freeform = free.decisions.get("freeform", {}) if free and not free.error else None
    measured = set(grammar.measured)
    commands = _only(scored, measured, "command")
    free_commands = _only(scored, free.measured, "command") if freeform is not None else []

    base_acc = sc.accuracy_by_snr(free_commands, freeform) if freeform is not None else {}
    for bucket, (right, total) in sc.accuracy_by_snr(commands, ours).items():
        b_right, b_total = base_acc.get(bucket, (0, 0))
        rows.append(Row("recognition", engine, f"accuracy {bucket}", sc.ratio(right, total), "%",
                        sc.ratio(b_right, b_total) if b_total else None, "free-form+keywords",
                        f"accuracy_{bucket}", f"n={total}" + (f", baseline n={b_total}" if b_total else "")))
    lat_ours, lat_final = sc.latencies(commands, ours), sc.latencies(commands, final)
    latencies[f"{engine}: ours (stable partial)"] = lat_ours
    latencies[f"{engine}: wait for final"] = lat_final
    for q in (50, 95):
        value, base = sc.percentile(lat_ours, q), sc.percentile(lat_final, q)
        rows.append(Row("recognition", engine, f"decision latency p{q}", value * 1000, "ms", base * 1000, "wait for final",
                        f"latency_p{q}", f"n={len(lat_ours)}"))
    negatives = _only(scored, measured, "negative")
    count, per_hour = sc.decisions_per_hour(negatives, ours)
    free_negs = _only(scored, free.measured, "negative") if freeform is not None else []
    b_count, b_rate = sc.decisions_per_hour(free_negs, freeform) if freeform is not None else (0, None)
    rows.append(Row("recognition", engine, "false accepts per hour (negatives)", per_hour, "/h", b_rate,
                    "free-form+keywords", "false_accepts_per_hour",
                    f"{count} in {sc.hours(negatives) * 60:.1f} min" + (f"; baseline {b_count} in {sc.hours(free_negs) * 60:.1f} min" if free_negs else "")))
    asks, asks_rate = sc.decisions_per_hour(negatives, ours, kind="ask")
    rows.append(Row("recognition", engine, "confirmation questions per hour (negatives)", asks_rate, "/h", note=f"{asks}"))
    details["false_accepts"][engine] = sc.false_accepts(negatives, ours)
    self_items = _only(scored, measured, "self")
    _, ungated_rate = sc.decisions_per_hour(self_items, ours)
    if gated is not None and not gated.error:
        gated_items = _only(scored, gated.measured, "self")
        g_count, g_rate = sc.decisions_per_hour(gated_items, gated.decisions.get("gated", {}))
        rows.append(Row("recognition", engine, "self-triggers per hour (coach's own voice)", g_rate, "/h", ungated_rate,
                        "no gating", "self_triggers_per_hour", f"{g_count} in {sc.hours(gated_items) * 60:.1f} min"))
    else:
        rows.append(Row("recognition", engine, "self-triggers per hour (coach's own voice)", None,
                        note=f"not measured ({gated.error if gated else 'no result'}); ungated {ungated_rate:.3g}/h"))
    real_cmd = _only(scored, measured, "real_command")
    if real_cmd:
        right, total = sc.accuracy(real_cmd, ours)
        f_right, f_total = sc.accuracy(real_cmd, final)
        rows.append(Row("recognition", engine, "accuracy real speech (go/stop/yes/no)", sc.ratio(right, total), "%",
                        sc.ratio(f_right, f_total), "wait for final", None, f"n={total}"))
    real_neg = _only(scored, measured, "real_negative")
    if real_neg:
        count, rate = sc.decisions_per_hour(real_neg, ours)
        rows.append(Row("recognition", engine, "false accepts per hour, real negatives", rate, "/h", None, "",
                        "false_accepts_per_hour", f"{count} in {sc.hours(real_neg) * 60:.1f} min"))
    rows.append(Row("recognition", engine, "real-time factor (grammar, listening)", grammar.rtf, "",
                    free.rtf if free and not free.error else None, "free-form", "rtf",
                    f"{len(grammar.measured)}/{grammar.planned} items" + (f" ({grammar.error})" if grammar.error else
                                                                     " (budget hit)" if len(grammar.measured) < grammar.planned else "")))
    rows.append(Row("recognition", engine, "peak RSS (grammar pass)", grammar.peak_rss_mb, "MB",
                    free.peak_rss_mb if free and not free.error else None, "free-form"))
    if free is not None and free.error:
        rows.append(Row("recognition", engine, "free-form baseline", None, note=f"not measured ({free.error})"))
    details["confusion"][engine] = sc.confusion(commands, ours)
    return rows, latencies, details
