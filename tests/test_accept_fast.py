"""The PACS simulator's cheap per-association copy of its presentation contexts (harness/shared/accept_fast.py):
each association gets contexts of its own, equal to the server's, that it can change without touching the
server's or another association's."""

import copy

from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom.presentation import build_context
from pynetdicom.sop_class import CTImageStorage, Verification

from dicom_harness.shared.accept_fast import SharedContexts


def _contexts():
    storage = build_context(CTImageStorage, [ImplicitVRLittleEndian, ExplicitVRLittleEndian])
    storage.scu_role, storage.scp_role = True, True
    return SharedContexts([storage, build_context(Verification)])


def test_copy_equals_what_deepcopy_gives():
    shared = _contexts()
    fast, slow = copy.deepcopy(shared), copy.deepcopy(list(shared))
    assert type(fast) is list
    assert [vars(c) for c in fast] == [vars(c) for c in slow]


def test_an_association_changing_its_copy_leaves_the_server_alone():
    shared = _contexts()
    first = copy.deepcopy(shared)
    first[0].transfer_syntax = [ExplicitVRLittleEndian]
    first[0].add_transfer_syntax("1.2.840.10008.1.2.4.50")
    first[0]._transfer_syntax.append("1.2.840.10008.1.2.5")   # even in place
    first[1].context_id = 3
    first[1].result = 0
    second = copy.deepcopy(shared)
    assert shared[0].transfer_syntax == [ImplicitVRLittleEndian, ExplicitVRLittleEndian]
    assert second[0].transfer_syntax == [ImplicitVRLittleEndian, ExplicitVRLittleEndian]
    assert shared[1].context_id is None and shared[1].result is None
    assert all(a is not b for a, b in zip(shared, second))


def test_every_server_started_by_the_shared_start_server_copies_cheaply():
    """The harness's own peer AE (C-MOVE destination, every storage SOP class) is started like the simulators."""
    from pynetdicom import AE

    from dicom_harness.shared.tls import start_server
    ae = AE(ae_title="CHEAP")
    ae.add_supported_context(CTImageStorage, [ImplicitVRLittleEndian])
    server = start_server(ae, ("127.0.0.1", 0), None, [])
    try:
        assert isinstance(server.contexts, SharedContexts)
    finally:
        server.shutdown()
