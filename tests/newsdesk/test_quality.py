"""Lint and the extractor's strict typing are part of the suite, so CI enforces them."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_ruff_reports_no_problems():
    result = subprocess.run([BIN / "ruff", "check", "."], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_extractor_is_strictly_typed():
    result = subprocess.run([BIN / "mypy", "--strict", "annotations/extraction"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
