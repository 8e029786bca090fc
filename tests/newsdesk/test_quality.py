"""Lint, formatting and typing are part of the suite, so CI enforces what `make check` does."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _run(*command: str | Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_ruff_reports_no_problems():
    result = _run(BIN / "ruff", "check", ".", timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_code_is_formatted():
    result = _run(BIN / "ruff", "format", "--check", ".", timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_project_typechecks():
    # pyproject.toml's [tool.mypy]: the Django and DRF plugins, the extractor held strict.
    result = _run(BIN / "mypy", "annotations", "newsdesk")
    assert result.returncode == 0, result.stdout + result.stderr


def test_extractor_is_strictly_typed():
    result = _run(BIN / "mypy", "--strict", "annotations/extraction")
    assert result.returncode == 0, result.stdout + result.stderr
