"""Independent Query/Retrieve SCUs against our PACS simulator: dcmtk findscu, movescu and getscu (the simulator
standalone, its C-MOVE destination given by --move-dest), and Orthanc as an SCU through its REST API."""

from __future__ import annotations

import tempfile
from pathlib import Path

import httpx
from pydicom import dcmread
from pynetdicom import AE

from dicom_harness.data.datasets import DatasetFactory, pixel_digest
from dicom_harness.targets.ports import free_port
from tests.conftest import require_peer
from tests.test_dcmtk_against_pacs_simulator import StandalonePacs, dcmtk


def _seed_files(tmp_path: Path, seed: int):
    """Two CT images of one study and one MR of another study, same patient; written as Part 10 files."""
    factory = DatasetFactory(seed=seed)
    study = factory.study()
    series = factory.uid()
    instances = [factory.make("CT", study=study, series_uid=series) for _ in range(2)]
    instances.append(factory.make("MR", study=factory.study((str(study.PatientName), str(study.PatientID)))))
    folder = tmp_path / "sent"
    folder.mkdir()
    for n, instance in enumerate(instances):
        instance.save_as(folder / f"{n}.dcm", enforce_file_format=True)
    return instances, folder


def _digests(folder: Path) -> dict[str, str]:
    found = {}
    for path in folder.iterdir():
        ds = dcmread(path)
        found[str(ds.SOPInstanceUID)] = pixel_digest(ds)
    return found


def test_findscu_movescu_getscu_against_simulator(tmp_path):
    storescu, findscu, movescu, getscu = (require_peer(b) for b in ("storescu", "findscu", "movescu", "getscu"))
    instances, sent = _seed_files(tmp_path, seed=21)
    ct_study = instances[0].StudyInstanceUID
    move_port = free_port()
    with StandalonePacs(tmp_path / "store", "--move-dest", f"MOVESCU=127.0.0.1:{move_port}") as pacs:
        host_port = ("127.0.0.1", str(pacs.port))
        stored = dcmtk(storescu, "-aec", "DH_PACS", "+sd", *host_port, str(sent))
        assert stored.returncode == 0, stored.stderr

        found_dir = tmp_path / "found"
        found_dir.mkdir()
        found = dcmtk(findscu, "-S", "-aec", "DH_PACS", "-X", "-od", str(found_dir), "-k", "QueryRetrieveLevel=STUDY",
                      "-k", f"PatientID={instances[0].PatientID}", "-k", "StudyInstanceUID", "-k", "ModalitiesInStudy",
                      *host_port)
        assert found.returncode == 0, found.stderr
        answers = {str(dcmread(p).StudyInstanceUID): dcmread(p) for p in found_dir.iterdir()}
        assert set(answers) == {instances[0].StudyInstanceUID, instances[2].StudyInstanceUID}, found.stderr
        assert answers[ct_study].ModalitiesInStudy == "CT", answers[ct_study]

        moved_dir = tmp_path / "moved"
        moved_dir.mkdir()
        moved = dcmtk(movescu, "-S", "-aec", "DH_PACS", "-aet", "MOVESCU", "-aem", "MOVESCU", "+P", str(move_port),
                      "-od", str(moved_dir), "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={ct_study}",
                      *host_port)
        assert moved.returncode == 0, moved.stderr
        unknown = dcmtk(movescu, "-S", "-aec", "DH_PACS", "-aem", "NOWHERE", "-k", "QueryRetrieveLevel=STUDY",
                        "-k", f"StudyInstanceUID={ct_study}", *host_port)
        assert "A801" in unknown.stderr or "MoveDestinationUnknown" in unknown.stderr.replace(" ", ""), unknown.stderr

        got_dir = tmp_path / "got"
        got_dir.mkdir()
        got = dcmtk(getscu, "-P", "-aec", "DH_PACS", "-od", str(got_dir), "-k", "QueryRetrieveLevel=SERIES",
                    "-k", f"PatientID={instances[0].PatientID}", "-k", f"StudyInstanceUID={ct_study}",
                    "-k", f"SeriesInstanceUID={instances[0].SeriesInstanceUID}", *host_port)
        assert got.returncode == 0, got.stderr

    expected = {str(i.SOPInstanceUID): pixel_digest(i) for i in instances[:2]}
    assert _digests(moved_dir) == expected, moved.stderr
    assert _digests(got_dir) == expected, got.stderr


def test_orthanc_as_scu_queries_and_moves_from_simulator(tmp_path):
    require_peer("/usr/sbin/Orthanc")
    from dicom_harness.simulators.pacs import PacsSimulator
    from dicom_harness.simulators.store import Store
    from dicom_harness.targets.orthanc import OrthancProcess

    instances, _ = _seed_files(tmp_path, seed=22)
    store = Store(tmp_path / "store")
    pacs_port = free_port()
    orthanc = OrthancProcess(ae_title="ORTHANC", peers={"dhpacs": ("DH_PACS", "127.0.0.1", pacs_port)},
                             dicomweb=False)
    orthanc.start()
    pacs = None
    try:
        pacs = PacsSimulator(store, port=pacs_port,
                             move_destinations={"ORTHANC": ("127.0.0.1", orthanc.dicom_port)}).start()
        ae = AE(ae_title="SEEDER")
        for instance in instances:
            ae.add_requested_context(instance.SOPClassUID, instance.file_meta.TransferSyntaxUID)
        assoc = ae.associate("127.0.0.1", pacs.port, ae_title="DH_PACS")
        assert assoc.is_established
        assert all(assoc.send_c_store(i).Status == 0 for i in instances)
        assoc.release()

        with httpx.Client(base_url=orthanc.http_url, timeout=30) as http:
            query = http.post("/modalities/dhpacs/query",
                              json={"Level": "Study", "Query": {"PatientID": str(instances[0].PatientID),
                                                                "StudyInstanceUID": ""}})
            assert query.status_code == 200, query.text
            answers = http.get(f"{query.json()['Path']}/answers", params={"expand": ""}).json()
            studies = {a["0020,000d"]["Value"] for a in answers}
            assert studies == {instances[0].StudyInstanceUID, instances[2].StudyInstanceUID}, answers

            ct_study = str(instances[0].StudyInstanceUID)
            moved = http.post("/modalities/dhpacs/move",
                              json={"Level": "Study", "Resources": [{"StudyInstanceUID": ct_study}],
                                    "TargetAet": "ORTHANC", "Synchronous": True})
            assert moved.status_code == 200, moved.text
            received = {}
            for orthanc_id in http.get("/instances").json():
                path = Path(tempfile.mkstemp(dir=tmp_path, suffix=".dcm")[1])
                path.write_bytes(http.get(f"/instances/{orthanc_id}/file").content)
                ds = dcmread(path)
                received[str(ds.SOPInstanceUID)] = pixel_digest(ds)
        assert received == {str(i.SOPInstanceUID): pixel_digest(i) for i in instances[:2]}, orthanc.log_tail()
    finally:
        if pacs:
            pacs.stop()
        orthanc.stop()
        store.close()
