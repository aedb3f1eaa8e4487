"""`dicom-harness listen --as dicomweb` as a viewer vendor uses it: a real DICOMweb user agent (dicomweb-client,
from PyPI: its Python API searches, retrieves and stores) driven against the DICOMweb simulator, its recording
judged; and the recorder's events read back as Recording.requests."""

from __future__ import annotations

import json
import shlex
import sys

from dicom_harness.shared.recording import Recording
from tests.conftest import require_peer, run_cli

# A viewer in a few lines of dicomweb-client: search by a Patient Name wildcard, retrieve the study listen
# seeded, store a copy of one of its instances (new SOP Instance and Series UIDs) back with STOW-RS.
DRIVE = """
import sys
from pydicom.uid import generate_uid
from dicomweb_client.api import DICOMwebClient
url, study = sys.argv[1], sys.argv[2]
client = DICOMwebClient(url=url)
found = client.search_for_studies(search_filters={"PatientName": "DH^*"}, fields=["StudyDescription"], limit=10)
instances = client.retrieve_study(study)
copy = instances[0]
copy.SOPInstanceUID = generate_uid(prefix=None)
copy.SeriesInstanceUID = generate_uid(prefix=None)
copy.file_meta.MediaStorageSOPInstanceUID = copy.SOPInstanceUID
client.store_instances([copy])
print(f"found {len(found)} study(ies), retrieved {len(instances)} instance(s), stored 1")
"""


def _records(report_dir) -> dict[str, dict]:
    return {r["requirements"][0]["id"]: r for r in json.loads((report_dir / "results.json").read_text())["results"]}


def _listen_to_dicomweb_client(tmp_path) -> tuple:
    require_peer("dciodvfy")
    script = tmp_path / "viewer.py"
    script.write_text(DRIVE)
    report_dir = tmp_path / "report"
    drive = f"{shlex.quote(sys.executable)} {shlex.quote(str(script))} {{url}} {{study}}"
    proc = run_cli("listen", "--as", "dicomweb", "--web-port", "0", "--scenario", "web-search,web-retrieve,web-store",
                   "--product", "dicomweb-client", "--report-dir", str(report_dir), "--drive", drive, timeout=180)
    return proc, report_dir


def test_dicomweb_client_meets_every_user_agent_requirement(tmp_path):
    """dicomweb-client 0.61: every tested QIDO-RS, WADO-RS and STOW-RS user-agent requirement PASS; the
    DIMSE-side ones NOT CLAIMED (a DICOMweb user agent alone opens no association)."""
    proc, report_dir = _listen_to_dicomweb_client(tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "found 1 study(ies), retrieved 3 instance(s), stored 1" in proc.stdout
    records = _records(report_dir)
    web = {rid: r for rid, r in records.items() if rid.split("-")[0] in ("QIDO", "WADO", "STOW")}
    assert {r["verdict"] for r in web.values()} == {"PASS"}, {k: r["message"] for k, r in web.items()
                                                             if r["verdict"] != "PASS"}
    assert {"QIDO-UA-PERCENT-ENCODING", "WADO-UA-ACCEPT-MULTIPART-TYPE", "STOW-UA-IOD"} <= set(web)
    assert {r["verdict"] for rid, r in records.items() if rid not in web} == {"NOT CLAIMED"}
    assert "listening as DICOMweb: DICOMweb at http://127.0.0.1:" in proc.stdout
    assert "heard 3 HTTP request(s)" in proc.stdout

    recording = Recording.read(report_dir / "recording")
    search, retrieve, store = recording.requests
    assert (search.method, search.path) == ("GET", "/dicom-web/studies")
    assert "PatientName=DH%5E%2A" in search.query         # the query as it arrived, encoding kept
    assert retrieve.header("accept").startswith('multipart/related; type="application/dicom"')
    assert store.method == "POST" and store.status == 200 and store.body_file
    assert recording.body(store).lstrip(b"\r\n").startswith(b"--")      # kept as it arrived (a CRLF first here)
    assert recording.subject["counterparts"] == ["dicomweb"]


def test_a_viewer_fault_fails_exactly_its_requirement_with_evidence(tmp_path):
    """The viewer simulator sending PatientName=DH^* unencoded: QIDO-UA-PERCENT-ENCODING FAIL, naming '^'."""
    require_peer("dciodvfy")
    drive = f"{shlex.quote(sys.executable)} -m dicom_harness simulate viewer --url {{url}} --fault viewer-search-unencoded"
    report_dir = tmp_path / "report"
    proc = run_cli("listen", "--as", "dicomweb", "--web-port", "0", "--report-dir", str(report_dir), "--drive", drive,
                   timeout=120)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-2000:]
    records = _records(report_dir)
    assert {rid for rid, r in records.items() if r["verdict"] == "FAIL"} == {"QIDO-UA-PERCENT-ENCODING"}
    assert "'^'" in records["QIDO-UA-PERCENT-ENCODING"]["message"]
    assert records["STOW-UA-STORE-CLAIMED"]["verdict"] == "NOT CLAIMED"     # the default scenario: search, retrieve


