"""PS3.8 9.2: the upper layer state machine's answer to PDUs it cannot recognize."""

import struct

from dicom_harness.testing import requirement

A_ABORT = 0x07
A_ABORT_LENGTH = 10                       # PS3.8 9.3.8: 6-byte header and 4 bytes of source and reason
# PS3.8 9.3.1 defines PDU types 01 to 07; 0x0F is none of them. A 4-byte body follows, as its length says.
UNKNOWN_PDU = struct.pack(">BBI", 0x0F, 0, 4) + bytes(4)


@requirement("ASSOC-INVALID-PDU-ABORT")
def test_unrecognized_pdu_is_answered_with_abort(dimse):
    """Open a connection and send a PDU of type 0F. PS3.8 Table 9-10, Evt19 in Sta2 (action AA-1): an
    A-ABORT PDU comes back. Whether a new association is accepted afterwards is recorded, not judged."""
    reply = dimse.send_raw(UNKNOWN_PDU, wait_for=A_ABORT_LENGTH)
    dimse.serves_again()            # evidence only: no sentence requires it
    assert reply.data[:1] == bytes([A_ABORT]), (
        f"expected an A-ABORT PDU (type 07) in answer to an unknown PDU type, observed {reply.describe()}")
