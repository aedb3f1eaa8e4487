"""The pytest plugin: target options, role fixtures, requirement markers, verdicts and result records."""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from pathlib import Path

import pytest

from dicom_harness.catalogue import load_catalogue
from dicom_harness.clients.evidence import Evidence
from dicom_harness.errors import HarnessUserError, NotClaimed, TargetUnreachable
from dicom_harness.shared import verdicts

_PROVIDER_KEY = pytest.StashKey[object]()
_RECORDS_KEY = pytest.StashKey[list]()


def pytest_addoption(parser):
    group = parser.getgroup("dicom-harness")
    group.addoption("--target", default=None,
                    help="what to test: 'simulators' (default), 'orthanc', 'dcmqrscp', or a profile .toml file")
    group.addoption("--dimse", default=None, help="quick form for a running DIMSE target: AET@host:port")
    group.addoption("--dicomweb", default=None, help="quick form for a running DICOMweb service: its base URL")
    group.addoption("--fault", action="append", default=[],
                    help="with the simulators: switch on a named fault (repeatable)")
    group.addoption("--results-file", default=None, help="write one JSON result record per test to this file")
    group.addoption("--report-dir", default=None, help="render HTML, JUnit XML and JSON reports into this folder")
    group.addoption("--seed", type=int, default=0, help="seed of the dataset factory (default 0)")


def pytest_configure(config):
    config.addinivalue_line("markers", "requirement(*ids): the catalogue requirement(s) a test checks")
    config.stash[_RECORDS_KEY] = []
    config._dh_started = time.time()


def _target_spec(config) -> str:
    quick = [f"--{form} {shlex.quote(config.getoption(form))}" for form in ("dimse", "dicomweb") if config.getoption(form)]
    if quick:
        return " ".join(quick)
    target = config.getoption("target") or "simulators"
    faults = "".join(f" --fault {f}" for f in config.getoption("fault"))
    return f"--target {shlex.quote(target)}{faults}"


def pytest_collection_modifyitems(session, config, items):
    catalogue = load_catalogue()
    for item in items:
        marks = list(item.iter_markers("requirement"))
        if not marks and _is_suite(item):
            raise pytest.UsageError(f"{item.nodeid}: a suite test must name its requirement with @requirement(...)")
        for mark in marks:
            for rid in mark.args:
                if rid not in catalogue:
                    raise pytest.UsageError(f"{item.nodeid}: unknown requirement ID {rid!r} (not in the catalogue)")


def _is_suite(item) -> bool:
    return "/suites/" in str(item.path).replace(os.sep, "/")


def _requirements(item) -> list:
    catalogue = load_catalogue()
    return [catalogue[rid] for mark in item.iter_markers("requirement") for rid in mark.args]


# -- fixtures -------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def target(request):
    """The running target (frozen), started once per session by its provider."""
    from dicom_harness.targets.providers import make_provider
    config = request.config
    started = getattr(config, "_dh_started_target", None)
    if started is not None:             # the command line started it and will stop it
        config._dh_target_name = started.name
        yield started
        return
    try:
        provider = make_provider(config.getoption("target"), config.getoption("dimse"),
                                 tuple(config.getoption("fault")), config.getoption("dicomweb"))
        running = provider.start()
    except HarnessUserError as exc:
        pytest.exit(f"dicom-harness: {exc}", returncode=exc.exit_code)
    config.stash[_PROVIDER_KEY] = provider
    config._dh_target_name = running.name
    yield running
    provider.stop()


@pytest.fixture(scope="session")
def harness_peer(target):
    """The harness's own listening AE (C-MOVE destination, N-EVENT-REPORT receiver), on target.peer."""
    from dicom_harness.clients.peer import HarnessPeer
    try:
        peer = HarnessPeer(target.peer).start()
    except OSError as exc:
        pytest.exit(f"dicom-harness: cannot listen as {target.peer.ae_title} on port {target.peer.port}: "
                    f"{exc.strerror}; set [peer] port in the profile", returncode=3)
    yield peer
    peer.stop()


