"""Evidence shows MessageIDBeingRespondedTo as the wire carried it. pynetdicom hands back only the status
elements of C-STORE and DIMSE-N responses, and the harness once printed its default, -1, a value no target
ever sent; now it reads the response's command set off the wire (EVT_DIMSE_RECV)."""

from __future__ import annotations

import json
import re

from pydicom.dataset import Dataset

from dicom_harness.clients.dimse import _responded_to
from tests.conftest import run_cli

REQUEST = re.compile(r"> (C-ECHO|C-STORE|N-CREATE|N-SET|N-ACTION|N-GET)-RQ MessageID=(\d+)")
RESPONSE = re.compile(r"< (C-ECHO|C-STORE|N-CREATE|N-SET|N-ACTION|N-GET)-RSP (?:MessageIDBeingRespondedTo=(\S+) )?"
                      r"(?:\(the request's MessageID was \d+\) )?Status=")


def test_evidence_shows_the_message_id_the_target_sent(tmp_path):
    report = tmp_path / "report"
    proc = run_cli("run", "--report-dir", str(report), "--test", "verification", "--test", "mpps",
                   "--test", "commitment", "--test", "storage/test_c_store.py")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    records = json.loads((report / "results.json").read_text())["results"]
    seen = set()
    for record in records:
        pending = {}
        for line in record["evidence"]:
            assert "RespondedTo=-1" not in line, (record["test"], line)
            if m := REQUEST.search(line):
                pending[m.group(1)] = m.group(2)
            elif m := RESPONSE.search(line):
                assert m.group(2) is not None, f"{record['test']}: a response without the wire's value: {line}"
                assert m.group(2) == pending.get(m.group(1)), (record["test"], line, pending)
                seen.add(m.group(1))
    assert {"C-ECHO", "C-STORE", "N-CREATE", "N-SET", "N-ACTION"} <= seen, seen


def test_an_empty_or_absent_element_is_not_a_number():
    empty, absent, carried = Dataset(), Dataset(), Dataset()
    empty.add_new(0x00000120, "US", None)
    carried.MessageIDBeingRespondedTo = 7
    assert _responded_to(empty) == (True, None)
    assert _responded_to(absent) == (False, None)
    assert _responded_to(carried) == (True, 7)
