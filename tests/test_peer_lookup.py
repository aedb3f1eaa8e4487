"""The project's tests call the peer they mean: dcmtk's storescu, not pynetdicom's namesake in the venv."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.conftest import require_peer


def test_dcmtk_storescu_is_found_even_with_the_venv_first_on_path(monkeypatch):
    venv_bin = Path(sys.executable).parent
    if not (venv_bin / "storescu").exists():
        pytest.skip("pynetdicom's storescu is not beside this Python, so nothing can shadow dcmtk's")
    monkeypatch.setenv("PATH", os.pathsep.join([str(venv_bin), os.environ.get("PATH", "")]))
    found = Path(require_peer("storescu"))
    assert found.parent != venv_bin, f"{found} is pynetdicom's storescu, not dcmtk's"
    assert found.name == "storescu"
