"""Named fault switches. Each makes exactly one requirement of the standard false, so the suites can be
shown to fail, and so users can test their own clients against a misbehaving peer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    name: str
    breaks: str          # the requirement ID this fault makes false
    description: str
    # Requirements whose tests need what this fault removes (a stored instance to read back, say), so
    # they fail with it. Listed, so the project's tests check the fault's reach exactly.
    also_breaks: tuple[str, ...] = ()


FAULTS: dict[str, Fault] = {}


def _fault(name: str, breaks: str, description: str, also_breaks: tuple[str, ...] = ()) -> None:
    FAULTS[name] = Fault(name, breaks, description, also_breaks)


_fault("reject-implicit-vr", "ASSOC-ACCEPT-DEFAULT-TS",
       "Verification is offered with Explicit VR Little Endian only, so the default transfer syntax is refused.")
_fault("accept-any-abstract-syntax", "ASSOC-REJECT-UNKNOWN-ABSTRACT",
       "Presentation contexts for unknown abstract syntaxes are accepted.")
_fault("accept-unknown-transfer-syntax", "ASSOC-REJECT-UNKNOWN-TS",
       "Presentation contexts proposing only unknown transfer syntaxes are accepted.")
_fault("ignore-called-ae", "ASSOC-CALLED-AE-CHECK",
       "Associations are accepted whatever called AE title they name.")
_fault("ignore-calling-ae", "ASSOC-CALLING-AE-CHECK",
       "Associations are accepted from any calling AE title, not only the configured ones.")
_fault("reject-full-size-pdu", "ASSOC-MAX-PDU-ACCEPTED",
       "The association is aborted when a P-DATA-TF is longer than half the maximum length we announced.")
_fault("ignore-max-pdu", "ASSOC-MAX-PDU-HONOURED",
       "P-DATA-TF PDUs are sent without regard to the peer's maximum length.")
_fault("abort-on-release", "ASSOC-RELEASE",
       "An A-RELEASE-RQ is answered with A-ABORT.")
_fault("refuse-after-abort", "ASSOC-ABORT-RECOVERY",
       "After a peer's A-ABORT, the next association request is aborted.")
_fault("echo-failure", "VERIFY-ECHO-SUCCESS",
       "C-ECHO is answered with status 0110 (Processing failure).")
_fault("echo-once", "VERIFY-ECHO-REPEATABLE",
       "Only the first C-ECHO of an association is answered; later ones are ignored.")
_fault("store-discards", "STORE-RETAINS-INSTANCE",
       "C-STORE answers Success but does not keep the instance.",
       also_breaks=("STORE-CLAIMED-SOP-CLASSES", "STORE-CLAIMED-TRANSFER-SYNTAXES", "STORE-LEVEL2-KEEPS-ALL",
                    "STORE-DUPLICATE-INSTANCE", "ASSOC-MAX-PDU-HONOURED", "ASSOC-MAX-PDU-ACCEPTED"))
_fault("refuse-mr-storage", "STORE-CLAIMED-SOP-CLASSES",
       "MR Image Storage is not offered in negotiation although the profile claims it.")
_fault("refuse-deflate", "STORE-CLAIMED-TRANSFER-SYNTAXES",
       "Deflated Explicit VR Little Endian is not offered although the profile claims it.")
_fault("drop-private", "STORE-LEVEL2-KEEPS-ALL",
       "Private attributes are removed before the instance is kept.")
_fault("duplicate-deletes", "STORE-DUPLICATE-INSTANCE",
       "A second C-STORE of a known SOP Instance UID answers Success and deletes the instance.")
_fault("mismatch-aborts", "STORE-MISMATCH-STATUS",
       "A data set whose SOP Class UID disagrees with the command's aborts the association.")


class UnknownFault(ValueError):
    pass


def check_faults(names: list[str] | tuple[str, ...] | set[str], known: dict[str, Fault] | None = None) -> frozenset[str]:
    known = FAULTS if known is None else known
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UnknownFault(f"unknown fault {', '.join(unknown)}; known faults: {', '.join(sorted(known))}")
    return frozenset(names)
