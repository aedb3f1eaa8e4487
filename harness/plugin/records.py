"""One result record per conformance test: what the reports read (JSON-able, no pytest objects)."""

from __future__ import annotations

from dicom_harness.plugin.options import pytest_values, rerun_command
from dicom_harness.plugin.roots import node_of
from dicom_harness.plugin.state import EVIDENCE, run_state


def make_record(item, root, requirements: list, verdict: str, message: str, deviated: list, duration: float) -> dict:
    state = run_state(item.config)
    node = node_of(item, root)
    evidence = item.stash.get(EVIDENCE, None)
    suite = str(root) if state.roots.is_user(root) else None
    return {
        "nodeid": node,
        "test": item.name,
        "module": item.module.__name__ if item.module else "",
        "doc": " ".join((item.function.__doc__ or "").split()),
        "requirements": [r.as_dict() for r in requirements],
        "service": requirements[0].service if requirements else "",
        "verdict": verdict,
        "message": message,
        "deviation": [d.__dict__ for d in deviated],
        "evidence": evidence.transcript() if evidence else [],
        "duration": round(duration, 4),
        "target": state.target_name,
        "rerun": rerun_command(pytest_values(item.config), node, suite),
    }