@pytest.fixture
def seed_worklist(request, target):
    """seed_worklist([items]): put worklist items on the target through its provider; NOT CLAIMED when the
    harness has no way to (no worklist folder known)."""
    config = request.config
    provider = getattr(config, "_dh_started_provider", None) or config.stash.get(_PROVIDER_KEY, None)
    if provider is None:
        raise NotClaimed("the harness has no way to put worklist items on this target")
    return provider.seed_worklist


@pytest.fixture
def claims(target):
    return target.claims


@pytest.fixture
def evidence(request):
    found = Evidence()
    request.node._dh_evidence = found
    return found


@pytest.fixture
def dimse(request, target, evidence):
    """A DIMSE client for this test, recording evidence; with the harness peer when reads go back by C-MOVE."""
    from dicom_harness.clients.dimse import DimseClient
    if target.dimse is None:
        raise NotClaimed("the target has no DIMSE endpoint")
    peer = request.getfixturevalue("harness_peer") if target.claims.retrieve == "C-MOVE" else None
    return DimseClient(target, evidence, peer)


@pytest.fixture
def dicomweb(target, evidence):
    """A DICOMweb client for this test, recording evidence."""
    from dicom_harness.clients.web import DicomWebClient
    if target.dicomweb is None:
        raise NotClaimed("the target has no DICOMweb endpoint")
    client = DicomWebClient(target.dicomweb, evidence)
    yield client
    client.close()


@pytest.fixture
def ups(dicomweb, evidence, dataset_factory):
    """A UPS-RS user agent (PS3.18 11) with its notification channels, closed after the test."""
    from dicom_harness.clients.ups import UpsClient
    client = UpsClient(dicomweb, evidence, dataset_factory)
    yield client
    client.close()


@pytest.fixture(scope="session")
def web_study(target, dataset_factory):
    """One small study (two series, three instances) put in the target once for the DICOMweb suites."""
    from dicom_harness.clients.web import WebStudy
    return WebStudy(dataset_factory).put_into(target, Evidence())


@pytest.fixture(scope="session")
def dataset_factory(request):
    from dicom_harness.data.datasets import DatasetFactory
    return DatasetFactory(seed=request.config.getoption("seed"))


@pytest.fixture
def make_instance(dataset_factory):
    """make_instance('CT', transfer_syntax=..., study=...) -> a fresh instance with unique UIDs."""
    return dataset_factory.make


@pytest.fixture(autouse=True)
def _service_claimed(request):
    """A test whose requirement belongs to a service the target does not claim is NOT CLAIMED."""
    if not _is_suite(request.node):
        return
    services = {r.service for r in _requirements(request.node)} - {"association"}
    target = request.getfixturevalue("target")
    missing = sorted(s for s in services if not target.claims.offers(s))
    if missing:
        raise NotClaimed(f"the target does not claim {', '.join(missing)}")


# -- verdicts ------------------------------------------------------------------------------------------
def _outcome(call, report) -> str:
    if report.passed:
        return "passed"
    excinfo = call.excinfo
    if excinfo is None:
        return "error"
    if excinfo.errisinstance(NotClaimed):
        return "not-claimed"
    if excinfo.errisinstance(TargetUnreachable):
        return "error"
    if report.when == "call" and excinfo.errisinstance((AssertionError, pytest.fail.Exception)):
        return "failed"
    return "error"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    result = yield
    report = result.get_result()
    if not _is_suite(item):
        return
    if report.when == "teardown" or (report.when == "setup" and report.passed):
        return
    if report.skipped and call.excinfo is not None and not call.excinfo.errisinstance(NotClaimed):
        return
    requirements = _requirements(item)
    target = getattr(item.config, "_dh_target_name", "")
    deviations = {}
    if "target" in getattr(item, "funcargs", {}):
        deviations = item.funcargs["target"].deviations
    deviated = [deviations[r.id] for r in requirements if r.id in deviations]
    outcome = _outcome(call, report)
    verdict = verdicts.judge(outcome, [r.level for r in requirements], bool(deviated))
    message = ""
    if call.excinfo is not None:
        message = call.excinfo.exconly() if outcome != "error" else _error_message(call.excinfo)
        message = message.removeprefix("dicom_harness.errors.NotClaimed: ").removeprefix(
            "dicom_harness.clients.exchange.TargetFailure: ").removeprefix("AssertionError: ")
    if verdict in (verdicts.NOT_CLAIMED, verdicts.DEVIATION, verdicts.WARN):
        report.outcome = "skipped"
        if verdict == verdicts.NOT_CLAIMED:
            report.longrepr = (str(item.path), item.location[1] or 0, f"NOT CLAIMED: {message}")
        else:
            report.wasxfail = f"{verdict}: {message}"
    report.verdict = verdict
    evidence = getattr(item, "_dh_evidence", None)
    record = {
        "nodeid": item.nodeid,
        "test": item.name,
        "module": item.module.__name__ if item.module else "",
        "doc": " ".join((item.function.__doc__ or "").split()),
        "requirements": [r.__dict__ for r in requirements],
        "service": requirements[0].service if requirements else "",
        "verdict": verdict,
        "message": message,
        "deviation": [d.__dict__ for d in deviated],
        "evidence": evidence.transcript() if evidence else [],
        "duration": round(report.duration, 4),
        "target": target,
        "rerun": f"dicom-harness run {_target_spec(item.config)} --test {shlex.quote(_suite_node(item))}",
    }
    item.config.stash[_RECORDS_KEY].append(record)
    report.user_properties.append(("verdict", verdict))


