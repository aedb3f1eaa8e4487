"""Orthanc acting as a Storage SCU, judged by `dicom-harness listen`: Orthanc is told (through its REST API) to
C-STORE an instance to the listening PACS, as a user sends a study from Orthanc to a modality or archive."""

from __future__ import annotations

import json
import sys

from dicom_harness.data.datasets import DatasetFactory
from tests.conftest import require_peer, run_cli

# The --drive command: declare the listening PACS as an Orthanc modality, upload the CT, and have Orthanc send it.
SEND_FROM_ORTHANC = """
import sys, httpx
orthanc, ae, host, port, path = sys.argv[1:6]
httpx.put(f"{orthanc}/modalities/listen", json={"AET": ae, "Host": host, "Port": int(port)}).raise_for_status()
uploaded = httpx.post(f"{orthanc}/instances", content=open(path, "rb").read()).json()
answer = httpx.post(f"{orthanc}/modalities/listen/store", json={"Resources": [uploaded["ID"]], "Synchronous": True},
                    timeout=60)
print("Orthanc C-STORE:", answer.status_code, answer.text[:200])
answer.raise_for_status()
"""


def test_orthanc_as_storage_scu_is_judged(tmp_path):
    require_peer("/usr/sbin/Orthanc")
    require_peer("dciodvfy")
    from dicom_harness.targets.orthanc import OrthancProcess
    ct = tmp_path / "ct.dcm"
    DatasetFactory(seed=11).make("CT").save_as(ct, enforce_file_format=True)
    script = tmp_path / "send.py"
    script.write_text(SEND_FROM_ORTHANC)
    orthanc = OrthancProcess(ae_title="ORTHANC", dicomweb=False).start()
    try:
        drive = f"{sys.executable} {script} {orthanc.http_url} {{ae}} {{host}} {{port}} {ct}"
        proc = run_cli("listen", "--as", "pacs", "--port", "0", "--product", "Orthanc (Storage SCU)",
                       "--report-dir", str(tmp_path / "report"), "--drive", drive, timeout=180)
    finally:
        orthanc.stop()
    assert "Orthanc C-STORE: 200" in proc.stdout, proc.stdout[-3000:] + proc.stderr[-2000:]
    records = json.loads((tmp_path / "report" / "results.json").read_text())["results"]
    verdicts = {r["requirements"][0]["id"]: r["verdict"] for r in records if r["verdict"] != "NOT CLAIMED"}
    # Orthanc sends what it received, unchanged, through dcmtk's network stack: every client-side check holds
    assert set(verdicts.values()) == {"PASS"}, [(r["test"], r["verdict"], r["message"]) for r in records
                                                if r["verdict"] not in ("PASS", "NOT CLAIMED")]
    assert {"STORE-SCU-IOD-TYPE1", "ASSOC-RQ-MAX-PDU-RESPECTED", "STORE-SCU-SENDS-CLAIMED"} <= set(verdicts)
    assert proc.returncode == 0
