"""Our simulators meet bytes that are not DICOM (a browser or a port scanner on the DICOM port) the way PS3.8
Table 9-10 says: an A-ABORT PDU at once and the connection closed, never a reader left waiting."""

from __future__ import annotations

import socket

import pytest
from pynetdicom import AE
from pynetdicom.sop_class import Verification

A_ABORT_PDU = bytes.fromhex("07 00 00000004 0000 0000")


@pytest.mark.parametrize("garbage", [b"GET / HTTP/1.1\r\nHost: pacs\r\n\r\n", b"\x0f\x00\x00\x00\x00\x04\x00\x00\x00\x00"],
                         ids=["http-request", "unknown-pdu-type"])
def test_garbage_gets_abort_and_close(pacs, garbage):
    with socket.create_connection(("127.0.0.1", pacs.port), timeout=5) as sock:
        sock.sendall(garbage)
        received = b""
        while chunk := sock.recv(4096):      # a connection left open ends the test in socket.timeout
            received += chunk
    assert received == A_ABORT_PDU, received.hex(" ")
    ae = AE(ae_title="GUARD_TEST")
    ae.add_requested_context(Verification)
    assoc = ae.associate("127.0.0.1", pacs.port, ae_title="DH_PACS")
    try:
        assert assoc.is_established and assoc.send_c_echo().Status == 0x0000
    finally:
        assoc.release()
