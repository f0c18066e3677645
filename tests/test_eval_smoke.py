"""`news-assistant eval` end to end on a small sample of the real mini set, both pipelines."""

import json
import os
import subprocess
import sys

import pytest
from conftest import SHARED_EVAL

MINI = SHARED_EVAL / "rtqa-2024-mini"
pytestmark = [
    pytest.mark.model,
    pytest.mark.skipif(
        not (MINI / "corpus.jsonl").is_file(), reason=f"evaluation data not found at {MINI} (../shared/eval is absent)"
    ),
]

KEYS = {
    "hits@1",
    "hits@5",
    "hits@10",
    "mrr@10",
    "citation_precision",
    "citation_recall",
    "mc_accuracy",
    "abstain_rate",
    "latency_p50_ms",
    "latency_p95_ms",
}


def test_eval_smoke_on_a_mini_sample(tmp_path):
    out, md = tmp_path / "report.json", tmp_path / "report.md"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant",
            "eval",
            "--corpus",
            str(MINI / "corpus.jsonl"),
            "--questions",
            str(MINI / "questions.jsonl"),
            "--sample",
            "4",
            "--seed",
            "3",
            "--distractors",
            "1",
            "--cache",
            str(tmp_path / "cache"),
            "--json",
            str(out),
            "--markdown",
            str(md),
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text())
    assert KEYS <= set(report) and KEYS <= set(report["baseline"])
    assert report["questions"] == 4 and len(report["outcomes"]) == 4
    for o in report["outcomes"]:
        assert o["late"] == 0  # nothing published after the question's date
        assert o["abstained"] or o["cited"]
    assert 0.0 <= report["mc_accuracy"] <= 1.0
    text = md.read_text()
    assert "| mc_accuracy |" in text and "naive LangChain" in text
    assert report["paths"] == {"extractive": 4} and "Which answerer answered (ours): extractive: 4." in text
    assert (tmp_path / "report-quality.png").stat().st_size > 1000
