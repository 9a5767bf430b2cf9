"""Benchmark scoring on hand-made results: latency from known word ends, accuracy, rates, goals."""

import json
import math

import pytest

from voicecoach.bench import scoring as sc
from voicecoach.bench.goals import GOALS
from voicecoach.bench.report import Report, Row, table, write


def item(id, expected, word_end=1.0, snr=None, category="command", duration=3.0):
    return sc.Scored(id, category, expected, word_end, snr, duration)


def test_latency_is_decision_time_minus_word_end_for_right_first_decisions():
    items = [item("a", "next", 1.00), item("b", "stop", 2.50), item("c", "pause", 1.0), item("d", "yes", 1.0)]
    results = {"a": [sc.Decision("next", 1.12)], "b": [sc.Decision("stop", 2.75), sc.Decision("stop", 3.0)],
               "c": [sc.Decision("stop", 1.05)]}  # c wrong: no latency; d: nothing decided
    assert sc.latencies(items, results) == pytest.approx([0.12, 0.25])


def test_accuracy_and_confusion_from_a_known_confusion():
    items = [item("1", "next"), item("2", "next"), item("3", "next"), item("4", "stop"), item("5", "stop")]
    results = {"1": [sc.Decision("next", 1.1)], "2": [sc.Decision("stop", 1.1)], "4": [sc.Decision("stop", 1.2)]}
    assert sc.confusion(items, results) == {"next": {"next": 1, "stop": 1, "none": 1}, "stop": {"stop": 1, "none": 1}}
    assert sc.accuracy(items, results) == (2, 5)
    assert sc.ratio(2, 5) == pytest.approx(40.0)
    assert math.isnan(sc.ratio(0, 0))


def test_accuracy_by_snr_orders_clean_first_then_louder_noise():
    items = [item("c", "next"), item("n0", "next", snr=0), item("n10", "next", snr=10), item("n6", "next", snr=6)]
    results = {"c": [sc.Decision("next", 1.1)], "n10": [sc.Decision("next", 1.1)]}
    by_snr = sc.accuracy_by_snr(items, results)
    assert list(by_snr) == ["clean", "10 dB", "6 dB", "0 dB"]
    assert by_snr["clean"] == (1, 1) and by_snr["6 dB"] == (0, 1)


def test_rates_per_hour_count_only_acting_decisions():
    negatives = [item("n1", None, None, category="negative", duration=1800.0),
                 item("n2", None, None, category="negative", duration=1800.0)]
    results = {"n1": [sc.Decision("next", 5.0), sc.Decision("stop", 9.0, kind="ask")], "n2": [sc.Decision("yes", 3.0)]}
    assert sc.decisions_per_hour(negatives, results) == (2, pytest.approx(2.0))
    assert sc.decisions_per_hour(negatives, results, kind="ask") == (1, pytest.approx(1.0))
    assert sc.false_accepts(negatives, results) == {"next": 1, "yes": 1}


def test_percentile_interpolates_linearly():
    assert sc.percentile([0.1, 0.2, 0.3, 0.4, 0.5], 50) == pytest.approx(0.3)
    assert sc.percentile([0.0, 1.0], 95) == pytest.approx(0.95)
    assert math.isnan(sc.percentile([], 50))


def test_goals_judge_pass_and_fail_in_the_right_direction():
    assert GOALS["latency_p50"].status(149.0) == "PASS"
    assert GOALS["latency_p50"].status(151.0) == "FAIL"
    assert GOALS["accuracy_clean"].status(97.9) == "FAIL"
    assert GOALS["accuracy_clean"].status(98.0) == "PASS"
    assert GOALS["self_triggers_per_hour"].status(0.0) == "PASS"
    assert GOALS["self_triggers_per_hour"].status(0.1) == "FAIL"
    assert GOALS["rtf"].status(float("nan")) == "n/m"


def test_rows_show_ratio_status_and_not_measured():
    fast = Row("recognition", "vosk-ko", "decision latency p50", 120.0, "ms", 800.0, "wait for final", "latency_p50")
    missing = Row("voice", "pyttsx3", "cue to first audio", None, note="not measured (no device)")
    assert fast.ratio == pytest.approx(0.15) and fast.status == "PASS"
    assert missing.status == "n/m" and missing.ratio is None
    text = table([fast, missing])
    assert "0.15x" in text and "PASS" in text and "not measured (no device)" in text


def test_report_writes_json_markdown_and_chart(tmp_path):
    report = Report(started="2025-01-02T03:04:05", seconds=1.0,
                    rows=[Row("recognition", "x", "decision latency p50", float("nan"), "ms", goal="latency_p50")],
                    latencies={"x: ours": [0.1, 0.12, 0.2], "x: wait for final": [0.8, 0.9]},
                    details={"confusion": {"x": {"next": {"next": 2, "none": 1}}}})
    paths = write(report, tmp_path)
    data = json.loads(paths["json"].read_text())  # NaN is written as null: valid JSON
    assert data["rows"][0]["value"] is None and data["rows"][0]["status"] == "n/m"
    assert paths["chart"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    markdown = paths["markdown"].read_text()
    assert "| expected \\ decided |" in markdown and paths["chart"].name in markdown
