"""Every suite against the simulators: all PASS clean, and each fault turns exactly its requirement red."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from dicom_harness.catalogue import load_catalogue
from dicom_harness.simulators.faults import FAULTS
from tests.conftest import failing_requirements, run_suites
from tests.fault_batch import listen_to_modality, listen_to_viewer, listen_to_workstation, run_fault_batch


@pytest.fixture(scope="module")
def fault_runs(request, tmp_path_factory):
    """Run the suites with each fault: a few child processes at a time, each running a batch of the faults one
    after another (start-up dominates a scoped run), each fault against the suites of fault_scope(). Only the faults
    whose tests were selected run (pytest -k "clean or my-fault" takes seconds, not the whole matrix)."""
    selected = {item.callspec.params["fault"] for item in request.session.items
                if getattr(item, "originalname", "") == "test_fault_fails_exactly_its_requirement"
                and hasattr(item, "callspec")}
    names = sorted(selected or FAULTS)
    batches = [names[i::BATCHES] for i in range(BATCHES)]
    runs = {}
    roots = [tmp_path_factory.mktemp("faults") for _ in batches]      # here: tmp_path_factory is not thread-safe
    with ThreadPoolExecutor(max_workers=PROCESSES) as pool:
        for result in pool.map(run_fault_batch, roots, batches):
            runs.update(result)
    return runs


# The faults are dealt into BATCHES batches, PROCESSES of them running at a time: a batch with a slow fault (one
# waiting out timeouts) holds up one process while the others take the remaining batches.
BATCHES = 12
PROCESSES = 4


def test_all_suites_pass_on_clean_simulators(tmp_path):
    proc, records = run_suites(tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert records, "no result records written"
    assert {r["verdict"] for r in records} == {"PASS"}, [(r["test"], r["verdict"], r["message"]) for r in records
                                                        if r["verdict"] != "PASS"]
    assert (tmp_path / "index.html").exists() and (tmp_path / "junit.xml").exists()



MODALITY = {"association-requester", "storage-scu", "worklist-scu", "mpps-scu", "commitment-scu"}
WORKSTATION = {"association-requester", "qr-scu"}
VIEWER = {"qido-ua", "wado-ua", "stow-ua", "ups-ua"}


@pytest.mark.parametrize("simulator, arguments, services", [
    ("modality", listen_to_modality, MODALITY),
    ("workstation", listen_to_workstation, WORKSTATION),
    ("viewer", listen_to_viewer, VIEWER),
])
def test_client_simulator_meets_every_client_requirement_of_its_services(simulator, arguments, services, tmp_path):
    """The client side's clean runs, judged by `listen`: one acquisition of the modality simulator, one Q/R session
    of the workstation, one reading session of the viewer; every requirement of the services its scenario claims
    PASS, the others NOT CLAIMED."""
    from dicom_harness.cli.main import main
    code = main(arguments(tmp_path))
    records = json.loads((tmp_path / "results.json").read_text())["results"]
    catalogue = load_catalogue()
    claimed = [r for r in records if {catalogue[q["id"]].service for q in r["requirements"]} & services]
    assert {r["verdict"] for r in claimed} == {"PASS"}, [(r["test"], r["verdict"], r["message"]) for r in claimed
                                                        if r["verdict"] != "PASS"]
    assert {r["verdict"] for r in records if r not in claimed} <= {"NOT CLAIMED"}
    assert code == 0
    tested = {q["id"] for r in claimed for q in r["requirements"]}
    assert tested == {rid for rid, req in catalogue.items()
                      if req.role == "client" and not req.status and req.service in services}


def test_every_client_requirement_is_met_by_a_client_simulator():
    """Each tested client-side requirement belongs to a service one of the client simulators' clean runs claims."""
    services = MODALITY | WORKSTATION | VIEWER
    assert {req.service for req in load_catalogue().values() if req.role == "client" and not req.status} <= services


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_fails_exactly_its_requirement(fault, fault_runs):
    proc, records = fault_runs[fault]
    expected = {FAULTS[fault].breaks, *FAULTS[fault].also_breaks}
    # A broken SHALL is a FAIL (exit code 1); a broken SHOULD or MAY only a WARN (exit code 0).
    catalogue = load_catalogue()
    shall = any(catalogue[rid].level == "SHALL" for rid in expected)
    assert proc.returncode == (1 if shall else 0), f"exit code {proc.returncode}: {proc.stderr[-1500:]}"
    assert failing_requirements(records) == expected
    verdicts = {r["verdict"] for r in records if {q["id"] for q in r["requirements"]} & expected}
    assert ("FAIL" if shall else "WARN") in verdicts, verdicts
    assert all(r["evidence"] for r in records if r["verdict"] in ("FAIL", "WARN")), "a FAIL or WARN without evidence"


def test_every_tested_requirement_has_a_fault():
    """Every requirement meant to be tested (no `status`) has its fault; one catalogued as not yet tested or not
    testable has nothing to break yet."""
    broken = {f.breaks for f in FAULTS.values()}
    meant_to_be_tested = {rid for rid, req in load_catalogue().items() if not req.status}
    assert meant_to_be_tested - broken == set()
