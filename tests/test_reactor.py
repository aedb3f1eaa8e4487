"""Event-driven associations (harness/shared/reactor.py): nothing is left behind by an association that ends
(its wake-up descriptor, its threads), whether released or aborted, on both sides; an abort still reaches the
peer; and a C-STORE data set the raw path was spooling when its association was aborted leaves no file."""

from __future__ import annotations

import os
import threading
import time

from pydicom.uid import ImplicitVRLittleEndian
from pynetdicom import AE
from pynetdicom.sop_class import CTImageStorage, Verification

from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.shared import spool
from dicom_harness.shared.reactor import REACTOR_HANDLER
from tests.test_store_raw import COMMAND_LAST, DATA, data_set, pdu, store_command


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def _settled(condition, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and not condition():
        time.sleep(0.02)
    return condition()


def test_released_and_aborted_associations_leave_no_descriptor_or_thread(pacs):
    ae = AE(ae_title="REACTOR")
    ae.add_requested_context(Verification)

    def one(kind: str) -> None:
        assoc = ae.associate("127.0.0.1", pacs.port, ae_title="DH_PACS", evt_handlers=[REACTOR_HANDLER])
        assert assoc.is_established
        assert assoc.send_c_echo().Status == 0x0000
        if kind == "release":
            assoc.release()
            assert assoc.is_released
        else:
            assoc.abort()
            assert assoc.is_aborted
        assert _settled(lambda: not assoc.dul.is_alive())

    one("release")
    one("abort")
    assert _settled(lambda: not pacs._server.active_associations)
    descriptors, threads = _open_descriptors(), threading.active_count()
    for _ in range(20):
        one("release")
        one("abort")
    assert _settled(lambda: not pacs._server.active_associations)
    assert _settled(lambda: threading.active_count() <= threads), threading.enumerate()
    assert _open_descriptors() <= descriptors          # without the gc: closed when each association ended


def test_an_abort_inside_a_spooled_data_set_leaves_no_file(pacs, monkeypatch):
    monkeypatch.setattr(spool, "SPOOL_AT", 2048)
    instance = DatasetFactory(seed=61).make("CT")
    ae = AE(ae_title="REACTOR")
    ae.add_requested_context(CTImageStorage, ImplicitVRLittleEndian)
    assoc = ae.associate("127.0.0.1", pacs.port, ae_title="DH_PACS", evt_handlers=[REACTOR_HANDLER])
    context = assoc.accepted_contexts[0].context_id
    incoming = pacs.store.root / "incoming"
    assoc._reactor_checkpoint.clear()
    while not assoc._is_paused:
        time.sleep(0.0001)
    assoc.dul.socket.socket.sendall(pdu((context, COMMAND_LAST, store_command(1, instance)),
                                        (context, DATA, data_set(instance)[:4096])))
    assoc._reactor_checkpoint.set()
    assert _settled(lambda: incoming.is_dir() and any(incoming.iterdir())), "the data set was not spooled"
    assoc.abort()
    assert _settled(lambda: not any(incoming.iterdir())), list(incoming.iterdir())
    assert pacs.store.get(str(instance.SOPInstanceUID)) is None
