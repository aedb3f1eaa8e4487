"""The servers' shared, read-only presentation contexts (harness/shared/accept_fast.py): each association gets a
list of its own holding the server's contexts, which no association can change; the A-ASSOCIATE-AC a server
answers with is byte for byte what pynetdicom's own per-association deepcopy gives."""

import copy
import socket

import pytest
from pydicom.uid import DeflatedExplicitVRLittleEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE
from pynetdicom.pdu import A_ASSOCIATE_RQ
from pynetdicom.pdu_primitives import (
    A_ASSOCIATE,
    ImplementationClassUIDNotification,
    MaximumLengthNotification,
    SCP_SCU_RoleSelectionNegotiation,
)
from pynetdicom.presentation import PresentationContext, build_context
from pynetdicom.sop_class import CTImageStorage, MRImageStorage, Verification

from dicom_harness.shared.accept_fast import SharedContext, SharedContexts


def _contexts():
    storage = build_context(CTImageStorage, [ImplicitVRLittleEndian, ExplicitVRLittleEndian])
    storage.scu_role, storage.scp_role = True, True
    return SharedContexts([storage, build_context(Verification)])


def test_an_association_gets_a_list_of_its_own_equal_to_the_servers():
    shared = _contexts()
    mine = copy.deepcopy(shared)
    assert type(mine) is list and mine == list(shared) == copy.deepcopy(list(_contexts()))
    assert [vars(c) for c in mine] == [vars(c) for c in copy.deepcopy(list(_contexts()))]
    mine[0] = build_context(MRImageStorage)
    del mine[1]
    assert [c.abstract_syntax for c in shared] == [CTImageStorage, Verification]
    assert [c.abstract_syntax for c in copy.deepcopy(shared)] == [CTImageStorage, Verification]


@pytest.mark.parametrize("change", [
    lambda cx: setattr(cx, "transfer_syntax", [ExplicitVRLittleEndian]),
    lambda cx: cx.add_transfer_syntax(DeflatedExplicitVRLittleEndian),
    lambda cx: cx._transfer_syntax.append(DeflatedExplicitVRLittleEndian),
    lambda cx: cx._transfer_syntax.__setitem__(0, ExplicitVRLittleEndian),
    lambda cx: setattr(cx, "context_id", 3),
    lambda cx: setattr(cx, "result", 0),
    lambda cx: setattr(cx, "scp_role", False),
])
def test_a_change_to_a_shared_context_fails_loudly_and_changes_nothing(change):
    shared = _contexts()
    mine = copy.deepcopy(shared)
    with pytest.raises(TypeError):
        change(mine[0])
    assert mine[0].transfer_syntax == [ImplicitVRLittleEndian, ExplicitVRLittleEndian]
    assert mine[0].context_id is None and mine[0].result is None and mine[0].scp_role is True


def test_a_copy_of_a_shared_context_is_a_plain_one_to_change():
    shared = _contexts()
    for own in (copy.copy(shared[0]), copy.deepcopy(shared[0])):
        assert type(own) is PresentationContext and own == shared[0]
        own.add_transfer_syntax(DeflatedExplicitVRLittleEndian)
        own.context_id = 3
    assert shared[0].transfer_syntax == [ImplicitVRLittleEndian, ExplicitVRLittleEndian]
    assert shared[0].context_id is None
    assert isinstance(shared[0], SharedContext)


def test_every_server_started_by_the_shared_start_server_shares_its_contexts():
    """The harness's own peer AE (C-MOVE destination, every storage SOP class) is started like the simulators."""
    from dicom_harness.shared.tls import start_server
    ae = AE(ae_title="CHEAP")
    ae.add_supported_context(CTImageStorage, [ImplicitVRLittleEndian])
    server = start_server(ae, ("127.0.0.1", 0), None, [])
    try:
        assert isinstance(server.contexts, SharedContexts)
        assert all(isinstance(c, SharedContext) for c in server.contexts)
    finally:
        server.shutdown()


def _request(called: str) -> bytes:
    primitive = A_ASSOCIATE()
    primitive.application_context_name = "1.2.840.10008.3.1.1.1"
    primitive.calling_ae_title, primitive.called_ae_title = "BYTES", called
    proposed = [(CTImageStorage, [ExplicitVRLittleEndian, ImplicitVRLittleEndian]),
                ("1.2.3.4.5.6", [ImplicitVRLittleEndian]),                       # not supported: rejected
                (Verification, ["1.2.3.999", ImplicitVRLittleEndian]),
                (MRImageStorage, [DeflatedExplicitVRLittleEndian])]              # no common transfer syntax
    contexts = []
    for number, (abstract, syntaxes) in enumerate(proposed):
        context = build_context(abstract, syntaxes)
        context.context_id = 2 * number + 1
        contexts.append(context)
    primitive.presentation_context_definition_list = contexts
    length = MaximumLengthNotification()
    length.maximum_length_received = 16384
    uid = ImplementationClassUIDNotification()
    uid.implementation_class_uid = "1.2.826.0.1.3680043.9.3811.2.0.0"
    role = SCP_SCU_RoleSelectionNegotiation()
    role.sop_class_uid, role.scu_role, role.scp_role = CTImageStorage, True, True
    primitive.user_information = [length, uid, role]
    pdu = A_ASSOCIATE_RQ()
    pdu.from_primitive(primitive)
    return pdu.encode()


def _answer(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while len(data) < 6 or len(data) < 6 + int.from_bytes(data[2:6], "big"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        sock.sendall(bytes([0x07, 0, 0, 0, 0, 4, 0, 0, 0, 0]))      # A-ABORT
    return data


def test_the_a_associate_ac_is_the_same_bytes_as_with_pynetdicoms_own_copy():
    from dicom_harness.shared.tls import start_server
    ae = AE(ae_title="SAME_AC")
    ae.acse_timeout = ae.network_timeout = 10
    ae.add_supported_context(CTImageStorage, [ImplicitVRLittleEndian, ExplicitVRLittleEndian],
                             scu_role=True, scp_role=True)
    ae.add_supported_context(MRImageStorage, [ImplicitVRLittleEndian])
    ae.add_supported_context(Verification)
    shared = start_server(ae, ("127.0.0.1", 0), None, [])
    plain = ae.start_server(("127.0.0.1", 0), block=False)
    try:
        assert isinstance(shared.contexts, SharedContexts) and not isinstance(plain.contexts, SharedContexts)
        request = _request("SAME_AC")
        answers = [_answer(server.server_address[1], request) for server in (shared, plain, shared)]
    finally:
        shared.shutdown()
        plain.shutdown()
    assert answers[0][:1] == b"\x02"
    assert answers[0] == answers[1] == answers[2]
