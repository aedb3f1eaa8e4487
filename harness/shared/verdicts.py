"""Verdicts, their order and symbols (the terminal and the reports share them), and how an outcome becomes one."""

from __future__ import annotations

PASS, FAIL, WARN, NOT_CLAIMED, NOT_VERIFIED, NOT_APPLICABLE, DEVIATION, FIXED, ERROR = (
    "PASS", "FAIL", "WARN", "NOT CLAIMED", "NOT VERIFIED", "NOT APPLICABLE", "DEVIATION", "FIXED", "ERROR")
ORDER = (FAIL, ERROR, WARN, DEVIATION, FIXED, NOT_CLAIMED, NOT_VERIFIED, NOT_APPLICABLE, PASS)      # worst first
LETTER = {PASS: ".", FAIL: "F", WARN: "W", NOT_CLAIMED: "n", NOT_VERIFIED: "v", NOT_APPLICABLE: "a", DEVIATION: "d",
          FIXED: "X", ERROR: "E"}
SYMBOL = {**LETTER, PASS: "✓"}      # in reports a PASS is a tick, where the progress line prints pytest's dot
PROBLEMS = (FAIL, ERROR, WARN, FIXED)                                      # what a reader should look at first


def judge(outcome: str, levels: list[str], deviated: bool) -> str:
    """outcome: 'passed', 'failed' (the target broke a requirement), 'not-claimed', 'not-verified' (what could
    be judged held, the rest cannot be checked on this target for a stated reason), 'not-applicable' (the test
    data, a user's corpus given with --data, lacks what the test needs) or 'error'."""
    if outcome == "error":
        return ERROR
    if outcome == "not-claimed":
        return NOT_CLAIMED
    if outcome == "not-verified":
        return NOT_VERIFIED
    if outcome == "not-applicable":
        return NOT_APPLICABLE
    if outcome == "passed":
        return FIXED if deviated else PASS
    if deviated:
        return DEVIATION
    return FAIL if "SHALL" in levels else WARN


def exit_code(verdicts: list[str]) -> int:
    """0: no failures (deviations, NOT CLAIMED, NOT VERIFIED and NOT APPLICABLE allowed); 1: failures; 4: no failures but
    harness errors."""
    if FAIL in verdicts:
        return 1
    if ERROR in verdicts:
        return 4
    return 0