def test_listen_as_dicomweb_beside_pacs_offers_both(tmp_path):
    """--as pacs,dicomweb: one run, the AE and the base URL printed, {url} and {port} both filled in."""
    drive = f"{shlex.quote(sys.executable)} -c 'import sys; print(sys.argv[1:])' {{url}} {{port}}"
    proc = run_cli("listen", "--as", "pacs,dicomweb", "--port", "0", "--web-port", "0", "--scenario", "web-search",
                   "--report-dir", str(tmp_path / "report"), "--drive", drive, timeout=120)
    assert "listening as PACS and DICOMweb: AE DH_PACS at 127.0.0.1:" in proc.stdout, proc.stdout + proc.stderr
    assert "/dicom-web" in proc.stdout and "heard 0 association(s) and 0 HTTP request(s)" in proc.stdout
    records = _records(tmp_path / "report")
    assert records["QIDO-UA-SEARCH-CLAIMED"]["verdict"] == "FAIL"
    assert "expected a QIDO-RS search; none arrived" in records["QIDO-UA-SEARCH-CLAIMED"]["message"]


def test_media_ranges_are_read_as_rfc_7231_writes_them():
    """A type parameter holding "/" must be quoted (PS3.18 8.7.1, RFC 7231 3.1.1.1); q is a qvalue."""
    import pytest

    from dicom_harness.suites.clients.dicomweb._http import MediaTypeError, parse_media_range, split_list
    assert parse_media_range('multipart/related; type="application/dicom"; transfer-syntax=*') == (
        "multipart/related", {"type": "application/dicom", "transfer-syntax": "*"})
    assert parse_media_range("application/dicom+json;q=0.9") == ("application/dicom+json", {"q": "0.9"})
    for wrong in ("multipart/related; type=application/dicom", "application", "image/jpeg; q=2"):
        with pytest.raises(MediaTypeError):
            parse_media_range(wrong)
    assert split_list('multipart/related; type="a/b, c", */*') == ['multipart/related; type="a/b, c"', " */*"]


def test_requests_are_told_apart_by_their_resource_path():
    """Searches, retrieves and stores whatever the base URL (PS3.18 Tables 10.4.1-1, 10.5.1-1, 10.6.1-1)."""
    from types import SimpleNamespace

    from dicom_harness.shared.recording import RecordedRequest
    from dicom_harness.suites.clients.dicomweb._http import requests_of
    targets = [("GET", "/x/studies"), ("GET", "/x/studies/1.2/series"), ("GET", "/x/studies/1.2/series/3/instances"),
               ("GET", "/x/studies/1.2"), ("GET", "/x/studies/1.2/series/3/instances/4/frames/1"),
               ("GET", "/x/studies/1.2/metadata"), ("POST", "/x/studies"), ("POST", "/x/studies/1.2"),
               ("GET", "/x/workitems")]
    recording = SimpleNamespace(requests=[RecordedRequest(n, m, p, "", []) for n, (m, p) in enumerate(targets)])
    assert [r.number for r in requests_of(recording, "search")] == [0, 1, 2]
    assert [r.number for r in requests_of(recording, "retrieve")] == [3, 4, 5]
    assert [r.number for r in requests_of(recording, "store")] == [6, 7]


def test_dicomweb_alone_opens_no_dimse_port(tmp_path):
    """--as dicomweb starts no AE: a --port in use elsewhere does not stop it (only --web-port matters)."""
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        proc = run_cli("listen", "--as", "dicomweb", "--port", str(busy.getsockname()[1]), "--web-port", "0",
                       "--report-dir", str(tmp_path), "--duration", "0.1", timeout=60)
    assert "listening as DICOMweb: DICOMweb at http://127.0.0.1:" in proc.stdout, proc.stdout + proc.stderr
    assert "heard 0 HTTP request(s)" in proc.stdout
