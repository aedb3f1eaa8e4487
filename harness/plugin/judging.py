"""Verdicts: each conformance test's pytest outcome, its requirements' levels and the profile's deviations give
PASS, FAIL, WARN, NOT CLAIMED, NOT VERIFIED, NOT APPLICABLE, DEVIATION, FIXED or ERROR; the verdict is shown on the terminal and recorded."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicom_harness.errors import NotApplicable, NotClaimed, NotVerified, TargetStalled, TargetUnreachable
from dicom_harness.plugin.collection import requirements_of, suite_root
from dicom_harness.plugin.records import make_record
from dicom_harness.plugin.state import run_state
from dicom_harness.shared import verdicts


def _outcome(call, report) -> str:
    if report.passed:
        return "passed"
    excinfo = call.excinfo
    if excinfo is None:
        return "error"
    if excinfo.errisinstance(NotClaimed):
        return "not-claimed"
    if excinfo.errisinstance(NotVerified):
        return "not-verified"
    if excinfo.errisinstance(NotApplicable):
        return "not-applicable"
    if excinfo.errisinstance(TargetUnreachable):
        return "error"
    if report.when == "call" and excinfo.errisinstance((AssertionError, pytest.fail.Exception)):
        return "failed"
    return "error"


def _error_message(excinfo) -> str:
    entry = excinfo.traceback[-1] if excinfo.traceback else None
    where = f" at {Path(str(entry.path)).name}:{entry.lineno + 1}" if entry else ""
    return f"{excinfo.exconly()}{where}"


def _message(call, outcome: str) -> str:
    if call.excinfo is None:
        return ""
    if call.excinfo.errisinstance(TargetStalled):
        return str(call.excinfo.value)      # the harness gave up: its own words say so, no code location
    message = call.excinfo.exconly() if outcome != "error" else _error_message(call.excinfo)
    if outcome == "failed" and not message.startswith("AssertionError: assert "):
        # the test's own words say expected, observed and clause; pytest's rewritten-assert detail repeats them
        message = message.split("\nassert ", 1)[0]
    return message.removeprefix("dicom_harness.errors.NotClaimed: ").removeprefix(
        "dicom_harness.errors.NotVerified: ").removeprefix("dicom_harness.errors.NotApplicable: ").removeprefix(
        "dicom_harness.clients.exchange.TargetFailure: ").removeprefix("AssertionError: ")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    result = yield
    report = result.get_result()
    root = suite_root(item)
    if root is None:
        return
    if report.when == "teardown" or (report.when == "setup" and report.passed):
        return
    if report.skipped and call.excinfo is not None and not call.excinfo.errisinstance(NotClaimed):
        return
    requirements = requirements_of(item)
    deviations = {}
    if "target" in getattr(item, "funcargs", {}):
        deviations = item.funcargs["target"].deviations
    deviated = [deviations[r.id] for r in requirements if r.id in deviations]
    outcome = _outcome(call, report)
    verdict = verdicts.judge(outcome, [r.level for r in requirements], bool(deviated))
    message = _message(call, outcome)
    if verdict in (verdicts.NOT_CLAIMED, verdicts.NOT_VERIFIED, verdicts.NOT_APPLICABLE, verdicts.DEVIATION,
                   verdicts.WARN):
        report.outcome = "skipped"
        if verdict in (verdicts.NOT_CLAIMED, verdicts.NOT_VERIFIED, verdicts.NOT_APPLICABLE):
            report.longrepr = (str(item.path), item.location[1] or 0, f"{verdict}: {message}")
        else:
            report.wasxfail = f"{verdict}: {message}"
    report.verdict = verdict
    run_state(item.config).records.append(
        make_record(item, root, requirements, verdict, message, deviated, report.duration))
    report.user_properties.append(("verdict", verdict))


def pytest_report_teststatus(report, config):
    verdict = getattr(report, "verdict", None)
    if verdict is None or report.when not in ("call", "setup"):
        return None
    category = {verdicts.PASS: "passed", verdicts.FAIL: "failed", verdicts.ERROR: "error"}.get(
        verdict, verdict.lower().replace(" ", "-"))
    return category, verdicts.LETTER[verdict], verdict
