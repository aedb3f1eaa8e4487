"""CONTRIBUTING.md stays true: every repository path it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _named_paths(text: str) -> list[str]:
    """Code spans that look like repository paths: a top-level folder of ours, then a slash."""
    spans = re.findall(r"`([^`\s]+)`", text)
    return [s for s in spans if re.match(r"(harness|suites|simulators|reports|tests)/", s) and "<" not in s]


def test_every_path_in_contributing_exists():
    named = _named_paths((ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8"))
    assert len(named) > 15, named
    missing = [p for p in named if not (ROOT / p).exists()]
    assert missing == []


def test_the_path_reader_sees_a_missing_path():
    assert _named_paths("see `harness/nowhere.py` and `suites/<service>/` and `pytest`") == ["harness/nowhere.py"]
