"""Run dcmtk's wlmscpfs (a Modality Worklist SCP serving *.wl files) as a local process: a database folder whose
subfolder named after the called AE title holds a `lockfile` and the worklist files, a free port."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from dicom_harness.errors import ProviderError
from dicom_harness.targets.local_process import LocalProcess
from dicom_harness.targets.ports import can_connect, free_port

WLMSCPFS_BINARY = os.environ.get("DICOM_HARNESS_WLMSCPFS", "wlmscpfs")
START_TIMEOUT = 15.0


class WlmscpfsProcess(LocalProcess):
    name = "wlmscpfs"
    log_name = "wlmscpfs.log"
    keep_variable = "DICOM_HARNESS_KEEP_WLMSCPFS"
    start_timeout = START_TIMEOUT

    def __init__(self, ae_title: str = "WLMSCPFS"):
        super().__init__()
        self.ae_title = ae_title
        self.port = 0

    @property
    def worklist_folder(self) -> Path:
        """DBDIR/<called AE title>: where wlmscpfs reads the *.wl files for that AE title."""
        assert self.folder is not None
        return self.folder / "db" / self.ae_title

    def start(self) -> "WlmscpfsProcess":
        binary = shutil.which(WLMSCPFS_BINARY) or (WLMSCPFS_BINARY if Path(WLMSCPFS_BINARY).exists() else None)
        if binary is None:
            raise ProviderError("wlmscpfs is not installed: run 'apt-get install dcmtk' or pick another --target")
        self._make_folder()
        self.worklist_folder.mkdir(parents=True)
        (self.worklist_folder / "lockfile").touch()
        self.port = free_port()
        # -dfp: the data files path; the called AE title picks its subfolder (an unknown one is refused)
        self._spawn([binary, "-v", "-dfp", str(self.folder / "db"), str(self.port)], cwd=self.folder)
        self._wait_until(self._listening)
        return self

    def _listening(self) -> bool:
        return can_connect("127.0.0.1", self.port, timeout=1.0)
