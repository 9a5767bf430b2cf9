"""A smoke run of `python -m voicecoach.bench` on a tiny corpus: the table, the JSON, the report."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_runs_on_a_tiny_corpus_and_writes_its_report(tmp_path):
    results = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, "-m", "voicecoach.bench", "--profile", "tiny", "--corpus", str(tmp_path / "corpus"),
         "--results", str(results), "--engine", "vosk-ko", "--budget", "30", "--no-voice",
         "--realspeech", str(tmp_path / "no-such-folder"), "--room", "quiet", "--sessions", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "real-speech folder" in out and "not found" in out  # skipped with a clear message
    for figure in ("accuracy clean", "decision latency p50", "false accepts per hour", "self-triggers per hour",
                   "real-time factor", "start to first spoken line", "quiet: obeyed right first time",
                   "quiet: unwanted actions per hour", "accuracy as one stream, 1.5 s apart", "whole sessions:"):
        assert figure in out, figure
    [json_path] = results.glob("*.json")
    data = json.loads(json_path.read_text())
    rows = {(r["engine"], r["figure"]): r for r in data["rows"]}
    rtf = rows[("vosk-ko", "real-time factor (grammar, listening)")]
    assert rtf["value"] is not None and 0 < rtf["value"] < 1
    assert rows[("vosk-ko", "decision latency p50")]["baseline_name"] == "wait for final"
    assert data["corpus"]["items"]["command"] > 0 and data["corpus"]["items"]["self"] > 0
    assert (results / json_path.name.replace(".json", ".md")).exists()
    sessions = data["details"]["sessions"]["vosk-ko"]["quiet"]
    for pipeline in ("ours", "previous", "naive"):  # the same seeded session through each pipeline
        assert sessions[pipeline]["sessions"] == 1 and sessions[pipeline]["commands"] > 0, pipeline
    assert 0 < data["details"]["stream"]["vosk-ko"]["n_commands"]
