"""`dicom-harness listen --as pacs --scenario query-retrieve` as a workstation vendor uses it: real Query/Retrieve
SCUs (dcmtk findscu with getscu or movescu, Orthanc through its REST API) query the study listen holds and
retrieve it; their recordings are judged. What each is known to do is written down here, requirement by
requirement (checked against PS3.4 Annex C), so a change of verdict shows."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from dicom_harness.targets.ports import free_port
from tests.conftest import require_peer, run_cli

DRIVE = Path(__file__).with_name("qr_drive.py")
FIND_REQUIREMENTS = ("QR-SCU-SENDS-CLAIMED", "QR-SCU-FIND-LEVEL", "QR-SCU-FIND-UNIQUE-KEYS-ABOVE",
                     "QR-SCU-FIND-NO-KEYS-ABOVE", "QR-SCU-FIND-UNIQUE-KEY-AT-LEVEL", "QR-SCU-FIND-TIMEZONE-NOT-EMPTY")
RETRIEVE_REQUIREMENTS = ("QR-SCU-RETRIEVE-LEVEL", "QR-SCU-RETRIEVE-UNIQUE-KEYS", "QR-SCU-RETRIEVE-NO-OTHER-KEYS")


def _verdicts(report_dir: Path) -> dict[str, str]:
    records = json.loads((report_dir / "results.json").read_text())["results"]
    return {r["requirements"][0]["id"]: r["verdict"] for r in records if r["verdict"] != "NOT CLAIMED"}


def _messages(report_dir: Path) -> dict[str, str]:
    records = json.loads((report_dir / "results.json").read_text())["results"]
    return {r["requirements"][0]["id"]: r["message"] for r in records if r["verdict"] not in ("PASS", "NOT CLAIMED")}


def _listen(report_dir: Path, product: str, drive: str, *extra: str):
    require_peer("dciodvfy")
    proc = run_cli("listen", "--as", "pacs", "--scenario", "query-retrieve", "--port", "0", "--product", product,
                   "--report-dir", str(report_dir), *extra, "--drive", drive, timeout=180)
    assert "holding patient DH^SYNTH" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "the --drive command ended with exit code 0" in proc.stdout, proc.stdout[-3000:]
    return proc


def _association_passes(verdicts: dict[str, str]) -> None:
    assoc = {rid: v for rid, v in verdicts.items() if rid.startswith("ASSOC-RQ-")}
    from dicom_harness.catalogue import load_catalogue
    expected = sum(1 for r in load_catalogue().values() if r.service == "association-requester" and not r.status)
    assert set(assoc.values()) == {"PASS"} and len(assoc) == expected, assoc


def test_dcmtk_findscu_and_getscu(tmp_path):
    findscu, getscu = require_peer("findscu"), require_peer("getscu")
    drive = f"{sys.executable} {DRIVE} dcmtk-get {{ae}} {{host}} {{port}} {tmp_path / 'work'} {findscu} {getscu}"
    proc = _listen(tmp_path / "report", "dcmtk findscu + getscu", drive)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "3 instance(s) retrieved" in proc.stdout
    verdicts = _verdicts(tmp_path / "report")
    _association_passes(verdicts)
    expected = {**dict.fromkeys(FIND_REQUIREMENTS + RETRIEVE_REQUIREMENTS, "PASS"),
                "QR-SCU-CANCEL-MESSAGE-ID": "PASS",          # findscu --cancel 1
                "QR-SCU-GET-ROLE-SELECTION": "PASS",         # getscu proposes its storage classes with the SCP role
                "QR-SCU-GET-SUFFICIENT-CONTEXTS": "PASS",    # ... CT and MR among them, the seeded study's classes
                "QR-SCU-GET-SERVES-STORAGE": "PASS",         # and answers each C-STORE sub-operation with Success
                "QR-SCU-MOVE-DESTINATION": "NOT VERIFIED"}   # no C-MOVE: nothing to judge
    assert {rid: v for rid, v in verdicts.items() if rid.startswith("QR-SCU-")} == expected, _messages(tmp_path / "report")


def test_dcmtk_findscu_and_movescu(tmp_path):
    findscu, movescu = require_peer("findscu"), require_peer("movescu")
    port = free_port()
    drive = (f"{sys.executable} {DRIVE} dcmtk-move {{ae}} {{host}} {{port}} {tmp_path / 'work'} {findscu} {movescu} "
             f"{port}")
    proc = _listen(tmp_path / "report", "dcmtk findscu + movescu", drive, "--move-dest", f"MOVESCU=127.0.0.1:{port}")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "3 instance(s) retrieved" in proc.stdout
    verdicts = _verdicts(tmp_path / "report")
    _association_passes(verdicts)
    expected = {**dict.fromkeys(FIND_REQUIREMENTS + RETRIEVE_REQUIREMENTS, "PASS"),
                "QR-SCU-CANCEL-MESSAGE-ID": "PASS", "QR-SCU-MOVE-DESTINATION": "PASS",
                "QR-SCU-GET-ROLE-SELECTION": "NOT VERIFIED", "QR-SCU-GET-SUFFICIENT-CONTEXTS": "NOT VERIFIED",
                "QR-SCU-GET-SERVES-STORAGE": "NOT VERIFIED"}
    assert {rid: v for rid, v in verdicts.items() if rid.startswith("QR-SCU-")} == expected, _messages(tmp_path / "report")


def test_findscu_series_query_without_its_study_fails_naming_the_key(tmp_path):
    """A user's findscu command line that skips the study level in a hierarchical SERIES query: the recording
    shows a baseline C-FIND without the Study Instance UID, which PS3.4 C.4.1.2.1 requires."""
    findscu = require_peer("findscu")
    drive = (f"{findscu} -S -aec {{ae}} -k QueryRetrieveLevel=SERIES -k SeriesInstanceUID -k Modality "
             "{host} {port}")
    proc = run_cli("listen", "--as", "pacs", "--scenario", "query-retrieve", "--port", "0", "--report-dir",
                   str(tmp_path), "--drive", drive, timeout=120)
    assert proc.returncode == 1, proc.stdout[-3000:]
    verdicts, messages = _verdicts(tmp_path), _messages(tmp_path)
    assert verdicts["QR-SCU-FIND-UNIQUE-KEYS-ABOVE"] == "FAIL"
    assert "StudyInstanceUID is absent" in messages["QR-SCU-FIND-UNIQUE-KEYS-ABOVE"]
    assert verdicts["QR-SCU-SENDS-CLAIMED"] == "FAIL"       # and it never retrieved
    assert "a C-MOVE or C-GET never arrived" in messages["QR-SCU-SENDS-CLAIMED"]


@pytest.fixture
def orthanc():
    require_peer("/usr/sbin/Orthanc")
    from dicom_harness.targets.orthanc import OrthancProcess
    process = OrthancProcess(ae_title="ORTHANC", dicomweb=False).start()
    try:
        yield process
    finally:
        process.stop()


def test_orthanc_as_scu_through_its_rest_api(tmp_path, orthanc):
    drive = f"{sys.executable} {DRIVE} orthanc {{ae}} {{host}} {{port}} {orthanc.http_url}"
    proc = _listen(tmp_path / "report", "Orthanc 1.10 (REST SCU)", drive,
                   "--move-dest", f"ORTHANC=127.0.0.1:{orthanc.dicom_port}")
    assert "Orthanc now holds 3 instance(s)" in proc.stdout, proc.stdout[-3000:]
    verdicts = _verdicts(tmp_path / "report")
    _association_passes(verdicts)
    expected = {**dict.fromkeys(FIND_REQUIREMENTS + RETRIEVE_REQUIREMENTS, "PASS"),
                # Orthanc adds zero-length Patient ID and Accession Number to a SERIES query of a Study Root
                # answer (its /answers/N/query-series): Required Keys of the Study level, which PS3.4 C.4.1.2.1
                # says shall not be specified in a query below that level
                "QR-SCU-FIND-NO-KEYS-ABOVE": "FAIL",
                "QR-SCU-MOVE-DESTINATION": "PASS",
                "QR-SCU-CANCEL-MESSAGE-ID": "NOT VERIFIED",     # Orthanc never cancels
                "QR-SCU-GET-ROLE-SELECTION": "NOT VERIFIED",    # Orthanc 1.10 has no C-GET SCU
                "QR-SCU-GET-SUFFICIENT-CONTEXTS": "NOT VERIFIED", "QR-SCU-GET-SERVES-STORAGE": "NOT VERIFIED"}
    assert {rid: v for rid, v in verdicts.items() if rid.startswith("QR-SCU-")} == expected, _messages(tmp_path / "report")
    message = _messages(tmp_path / "report")["QR-SCU-FIND-NO-KEYS-ABOVE"]
    assert "SERIES-level C-FIND (Study Root) carries AccessionNumber='', PatientID=''" in message, message
    assert proc.returncode == 1, proc.stdout[-3000:]


def test_a_move_to_an_unknown_destination_is_answered_a801(tmp_path):
    """listen's PACS knows only the --move-dest AEs; a C-MOVE to another gets A801 (Move Destination unknown),
    as from `simulate pacs`, and the product's request is still judged (its destination is a valid AE title)."""
    movescu = require_peer("movescu")
    drive = (f"{movescu} -S -aec {{ae}} -aem NOWHERE -k QueryRetrieveLevel=STUDY -k StudyInstanceUID=1.2.3 "
             "{host} {port}")
    proc = run_cli("listen", "--as", "pacs", "--scenario", "query-retrieve", "--port", "0", "--report-dir",
                   str(tmp_path), "--move-dest", "ELSEWHERE=127.0.0.1:9", "--drive", drive, timeout=120)
    assert "A801" in proc.stdout.replace(" ", "") or "MoveDestinationUnknown" in proc.stdout.replace(" ", ""), \
        proc.stdout[-3000:]
    assert _verdicts(tmp_path)["QR-SCU-MOVE-DESTINATION"] == "PASS"


def test_move_dest_is_checked(tmp_path):
    proc = run_cli("listen", "--as", "pacs", "--scenario", "query-retrieve", "--port", "0", "--report-dir",
                   str(tmp_path), "--move-dest", "NOPORT=127.0.0.1", "--drive", "true")
    assert proc.returncode == 2 and "--move-dest 'NOPORT=127.0.0.1': expected AET=host:port" in proc.stderr, proc.stderr
