"""The modality simulator plays a whole acquisition: against our own simulators (one AE: worklist, MPPS,
storage, commitment) through the command line, and against a real Orthanc (worklist plugin, storage,
commitment on a new association; Orthanc has no MPPS, so that step is skipped)."""

from __future__ import annotations

import subprocess

from dicom_harness.shared.worklist import write_worklist_file
from dicom_harness.simulators.modality import ModalitySimulator
from dicom_harness.simulators.pacs import PacsSimulator
from dicom_harness.simulators.ris import RisService, WorklistStore, make_worklist_item
from dicom_harness.simulators.store import Store
from dicom_harness.targets.ports import free_port
from tests.conftest import CLI, require_peer


def test_modality_cli_against_simulators(tmp_path):
    folder = tmp_path / "worklist"
    folder.mkdir()
    item = make_worklist_item(PatientID="DH-MOD-1", PatientName="DH^MODALITY", ScheduledStationAETitle="DH_MODALITY")
    write_worklist_file(item, folder / "1.wl")
    write_worklist_file(make_worklist_item(PatientID="DH-MOD-2", ScheduledStationAETitle="OTHER"), folder / "2.wl")
    store = Store(tmp_path / "store")
    ris = RisService(WorklistStore(folder))
    pacs = PacsSimulator(store, ae_title="DH_PACS", services=[ris]).start()
    try:
        address = f"DH_PACS@127.0.0.1:{pacs.port}"
        proc = subprocess.run([*CLI, "simulate", "modality", "--worklist", address, "--store", address,
                               "--station", "DH_MODALITY", "--images", "2"],
                              capture_output=True, text=True, timeout=120)
    finally:
        pacs.stop()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    log = proc.stdout
    for expected in ("1. worklist query", "taking patient DH^MODALITY (DH-MOD-1)", "2. MPPS N-CREATE IN PROGRESS",
                     "3. C-STORE of 2 CT image(s)", "4. MPPS N-SET COMPLETED", "5. storage commitment request",
                     "event type 1, 2 committed, 0 failed", "acquisition done"):
        assert expected in log, f"{expected!r} missing from the log:\n{log}"
    (performed,) = ris.performed.values()
    assert performed.PerformedProcedureStepStatus == "COMPLETED"
    assert performed.PatientID == "DH-MOD-1"
    stored = store.instances()
    assert len(stored) == 2 and {s.patient_id for s in stored} == {"DH-MOD-1"}
    store.close()


def test_modality_against_orthanc(tmp_path):
    require_peer("/usr/sbin/Orthanc")
    from dicom_harness.targets.orthanc import OrthancProcess
    folder = tmp_path / "worklist"
    folder.mkdir()
    write_worklist_file(make_worklist_item(PatientID="DH-MOD-O", PatientName="DH^ORTHANC",
                                           ScheduledStationAETitle="DH_MODALITY"), folder / "1.wl")
    port = free_port()
    orthanc = OrthancProcess(ae_title="ORTHANC", peers={"modality": ("DH_MODALITY", "127.0.0.1", port)},
                             dicomweb=False, worklists=folder).start()
    lines: list[str] = []
    modality = ModalitySimulator(worklist=("ORTHANC", "127.0.0.1", orthanc.dicom_port),
                                 store=("ORTHANC", "127.0.0.1", orthanc.dicom_port), port=port, images=2,
                                 log=lines.append).start_listener()
    try:
        result = modality.run(ScheduledStationAETitle="DH_MODALITY")
        import httpx
        patients = httpx.get(f"{orthanc.http_url}/patients?expand", timeout=10).json()
    finally:
        modality.stop()
        orthanc.stop()
    log = "\n".join(lines)
    assert result.ok, log
    assert result.worklist_item.PatientID == "DH-MOD-O"
    assert result.mpps == "skipped (not offered)", log
    assert result.committed == 2 and result.commitment_arrived_on == "a new association from ORTHANC", log
    assert [p["MainDicomTags"]["PatientID"] for p in patients] == ["DH-MOD-O"]
