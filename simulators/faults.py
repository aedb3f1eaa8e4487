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
                    "STORE-DUPLICATE-INSTANCE", "ASSOC-MAX-PDU-HONOURED"))
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

# Query/Retrieve (PS3.4 Annex C), in simulators/query_retrieve.py
_fault("patient-root-no-patients", "QR-FIND-PATIENT-ROOT",
       "Patient Root C-FIND at PATIENT level finds no patients.")
_fault("study-root-no-images", "QR-FIND-STUDY-ROOT",
       "Study Root C-FIND at IMAGE level finds no instances.")
_fault("hierarchical-only", "QR-FIND-RELATIONAL",
       "C-FIND refuses queries without a single unique key for each level above the query level.")
_fault("single-value-case-insensitive", "QR-MATCH-SINGLE-VALUE",
       "Single value matching of Accession Number ignores case.")
_fault("universal-needs-value", "QR-MATCH-UNIVERSAL",
       "A zero-length key matches only entities that have a value for it.",
       also_breaks=("QR-FIND-REQUESTED-KEYS",))   # its zero-length keys must match entities without a value
_fault("wildcard-star-literal", "QR-MATCH-WILDCARD-STAR",
       "'*' in a key is matched literally instead of as any sequence of characters.")
_fault("wildcard-question-literal", "QR-MATCH-WILDCARD-QUESTION",
       "'?' in a key is matched literally instead of as any single character.")
_fault("uid-list-first-only", "QR-MATCH-UID-LIST",
       "A list of UIDs matches on its first UID only.")
_fault("date-range-exclusive", "QR-MATCH-DATE-RANGE",
       "A closed date range excludes its two end dates.")
_fault("open-range-unmatched", "QR-MATCH-OPEN-DATE-RANGE",
       "An open-ended date range ('<date>-' or '-<date>') matches nothing.")
_fault("time-range-ignored", "QR-MATCH-TIME-RANGE",
       "A time range matches nothing.")
_fault("sequence-match-ignored", "QR-MATCH-SEQUENCE",
       "Item keys of a sequence key are ignored: every entity matches.")
_fault("modalities-first-only", "QR-MATCH-MULTIPLE-VALUES",
       "Modalities in Study holds only the first of a study's modalities.")
_fault("find-duplicate-pending", "QR-FIND-PENDING-PER-MATCH",
       "The first match of a C-FIND is sent in two Pending responses.")
_fault("find-final-with-identifier", "QR-FIND-FINAL-NO-IDENTIFIER",
       "The final C-FIND Success response carries a data set.")
_fault("drop-empty-keys", "QR-FIND-REQUESTED-KEYS",
       "Requested keys the entity has no value for are left out of the response instead of zero length.")
_fault("find-returns-extra", "QR-FIND-NO-UNREQUESTED",
       "C-FIND responses carry Patient's Birth Date even when it was not requested.")
_fault("omit-query-level", "QR-FIND-LEVEL-ECHOED",
       "C-FIND responses leave out the Query/Retrieve Level.")
_fault("stale-study-counts", "QR-FIND-RELATED-COUNTS",
       "Number of Study Related Instances is one more than the study holds.")
_fault("ignore-cancel", "QR-FIND-CANCEL",
       "C-CANCEL is ignored: the C-FIND runs to the end and answers Success.")
_fault("move-unknown-destination-success", "QR-MOVE-UNKNOWN-DESTINATION",
       "A C-MOVE to an unknown destination answers Success with no sub-operations instead of A801.")
_fault("move-corrupts-pixels", "QR-MOVE-TO-DESTINATION",
       "C-MOVE sends each instance with its first pixel byte inverted.")
_fault("move-miscounts", "QR-MOVE-SUBOP-COUNTS",
       "The final C-MOVE response reports one completed sub-operation more than were sent.")
_fault("get-series-drops-one", "QR-GET-RETRIEVES",
       "A C-GET selecting several instances sends all but the last.")
_fault("get-miscounts", "QR-GET-SUBOP-COUNTS",
       "The final C-GET response reports one completed sub-operation more than were sent.")
_fault("charset-dropped", "QR-FIND-CHARSET",
       "C-FIND responses leave out Specific Character Set although values use ISO 8859-1 characters.")

# Discarded instances leave the Query/Retrieve suites nothing to find or retrieve.
_QR_NEEDING_STORED_DATA = (
    "QR-FIND-PATIENT-ROOT", "QR-FIND-STUDY-ROOT", "QR-FIND-RELATIONAL", "QR-MATCH-SINGLE-VALUE",
    "QR-MATCH-UNIVERSAL", "QR-MATCH-WILDCARD-STAR", "QR-MATCH-WILDCARD-QUESTION", "QR-MATCH-UID-LIST",
    "QR-MATCH-DATE-RANGE", "QR-MATCH-OPEN-DATE-RANGE", "QR-MATCH-TIME-RANGE", "QR-MATCH-SEQUENCE",
    "QR-MATCH-MULTIPLE-VALUES", "QR-FIND-PENDING-PER-MATCH", "QR-FIND-REQUESTED-KEYS", "QR-FIND-NO-UNREQUESTED",
    "QR-FIND-LEVEL-ECHOED", "QR-FIND-RELATED-COUNTS", "QR-FIND-CHARSET", "QR-FIND-CANCEL",
    "QR-MOVE-TO-DESTINATION", "QR-MOVE-SUBOP-COUNTS", "QR-GET-RETRIEVES", "QR-GET-SUBOP-COUNTS",
)
_discards = FAULTS["store-discards"]
FAULTS["store-discards"] = Fault(_discards.name, _discards.breaks, _discards.description,
                                 _discards.also_breaks + _QR_NEEDING_STORED_DATA)

class UnknownFault(ValueError):
    pass


def check_faults(names: list[str] | tuple[str, ...] | set[str], known: dict[str, Fault] | None = None) -> frozenset[str]:
    known = FAULTS if known is None else known
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UnknownFault(f"unknown fault {', '.join(unknown)}; known faults: {', '.join(sorted(known))}")
    return frozenset(names)
