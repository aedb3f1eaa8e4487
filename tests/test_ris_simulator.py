"""The RIS simulator alone: worklist from files and memory, MPPS state machine; dcmtk findscu -W against it."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pynetdicom import AE
from pynetdicom.sop_class import ModalityPerformedProcedureStep, ModalityWorklistInformationFind

from dicom_harness.shared.worklist import write_worklist_file
from dicom_harness.simulators.ris import (
    RisSimulator,
    WorklistError,
    WorklistStore,
    make_worklist_item,
    parse_item,
)
from dicom_harness.targets.ports import free_port
from tests.conftest import CLI, require_peer


@pytest.fixture
def ris(tmp_path):
    folder = tmp_path / "worklist"
    folder.mkdir()
    write_worklist_file(make_worklist_item(PatientID="P1", Modality="CT", ScheduledStationAETitle="CT1",
                                           ScheduledProcedureStepStartDate="20240315"), folder / "a.wl")
    (folder / "b.json").write_text(json.dumps(make_worklist_item(
        PatientID="P2", Modality="MR", ScheduledStationAETitle="MR1", ScheduledProcedureStepStartDate="20240501").to_json_dict()))
    store = WorklistStore(folder)
    store.add(parse_item("PatientID=P3 Modality=CT ScheduledStationAETitle=CT2 ScheduledProcedureStepStartDate=20240401"))
    simulator = RisSimulator(store, ae_title="DH_RIS").start()
    yield simulator
    simulator.stop()


def _associate(port):
    ae = AE(ae_title="TESTER")
    ae.add_requested_context(ModalityWorklistInformationFind)
    ae.add_requested_context(ModalityPerformedProcedureStep)
    assoc = ae.associate("127.0.0.1", port, ae_title="DH_RIS")
    assert assoc.is_established
    return assoc


def _find(assoc, **step_keys):
    query = Dataset()
    query.PatientID = step_keys.pop("PatientID", "")
    query.PatientName = ""
    step = Dataset()
    for keyword in ("Modality", "ScheduledStationAETitle", "ScheduledProcedureStepStartDate"):
        setattr(step, keyword, step_keys.get(keyword, ""))
    query.ScheduledProcedureStepSequence = Sequence([step])
    results = list(assoc.send_c_find(query, ModalityWorklistInformationFind))
    assert results[-1][0].Status == 0
    return sorted(str(r.PatientID) for s, r in results[:-1])


def test_worklist_matching_over_files_and_memory(ris):
    assoc = _associate(ris.port)
    try:
        assert _find(assoc) == ["P1", "P2", "P3"]
        assert _find(assoc, Modality="CT") == ["P1", "P3"]
        assert _find(assoc, ScheduledStationAETitle="CT2") == ["P3"]
        assert _find(assoc, ScheduledProcedureStepStartDate="20240301-20240331") == ["P1"]
        assert _find(assoc, PatientID="P2") == ["P2"]
        assert _find(assoc, PatientID="NOPE") == []
    finally:
        assoc.release()


def _mpps(status, uid="2.25.42", **extra):
    ds = Dataset()
    ds.PerformedProcedureStepStatus = status
    for keyword, value in extra.items():
        setattr(ds, keyword, value)
    return ds


def test_mpps_state_machine(ris):
    assoc = _associate(ris.port)
    try:
        status, _ = assoc.send_n_create(_mpps("COMPLETED"), ModalityPerformedProcedureStep, "2.25.41")
        assert status.Status == 0x0106
        created = _mpps("IN PROGRESS", PerformedProcedureStepEndDate="", PerformedProcedureStepEndTime="",
                        PerformedSeriesSequence=Sequence())
        status, _ = assoc.send_n_create(created, ModalityPerformedProcedureStep, "2.25.42")
        assert status.Status == 0
        status, _ = assoc.send_n_create(created, ModalityPerformedProcedureStep, "2.25.42")
        assert status.Status == 0x0111
        status, _ = assoc.send_n_set(_mpps("COMPLETED"), ModalityPerformedProcedureStep, "2.25.42")
        assert status.Status == 0x0121          # end date and time still empty
        done = _mpps("COMPLETED", PerformedProcedureStepEndDate="20240315", PerformedProcedureStepEndTime="1000")
        status, _ = assoc.send_n_set(done, ModalityPerformedProcedureStep, "2.25.42")
        assert status.Status == 0
        status, _ = assoc.send_n_set(done, ModalityPerformedProcedureStep, "2.25.42")
        assert status.Status == 0x0110 and status.ErrorID == 0xA710
        status, _ = assoc.send_n_set(done, ModalityPerformedProcedureStep, "2.25.99")
        assert status.Status == 0x0112
    finally:
        assoc.release()
    assert str(ris.service.performed["2.25.42"].PerformedProcedureStepStatus) == "COMPLETED"


def test_bad_items_are_one_clear_error(tmp_path):
    with pytest.raises(WorklistError):
        parse_item("PatientID")
    with pytest.raises(WorklistError):
        parse_item("NotAKeyword=1")
    (tmp_path / "broken.wl").write_bytes(b"not dicom")
    with pytest.raises(WorklistError):
        WorklistStore(tmp_path).check()


def test_findscu_worklist_query_against_standalone_ris(tmp_path):
    findscu = require_peer("findscu")
    folder = tmp_path / "wl"
    folder.mkdir()
    write_worklist_file(make_worklist_item(PatientID="WL1", PatientName="DOE^JANE", Modality="MR"), folder / "1.wl")
    port = free_port()
    process = subprocess.Popen([*CLI, "simulate", "ris", "--port", str(port), "--worklist", str(folder),
                                "--item", "PatientID=WL2 Modality=CT"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = process.stdout.readline()
        assert "RIS simulator" in line, line
        out = tmp_path / "out"
        out.mkdir()
        found = subprocess.run([findscu, "-W", "-aec", "DH_RIS", "-k", "PatientID", "-k", "PatientName",
                                "-k", "ScheduledProcedureStepSequence[0].Modality=MR", "-X", "-od", str(out),
                                "127.0.0.1", str(port)],
                               capture_output=True, text=True, timeout=60, env=dict(os.environ, TCP_NODELAY="1"))
        assert found.returncode == 0, found.stderr
        from pydicom import dcmread
        answers = [dcmread(p) for p in out.iterdir()]
        assert [str(a.PatientID) for a in answers] == ["WL1"], found.stderr
        assert str(answers[0].PatientName) == "DOE^JANE"
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_response_holds_requested_keys_only_and_whole_items_for_universal_sequences():
    from dicom_harness.simulators.ris import response_identifier
    item = make_worklist_item(PatientID="P9", Modality="MR")
    query = Dataset()
    query.PatientID = "P9"
    query.AccessionNumber = ""
    query.ScheduledProcedureStepSequence = Sequence([Dataset()])
    answer = response_identifier(query, item)
    assert set(answer.dir()) == {"PatientID", "AccessionNumber", "ScheduledProcedureStepSequence", "SpecificCharacterSet"}
    assert answer.ScheduledProcedureStepSequence[0].Modality == "MR"
    step = Dataset()
    step.Modality = ""
    query.ScheduledProcedureStepSequence = Sequence([step])
    assert response_identifier(query, item).ScheduledProcedureStepSequence[0].dir() == ["Modality"]