def _suite_node(item) -> str:
    path = str(item.path).replace(os.sep, "/")
    relative = path[path.rindex("/suites/") + len("/suites/"):]
    return f"{relative}::{item.name}"


def _error_message(excinfo) -> str:
    entry = excinfo.traceback[-1] if excinfo.traceback else None
    where = f" at {Path(str(entry.path)).name}:{entry.lineno + 1}" if entry else ""
    return f"{excinfo.exconly()}{where}"


def pytest_report_teststatus(report, config):
    verdict = getattr(report, "verdict", None)
    if verdict is None or report.when not in ("call", "setup"):
        return None
    category = {verdicts.PASS: "passed", verdicts.FAIL: "failed", verdicts.ERROR: "error"}.get(
        verdict, verdict.lower().replace(" ", "-"))
    return category, verdicts.LETTER[verdict], verdict


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    records = config.stash.get(_RECORDS_KEY, [])
    if not records and not config.getoption("results_file") and not config.getoption("report_dir"):
        return
    run = {
        "tool": "dicom-harness",
        "target": getattr(config, "_dh_target_name", ""),
        "target_spec": _target_spec(config),
        "started": config._dh_started,
        "duration": round(time.time() - config._dh_started, 3),
        "python": sys.version.split()[0],
        "catalogue": [r.__dict__ for r in load_catalogue().values()],
    }
    results_file = config.getoption("results_file")
    if results_file:
        path = Path(results_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(json.dumps({"run": run}) + "\n")
            for record in records:
                handle.write(json.dumps(record) + "\n")
    report_dir = config.getoption("report_dir")
    if report_dir:
        from dicom_harness.reports.render import write_reports
        config._dh_report = write_reports({"run": run, "results": records}, Path(report_dir))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    records = config.stash.get(_RECORDS_KEY, [])
    if not records:
        return
    counts = {}
    for record in records:
        counts[record["verdict"]] = counts.get(record["verdict"], 0) + 1
    parts = [f"{counts[v]} {v}" for v in verdicts.ORDER if v in counts]
    elapsed = time.time() - config._dh_started
    line = f"dicom-harness: {', '.join(parts)} on {getattr(config, '_dh_target_name', '?')} in {elapsed:.1f} s"
    report = getattr(config, "_dh_report", None)
    if report:
        line += f"; report: {report}"
    terminalreporter.write_line(line, bold=True)
    if report:
        _write_failure_links(terminalreporter, records, Path(report))


def _write_failure_links(terminalreporter, records: list, report: Path, limit: int = 10) -> None:
    """One click from the terminal to the page that explains each failure."""
    problems = [r for r in records if r["verdict"] in (verdicts.FAIL, verdicts.ERROR) and r.get("anchor")]
    for record in problems[:limit]:
        terminalreporter.write_line(f"  {record['verdict']} {record['test']}: {report.resolve().as_uri()}#{record['anchor']}")
    if len(problems) > limit:
        terminalreporter.write_line(f"  ... and {len(problems) - limit} more: {report.resolve().as_uri()}?problems=1")
