"""PS3.8 9.2.3 and 9.3.2: A-ASSOCIATE-RQ PDUs that cannot be decoded, drawn from the run's seed. Opt-in: the
target's profile claims "robustness" (the suite sends malformed input to a product)."""

import random
import struct

from dicom_harness.testing import requirement

A_ABORT = 0x07
A_ABORT_LENGTH = 10                 # PS3.8 9.3.8: a 6-byte header and 4 bytes of source and reason
FIXED_FIELDS = 68                   # PS3.8 Table 9-11: protocol version to the reserved bytes 43-74
CUTS = 6                            # bounded: one connection each


def _item_spans(body: bytes) -> list[tuple[int, int]]:
    """(start, end) of each variable item of an A-ASSOCIATE-RQ body (PS3.8 9.3.2.1-9.3.2.3: type, reserved,
    2-byte length)."""
    spans, at = [], FIXED_FIELDS
    while at + 4 <= len(body):
        end = at + 4 + struct.unpack(">H", body[at + 2:at + 4])[0]
        spans.append((at, end))
        at = end
    return spans


def truncated_requests(request: bytes, seed: int) -> list[tuple[int, bytes]]:
    """A-ASSOCIATE-RQ PDUs whose body ends strictly inside one of its items (after the item's header, before its
    end), the PDU length set to the shortened body: framed correctly, undecodable. (cut, PDU) pairs."""
    body = request[6:]
    rng = random.Random(f"robustness/truncated-rq/{seed}")
    inside = [cut for start, end in _item_spans(body) for cut in range(start + 5, end)]
    cuts = sorted(rng.sample(inside, min(CUTS, len(inside))))
    return [(cut, bytes([0x01, 0]) + struct.pack(">I", cut) + body[:cut]) for cut in cuts]


@requirement("ROBUST-INVALID-RQ-ABORT")
def test_undecodable_associate_requests_are_aborted(dimse, dataset_factory):
    """Send A-ASSOCIATE-RQ PDUs cut inside one of their items, one connection each (cuts drawn from the run's
    seed); PS3.8 Table 9-10 (invalid PDU in Sta2, AA-1): each is answered with an A-ABORT PDU."""
    seed = dataset_factory.seed
    dimse.evidence.add("#", f"cuts drawn from --seed {seed} (rerun with the same seed for the same PDUs)")
    observed = []
    for cut, pdu in truncated_requests(dimse.associate_rq_bytes(), seed):
        reply = dimse.send_raw(pdu, wait_for=A_ABORT_LENGTH)
        if reply.data[:1] != bytes([A_ABORT]):
            observed.append(f"body cut at byte {cut}: {reply.describe()}")
        if not reply.data and reply.ended == "timeout":     # each silence costs the whole timeout: one is enough
            dimse.evidence.add("#", "the target stayed silent: the remaining cuts are not sent")
            break
    dimse.serves_again()            # evidence: the target still accepts an association
    assert not observed, ("expected an A-ABORT PDU (type 07) for each undecodable A-ASSOCIATE-RQ (PS3.8 Table "
                          "9-10, AA-1), observed " + "; ".join(observed))
