"""Independent clients against our PACS simulator: dcmtk echoscu, storescu and getscu, across a restart."""

from __future__ import annotations

import os
import subprocess

from pydicom import dcmread

from dicom_harness.data.datasets import DatasetFactory, pixel_digest
from tests.conftest import StandalonePacs, require_peer

DCMTK_ENV = dict(os.environ, TCP_NODELAY="1")


def dcmtk(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=60, env=DCMTK_ENV)


def test_echoscu_storescu_getscu_work_and_data_survives_restart(tmp_path):
    echoscu, storescu, getscu = (require_peer(b) for b in ("echoscu", "storescu", "getscu"))
    instance = DatasetFactory(seed=11).make("CT")
    sent = tmp_path / "ct.dcm"
    instance.save_as(sent, enforce_file_format=True)
    store = tmp_path / "store"
    with StandalonePacs(store) as pacs:
        echo = dcmtk(echoscu, "-aec", "DH_PACS", "127.0.0.1", str(pacs.port))
        assert echo.returncode == 0, echo.stderr
        stored = dcmtk(storescu, "-aec", "DH_PACS", "127.0.0.1", str(pacs.port), str(sent))
        assert stored.returncode == 0, stored.stderr
        wrong = dcmtk(echoscu, "-aec", "WRONG_AE", "127.0.0.1", str(pacs.port))
        assert wrong.returncode != 0, "an association to a wrong called AE title was accepted"
    out = tmp_path / "retrieved"
    out.mkdir()
    with StandalonePacs(store) as pacs:   # a restart: what storescu stored must still be there
        got = dcmtk(getscu, "-aec", "DH_PACS", "-S", "-k", "QueryRetrieveLevel=IMAGE",
                    "-k", f"StudyInstanceUID={instance.StudyInstanceUID}",
                    "-k", f"SeriesInstanceUID={instance.SeriesInstanceUID}",
                    "-k", f"SOPInstanceUID={instance.SOPInstanceUID}", "-od", str(out),
                    "127.0.0.1", str(pacs.port))
        assert got.returncode == 0, got.stderr
    files = list(out.iterdir())
    assert len(files) == 1, got.stderr
    retrieved = dcmread(files[0])
    assert retrieved.SOPInstanceUID == instance.SOPInstanceUID
    assert pixel_digest(retrieved) == pixel_digest(instance)
