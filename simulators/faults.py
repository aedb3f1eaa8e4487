"""Named fault switches. Each makes exactly one requirement of the standard false, so the suites can be
shown to fail, and so users can test their own clients against a misbehaving peer.

Each fault is a module-level object, registered by name in FAULTS; simulators hold the Fault objects of a run
(`faults_named` converts the names the command line and the provider give) and test them by identity
(`if ECHO_FAILURE in self.faults`), so a check can only name a fault that exists.
tests/test_faults_registry.py checks that no simulator compares a bare name and every fault is used."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, eq=False)      # compared and hashed by identity: one object per registered fault
class Fault:
    name: str
    breaks: str          # the requirement ID this fault makes false
    description: str
    # Requirements whose tests need what this fault removes (a stored instance to read back, say), so
    # they fail with it. Listed, so the project's tests check the fault's reach exactly.
    also_breaks: tuple[str, ...] = ()
    # The suite folders this fault can reach (empty: all). A fault inside the DICOMweb server cannot touch
    # the DIMSE suites, so the project's tests run only the web suites with it.
    suites: tuple[str, ...] = ()
    # A fault of the modality simulator acting as a client (`listen` judges it), not of a server simulator
    client: bool = False

    def __str__(self) -> str:
        return self.name

    @property
    def carrier(self) -> str:
        """Which simulator has it: 'server' (pacs, ris, dicomweb: `run --fault`), or the client simulator
        'modality', 'workstation' or 'viewer' (`simulate ... --fault`, judged by `listen`)."""
        if not self.client:
            return "server"
        return {VIEWER_SUITES: "viewer", _QR_SCU_SUITES: "workstation"}.get(self.suites, "modality")


FAULTS: dict[str, Fault] = {}


def _fault(name: str, breaks: str, description: str, also_breaks: tuple[str, ...] = (),
           suites: tuple[str, ...] = (), client: bool = False) -> Fault:
    if name in FAULTS:
        raise ValueError(f"fault {name} registered twice")
    FAULTS[name] = Fault(name, breaks, description, also_breaks, suites, client)
    return FAULTS[name]


class UnknownFault(ValueError):
    pass


def check_faults(names: list[str] | tuple[str, ...] | set[str], known: dict[str, Fault] | None = None,
                 carrier: str | None = None) -> frozenset[str]:
    """The names, checked: UnknownFault says which are unknown and which exist, or (with `carrier`) which belong
    to another simulator than the one they were given to."""
    known = FAULTS if known is None else known
    unknown = [n for n in names if n not in known]
    if unknown:
        close = difflib.get_close_matches(unknown[0], known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise UnknownFault(f"unknown fault {', '.join(map(repr, unknown))}; {hint}"
                           f"`dicom-harness faults` lists all {len(known)} with what each breaks")
    for name in names:
        owner = known[name].carrier
        if carrier is not None and owner != carrier:
            where = ("`dicom-harness run --fault NAME` or `simulate pacs|ris|dicomweb --fault NAME`" if owner == "server"
                     else f"`dicom-harness simulate {owner} --fault NAME`, judged by `dicom-harness listen`")
            raise UnknownFault(f"fault {name!r} belongs to the {owner} simulator{'s' if owner == 'server' else ''}, "
                               f"not this one: use it with {where}")
    return frozenset(names)


def faults_named(faults: Iterable[str | Fault]) -> frozenset[Fault]:
    """The registered Fault objects for names (Fault objects pass through): the boundary every simulator
    constructor crosses, so the rest of the simulator compares objects, never strings."""
    faults = list(faults)
    names = [f.name if isinstance(f, Fault) else f for f in faults]
    check_faults(names)
    strays = [f.name for f in faults if isinstance(f, Fault) and FAULTS[f.name] is not f]
    if strays:
        raise UnknownFault(f"fault object(s) {', '.join(strays)} are not the registered ones")
    return frozenset(FAULTS[name] for name in names)


# -- Faults of the modality simulator as a client: each makes one client-side requirement false, for `listen`
def _client_fault(name: str, breaks: str, description: str, also_breaks: tuple[str, ...] = ()) -> Fault:
    return _fault(name, breaks, description, also_breaks, client=True)


CLIENT_PROTOCOL_VERSION_2 = _client_fault(
    "client-protocol-version-2", "ASSOC-RQ-PROTOCOL-VERSION",
    "The A-ASSOCIATE-RQ gives Protocol-version 0002H (bit 0 clear).")
CLIENT_EVEN_CONTEXT_ID = _client_fault(
    "client-even-context-id", "ASSOC-RQ-CONTEXT-ID-ODD",
    "The A-ASSOCIATE-RQ numbers its presentation contexts 2, 4, ... instead of odd IDs.")
CLIENT_CONTEXT_WITHOUT_TRANSFER_SYNTAX = _client_fault(
    "client-context-without-transfer-syntax", "ASSOC-RQ-CONTEXT-ITEM-SYNTAXES",
    "One proposed presentation context carries an Abstract Syntax but no Transfer Syntax sub-item.")
CLIENT_NO_MAXIMUM_LENGTH = _client_fault(
    "client-no-maximum-length", "ASSOC-RQ-MAXIMUM-LENGTH-ITEM",
    "The A-ASSOCIATE-RQ's user information has no Maximum Length sub-item.")
CLIENT_NO_IMPLEMENTATION_UID = _client_fault(
    "client-no-implementation-uid", "ASSOC-RQ-IMPLEMENTATION-UID",
    "The A-ASSOCIATE-RQ's user information has no Implementation Class UID sub-item.")
CLIENT_BLANK_CALLING_AE = _client_fault(
    "client-blank-calling-ae", "ASSOC-RQ-AE-TITLES",
    "The A-ASSOCIATE-RQ's Calling-AE-title is 16 spaces (no Application Name).")
CLIENT_NO_APPLICATION_CONTEXT = _client_fault(
    "client-no-application-context", "ASSOC-RQ-VARIABLE-ITEMS",
    "The A-ASSOCIATE-RQ has no Application Context item.")
CLIENT_RESERVED_NOT_ZERO = _client_fault(
    "client-reserved-not-zero", "ASSOC-RQ-RESERVED-ZERO",
    "The A-ASSOCIATE-RQ's reserved header bytes are sent as FFH.")
CLIENT_IGNORES_MAX_PDU = _client_fault(
    "client-ignores-max-pdu", "ASSOC-RQ-MAX-PDU-RESPECTED",
    "Each C-STORE goes in one P-DATA-TF PDU, however small a maximum length the acceptor announced.")
CLIENT_STORES_NOTHING = _client_fault(
    "client-stores-nothing", "STORE-SCU-SENDS-CLAIMED",
    "The acquisition runs but no image is ever sent (no C-STORE).",
    # and what MPPS completion and storage commitment are judged against: the images a client stored
    also_breaks=("STORE-SCU-IOD-TYPE1", "STORE-SCU-IOD-TYPE2", "STORE-SCU-IOD-VALUES", "STORE-SCU-UID-SYNTAX",
                 "STORE-SCU-AFFECTED-SOP-CLASS", "STORE-SCU-AFFECTED-SOP-INSTANCE", "STORE-SCU-PRIORITY",
                 "MPPS-SCU-REFERENCES-IMAGES", "COMMIT-SCU-REFERENCED-CLASS"))
CLIENT_OMITS_TYPE1 = _client_fault(
    "client-omits-type1", "STORE-SCU-IOD-TYPE1",
    "The CT images lack Image Type (0008,0008), Type 1 in the CT Image Module.")
CLIENT_OMITS_TYPE2 = _client_fault(
    "client-omits-type2", "STORE-SCU-IOD-TYPE2",
    "The CT images lack KVP (0018,0060), Type 2 in the CT Image Module.")
CLIENT_BAD_ENUMERATED_VALUE = _client_fault(
    "client-bad-enumerated-value", "STORE-SCU-IOD-VALUES",
    "The CT images give Photometric Interpretation MONOCHROME3, not an Enumerated Value.")
CLIENT_BAD_UID = _client_fault(
    "client-bad-uid", "STORE-SCU-UID-SYNTAX",
    "The Series Instance UID has a component with a leading zero (e.g. 2.25.0123...).")
CLIENT_AFFECTED_CLASS_MISMATCH = _client_fault(
    "client-affected-class-mismatch", "STORE-SCU-AFFECTED-SOP-CLASS",
    "C-STORE-RQ's Affected SOP Class UID names MR Image Storage while the data set is a CT image.")
CLIENT_AFFECTED_INSTANCE_MISMATCH = _client_fault(
    "client-affected-instance-mismatch", "STORE-SCU-AFFECTED-SOP-INSTANCE",
    "C-STORE-RQ's Affected SOP Instance UID differs from the data set's SOP Instance UID.")
CLIENT_BAD_PRIORITY = _client_fault(
    "client-bad-priority", "STORE-SCU-PRIORITY",
    "C-STORE-RQ's Priority is 0003H, none of LOW (0002H), MEDIUM (0000H) or HIGH (0001H).")

# The differential matching test (QR-MATCH-DIFFERENTIAL) sends a query of every kind of matching, so a fault in
# one kind breaks it too.
_DIFFERENTIAL = "QR-MATCH-DIFFERENTIAL"
# -- the modality as Modality Worklist, MPPS and Storage Commitment SCU (PS3.4 K, F.7, J.3). The faults of one
# query, create or set add an extra message of their own beside the acquisition's, so the rest stays judged clean.
_MWL_SCU = ("MWL-SCU-SOP-CLASS", "MWL-SCU-SEQUENCE-ONE-ITEM", "MWL-SCU-CHARSET", "MWL-SCU-TIMEZONE-NOT-EMPTY",
            "MWL-SCU-NO-QR-LEVEL")
CLIENT_SKIPS_WORKLIST = _client_fault(
    "client-skips-worklist", "MWL-SCU-QUERIES-CLAIMED",
    "The acquisition runs on a locally made (unscheduled) item: no worklist C-FIND is ever sent.",
    also_breaks=_MWL_SCU)
CLIENT_WORKLIST_WRONG_SOP_CLASS = _client_fault(
    "client-worklist-wrong-sop-class", "MWL-SCU-SOP-CLASS",
    "An extra worklist query on the Modality Worklist context names Study Root Query/Retrieve FIND as its "
    "Affected SOP Class UID.")
CLIENT_WORKLIST_TWO_ITEM_SEQUENCE = _client_fault(
    "client-worklist-two-item-sequence", "MWL-SCU-SEQUENCE-ONE-ITEM",
    "An extra worklist query gives the Scheduled Procedure Step Sequence key two items (CT and MR).")
CLIENT_WORKLIST_UNDECLARED_CHARSET = _client_fault(
    "client-worklist-undeclared-charset", "MWL-SCU-CHARSET",
    "An extra worklist query matches Patient's Name M\u00dcLLER* in ISO 8859-1 bytes without Specific Character Set.")
CLIENT_WORKLIST_EMPTY_TIMEZONE = _client_fault(
    "client-worklist-empty-timezone", "MWL-SCU-TIMEZONE-NOT-EMPTY",
    "An extra worklist query carries Timezone Offset From UTC (0008,0201) with a zero-length value.")
CLIENT_WORKLIST_QR_LEVEL = _client_fault(
    "client-worklist-qr-level", "MWL-SCU-NO-QR-LEVEL",
    "An extra worklist query carries Query/Retrieve Level (0008,0052), which no worklist information model defines.")

_MPPS_SCU = ("MPPS-SCU-SOP-CLASS", "MPPS-SCU-CREATE-INSTANCE-UID", "MPPS-SCU-CREATE-IN-PROGRESS",
             "MPPS-SCU-CREATE-TYPE1", "MPPS-SCU-CREATE-TYPE2", "MPPS-SCU-SET-INSTANCE", "MPPS-SCU-FINAL-STATE",
             "MPPS-SCU-REFERENCES-IMAGES", "MPPS-SCU-NO-SET-AFTER-FINAL", "MPPS-SCU-SET-ONLY-CREATED")
CLIENT_SKIPS_MPPS = _client_fault(
    "client-skips-mpps", "MPPS-SCU-SENDS-CLAIMED",
    "The acquisition never reports its performed step: no MPPS N-CREATE or N-SET.", also_breaks=_MPPS_SCU)
CLIENT_MPPS_WRONG_SOP_CLASS = _client_fault(
    "client-mpps-wrong-sop-class", "MPPS-SCU-SOP-CLASS",
    "An extra MPPS N-CREATE names Modality Performed Procedure Step Retrieve as its Affected SOP Class UID.")
CLIENT_MPPS_CREATE_WITHOUT_UID = _client_fault(
    "client-mpps-create-without-uid", "MPPS-SCU-CREATE-INSTANCE-UID",
    "An extra MPPS N-CREATE has no Affected SOP Instance UID (the SCP would have to assign one).")
CLIENT_MPPS_CREATE_COMPLETED = _client_fault(
    "client-mpps-create-completed", "MPPS-SCU-CREATE-IN-PROGRESS",
    "An extra MPPS N-CREATE asks for Performed Procedure Step Status COMPLETED instead of IN PROGRESS.")
CLIENT_MPPS_OMITS_TYPE1 = _client_fault(
    "client-mpps-omits-type1", "MPPS-SCU-CREATE-TYPE1",
    "The MPPS N-CREATE lacks Performed Station AE Title (0040,0241), Type 1 at N-CREATE.")
CLIENT_MPPS_OMITS_TYPE2 = _client_fault(
    "client-mpps-omits-type2", "MPPS-SCU-CREATE-TYPE2",
    "The MPPS N-CREATE lacks Performed Location (0040,0243), Type 2 at N-CREATE.")
CLIENT_MPPS_SET_UNKNOWN_INSTANCE = _client_fault(
    "client-mpps-set-unknown-instance", "MPPS-SCU-SET-INSTANCE",
    "An extra MPPS N-SET names a Requested SOP Instance UID no N-CREATE created.")
CLIENT_MPPS_COMPLETES_WITHOUT_END_TIME = _client_fault(
    "client-mpps-completes-without-end-time", "MPPS-SCU-FINAL-STATE",
    "The N-SET to COMPLETED lacks Performed Procedure Step End Time, empty since the N-CREATE (Final State Type 1).")
CLIENT_MPPS_REFERENCES_SOME_IMAGES = _client_fault(
    "client-mpps-references-some-images", "MPPS-SCU-REFERENCES-IMAGES",
    "The N-SET to COMPLETED lists every image of the series but the last one stored.")
CLIENT_MPPS_SET_AFTER_COMPLETED = _client_fault(
    "client-mpps-set-after-completed", "MPPS-SCU-NO-SET-AFTER-FINAL",
    "After the N-SET to COMPLETED, one more N-SET of the same step (a new description).")
CLIENT_MPPS_SETS_UNCREATED = _client_fault(
    "client-mpps-sets-uncreated", "MPPS-SCU-SET-ONLY-CREATED",
    "The N-SET to COMPLETED also sets Comments on the Performed Procedure Step, which the N-CREATE did not create.")

_COMMIT_SCU = ("COMMIT-SCU-ACTION-TYPE", "COMMIT-SCU-WELL-KNOWN-INSTANCE", "COMMIT-SCU-TRANSACTION-UID",
               "COMMIT-SCU-TRANSACTION-UNIQUE", "COMMIT-SCU-REFERENCED-ITEMS", "COMMIT-SCU-REFERENCED-CLASS")
CLIENT_SKIPS_COMMITMENT = _client_fault(
    "client-skips-commitment", "COMMIT-SCU-SENDS-CLAIMED",
    "The acquisition stores its images but never asks for storage commitment (no N-ACTION).",
    also_breaks=_COMMIT_SCU)
CLIENT_COMMIT_ACTION_TYPE_2 = _client_fault(
    "client-commit-action-type-2", "COMMIT-SCU-ACTION-TYPE",
    "The storage commitment N-ACTION gives Action Type ID 2 instead of 1.")
CLIENT_COMMIT_OTHER_INSTANCE = _client_fault(
    "client-commit-other-instance", "COMMIT-SCU-WELL-KNOWN-INSTANCE",
    "The storage commitment N-ACTION's Requested SOP Instance UID is a new UID, not 1.2.840.10008.1.20.1.1.")
CLIENT_COMMIT_BAD_TRANSACTION_UID = _client_fault(
    "client-commit-bad-transaction-uid", "COMMIT-SCU-TRANSACTION-UID",
    "The Transaction UID has a component with a leading zero (e.g. 2.25.0123...).")
CLIENT_COMMIT_REPEATS_TRANSACTION = _client_fault(
    "client-commit-repeats-transaction", "COMMIT-SCU-TRANSACTION-UNIQUE",
    "The storage commitment request is sent twice with the same Transaction UID.")
CLIENT_COMMIT_ITEMS_WITHOUT_CLASS = _client_fault(
    "client-commit-items-without-class", "COMMIT-SCU-REFERENCED-ITEMS",
    "The Referenced SOP Sequence items of the N-ACTION lack Referenced SOP Class UID.")
CLIENT_COMMIT_WRONG_CLASS = _client_fault(
    "client-commit-wrong-class", "COMMIT-SCU-REFERENCED-CLASS",
    "The N-ACTION references the CT images it stored as MR Image Storage instances.")


# -- Faults of the viewer simulator (simulators/viewer.py), a DICOMweb user agent judged by `listen --as dicomweb`
VIEWER_SUITES = ("clients/dicomweb",)


def _viewer_fault(name: str, breaks: str, description: str, also_breaks: tuple[str, ...] = ()) -> Fault:
    return _fault(name, breaks, description, also_breaks, suites=VIEWER_SUITES, client=True)


VIEWER_SEARCHES_NOTHING = _viewer_fault(
    "viewer-searches-nothing", "QIDO-UA-SEARCH-CLAIMED", "The viewer never sends its QIDO-RS search.",
    also_breaks=("QIDO-UA-ACCEPT", "QIDO-UA-ATTRIBUTE-ID", "QIDO-UA-PERCENT-ENCODING", "QIDO-UA-INCLUDEFIELD",
                 "QIDO-UA-LIMIT-OFFSET", "QIDO-UA-ATTRIBUTE-ONCE"))
VIEWER_SEARCH_NO_ACCEPT = _viewer_fault(
    "viewer-search-no-accept", "QIDO-UA-ACCEPT", "The QIDO-RS search carries no Accept header field.")
VIEWER_SEARCH_BAD_ATTRIBUTE = _viewer_fault(
    "viewer-search-bad-attribute", "QIDO-UA-ATTRIBUTE-ID",
    "The search names Patient Name as '0010,0010' (percent-encoded), neither a keyword nor an 8-digit tag.")
VIEWER_SEARCH_UNENCODED = _viewer_fault(
    "viewer-search-unencoded", "QIDO-UA-PERCENT-ENCODING",
    "The search sends PatientName=DH^* with the '^' as it is, not percent-encoded.")
VIEWER_INCLUDEFIELD_ALL_AND_MORE = _viewer_fault(
    "viewer-includefield-all-and-more", "QIDO-UA-INCLUDEFIELD",
    "The search sends includefield=all beside another includefield parameter.")
VIEWER_LIMIT_NEGATIVE = _viewer_fault(
    "viewer-limit-negative", "QIDO-UA-LIMIT-OFFSET", "The search sends limit=-1, not an unsigned integer.")
VIEWER_RETRIEVES_NOTHING = _viewer_fault(
    "viewer-retrieves-nothing", "WADO-UA-RETRIEVE-CLAIMED", "The viewer never sends its WADO-RS retrieve.",
    also_breaks=("WADO-UA-ACCEPT", "WADO-UA-ACCEPT-MULTIPART-TYPE"))
VIEWER_RETRIEVE_NO_ACCEPT = _viewer_fault(
    "viewer-retrieve-no-accept", "WADO-UA-ACCEPT", "The WADO-RS retrieve carries no Accept header field.")
VIEWER_ACCEPT_MULTIPART_WITHOUT_TYPE = _viewer_fault(
    "viewer-accept-multipart-without-type", "WADO-UA-ACCEPT-MULTIPART-TYPE",
    "The WADO-RS retrieve asks for Accept: multipart/related, without the type parameter.")
VIEWER_STORES_NOTHING = _viewer_fault(
    "viewer-stores-nothing", "STOW-UA-STORE-CLAIMED", "The viewer never sends its STOW-RS store.",
    also_breaks=("STOW-UA-ACCEPT", "STOW-UA-CONTENT-TYPE", "STOW-UA-PART-CONTENT-TYPE", "STOW-UA-IOD"))
VIEWER_STOW_NO_ACCEPT = _viewer_fault(
    "viewer-stow-no-accept", "STOW-UA-ACCEPT", "The STOW-RS request carries no Accept header field.")
VIEWER_STOW_NO_TYPE_PARAMETER = _viewer_fault(
    "viewer-stow-no-type-parameter", "STOW-UA-CONTENT-TYPE",
    "The STOW-RS request's Content-Type is multipart/related without the type parameter.")
VIEWER_STOW_PART_OCTET_STREAM = _viewer_fault(
    "viewer-stow-part-octet-stream", "STOW-UA-PART-CONTENT-TYPE",
    "The STOW-RS request says type=\"application/dicom\" but labels its part application/octet-stream.")
VIEWER_STOW_OMITS_TYPE1 = _viewer_fault(
    "viewer-stow-omits-type1", "STOW-UA-IOD",
    "The Secondary Capture image stored lacks Conversion Type (0008,0064), Type 1 in the SC Equipment Module.")
VIEWER_SEARCH_ATTRIBUTE_TWICE = _viewer_fault(
    "viewer-search-attribute-twice", "QIDO-UA-ATTRIBUTE-ONCE",
    "The search names Patient Name twice: PatientName=DH%5E*&00100010=DH%5E*.")
# the viewer's UPS-RS pull (simulate viewer --ups): search, claim, update, complete
VIEWER_UPS_PULLS_NOTHING = _viewer_fault(
    "viewer-ups-pulls-nothing", "UPS-UA-PULL-CLAIMED",
    "The viewer searches the worklist but never claims or completes a workitem.",
    also_breaks=("UPS-UA-TRANSACTION-UID", "UPS-UA-STATE-VALUE", "UPS-UA-CONTENT-TYPE"))
VIEWER_UPS_COMPLETE_OTHER_TRANSACTION = _viewer_fault(
    "viewer-ups-complete-other-transaction", "UPS-UA-TRANSACTION-UID",
    "The viewer completes the workitem it claimed with a new Transaction UID, not the one of its claim.")
VIEWER_UPS_UPDATE_WITHOUT_TRANSACTION = _viewer_fault(
    "viewer-ups-update-without-transaction", "UPS-UA-TRANSACTION-UID",
    "The viewer updates the workitem it claimed (POST /workitems/{uid}) without the transaction-uid query parameter.")
VIEWER_UPS_STATE_LOWER_CASE = _viewer_fault(
    "viewer-ups-state-lower-case", "UPS-UA-STATE-VALUE",
    "The viewer's completion asks for Procedure Step State 'completed', not the legal value COMPLETED.")
VIEWER_UPS_STATE_NO_CONTENT_TYPE = _viewer_fault(
    "viewer-ups-state-no-content-type", "UPS-UA-CONTENT-TYPE",
    "The viewer's completion (PUT /workitems/{uid}/state) carries no Content-Type header field.")
VIEWER_UPS_SEARCH_NO_ACCEPT = _viewer_fault(
    "viewer-ups-search-no-accept", "UPS-UA-ACCEPT", "The viewer's Search for Workitems carries no Accept header field.")

# -- Faults of the workstation simulator (simulators/workstation.py) as a Query/Retrieve SCU, for `listen`
_QR_SCU_SUITES = ("clients/query_retrieve",)      # the fault matrix listens to the workstation for these


def _qr_client_fault(name: str, breaks: str, description: str, also_breaks: tuple[str, ...] = ()) -> Fault:
    return _fault(name, breaks, description, also_breaks, suites=_QR_SCU_SUITES, client=True)


CLIENT_RETRIEVES_NOTHING = _qr_client_fault(
    "client-retrieves-nothing", "QR-SCU-SENDS-CLAIMED",
    "The workstation queries but never retrieves (no C-GET, no C-MOVE).",
    also_breaks=("QR-SCU-RETRIEVE-LEVEL", "QR-SCU-RETRIEVE-UNIQUE-KEYS", "QR-SCU-RETRIEVE-NO-OTHER-KEYS",
                 "QR-SCU-MOVE-DESTINATION", "QR-SCU-GET-ROLE-SELECTION", "QR-SCU-GET-SUFFICIENT-CONTEXTS",
                 "QR-SCU-GET-SERVES-STORAGE"))
CLIENT_FIND_WITHOUT_LEVEL = _qr_client_fault(
    "client-find-without-level", "QR-SCU-FIND-LEVEL",
    "The workstation's IMAGE-level C-FIND Identifier lacks Query/Retrieve Level (0008,0052).")
CLIENT_FIND_WITHOUT_SERIES_UID = _qr_client_fault(
    "client-find-without-series-uid", "QR-SCU-FIND-UNIQUE-KEYS-ABOVE",
    "The workstation's IMAGE-level C-FIND gives no Series Instance UID (a level above) though not relational.")
CLIENT_FIND_KEYS_ABOVE = _qr_client_fault(
    "client-find-keys-above", "QR-SCU-FIND-NO-KEYS-ABOVE",
    "The workstation's IMAGE-level C-FIND also carries Modality and Study Date, keys of levels above IMAGE.")
CLIENT_FIND_WITHOUT_LEVEL_KEY = _qr_client_fault(
    "client-find-without-level-key", "QR-SCU-FIND-UNIQUE-KEY-AT-LEVEL",
    "The workstation's IMAGE-level C-FIND has no SOP Instance UID, the Unique Key of its level.")
CLIENT_CANCEL_WRONG_ID = _qr_client_fault(
    "client-cancel-wrong-id", "QR-SCU-CANCEL-MESSAGE-ID",
    "The workstation's C-CANCEL names a Message ID no request of the association used.")
CLIENT_RETRIEVE_WITHOUT_LEVEL = _qr_client_fault(
    "client-retrieve-without-level", "QR-SCU-RETRIEVE-LEVEL",
    "The workstation's first retrieve (C-GET, or C-MOVE with --retrieve move) has no Query/Retrieve Level.",
    also_breaks=("QR-SCU-GET-SERVES-STORAGE",))      # a refused C-GET has no sub-operation to answer
CLIENT_RETRIEVE_WITHOUT_UID = _qr_client_fault(
    "client-retrieve-without-uid", "QR-SCU-RETRIEVE-UNIQUE-KEYS",
    "The workstation's first retrieve asks for STUDY level with an empty Study Instance UID.",
    also_breaks=("QR-SCU-GET-SERVES-STORAGE",))      # a refused C-GET has no sub-operation to answer
CLIENT_RETRIEVE_REQUIRED_KEY = _qr_client_fault(
    "client-retrieve-required-key", "QR-SCU-RETRIEVE-NO-OTHER-KEYS",
    "The workstation's first retrieve Identifier also carries Patient's Name and Study Date (Required Keys).")
CLIENT_MOVE_WITHOUT_DESTINATION = _qr_client_fault(
    "client-move-without-destination", "QR-SCU-MOVE-DESTINATION",
    "The workstation's C-MOVE-RQ gives a Move Destination of spaces only.")
CLIENT_GET_WITHOUT_ROLE = _qr_client_fault(
    "client-get-without-role", "QR-SCU-GET-ROLE-SELECTION",
    "The workstation's C-GET association proposes its Storage SOP Classes without SCP/SCU Role Selection.",
    also_breaks=("QR-SCU-GET-SERVES-STORAGE",))     # no sub-operation can reach it: nothing to judge
CLIENT_FIND_EMPTY_TIMEZONE = _qr_client_fault(
    "client-find-empty-timezone", "QR-SCU-FIND-TIMEZONE-NOT-EMPTY",
    "The workstation's IMAGE-level C-FIND carries Timezone Offset From UTC (0008,0201) with a zero-length value.")
CLIENT_GET_MISSES_A_CLASS = _qr_client_fault(
    "client-get-misses-a-class", "QR-SCU-GET-SUFFICIENT-CONTEXTS",
    "The workstation's C-GET association proposes no context for MR Image Storage, though the study it retrieves "
    "holds an MR image.")
CLIENT_GET_STORE_UNDEFINED_STATUS = _qr_client_fault(
    "client-get-store-undefined-status", "QR-SCU-GET-SERVES-STORAGE",
    "The workstation answers the C-STORE sub-operations of its C-GET with 0107 (Attribute List Error, an N-SET "
    "warning), no status of the Storage Service Class.")


# Discarded instances leave the Query/Retrieve suites nothing to find or retrieve.
_QR_NEEDING_STORED_DATA = (
    "QR-FIND-PATIENT-ROOT", "QR-FIND-STUDY-ROOT", "QR-FIND-RELATIONAL", "QR-MATCH-SINGLE-VALUE",
    "QR-MATCH-DIFFERENTIAL", "QR-MATCH-UNIVERSAL", "QR-MATCH-UNKNOWN-VALUE", "QR-MATCH-WILDCARD-STAR", "QR-MATCH-WILDCARD-QUESTION", "QR-MATCH-UID-LIST",
    "QR-MATCH-DATE-RANGE", "QR-MATCH-OPEN-DATE-RANGE", "QR-MATCH-TIME-RANGE", "QR-MATCH-SEQUENCE",
    "QR-MATCH-SEQUENCE-EMPTY-ITEM", "QR-MATCH-MULTIPLE-VALUES", "QR-FIND-PENDING-PER-MATCH", "QR-FIND-REQUESTED-KEYS", "QR-FIND-NO-UNREQUESTED",
    "QR-FIND-LEVEL-ECHOED", "QR-FIND-RELATED-COUNTS", "QR-FIND-CHARSET", "QR-FIND-CANCEL",
    "QR-FIND-TIMEZONE-NOT-EMPTY", "QR-UNIQUE-KEY-NONZERO",
    "QR-MOVE-TO-DESTINATION", "QR-MOVE-SUBOP-COUNTS", "QR-GET-RETRIEVES", "QR-GET-SUBOP-COUNTS",
    "QR-GET-FINAL-STATUS", "QR-GET-FAILED-UID-LIST", "QR-GET-RSP-NO-CHARSET", "QR-GET-CANCEL", "QR-MOVE-PATIENT-LEVEL",
    "QR-FIND-RETRIEVE-LOCATION", "QR-GET-SUBOP-PRIORITY", "QR-MATCH-CHARSET", "QR-MATCH-EVERY-REQUIRED-KEY",
    "QR-MOVE-CANCEL", "QR-MOVE-CANCEL-REMAINING", "QR-MOVE-FAILED-UID-LIST", "QR-MOVE-FINAL-STATUS",
    "QR-MOVE-RSP-NO-CHARSET", "QR-MOVE-SUBOP-PRIORITY", "QR-GET-PENDING-COUNTS", "QR-GET-WARNING-COUNTS",
    "QR-MOVE-PENDING-COUNTS", "QR-MOVE-WARNING-COUNTS", "QR-MATCH-COMBINED-DATETIME", "QR-MATCH-PN-LITERAL",
    "QR-RELATIONAL-RETRIEVE",
)

# -- association and Verification, storage (simulators/pacs.py) ----------------------------------------------
REJECT_IMPLICIT_VR = _fault(
    "reject-implicit-vr", "ASSOC-ACCEPT-DEFAULT-TS",
    "Verification is offered with Explicit VR Little Endian only, so the default transfer syntax is refused.")
ACCEPT_ANY_ABSTRACT_SYNTAX = _fault(
    "accept-any-abstract-syntax", "ASSOC-REJECT-UNKNOWN-ABSTRACT",
    "Presentation contexts for unknown abstract syntaxes are accepted.")
ACCEPT_UNKNOWN_TRANSFER_SYNTAX = _fault(
    "accept-unknown-transfer-syntax", "ASSOC-REJECT-UNKNOWN-TS",
    "Presentation contexts proposing only unknown transfer syntaxes are accepted.")
IGNORE_CALLED_AE = _fault(
    "ignore-called-ae", "ASSOC-CALLED-AE-CHECK",
    "Associations are accepted whatever called AE title they name.")
IGNORE_CALLING_AE = _fault(
    "ignore-calling-ae", "ASSOC-CALLING-AE-CHECK",
    "Associations are accepted from any calling AE title, not only the configured ones.")
REJECT_FULL_SIZE_PDU = _fault(
    "reject-full-size-pdu", "ASSOC-MAX-PDU-ACCEPTED",
    "The association is aborted when a P-DATA-TF is longer than half the maximum length we announced.")
IGNORE_MAX_PDU = _fault(
    "ignore-max-pdu", "ASSOC-MAX-PDU-HONOURED",
    "P-DATA-TF PDUs are sent without regard to the peer's maximum length.")
ABORT_ON_RELEASE = _fault(
    "abort-on-release", "ASSOC-RELEASE",
    "An A-RELEASE-RQ is answered with A-ABORT.",
    also_breaks=("ASSOC-NOTHING-AFTER-RELEASE-RP", "ASSOC-RELEASE-RP-RESERVED"))
IGNORE_UNKNOWN_PDU = _fault(
    "ignore-unknown-pdu", "ASSOC-INVALID-PDU-ABORT",
    "A PDU of unknown type before the A-ASSOCIATE-RQ is read and dropped: no A-ABORT, the connection stays open.",
    also_breaks=("ASSOC-UL-STATE-TABLE",), suites=("association",))
NO_CLOSE_AFTER_ABORT = _fault(
    "no-close-after-abort", "ASSOC-ABORT-CLOSES-CONNECTION",
    "After a peer's A-ABORT the association ends but the TCP connection is left open (closed a minute later).",
    also_breaks=("ASSOC-UL-STATE-TABLE",), suites=("association",))
ECHO_FAILURE = _fault(
    "echo-failure", "VERIFY-ECHO-SUCCESS",
    "C-ECHO is answered with status 0110 (Processing failure).")
ECHO_ONCE = _fault(
    "echo-once", "VERIFY-ECHO-REPEATABLE",
    "Only the first C-ECHO of an association is answered; later ones are ignored.")
STORE_DISCARDS = _fault(
    "store-discards", "STORE-RETAINS-INSTANCE",
    "C-STORE answers Success but does not keep the instance.",
    also_breaks=("COMMIT-LEVEL2-STORAGE", "STORE-CLAIMED-SOP-CLASSES", "STORE-CLAIMED-TRANSFER-SYNTAXES", "STORE-LEVEL2-KEEPS-ALL",
                 "STORE-REFERENCES-KEPT", "STORE-DUPLICATE-INSTANCE", "ASSOC-MAX-PDU-HONOURED", "ASSOC-MAX-PDU-ACCEPTED",
                 "WEB-DIMSE-SAME-INSTANCES", "STORE-CODE-COERCION-WARNING",
                 # storage commitment can only commit what was kept
                 "COMMIT-REPORT-SUCCESS", "COMMIT-REPORT-FAILED-ITEMS", *_QR_NEEDING_STORED_DATA))
COERCE_WITHOUT_WARNING = _fault(
    "coerce-without-warning", "STORE-RETAINS-INSTANCE",
    "Issuer of Patient ID is coerced to the archive's own (PS3.4 Table B.4-1 allows it) but the C-STORE answers "
    "Success, not the Warning B.4.1.3 requires.",
    also_breaks=("STORE-CLAIMED-SOP-CLASSES", "STORE-CLAIMED-TRANSFER-SYNTAXES", "STORE-LEVEL2-KEEPS-ALL",
                 "STORE-DUPLICATE-INSTANCE", "ASSOC-MAX-PDU-ACCEPTED"))     # every read-back after a store
REFUSE_MR_STORAGE = _fault(
    "refuse-mr-storage", "STORE-CLAIMED-SOP-CLASSES",
    "MR Image Storage is not offered in negotiation although the profile claims it.")
REFUSE_DEFLATE = _fault(
    "refuse-deflate", "STORE-CLAIMED-TRANSFER-SYNTAXES",
    "Deflated Explicit VR Little Endian is not offered although the profile claims it.")
DROP_PRIVATE = _fault(
    "drop-private", "STORE-LEVEL2-KEEPS-ALL",
    "Private attributes are removed before the instance is kept.")
DUPLICATE_DELETES = _fault(
    "duplicate-deletes", "STORE-DUPLICATE-INSTANCE",
    "A second C-STORE of a known SOP Instance UID answers Success and deletes the instance.")
MISMATCH_ABORTS = _fault(
    "mismatch-aborts", "STORE-MISMATCH-STATUS",
    "A data set whose SOP Class UID disagrees with the command's aborts the association.")

# Query/Retrieve (PS3.4 Annex C), in simulators/query_retrieve.py
PATIENT_ROOT_NO_PATIENTS = _fault(
    "patient-root-no-patients", "QR-FIND-PATIENT-ROOT",
    "Patient Root C-FIND at PATIENT level finds no patients.",
    also_breaks=("QR-MATCH-EVERY-REQUIRED-KEY", "QR-UNIQUE-KEY-NONZERO", "QR-MATCH-PN-LITERAL"))      # no patient answered: no Unique Key to look at
STUDY_ROOT_NO_IMAGES = _fault(
    "study-root-no-images", "QR-FIND-STUDY-ROOT",
    "Study Root C-FIND at IMAGE level finds no instances.",
    also_breaks=("QR-MATCH-EVERY-REQUIRED-KEY", "QR-UNIQUE-KEY-NONZERO",))      # no instance answered: no Unique Key to look at
HIERARCHICAL_ONLY = _fault(
    "hierarchical-only", "QR-FIND-RELATIONAL-NEGOTIATION",
    "Relational-queries are turned down (0) in SOP Class Extended Negotiation although the profile claims them, "
    "so every C-FIND is hierarchical.")
RELATIONAL_REFUSED = _fault(
    "relational-refused", "QR-FIND-RELATIONAL",
    "Relational-queries are agreed in negotiation, then a C-FIND without a unique key for each level above the "
    "query level is answered C000 (Unable to process).")
UNKNOWN_VALUE_FAILS = _fault(
    "unknown-value-fails", "QR-MATCH-UNKNOWN-VALUE",
    "An entity without a value for a matching key fails to match it (the Worklist rule, K.2.2.1.1.1) instead of "
    "matching (C.2.2.1.2).",
    also_breaks=("QR-MATCH-CHARSET", _DIFFERENTIAL,))
SINGLE_VALUE_CASE_INSENSITIVE = _fault(
    "single-value-case-insensitive", "QR-MATCH-SINGLE-VALUE",
    "Single value matching of Accession Number ignores case.",
    also_breaks=("QR-MATCH-CHARSET", _DIFFERENTIAL,))
UNIVERSAL_NEEDS_VALUE = _fault(
    "universal-needs-value", "QR-MATCH-UNIVERSAL",
    "A zero-length key matches only entities that have a value for it.",
    also_breaks=(_DIFFERENTIAL, "QR-FIND-REQUESTED-KEYS",))   # its zero-length keys must match entities without a value
WILDCARD_STAR_LITERAL = _fault(
    "wildcard-star-literal", "QR-MATCH-WILDCARD-STAR",
    "'*' in a key is matched literally instead of as any sequence of characters.",
    also_breaks=("QR-MATCH-CHARSET", _DIFFERENTIAL,))
WILDCARD_QUESTION_LITERAL = _fault(
    "wildcard-question-literal", "QR-MATCH-WILDCARD-QUESTION",
    "'?' in a key is matched literally instead of as any single character.",
    also_breaks=(_DIFFERENTIAL,))
UID_LIST_FIRST_ONLY = _fault(
    "uid-list-first-only", "QR-MATCH-UID-LIST",
    "A list of UIDs matches on its first UID only.",
    also_breaks=("QR-MATCH-CHARSET", _DIFFERENTIAL, "QR-MATCH-COMBINED-DATETIME"))
DATE_RANGE_EXCLUSIVE = _fault(
    "date-range-exclusive", "QR-MATCH-DATE-RANGE",
    "A closed date range excludes its two end dates.",
    also_breaks=(_DIFFERENTIAL, "QR-MATCH-COMBINED-DATETIME"))
OPEN_RANGE_UNMATCHED = _fault(
    "open-range-unmatched", "QR-MATCH-OPEN-DATE-RANGE",
    "An open-ended date range ('<date>-' or '-<date>') matches nothing.",
    also_breaks=(_DIFFERENTIAL, "QR-MATCH-COMBINED-DATETIME"))
TIME_RANGE_IGNORED = _fault(
    "time-range-ignored", "QR-MATCH-TIME-RANGE",
    "A time range matches nothing.",
    also_breaks=(_DIFFERENTIAL,))
SEQUENCE_EMPTY_ITEM_NEEDS_SEQUENCE = _fault(
    "sequence-empty-item-needs-sequence", "QR-MATCH-SEQUENCE-EMPTY-ITEM",
    "A sequence key holding one empty item matches only entities that hold that sequence, not all entities.")
SEQUENCE_MATCH_IGNORED = _fault(
    "sequence-match-ignored", "QR-MATCH-SEQUENCE",
    "Item keys of a sequence key are ignored: every entity matches.")
MODALITIES_FIRST_ONLY = _fault(
    "modalities-first-only", "QR-MATCH-MULTIPLE-VALUES",
    "Modalities in Study holds only the first of a study's modalities.")
FIND_DUPLICATE_PENDING = _fault(
    "find-duplicate-pending", "QR-FIND-PENDING-PER-MATCH",
    "The first match of a C-FIND is sent in two Pending responses.")
FIND_FINAL_WITH_IDENTIFIER = _fault(
    "find-final-with-identifier", "QR-FIND-FINAL-NO-IDENTIFIER",
    "The final C-FIND Success response carries a data set.")
DROP_EMPTY_KEYS = _fault(
    "drop-empty-keys", "QR-FIND-REQUESTED-KEYS",
    "Requested keys the entity has no value for are left out of the response instead of zero length.")
FIND_OMITS_PATIENT_NAME = _fault(
    "find-omits-patient-name", "QR-FIND-REQUESTED-KEYS",
    "C-FIND responses leave out Patient's Name although it was requested.",
    also_breaks=("QR-FIND-CHARSET",))        # it reads the name back
FIND_RETURNS_EXTRA = _fault(
    "find-returns-extra", "QR-FIND-NO-UNREQUESTED",
    "C-FIND responses carry Patient's Birth Date even when it was not requested.")
OMIT_QUERY_LEVEL = _fault(
    "omit-query-level", "QR-FIND-LEVEL-ECHOED",
    "C-FIND responses leave out the Query/Retrieve Level.")
STALE_STUDY_COUNTS = _fault(
    "stale-study-counts", "QR-FIND-RELATED-COUNTS",
    "Number of Study Related Instances is one more than the study holds.")
IGNORE_CANCEL = _fault(
    "ignore-cancel", "QR-FIND-CANCEL",
    "C-CANCEL is ignored: the C-FIND runs to the end and answers Success.")
MOVE_UNKNOWN_DESTINATION_SUCCESS = _fault(
    "move-unknown-destination-success", "QR-MOVE-UNKNOWN-DESTINATION",
    "A C-MOVE to an unknown destination answers Success with no sub-operations instead of a failure (A801).")
MOVE_CORRUPTS_PIXELS = _fault(
    "move-corrupts-pixels", "QR-MOVE-TO-DESTINATION",
    "C-MOVE sends each instance with its first pixel byte inverted.")
MOVE_MISCOUNTS = _fault(
    "move-miscounts", "QR-MOVE-SUBOP-COUNTS",
    "The final C-MOVE response reports one completed sub-operation more than were sent.")
GET_SERIES_DROPS_ONE = _fault(
    "get-series-drops-one", "QR-GET-RETRIEVES",
    "A C-GET selecting several instances sends all but the last.",
    # the partial-failure and cancel tests count the sub-operations of a C-GET of a whole study
    also_breaks=("QR-GET-FINAL-STATUS", "QR-GET-FAILED-UID-LIST", "QR-GET-RSP-NO-CHARSET", "QR-GET-CANCEL",
                 "QR-GET-WARNING-COUNTS"))
GET_MISCOUNTS = _fault(
    "get-miscounts", "QR-GET-SUBOP-COUNTS",
    "The final C-GET response reports one completed sub-operation more than were sent.")
CHARSET_DROPPED = _fault(
    "charset-dropped", "QR-FIND-CHARSET",
    "C-FIND responses leave out Specific Character Set although values use ISO 8859-1 characters.")


# -- workflow services: Modality Worklist and MPPS (simulators/ris.py), Storage Commitment (commitment.py) --
MWL_IGNORE_PATIENT_ID = _fault(
    "mwl-ignore-patient-id", "MWL-MATCH-PATIENT-ID",
    "Worklist queries ignore the Patient ID matching key.",
    also_breaks=("MWL-MATCH-DIFFERENTIAL",))
MWL_IGNORE_SEQUENCE_KEYS = _fault(
    "mwl-ignore-sequence-keys", "MWL-MATCH-SPS-SEQUENCE",
    "Worklist queries ignore Scheduled Station AE Title and Modality inside the Scheduled Procedure Step item.",
    also_breaks=("MWL-MATCH-DIFFERENTIAL",))
MWL_DATE_EXACT = _fault(
    "mwl-date-exact", "MWL-MATCH-DATE-RANGE",
    "A Scheduled Procedure Step Start Date range is matched as its first date only.",
    also_breaks=("MWL-MATCH-DIFFERENTIAL",))
MWL_DROP_RETURN_KEYS = _fault(
    "mwl-drop-return-keys", "MWL-RETURN-KEYS",
    "Worklist responses leave out the Accession Number although it was asked for.")
MWL_NO_MATCH_FAILURE = _fault(
    "mwl-no-match-failure", "MWL-NO-MATCH-SUCCESS",
    "A worklist query without matches is answered with C000 (Unable to process) instead of Success.",
    also_breaks=("MWL-MATCH-DIFFERENTIAL",))
MWL_UNKNOWN_MATCHES = _fault(
    "mwl-unknown-matches", "MWL-UNKNOWN-VALUE-FAILS",
    "A worklist item with no value (zero length) for a matching key matches any value of that key, as in "
    "Query/Retrieve.",
    also_breaks=("MWL-MATCH-DIFFERENTIAL",))
MPPS_CREATE_FORGETS = _fault(
    "mpps-create-forgets", "MPPS-CREATE-IN-PROGRESS",
    "N-CREATE answers Success but does not keep the Performed Procedure Step.",
    also_breaks=("MPPS-COMPLETED-NOT-UPDATABLE", "MPPS-FINAL-ERROR-COMMENT", "MPPS-FINAL-ERROR-ID", "MPPS-SET-COMPLETED", "MPPS-FINAL-NOT-UPDATABLE", "MPPS-CREATE-DUPLICATE", "MPPS-SET-DISCONTINUED",
                 "MPPS-CREATE-ASSIGNS-UID", "MPPS-SET-INTERMEDIATE"))      # each needs a created step to be kept
MPPS_CREATE_ANY_STATUS = _fault(
    "mpps-create-any-status", "MPPS-CREATE-ONLY-IN-PROGRESS",
    "N-CREATE accepts a Performed Procedure Step Status other than IN PROGRESS.")
MPPS_REFUSE_COMPLETED = _fault(
    "mpps-refuse-completed", "MPPS-SET-COMPLETED",
    "N-SET to COMPLETED is answered with 0110 (Processing failure).",
    also_breaks=("MPPS-COMPLETED-NOT-UPDATABLE", "MPPS-SET-INTERMEDIATE",))     # its sequence ends with COMPLETED
MPPS_SET_NOT_KEPT = _fault(
    "mpps-set-not-kept", "MPPS-SET-COMPLETED",
    "N-SET answers Success but changes nothing (the step reads back unchanged).",
    also_breaks=("MPPS-COMPLETED-NOT-UPDATABLE", "MPPS-FINAL-ERROR-COMMENT", "MPPS-FINAL-ERROR-ID", "MPPS-CREATE-IN-PROGRESS", "MPPS-FINAL-NOT-UPDATABLE", "MPPS-SET-DISCONTINUED",
                 "MPPS-SET-INTERMEDIATE"))
MPPS_UPDATE_AFTER_FINAL = _fault(
    "mpps-update-after-final", "MPPS-FINAL-NOT-UPDATABLE",
    "N-SET on a DISCONTINUED step is accepted (a COMPLETED one is mpps-update-after-completed's).",
    also_breaks=("MPPS-FINAL-ERROR-COMMENT", "MPPS-FINAL-ERROR-ID"))
MPPS_SET_UNKNOWN_SUCCESS = _fault(
    "mpps-set-unknown-success", "MPPS-SET-UNKNOWN-INSTANCE",
    "N-SET on a step that was never created answers Success.")
COMMIT_ACTION_REFUSED = _fault(
    "commit-action-refused", "COMMIT-ACTION-ACCEPTED",
    "Storage Commitment N-ACTION is answered with 0110 (Processing failure).",
    also_breaks=("COMMIT-FAILED-ITEM-UIDS", "COMMIT-LEVEL2-STORAGE", "COMMIT-REPORT-COMPLETE-SET", "COMMIT-REPORT-ITEM-UIDS", "COMMIT-RETRIEVE-AE-SERVES", "COMMIT-CONSISTENT-AE", "COMMIT-FILESET-PLACEMENT", "COMMIT-RETRIEVE-AE-PLACEMENT", "COMMIT-REPORT-SUCCESS", "COMMIT-REPORT-FAILED-ITEMS", "COMMIT-TRANSACTION-UID",
                 "COMMIT-NEW-ASSOCIATION", "COMMIT-REPORT-WELL-KNOWN-INSTANCE"))
COMMIT_DROPS_REFERENCE = _fault(
    "commit-drops-reference", "COMMIT-REPORT-SUCCESS",
    "The commitment result leaves the last committed instance out of the Referenced SOP Sequence.")
COMMIT_UNKNOWN_SUCCEEDS = _fault(
    "commit-unknown-succeeds", "COMMIT-REPORT-FAILED-ITEMS",
    "Instances the store does not hold are reported as committed.",
    also_breaks=("COMMIT-FAILED-ITEM-UIDS",))
COMMIT_EMPTY_FAILURE_REASON = _fault(
    "commit-empty-failure-reason", "COMMIT-REPORT-FAILED-ITEMS",
    "Failed SOP Sequence items carry a Failure Reason element with no value.")
COMMIT_NEW_TRANSACTION_UID = _fault(
    "commit-new-transaction-uid", "COMMIT-TRANSACTION-UID",
    "The commitment result carries a new Transaction UID instead of the request's.")
COMMIT_SAME_ASSOCIATION_ONLY = _fault(
    "commit-same-association-only", "COMMIT-NEW-ASSOCIATION",
    "The commitment result is only ever sent on the request's association, dropped once it is released.")

# -- DICOMweb server simulator (simulators/dicomweb) ---------------------------------------------------
WEB_SUITES = ("qido", "wado", "stow", "capabilities", "wado_uri")


def _web_fault(name: str, breaks: str, description: str, also_breaks: tuple[str, ...] = ()) -> Fault:
    return _fault(name, breaks, description, also_breaks, suites=WEB_SUITES)


QIDO_WRONG_STUDY_COUNTS = _web_fault(
    "qido-wrong-study-counts", "QIDO-STUDY-SEARCH",
    "Study search results give Number of Study Related Instances one too many.")
QIDO_SERIES_IGNORES_STUDY = _web_fault(
    "qido-series-ignores-study", "QIDO-SERIES-SEARCH",
    "A search for a study's series lists the series of every study.")
QIDO_INSTANCES_WITHOUT_SOP_CLASS = _web_fault(
    "qido-instances-without-sop-class", "QIDO-INSTANCE-SEARCH",
    "Instance search results lack SOP Class UID.")
QIDO_DATE_RANGE_AS_VALUE = _web_fault(
    "qido-date-range-as-value", "QIDO-ATTRIBUTE-MATCHING",
    "A date range is matched as a single literal value.",
    also_breaks=("QIDO-MATCH-DIFFERENTIAL", "QIDO-MATCH-STUDY-KEYS", "QIDO-MATCH-PPS-START"))      # its set searches hold a date range and a PN with '^'
QIDO_NO_PERCENT_DECODING = _web_fault(
    "qido-no-percent-decoding", "QIDO-PERCENT-ENCODED-VALUES",
    "Query values are matched without percent-decoding (like Orthanc 1.10.1).",
    also_breaks=("QIDO-MATCH-DIFFERENTIAL", "QIDO-MATCH-STUDY-KEYS"))      # its set searches hold a date range and a PN with '^'
QIDO_INCLUDEFIELD_KEYWORD_IGNORED = _web_fault(
    "qido-includefield-keyword-ignored", "QIDO-INCLUDEFIELD-KEYWORD",
    "An includefield value given as a keyword (includefield=ImageComments) is ignored.",
    also_breaks=("QIDO-INCLUDEFIELD-ENCODED-COMMA",))
QIDO_INCLUDEFIELD_TAG_IGNORED = _web_fault(
    "qido-includefield-tag-ignored", "QIDO-INCLUDEFIELD-TAG",
    "An includefield value given as a tag (includefield=00204000) is ignored.")
QIDO_INCLUDEFIELD_ALL_IGNORED = _web_fault(
    "qido-includefield-all-ignored", "QIDO-INCLUDEFIELD-ALL",
    "includefield=all adds nothing beyond the default attributes (like Orthanc 1.10.1).")
QIDO_INCLUDEFIELD_ANY_LEVEL = _web_fault(
    "qido-includefield-any-level", "QIDO-INCLUDEFIELD-LEVEL",
    "A study or series search returns the instance-level attributes its includefield names.")
QIDO_IGNORES_OFFSET = _web_fault(
    "qido-ignores-offset", "QIDO-LIMIT-OFFSET",
    "The offset query parameter is ignored.",
    also_breaks=("QIDO-NO-MATCH-204",))      # offset=99 past the matches must give 204, not the whole result
QIDO_NO_PAGING_WARNING = _web_fault(
    "qido-no-paging-warning", "QIDO-PAGING-WARNING",
    "A page that leaves matches unreturned carries no Warning: 299 header saying how many remain.")
QIDO_ORDER_ALTERNATES = _web_fault(
    "qido-order-alternates", "QIDO-IDEMPOTENT",
    "Every second search returns its page of matches in reverse order (the same matches, another order).")
QIDO_EMPTY_200 = _web_fault(
    "qido-empty-200", "QIDO-NO-MATCH-204",
    "A search with no results answers 200 with an empty array instead of 204.")
QIDO_REJECTS_UNKNOWN_PARAMETER = _web_fault(
    "qido-rejects-unknown-parameter", "QIDO-UNKNOWN-PARAMETER",
    "A query parameter the server does not know is answered with 400.")
QIDO_XML_ANSWERED_JSON = _web_fault(
    "qido-xml-answered-json", "QIDO-XML-RESULTS",
    "A search asked for as multipart/related; type=\"application/dicom+xml\" is answered in DICOM JSON.")
JSON_PN_AS_STRING = _web_fault(
    "json-pn-as-string", "QIDO-JSON-PN",
    "Search results carry Person Name values as plain strings, not {\"Alphabetic\": ...} objects.")
JSON_UID_INLINE_BINARY = _web_fault(
    "json-uid-inline-binary", "QIDO-JSON-MODEL",
    "Search results carry each UID attribute twice: as a Value and as an InlineBinary (F.2.2 allows one, and "
    "InlineBinary only for OB, OD, OF, OL, OV, OW and UN).")
JSON_WRONG_VR = _web_fault(
    "json-wrong-vr", "QIDO-JSON-VR",
    "Search results give Modality (0008,0060) the vr LO instead of CS.")
JSON_NUMBERS_AS_STRINGS = _web_fault(
    "json-numbers-as-strings", "QIDO-JSON-VALUE-TYPES",
    "Search results give US, UL, SS, SL, FL and FD values (Rows, Columns ...) as JSON strings, not numbers.")
JSON_EMPTY_VALUE_ARRAY = _web_fault(
    "json-empty-value-array", "QIDO-JSON-EMPTY-VALUE",
    "Search results give an empty attribute an empty \"Value\": [] instead of no Value.")
JSON_GROUP_LENGTH = _web_fault(
    "json-group-length", "QIDO-JSON-NO-GROUP-LENGTH",
    "Search results include a Group Length attribute (0008,0000).")
WADO_SERIES_DROPS_INSTANCE = _web_fault(
    "wado-series-drops-instance", "WADO-RETRIEVE-INSTANCES",
    "A series retrieve leaves out the series' last instance.")
MULTIPART_NO_TYPE_PARAMETER = _web_fault(
    "multipart-no-type-parameter", "WADO-MULTIPART-FORMAT",
    "Multipart responses of instances lack the type parameter of their Content-Type.")
METADATA_DROPS_TYPE3 = _web_fault(
    "metadata-drops-type3", "WADO-METADATA",
    "Metadata responses leave out Image Comments (a Type 3 attribute the instance has).")
METADATA_XML_ANSWERED_JSON = _web_fault(
    "metadata-xml-answered-json", "WADO-METADATA-XML",
    "Metadata asked for as multipart/related; type=\"application/dicom+xml\" comes back as DICOM JSON.")
BULKDATA_TRUNCATED = _web_fault(
    "bulkdata-truncated", "WADO-BULKDATA",
    "Bulkdata responses lose their last byte.")
FRAMES_OFF_BY_ONE = _web_fault(
    "frames-off-by-one", "WADO-FRAMES",
    "Frame numbers are taken as zero-based: frame n returns frame n+1.",
    also_breaks=("WADO-FRAMES-DECOMPRESSED", "WADO-FRAMES-COMPRESSED-LABEL"))
RENDERED_WRONG_SIZE = _web_fault(
    "rendered-wrong-size", "WADO-RENDERED",
    "Rendered images come back with rows and columns swapped.")
WADO_IGNORES_ACCEPT = _web_fault(
    "wado-ignores-accept", "WADO-NOT-ACCEPTABLE",
    "Instance retrieves look at the first media range of Accept only: when it is unsupported they answer 400 "
    "(Bad Request), neither 406 nor the default media type (as Orthanc 1.10.1).")
WADO_MISLABELS_TRANSFER_SYNTAX = _web_fault(
    "wado-mislabels-transfer-syntax", "WADO-TRANSFER-SYNTAX",
    "A requested transfer syntax is written in the part headers but the instance is sent as stored.")
WADO_SENDS_IMPLICIT_VR = _web_fault(
    "wado-sends-implicit-vr", "WADO-NO-IMPLICIT-VR",
    "A transfer-syntax parameter naming Implicit VR Little Endian is honoured: the instance is sent in it.")
WADO_DEFAULT_AS_STORED = _web_fault(
    "wado-default-as-stored", "WADO-DEFAULT-TRANSFER-SYNTAX",
    "Without a transfer-syntax parameter, compressed (RLE Lossless) instances are sent as stored, not in "
    "Explicit VR Little Endian.")
WADO_NO_ACCEPT_DEFAULT = _web_fault(
    "wado-no-accept-default", "WADO-NO-ACCEPT-406",
    "A WADO-RS request without an Accept header is answered as if it said */*, not 406.")
WADO_MIXED_ACCEPT_SERVED = _web_fault(
    "wado-mixed-accept-served", "WADO-MIXED-ACCEPT-400",
    "An Accept header naming both DICOM and Rendered Media Types is served (first match), not answered 400.")
WADO_UNKNOWN_STUDY_200 = _web_fault(
    "wado-unknown-study-200", "WADO-NOT-FOUND",
    "A retrieve of an unknown study answers 200 with an empty multipart body instead of 404.")
STOW_KEEPS_FIRST_ONLY = _web_fault(
    "stow-keeps-first-only", "STOW-STORE-READ-BACK",
    "A store request of several instances answers success for all but keeps only the first.")
STOW_RESPONSE_NO_RETRIEVE_URL = _web_fault(
    "stow-response-no-retrieve-url", "STOW-RESPONSE-MODULE",
    "Store responses leave out Retrieve URL, at the top and in each Referenced SOP Sequence item.",
    also_breaks=("STOW-XML-RESPONSE",))      # the XML answer holds the same module
STOW_ACCEPTS_OTHER_STUDY = _web_fault(
    "stow-accepts-other-study", "STOW-STUDY-MISMATCH",
    "A store to /studies/{uid} keeps instances of other studies.",
    also_breaks=("STOW-MIXED-STUDY",))
STOW_MIXED_409_KEEPS_MATCHING = _web_fault(
    "stow-mixed-409-keeps-matching", "STOW-MIXED-STUDY",
    "A store to /studies/{uid} with instances of that study and of another is answered 409 (none stored) although "
    "the matching instances are kept.")
STOW_IGNORES_CONTENT_TYPE = _web_fault(
    "stow-ignores-content-type", "STOW-UNSUPPORTED-MEDIA-TYPE",
    "A store request that is not multipart/related is answered 400 instead of 415.")
WEB_HIDES_DIMSE_INSTANCES = _web_fault(
    "web-hides-dimse-instances", "WEB-DIMSE-SAME-INSTANCES",
    "The DICOMweb server shows only instances stored over DICOMweb, not those stored by C-STORE.")
CAPS_WRONG_BASE = _web_fault(
    "caps-wrong-base", "CAPS-WADL",
    "The capabilities (WADL) document names another base URL in its resources element.")
WADO_URI_IGNORES_OBJECT_UID = _web_fault(
    "wado-uri-ignores-object-uid", "WADOURI-RETRIEVE-DICOM",
    "WADO-URI returns the series' first instance whatever objectUID names.")
WADO_URI_DEFAULT_AS_STORED = _web_fault(
    "wado-uri-default-as-stored", "WADOURI-DEFAULT-TRANSFER-SYNTAX",
    "WADO-URI without transferSyntax sends a compressed (RLE Lossless) instance as stored, not in Explicit VR "
    "Little Endian.")
WADO_URI_BAD_REQUEST_TYPE_404 = _web_fault(
    "wado-uri-bad-request-type-404", "WADOURI-BAD-REQUEST-TYPE",
    "WADO-URI with a requestType other than WADO is answered 404 instead of 400 (as Orthanc 1.10.1).")
WADO_URI_MISLABELS_RENDERED = _web_fault(
    "wado-uri-mislabels-rendered", "WADOURI-RENDERED-MEDIA-TYPE",
    "WADO-URI contentType=image/jpeg returns a JPEG labelled image/png (as Orthanc 1.10.1).")
WADO_URI_DEFAULT_DICOM = _web_fault(
    "wado-uri-default-dicom", "WADOURI-DEFAULT-JPEG",
    "WADO-URI without contentType returns application/dicom instead of image/jpeg.")
WADO_URI_UNSUPPORTED_SYNTAX_200 = _web_fault(
    "wado-uri-unsupported-syntax-200", "WADOURI-TRANSFER-SYNTAX-UNSUPPORTED-406",
    "WADO-URI with a valid transferSyntax it cannot send answers 200 in Explicit VR Little Endian, not 406.")
WEB_AUTH_ANONYMOUS = _web_fault(
    "web-auth-anonymous", "WEB-AUTH-REQUIRED",
    "The DICOMweb server answers requests without credentials although it is configured to require them.")
WADO_URI_MISSING_UID_404 = _web_fault(
    "wado-uri-missing-uid-404", "WADOURI-MISSING-PARAMETER",
    "WADO-URI requests missing a mandatory parameter are answered 404 instead of 400.")

# -- UPS-RS, the Worklist Service (simulators/dicomweb/ups.py) --------------------------------------------------


def _ups_fault(name: str, breaks: str, description: str, also_breaks: tuple[str, ...] = ()) -> Fault:
    return _fault(name, breaks, description, also_breaks, suites=("ups",))


UPS_CREATE_DROPS_COMMENTS = _ups_fault(
    "ups-create-drops-comments", "UPS-CREATE",
    "A created workitem is kept without its Comments on the Scheduled Procedure Step.")
UPS_CREATE_OVERWRITES = _ups_fault(
    "ups-create-overwrites", "UPS-CREATE-DUPLICATE",
    "Creating a workitem whose UID exists replaces it and answers 201 instead of 409.")
UPS_CREATE_ANY_STATE = _ups_fault(
    "ups-create-any-state", "UPS-CREATE-ONLY-SCHEDULED",
    "A workitem is created whatever Procedure Step State the request gives it.")
UPS_UNKNOWN_200_EMPTY = _ups_fault(
    "ups-unknown-200-empty", "UPS-RETRIEVE-UNKNOWN",
    "Retrieving an unknown workitem answers 200 with an empty array instead of 404.")
UPS_RETRIEVE_SHOWS_TRANSACTION_UID = _ups_fault(
    "ups-retrieve-shows-transaction-uid", "UPS-RETRIEVE-HIDES-TRANSACTION-UID",
    "A retrieved IN PROGRESS workitem carries its owner's Transaction UID.")
UPS_CLAIM_WITHOUT_TRANSACTION_UID = _ups_fault(
    "ups-claim-without-transaction-uid", "UPS-CLAIM",
    "A claim (change to IN PROGRESS) without a Transaction UID is accepted; the server makes one up.",
    also_breaks=("UPS-STATE-FAILURE-WARNING", "UPS-STATE-DIFFERENTIAL"))
UPS_RECLAIM_ALLOWED = _ups_fault(
    "ups-reclaim-allowed", "UPS-CLAIM-ONCE",
    "An IN PROGRESS workitem can be claimed again with another Transaction UID, which takes it over.",
    also_breaks=("UPS-STATE-DIFFERENTIAL",))
UPS_STATE_IGNORES_TRANSACTION_UID = _ups_fault(
    "ups-state-ignores-transaction-uid", "UPS-STATE-NEEDS-TRANSACTION-UID",
    "An IN PROGRESS workitem is completed or canceled whatever Transaction UID the request gives.",
    also_breaks=("UPS-STATE-FAILURE-WARNING", "UPS-STATE-DIFFERENTIAL"))
UPS_COMPLETE_FROM_SCHEDULED = _ups_fault(
    "ups-complete-from-scheduled", "UPS-NO-SKIPPING-IN-PROGRESS",
    "A SCHEDULED workitem can be set COMPLETED or CANCELED without being claimed first.",
    also_breaks=("UPS-STATE-FAILURE-WARNING", "UPS-STATE-DIFFERENTIAL"))
UPS_COMPLETE_WITHOUT_FINAL_STATE_CHECK = _ups_fault(
    "ups-complete-without-final-state-check", "UPS-FINAL-STATE-REQUIREMENTS",
    "A workitem is set COMPLETED although its Performed Procedure information is missing.",
    also_breaks=("UPS-STATE-DIFFERENTIAL",))
UPS_UPDATE_PARTIAL = _ups_fault(
    "ups-update-partial", "UPS-UPDATE",
    "An update answers 200 but keeps only the sequences it carries; other attributes are dropped.")
UPS_UPDATE_IGNORES_TRANSACTION_UID = _ups_fault(
    "ups-update-ignores-transaction-uid", "UPS-UPDATE-NEEDS-TRANSACTION-UID",
    "An IN PROGRESS workitem is updated whatever Transaction UID the request gives, or none.")
UPS_UPDATE_AFTER_COMPLETION = _ups_fault(
    "ups-update-after-completion", "UPS-UPDATE-FINAL-REFUSED",
    "A COMPLETED or CANCELED workitem is still updated.")
UPS_NO_ALREADY_COMPLETED_WARNING = _ups_fault(
    "ups-no-already-completed-warning", "UPS-ALREADY-IN-STATE-WARNING",
    "Completing an already COMPLETED workitem answers 200 without the Warning PS3.18 requires.")
UPS_CANCEL_REQUEST_IGNORED_WHEN_SCHEDULED = _ups_fault(
    "ups-cancel-request-ignored-when-scheduled", "UPS-REQUEST-CANCEL-SCHEDULED",
    "A cancellation request for a SCHEDULED workitem answers 202 and leaves it SCHEDULED.",
    also_breaks=("UPS-STATE-DIFFERENTIAL",))
UPS_CANCEL_REQUEST_COMPLETED_202 = _ups_fault(
    "ups-cancel-request-completed-202", "UPS-REQUEST-CANCEL-COMPLETED",
    "A cancellation request for a COMPLETED workitem answers 202 instead of 409.",
    also_breaks=("UPS-STATE-DIFFERENTIAL",))
UPS_SEARCH_IGNORES_STATE = _ups_fault(
    "ups-search-ignores-state", "UPS-SEARCH",
    "Searches ignore the Procedure Step State matching key.")
UPS_NO_INITIAL_STATE_REPORT = _ups_fault(
    "ups-no-initial-state-report", "UPS-SUBSCRIBE-WORKITEM",
    "Subscribing to a workitem sends no initial UPS State Report.")
UPS_GLOBAL_SUBSCRIPTION_IGNORES_NEW = _ups_fault(
    "ups-global-subscription-ignores-new", "UPS-GLOBAL-SUBSCRIPTION",
    "A global subscription does not cover workitems created after it.",
    also_breaks=("UPS-SUSPEND-GLOBAL",))    # suspending needs a global subscription that works
UPS_SUSPEND_IGNORED = _ups_fault(
    "ups-suspend-ignored", "UPS-SUSPEND-GLOBAL",
    "Suspending a global subscription answers 200 but new workitems still raise events.")
UPS_UNSUBSCRIBE_IGNORED = _ups_fault(
    "ups-unsubscribe-ignored", "UPS-UNSUBSCRIBE",
    "Unsubscribing answers 200 but events for the workitem keep coming.")
UPS_NO_CANCEL_REQUESTED_EVENT = _ups_fault(
    "ups-no-cancel-requested-event", "UPS-CANCEL-REQUESTED-EVENT",
    "A cancellation request for an IN PROGRESS workitem is answered 202 but subscribers are not told.")
UPS_OWNER_CANNOT_CANCEL = _ups_fault(
    "ups-owner-cannot-cancel", "UPS-CANCEL-BY-OWNER",
    "The owner's change of an IN PROGRESS workitem to CANCELED is refused (409) however complete it is.",
    also_breaks=("UPS-ALREADY-CANCELED-WARNING", "UPS-CANCEL-REQUEST-CANCELED-WARNING", "UPS-STATE-DIFFERENTIAL"))
UPS_NO_PROGRESS_EVENT = _ups_fault(
    "ups-no-progress-event", "UPS-PROGRESS-EVENT",
    "Updates of Procedure Step Progress are kept but not reported to the subscribers.")
UPS_FILTER_IGNORED = _ups_fault(
    "ups-filter-ignored", "UPS-FILTERED-SUBSCRIPTION",
    "A Filtered Worklist Subscription subscribes to every workitem, matching or not.")
UPS_XML_ANSWERED_JSON = _ups_fault(
    "ups-xml-answered-json", "UPS-RETRIEVE-XML",
    "A workitem asked for as multipart/related; type=\"application/dicom+xml\" is answered in DICOM JSON.")


# -- issue 11, DIMSE depth: the differential C-FIND matching and what it catches -------------------------------
WILDCARD_QUESTION_OPTIONAL = _fault(
    "wildcard-question-optional", "QR-MATCH-DIFFERENTIAL",
    "'?' in a key also matches no character at all ('A?' matches 'A'), not exactly one (PS3.4 C.2.2.2.4); the "
    "targeted '?' test, whose patterns have a character for every '?', does not see it.")

# -- DICOMweb depth (issue 12): rendering parameters, thumbnails, negotiation ------------------------------------
RENDERED_EXTENDED_JPEG = _web_fault(
    "rendered-extended-jpeg", "WADO-RENDERED-JPEG-BASELINE",
    "Rendered image/jpeg carries an extended sequential frame header (SOF1), not JPEG baseline (SOF0).")
RENDERED_PNG_16_BIT = _web_fault(
    "rendered-png-16-bit", "WADO-RENDERED-8-BIT",
    "A 12-bit image rendered as image/png keeps 16 bits per sample.")
RENDERED_NO_GIF = _web_fault(
    "rendered-no-gif", "WADO-RENDERED-REQUIRED-IMAGE-TYPES",
    "Rendered resources are not offered as image/gif (406), which Table 8.7.4-1 requires of RESTful servers.")
RENDERED_QUALITY_UNCHECKED = _web_fault(
    "rendered-quality-unchecked", "WADO-QUALITY-INVALID-400",
    "A quality parameter out of 1..100, not an integer or without a value is ignored (200), not answered 400.")
RENDERED_VIEWPORT_SHRINK_ONLY = _web_fault(
    "rendered-viewport-shrink-only", "WADO-VIEWPORT-DEFAULTS",
    "viewport=vw,vh only ever shrinks the image: a viewport larger than the image leaves it unscaled.")
RENDERED_VIEWPORT_IGNORES_CROP = _web_fault(
    "rendered-viewport-ignores-crop", "WADO-VIEWPORT-CROP-SCALE",
    "viewport=vw,vh,sx,sy,sw,sh scales the whole image; the source region is not cropped.")
RENDERED_VIEWPORT_UNCHECKED = _web_fault(
    "rendered-viewport-unchecked", "WADO-VIEWPORT-INVALID-400",
    "An ill-formed viewport is ignored (200, unscaled), not answered 400.")
RENDERED_WINDOW_UNCHECKED = _web_fault(
    "rendered-window-unchecked", "WADO-WINDOW-INVALID-400",
    "A window parameter without a valid function, or with an ill-formed center, is ignored (200), not 400.")
RENDERED_WINDOW_IGNORED = _web_fault(
    "rendered-window-ignored", "WADO-WINDOW-APPLIED",
    "window=center,width,function is accepted but the image is rendered with its own full value range.")
RENDERED_ANNOTATION_UNCHECKED = _web_fault(
    "rendered-annotation-unchecked", "WADO-ANNOTATION-INVALID-400",
    "An annotation parameter without a value is ignored (200), not answered 400.")
RENDERED_ANNOTATION_NO_WARNING = _web_fault(
    "rendered-annotation-no-warning", "WADO-ANNOTATION-UNSUPPORTED-WARNING",
    "Unsupported annotation values are ignored without the Warning 299 header naming them.")
RENDERED_FRAME_IGNORED = _web_fault(
    "rendered-frame-ignored", "WADO-RENDERED-FRAMES",
    "A Rendered Frames resource always renders frame 1, whatever frame the path names.")
THUMBNAIL_NOT_RENDERED_TYPE = _web_fault(
    "thumbnail-not-rendered-type", "WADO-THUMBNAIL-RENDERED",
    "Thumbnails are labelled application/octet-stream, not a Rendered Media Type.")
THUMBNAIL_STUDY_MULTIPART = _web_fault(
    "thumbnail-study-multipart", "WADO-THUMBNAIL-SINGLE-IMAGE",
    "A study or series thumbnail is a multipart/related payload with one image per instance.")
THUMBNAIL_FRAME_MISSING = _web_fault(
    "thumbnail-frame-missing", "WADO-THUMBNAIL-ALL-LEVELS",
    "The Frame Thumbnail resource is answered 404 although the other Thumbnail resources are served.")
ACCEPT_IGNORES_Q = _web_fault(
    "accept-ignores-q", "WADO-ACCEPT-QVALUE",
    "Accept media ranges are tried in the order listed, whatever their q values.")
ACCEPT_UNKNOWN_PARAMETER_406 = _web_fault(
    "accept-unknown-parameter-406", "WADO-ACCEPT-INVALID-IGNORED",
    "An Accept media range with a parameter the server does not know is treated as unacceptable, not ignored.")
ACCEPT_PARAM_OVERRIDES_HEADER = _web_fault(
    "accept-param-overrides-header", "WADO-ACCEPT-PARAM-DEFAULT",
    "An accept query parameter naming no supported media type hides the Accept header: 406, not the default.")
ACCEPT_PARAM_MIXED_SERVED = _web_fault(
    "accept-param-mixed-served", "WADO-ACCEPT-PARAM-MIXED-400",
    "An accept query parameter naming a DICOM and a Rendered Media Type is served (its first type), not 400.")
CHARSET_PARAMETER_406 = _web_fault(
    "charset-parameter-406", "WADO-CHARSET-MEDIA-PARAMETER",
    "A metadata Accept media type with a charset parameter (charset=utf-8) is treated as unacceptable (406).")
WADO_REJECTS_UNKNOWN_PARAMETER = _web_fault(
    "wado-rejects-unknown-parameter", "WADO-UNKNOWN-PARAMETER-IGNORED",
    "A retrieve with a Query Parameter the server does not know is answered 400, not as if it were absent.")
QIDO_INVALID_LIMIT_IGNORED = _web_fault(
    "qido-invalid-limit-ignored", "QIDO-INVALID-PARAMETER-VALUE-400",
    "A search with limit=abc or offset=-1 is answered as if the parameter were absent, not 400.")

# -- issue 11, DIMSE depth (server side, second round): response command fields (PS3.7), C-FIND refusals, MPPS
# steps and the commitment report. The command-field faults change a response after pynetdicom built it, before
# it is encoded (PacsSimulator._mangle_response).
ECHO_RSP_WRONG_CLASS = _fault(
    "echo-rsp-wrong-class", "VERIFY-RSP-AFFECTED-SOP-CLASS",
    "The C-ECHO-RSP's Affected SOP Class UID names CT Image Storage, not the Verification SOP Class of the request.")
ECHO_RSP_WITH_DATA_SET = _fault(
    "echo-rsp-with-data-set", "VERIFY-RSP-NO-DATASET",
    "The C-ECHO-RSP says a data set follows (Command Data Set Type 0001) and sends one.")
STORE_RSP_WRONG_MESSAGE_ID = _fault(
    "store-rsp-wrong-message-id", "STORE-RSP-MESSAGE-ID",
    "The C-STORE-RSP's Message ID Being Responded To is the request's Message ID plus 1000.")
STORE_RSP_WRONG_INSTANCE = _fault(
    "store-rsp-wrong-instance", "STORE-RSP-AFFECTED-UIDS",
    "The C-STORE-RSP's Affected SOP Instance UID is a fresh UID, not the one of the request.")
FIND_RSP_WRONG_MESSAGE_ID = _fault(
    "find-rsp-wrong-message-id", "QR-FIND-RSP-MESSAGE-ID",
    "The final C-FIND-RSP's Message ID Being Responded To is the request's Message ID plus 1000 (Pending ones "
    "are right).")
FIND_RSP_WRONG_CLASS = _fault(
    "find-rsp-wrong-class", "QR-FIND-RSP-AFFECTED-SOP-CLASS",
    "C-FIND-RSPs of the Study Root model name the Patient Root FIND SOP Class as Affected SOP Class, and "
    "the other way round.")
MOVE_RSP_WRONG_MESSAGE_ID = _fault(
    "move-rsp-wrong-message-id", "QR-MOVE-RSP-MESSAGE-ID",
    "C-MOVE-RSPs name the request's Message ID plus 1000 as Message ID Being Responded To.")
GET_RSP_WRONG_MESSAGE_ID = _fault(
    "get-rsp-wrong-message-id", "QR-GET-RSP-MESSAGE-ID",
    "C-GET-RSPs name the request's Message ID plus 1000 as Message ID Being Responded To.")
MOVE_PENDING_WITH_DATA_SET = _fault(
    "move-pending-with-data-set", "QR-MOVE-PENDING-NO-DATASET",
    "Pending C-MOVE-RSPs carry a data set (an empty Failed SOP Instance UID List) although nothing failed.")
FIND_NO_LEVEL_SUCCESS = _fault(
    "find-no-level-success", "QR-FIND-UNABLE-REFUSED-OR-FAILED",
    "A C-FIND without a Query/Retrieve Level is answered Success with no matches, not Refused or Failed.")
FIND_FAILURE_WITH_IDENTIFIER = _fault(
    "find-failure-with-identifier", "QR-FIND-FAILURE-NO-IDENTIFIER",
    "A Failed or Refused C-FIND-RSP carries an identifier (the request's level) after its command set.")
MPPS_CREATE_RSP_WRONG_MESSAGE_ID = _fault(
    "mpps-create-rsp-wrong-message-id", "MPPS-CREATE-RSP-FIELDS",
    "The N-CREATE-RSP's Message ID Being Responded To is the request's Message ID plus 1000.")
MPPS_SET_RSP_WRONG_INSTANCE = _fault(
    "mpps-set-rsp-wrong-instance", "MPPS-SET-RSP-FIELDS",
    "The MPPS N-SET-RSP's Affected SOP Instance UID is a fresh UID, not the Requested SOP Instance UID.")
COMMIT_ACTION_RSP_WRONG_MESSAGE_ID = _fault(
    "commit-action-rsp-wrong-message-id", "COMMIT-ACTION-RSP-FIELDS",
    "The N-ACTION-RSP's Message ID Being Responded To is the request's Message ID plus 1000.")
MPPS_CREATE_DUPLICATE_OVERWRITES = _fault(
    "mpps-create-duplicate-overwrites", "MPPS-CREATE-DUPLICATE",
    "An N-CREATE naming the SOP Instance UID of an existing step replaces that step and answers Success.")
MPPS_REFUSE_DISCONTINUED = _fault(
    "mpps-refuse-discontinued", "MPPS-SET-DISCONTINUED",
    "An N-SET of an IN PROGRESS step to DISCONTINUED is refused with Processing Failure (0110).",
    also_breaks=("MPPS-FINAL-ERROR-COMMENT", "MPPS-FINAL-ERROR-ID", "MPPS-FINAL-NOT-UPDATABLE",))    # that test discontinues a step first
MPPS_CREATE_UID_NOT_RETURNED = _fault(
    "mpps-create-uid-not-returned", "MPPS-CREATE-ASSIGNS-UID",
    "The Success N-CREATE-RSP leaves out the Affected SOP Instance UID, also when the SCP assigned it (the request "
    "had none).")
COMMIT_REPORT_WRONG_INSTANCE = _fault(
    "commit-report-wrong-instance", "COMMIT-REPORT-WELL-KNOWN-INSTANCE",
    "The N-EVENT-REPORT names the Transaction UID as Affected SOP Instance, not the well-known instance "
    "1.2.840.10008.1.20.1.1.")

# -- DICOMweb depth (issue 12, round 2): differential QIDO matching, STOW responses, capabilities ----------------
QIDO_WILDCARD_IGNORES_CASE = _web_fault(
    "qido-wildcard-ignores-case", "QIDO-MATCH-DIFFERENTIAL",
    "'*' and '?' keys of the case-sensitive VRs (SH, LO, CS ...) match without regard to case ('w*' matches "
    "'W123'), as an SQL LIKE in a case-insensitive collation would; PS3.4 C.2.2.2.4 leaves case to the "
    "implementation for PN only. The targeted matching test, whose wild cards keep the stored case, does not see it.")
CAPS_LABELLED_XML = _web_fault(
    "caps-labelled-xml", "CAPS-ACCEPTABLE-MEDIA-TYPE",
    "The WADL asked for as application/vnd.sun.wadl+xml is labelled application/xml.")
CAPS_WADL_FLAT = _web_fault(
    "caps-wadl-flat", "CAPS-RESOURCE-TREE",
    "The WADL lists the studies resource without its children (no study, series, instance or metadata resources).")


# -- Viewers against the DICOMweb server (issue 14): the comma of lists sent percent-encoded, frames and bulk data
QIDO_ENCODED_COMMA_UID_LIST = _web_fault(
    "qido-encoded-comma-uid-list", "QIDO-UID-LIST-ENCODED-COMMA",
    "A UID list is split on the literal comma only: StudyInstanceUID=A%2CB is one UID 'A,B' that matches nothing.")
QIDO_ENCODED_COMMA_INCLUDEFIELD = _web_fault(
    "qido-encoded-comma-includefield", "QIDO-INCLUDEFIELD-ENCODED-COMMA",
    "An includefield list is split on the literal comma only: includefield=00081030%2C00080060 is answered 400.")
FRAMES_COMPRESSED_AS_OCTET_STREAM = _web_fault(
    "frames-compressed-as-octet-stream", "WADO-FRAMES-DECOMPRESSED",
    "Frames of a compressed instance asked for as application/octet-stream are its compressed bytes, so labelled.")
FRAMES_COMPRESSED_UNLABELLED = _web_fault(
    "frames-compressed-unlabelled", "WADO-FRAMES-COMPRESSED-LABEL",
    "Compressed frames (transfer-syntax=*) are labelled application/octet-stream, without their media type and "
    "transfer-syntax parameter.")
BULKDATA_PIXEL_DATA_ENCAPSULATED = _web_fault(
    "bulkdata-pixel-data-encapsulated", "WADO-BULKDATA-COMPRESSED",
    "The Pixel Data bulk data of a compressed instance is its encapsulated value (item tags and all) labelled "
    "application/octet-stream.")


# -- FHIR R4 (issue 18): the ImagingStudy face of the DICOMweb simulator (simulators/dicomweb/fhir.py) -------------
FHIR_SUITES = ("fhir",)


def _fhir_fault(name: str, breaks: str, description: str, also_breaks: tuple[str, ...] = ()) -> Fault:
    return _fault(name, breaks, description, also_breaks, suites=FHIR_SUITES)


FHIR_JSON_AS_PLAIN_JSON = _fhir_fault(
    "fhir-json-as-plain-json", "FHIR-JSON-MEDIA-TYPE",
    "FHIR resources and Bundles are labelled application/json, not application/fhir+json.")
FHIR_PATIENT_IDENTIFIER_UNMATCHED = _fhir_fault(
    "fhir-patient-identifier-unmatched", "FHIR-PATIENT-IDENTIFIER",
    "Patient?identifier= compares the value with the Patient's name, so the DICOM Patient ID finds nobody.")
FHIR_STUDY_UID_BARE = _fhir_fault(
    "fhir-study-uid-bare", "FHIR-STUDY-IDENTIFIER-UID",
    "ImagingStudy.identifier (system urn:dicom:uid) holds the bare Study Instance UID, without urn:oid:.")
FHIR_STUDY_SUBJECT_WRONG = _fhir_fault(
    "fhir-study-subject-wrong", "FHIR-STUDY-SUBJECT",
    "ImagingStudy.subject references a Patient that is not the one with the study's Patient ID.")
FHIR_STUDY_COUNTS_OFF = _fhir_fault(
    "fhir-study-counts-off", "FHIR-STUDY-COUNTS",
    "ImagingStudy.numberOfInstances is one more than the study holds.")
FHIR_SERIES_UID_PREFIXED = _fhir_fault(
    "fhir-series-uid-prefixed", "FHIR-SERIES-UID",
    "ImagingStudy.series.uid is written urn:oid:UID, though it is of type id holding the Series Instance UID.")
FHIR_SERIES_NUMBER_OFF = _fhir_fault(
    "fhir-series-number-off", "FHIR-SERIES-NUMBER",
    "ImagingStudy.series.number is one more than the Series Number.")
FHIR_MODALITY_NO_SYSTEM = _fhir_fault(
    "fhir-modality-no-system", "FHIR-SERIES-MODALITY",
    "ImagingStudy.series.modality (and .modality) carry the code without the DCM system.")
FHIR_INSTANCES_DROP_LAST = _fhir_fault(
    "fhir-instances-drop-last", "FHIR-INSTANCE-UID",
    "ImagingStudy.series.instance leaves out the last instance of each series of more than one.")
FHIR_INSTANCE_SOP_CLASS_BARE = _fhir_fault(
    "fhir-instance-sop-class-bare", "FHIR-INSTANCE-SOP-CLASS",
    "ImagingStudy.series.instance.sopClass (system urn:ietf:rfc:3986) holds the bare SOP Class UID, not a URI.")
FHIR_INSTANCE_NUMBER_OFF = _fhir_fault(
    "fhir-instance-number-off", "FHIR-INSTANCE-NUMBER",
    "ImagingStudy.series.instance.number is one more than the Instance Number.")
FHIR_ENDPOINT_WRONG_ADDRESS = _fhir_fault(
    "fhir-endpoint-wrong-address", "FHIR-ENDPOINT-WADO-RS",
    "The dicom-wado-rs Endpoint's address is a path the server does not serve (/wado-rs instead of the DICOMweb root).")

# -- DIMSE depth (issue 11, round 3): differential worklist matching, response shapes ----------------------------
MWL_DATE_TIME_SEPARATE = _fault(
    "mwl-date-time-separate", "MWL-MATCH-DIFFERENTIAL",
    "Scheduled Procedure Step Start Date and Time ranges are matched apart (a date in the date range and a time "
    "in the time range) rather than as one period (Table K.6-1): an item on July 6 at 8am misses the query July "
    "5 to 7, 10am to 6pm. Only the differential test sends both ranges at once.")
MWL_MATCHING_KEYS_BLANK = _fault(
    "mwl-matching-keys-blank", "MWL-MATCHING-KEYS-RETURNED",
    "Scheduled Station AE Title and Modality given as matching keys in the Scheduled Procedure Step item come back "
    "at zero length (only keys asked for empty are filled in, as if matching keys were not return keys).",
    also_breaks=("MWL-MATCH-MULTIPLE-VALUES",))
MWL_LAST_MATCH_TWICE = _fault(
    "mwl-last-match-twice", "MWL-PENDING-PER-MATCH",
    "A worklist query with more than one match sends the last match in two Pending responses.",
    also_breaks=("MWL-MATCH-TIME-RANGE",))
MWL_EMPTY_TIMEZONE = _fault(
    "mwl-empty-timezone", "MWL-TIMEZONE-NOT-EMPTY",
    "Every worklist response identifier carries Timezone Offset From UTC (0008,0201) with zero length.")
MWL_UNREQUESTED_ATTRIBUTE = _fault(
    "mwl-unrequested-attribute", "MWL-NO-UNREQUESTED",
    "Worklist response identifiers add the item's Requesting Physician, which the query did not ask for.")
FIND_EMPTY_TIMEZONE = _fault(
    "find-empty-timezone", "QR-FIND-TIMEZONE-NOT-EMPTY",
    "Every C-FIND response identifier carries Timezone Offset From UTC (0008,0201) with zero length.")
FIND_PATIENT_ID_EMPTY = _fault(
    "find-patient-id-empty", "QR-UNIQUE-KEY-NONZERO",
    "PATIENT-level C-FIND responses to a request that asked Patient ID with zero length return it at zero length "
    "(the key echoed, not the patient's value).",
    also_breaks=("QR-MATCH-EVERY-REQUIRED-KEY", "QR-MATCH-PN-LITERAL"))

# -- STOW-RS partial failures (issue 12, round 3): status, Failed/Referenced SOP Sequences, Failure Reasons --------
STOW_PARTIAL_200 = _web_fault(
    "stow-partial-200", "STOW-PARTIAL-STATUS",
    "A store where some instances are stored and others refused is answered 200 (OK) instead of 202 (Accepted); "
    "the response module still lists both kinds. A store to /studies/{uid} with an instance of another study is such "
    "a store, hence STOW-MIXED-STUDY.", also_breaks=("STOW-MIXED-STUDY",))
STOW_FAILED_ITEM_NO_CLASS = _web_fault(
    "stow-failed-item-no-class", "STOW-FAILED-SOP-SEQUENCE",
    "Failed SOP Sequence items carry the Referenced SOP Instance UID and Failure Reason but no Referenced SOP "
    "Class UID.")
STOW_FAILURE_REASON_SOP_CLASS = _web_fault(
    "stow-failure-reason-sop-class", "STOW-FAILURE-REASON",
    "An instance refused for UIDs that are not UIDs (A900) or an impossible element length (C000) gets Failure "
    "Reason 0122 (Referenced SOP Class not supported), though its SOP Class is stored.")
STOW_PARTIAL_LISTS_REFUSED = _web_fault(
    "stow-partial-lists-refused", "STOW-PARTIAL-REFERENCED",
    "A store answered 202 lists its refused instances in the Referenced SOP Sequence too (besides the Failed SOP "
    "Sequence); the mixed-study store is one of them, hence STOW-MIXED-STUDY.", also_breaks=("STOW-MIXED-STUDY",))

# -- DICOMweb depth (issue 12, round 4): STOW success response, WADO-URI parameters ----------------------------------
STOW_RESPONSE_CHUNKED = _web_fault(
    "stow-response-chunked", "STOW-SUCCESS-HEADERS",
    "The store response is sent with Transfer-Encoding: chunked: neither Content-Length nor Content-Encoding.")
STOW_XML_ANSWERED_JSON = _web_fault(
    "stow-xml-answered-json", "STOW-XML-RESPONSE",
    "A store that accepts only application/dicom+xml is answered with the Store Instances Response Module in DICOM "
    "JSON.")
WADO_URI_CONTENTTYPE_PARAMETERS_ACCEPTED = _web_fault(
    "wado-uri-contenttype-parameters-accepted", "WADOURI-CONTENTTYPE-PARAMETERS-400",
    "contentType=application/dicom;transfer-syntax=... is served (the parameter dropped) instead of 400.")
WADO_URI_INVALID_SYNTAX_406 = _web_fault(
    "wado-uri-invalid-syntax-406", "WADOURI-TRANSFER-SYNTAX-INVALID-400",
    "A transferSyntax value that is not a UID, or given twice, is treated as an unsupported syntax: 406 (or the "
    "last value used) instead of 400.")
WADO_URI_SUPPORTED_SYNTAX_IGNORED = _web_fault(
    "wado-uri-supported-syntax-ignored", "WADOURI-TRANSFER-SYNTAX-PARAMETER",
    "A transferSyntax the server supports (the stored RLE Lossless) is answered in the default Explicit VR Little "
    "Endian; an unsupported one still gets 406.")
UPS_CREATE_ECHOES_WORKITEM = _ups_fault(
    "ups-create-echoes-workitem", "UPS-CREATE-NO-PAYLOAD",
    "A 201 create response carries the created workitem as DICOM JSON.")
UPS_UNSUBSCRIBE_PAYLOAD = _ups_fault(
    "ups-unsubscribe-payload", "UPS-UNSUBSCRIBE-NO-PAYLOAD",
    "A successful unsubscribe is answered 200 with a text payload (\"unsubscribed\").")
UPS_SUSPEND_PAYLOAD = _ups_fault(
    "ups-suspend-payload", "UPS-SUSPEND-NO-PAYLOAD",
    "A successful suspend of a global subscription is answered 200 with a text payload (\"suspended\").")
UPS_STATE_REFUSAL_NO_WARNING = _ups_fault(
    "ups-state-refusal-no-warning", "UPS-STATE-FAILURE-WARNING",
    "A refused change of Procedure Step State (missing or incorrect Transaction UID, a change the state does not "
    "allow) is answered with its failure status but no Warning header field.")
QIDO_INCLUDEFIELD_ALL_UPPER_IGNORED = _web_fault(
    "qido-includefield-all-upper-ignored", "QIDO-INCLUDEFIELD-ALL-STUDY-SERIES",
    "includefield=all on a study or series search adds nothing beyond the default attributes (instance searches "
    "still honour it; qido-includefield-all-ignored is the reverse).")
# -- Query/Retrieve depth (issue 11, round 4): PATIENT-level C-MOVE, C-GET partial failure and cancel,
#    extended negotiation answers ------------------------------------------------------------------------------
MOVE_PATIENT_FIRST_STUDY = _fault(
    "move-patient-first-study", "QR-MOVE-PATIENT-LEVEL",
    "A Patient Root C-MOVE at the PATIENT level sends the instances of the patient's first study only.")
GET_PARTIAL_AS_FAILURE = _fault(
    "get-partial-as-failure", "QR-GET-FINAL-STATUS",
    "A C-GET whose C-STOREs partly failed ends with Failure A702 (Unable to perform sub-operations) instead of "
    "Warning, as if all had failed; the Failed SOP Instance UID List still comes with it.")
GET_FAILED_LIST_MISSING = _fault(
    "get-failed-list-missing", "QR-GET-FAILED-UID-LIST",
    "The final Warning, Failure or Canceled C-GET response carries no identifier, so no Failed SOP Instance UID "
    "List (and QR-GET-RSP-NO-CHARSET has no identifier to judge).", also_breaks=("QR-GET-RSP-NO-CHARSET",))
GET_RSP_CHARSET = _fault(
    "get-rsp-charset", "QR-GET-RSP-NO-CHARSET",
    "The identifier of a final C-GET response (its Failed SOP Instance UID List) also carries Specific Character "
    "Set ISO_IR 100.")
GET_IGNORES_CANCEL = _fault(
    "get-ignores-cancel", "QR-GET-CANCEL",
    "A C-GET-CANCEL received during the C-STORE sub-operations is dropped: the C-GET runs to its end.")
EXTNEG_FIND_TWO_BYTES = _fault(
    "extneg-find-two-bytes", "QR-EXTNEG-FIND-SINGLE-BYTE",
    "Offered a one-byte SOP Class Extended Negotiation item for a C-FIND model, the SCP answers two bytes.")
EXTNEG_RETRIEVE_TWO_BYTES = _fault(
    "extneg-retrieve-two-bytes", "QR-EXTNEG-RETRIEVE-SINGLE-BYTE",
    "Offered a one-byte SOP Class Extended Negotiation item for a C-MOVE model, the SCP answers two bytes.")
MPPS_ONE_INTERMEDIATE_SET = _fault(
    "mpps-one-intermediate-set", "MPPS-SET-INTERMEDIATE",
    "A step IN PROGRESS takes one N-SET that leaves it IN PROGRESS; a second such N-SET is refused with "
    "Processing Failure (0110), as if the step could only be updated once before its final N-SET.")
# -- references between instances: Key Object Selection and GSPS (issue 18, round 4) ------------------------------
STORE_DROPS_KOS_EVIDENCE = _fault(
    "store-drops-kos-evidence", "STORE-REFERENCES-KEPT",
    "A Key Object Selection Document is stored without its Current Requested Procedure Evidence Sequence (Type 1) "
    "and answered Success.", suites=("storage",))
STORE_REWRITES_GSPS_REFERENCE = _fault(
    "store-rewrites-gsps-reference", "STORE-REFERENCES-KEPT",
    "A Grayscale Softcopy Presentation State is stored with the first Referenced SOP Instance UID of its "
    "Referenced Image Sequence replaced by a new UID naming nothing, and answered Success.", suites=("storage",))
STOW_REWRITES_REFERENCED_UID = _web_fault(
    "stow-rewrites-referenced-uid", "WADO-REFERENCES-KEPT",
    "STOW-RS keeps a Key Object Selection Document or GSPS with its first referenced SOP Instance UID replaced, "
    "wherever it occurs, by a new UID naming nothing (no Original Attributes Sequence).")
# -- secure transport (issue 15, round 4): the PACS simulator's TLS port (PS3.15 B.9-B.11) -------------------------
TLS_PLAIN_FALLBACK = _fault(
    "tls-plain-fallback", "SEC-TLS-STRICT",
    "The TLS port also serves an A-ASSOCIATE-RQ sent in the clear (a downgrade to plain DICOM on the TLS port).",
    suites=("security",))
TLS_OLD_VERSIONS = _fault(
    "tls-old-versions", "SEC-TLS-NO-OLD-VERSIONS",
    "The TLS port negotiates TLS 1.0 and TLS 1.1 with a client that offers nothing newer.", suites=("security",))
TLS_NO_DHE = _fault(
    "tls-no-dhe", "SEC-TLS-SUITES",
    "The TLS port has no DH parameters, so the two TLS_DHE_RSA_WITH_AES_*_GCM_* suites cannot be negotiated.",
    suites=("security",))
TLS_CLIENT_CERT_OPTIONAL = _fault(
    "tls-client-cert-optional", "SEC-TLS-CLIENT-AUTH",
    "The TLS port accepts a client that presents no certificate, though the profile claims mutual authentication.",
    suites=("security",))

# -- robustness (issue 15, round 4): opt-in by the profile's "robustness" claim -----------------------------------
ROBUST_INVALID_RQ_CLOSED = _fault(
    "robust-invalid-rq-closed", "ROBUST-INVALID-RQ-ABORT",
    "An A-ASSOCIATE-RQ that cannot be decoded (an item cut short inside the PDU) gets its connection closed, "
    "without the A-ABORT PDU.", suites=("robustness",))
# -- the upper layer state machine, PS3.8 Table 9-10 (round 4, association depth; simulators/pacs.py) ------------
# Each replaces one row's action for the acceptor (pacs.py STATE_TABLE_FAULTS); the differential test plays every
# row these change, hence its also_breaks.
UL_ABORT_ANSWERED_WITH_ABORT = _fault(
    "ul-abort-answered-with-abort", "ASSOC-UL-STATE-TABLE",
    "An A-ABORT PDU arriving before any A-ASSOCIATE-RQ (Sta2) is answered with an A-ABORT PDU (AA-1) instead of "
    "the transport connection being closed (AA-2).", suites=("association",))
UL_STA2_IGNORES_UNEXPECTED_PDU = _fault(
    "ul-sta2-ignores-unexpected-pdu", "ASSOC-STA2-UNEXPECTED-PDU",
    "A P-DATA-TF, A-RELEASE-RQ or A-RELEASE-RP arriving before any A-ASSOCIATE-RQ (Sta2) is ignored (AA-6) instead "
    "of answered with an A-ABORT PDU (AA-1).", also_breaks=("ASSOC-UL-STATE-TABLE",), suites=("association",))
UL_STA6_IGNORES_SECOND_REQUEST = _fault(
    "ul-sta6-ignores-second-request", "ASSOC-STA6-SECOND-REQUEST",
    "An A-ASSOCIATE-RQ or A-RELEASE-RP arriving on an established association (Sta6) is ignored (AA-6) instead of "
    "answered with an A-ABORT PDU (AA-8).", also_breaks=("ASSOC-UL-STATE-TABLE",), suites=("association",))
UL_STA6_IGNORES_INVALID_PDU = _fault(
    "ul-sta6-ignores-invalid-pdu", "ASSOC-STA6-INVALID-PDU",
    "An unrecognized or invalid PDU arriving on an established association (Sta6) is ignored (AA-6) instead of "
    "answered with an A-ABORT PDU (AA-8).", also_breaks=("ASSOC-UL-STATE-TABLE",), suites=("association",))
# The A-ASSOCIATE-AC as the PACS simulator writes it (pacs.py AC_FAULTS rewrite the encoded PDU before it is sent)
AC_ROLE_GRANTED_UNPROPOSED = _fault(
    "ac-role-granted-unproposed", "ASSOC-ROLE-NOT-PROPOSED",
    "Every SCP/SCU Role Selection sub-item of the A-ASSOCIATE-AC grants both roles (SCU-role 1, SCP-role 1), "
    "including a role the requestor proposed with 0.", suites=("association",))
AC_ROLE_ITEM_UNASKED = _fault(
    "ac-role-item-unasked", "ASSOC-ROLE-OMITTED",
    "An A-ASSOCIATE-AC answering a request without role selection carries an SCP/SCU Role Selection sub-item "
    "for Verification anyway.", suites=("association",))
AC_TWO_MAX_LENGTH_ITEMS = _fault(
    "ac-two-max-length-items", "ASSOC-AC-MAX-LENGTH-ITEM",
    "The A-ASSOCIATE-AC's user information carries its Maximum Length sub-item twice.", suites=("association",))
AC_TWO_IMPLEMENTATION_UIDS = _fault(
    "ac-two-implementation-uids", "ASSOC-AC-IMPLEMENTATION-UID",
    "The A-ASSOCIATE-AC's user information carries two Implementation Class UID sub-items.", suites=("association",))
AC_TWO_VERSION_NAMES = _fault(
    "ac-two-version-names", "ASSOC-AC-IMPLEMENTATION-VERSION",
    "The A-ASSOCIATE-AC's user information carries two Implementation Version Name sub-items.",
    suites=("association",))
AC_PROTOCOL_VERSION_2 = _fault(
    "ac-protocol-version-2", "ASSOC-AC-PROTOCOL-VERSION",
    "The A-ASSOCIATE-AC's Protocol-version field is 0002H (bit 1), not bit 0.", suites=("association",))
AC_RESERVED_NOT_ECHOED = _fault(
    "ac-reserved-not-echoed", "ASSOC-AC-RESERVED-ECHOED",
    "The A-ASSOCIATE-AC's bytes 43-74 (reserved, to be sent as received in the A-ASSOCIATE-RQ) are filled with "
    "'X' instead.", suites=("association",))
AC_TWO_TRANSFER_SYNTAXES = _fault(
    "ac-two-transfer-syntaxes", "ASSOC-AC-ONE-OFFERED-TS",
    "Each accepted presentation context item of the A-ASSOCIATE-AC carries its Transfer Syntax sub-item twice.",
    suites=("association",))
AC_ITEMS_OUT_OF_ORDER = _fault(
    "ac-items-out-of-order", "ASSOC-AC-ITEM-ORDER",
    "The A-ASSOCIATE-AC's User Information item (50H) comes before its Presentation Context items (21H).",
    suites=("association",))
REFUSE_VERIFICATION_AMONG_OTHERS = _fault(
    "refuse-verification-among-others", "VERIFY-ACCEPT-CONTEXT",
    "A Verification presentation context is rejected when a Storage presentation context is proposed beside it.")
STORE_EXTNEG_UNDEFINED_LEVEL = _fault(
    "store-extneg-undefined-level", "STORE-EXTNEG-REPLY-VALUES",
    "Storage extended negotiation is answered with Level of support 4, a value Table B.3-2 does not define.",
    suites=("storage",))
PDATA_WITHOUT_PDV = _fault(
    "pdata-without-pdv", "ASSOC-PDATA-HAS-PDV",
    "Every P-DATA-TF the simulator sends is preceded by an empty P-DATA-TF PDU (no PDV item).",
    suites=("association",))
PDATA_AFTER_RELEASE_RP = _fault(
    "pdata-after-release-rp", "ASSOC-NOTHING-AFTER-RELEASE-RP",
    "Right after its A-RELEASE-RP the simulator sends its last P-DATA-TF again on the released association.",
    also_breaks=("ASSOC-UL-STATE-TABLE", "ASSOC-PDV-CONTROL-HEADER"), suites=("association",))
ABORT_USER_REASON_NOT_ZERO = _fault(
    "abort-user-reason-not-zero", "ASSOC-ABORT-PDU-FIELDS",
    "A-ABORT PDUs of source 0 (service-user) carry Reason/Diag. 03 instead of 00H.", suites=("association",))
AC_ASYNC_WINDOW_UNLIMITED = _fault(
    "ac-async-window-unlimited", "ASSOC-ASYNC-NOT-ABOVE-OFFER",
    "The A-ASSOCIATE-AC answers an Asynchronous Operations Window sub-item with 0/0 (unlimited), more than a "
    "requestor's finite offer.", suites=("association",))

# -- DICOMweb depth, round 2 (issue 12): message header fields, Accept-Charset, UPS warnings, the UPS state table
#    as a differential test ----------------------------------------------------------------------------------
WEB_ERROR_WITHOUT_CONTENT_TYPE = _web_fault(
    "web-error-without-content-type", "WEB-CONTENT-TYPE-PRESENT",
    "The 404 of a metadata request for an unknown study carries a text payload but no Content-Type header field.")
SERIES_METADATA_LABELLED_MULTIPART = _web_fault(
    "series-metadata-labelled-multipart", "WEB-SINGLE-PART-CONTENT-TYPE",
    "Series metadata, one DICOM JSON array (a single part payload), is labelled "
    "multipart/related; type=\"application/dicom+json\".")
WEB_405_WITHOUT_ALLOW = _web_fault(
    "web-405-without-allow", "WEB-405-ALLOW",
    "A 405 (Method Not Allowed) response has no Allow header field.")
WEB_404_WITHOUT_EXPLANATION = _web_fault(
    "web-404-without-explanation", "WEB-4XX-EXPLANATION",
    "A WADO-RS retrieve of an unknown instance is answered 404 with an empty payload.")
WEB_ACCEPT_CHARSET_406 = _web_fault(
    "web-accept-charset-406", "WADO-ACCEPT-CHARSET-UNSUPPORTED",
    "An Accept-Charset header field naming only unknown character sets is answered 406 (Not Acceptable), which "
    "PS3.18 8.8.4 does not allow (400, or the value ignored).")
UPS_NO_ALREADY_CANCELED_WARNING = _ups_fault(
    "ups-no-already-canceled-warning", "UPS-ALREADY-CANCELED-WARNING",
    "The owner's change to CANCELED of a workitem already CANCELED succeeds without the Warning header field.")
UPS_CANCEL_REQUEST_NO_CANCELED_WARNING = _ups_fault(
    "ups-cancel-request-no-canceled-warning", "UPS-CANCEL-REQUEST-CANCELED-WARNING",
    "A cancellation request for a workitem already CANCELED is answered 202 without the Warning header field.")
UPS_METADATA_SERVED = _ups_fault(
    "ups-metadata-served", "UPS-NO-METADATA-BULKDATA",
    "GET /workitems/{uid}/metadata is served (200, the workitem), a Metadata resource PS3.18 11.1.3 forbids.")
UPS_CANCELED_RECLAIMABLE = _ups_fault(
    "ups-canceled-reclaimable", "UPS-STATE-DIFFERENTIAL",
    "A claim (IN PROGRESS with a new Transaction UID) of a CANCELED workitem succeeds and makes it IN PROGRESS "
    "again, where PS3.4 Table CC.1.1-2 says C300.")
CAPS_WADL_WITHOUT_WORKITEMS = _web_fault(
    "caps-wadl-without-workitems", "CAPS-WORKLIST-DESCRIBED",
    "The WADL of the Retrieve Capabilities transaction leaves out the Worklist Service (the workitems resources) "
    "the simulator serves.")
RENDERED_STUDY_SERIES_MISSING = _web_fault(
    "rendered-study-series-missing", "WADO-RENDERED-STUDY-SERIES",
    "The Rendered Study and Rendered Series resources (mandatory, PS3.18 Table 10.3-2) are answered 404.")
METADATA_WITHOUT_CONTENT_LOCATION = _web_fault(
    "metadata-without-content-location", "WEB-CONTENT-LOCATION",
    "Metadata responses (a representation of the Metadata resource) carry no Content-Location header field.")
UPS_UPDATE_REFUSAL_NO_WARNING = _ups_fault(
    "ups-update-refusal-no-warning", "UPS-UPDATE-FAILURE-WARNING",
    "A refused update (a stranger's Transaction UID, a COMPLETED workitem) has no Warning header field.")
UPS_UPDATE_ECHOES_WORKITEM = _ups_fault(
    "ups-update-echoes-workitem", "UPS-UPDATE-SUCCESS-PAYLOAD",
    "A successful update is answered 200 with the updated workitem as DICOM JSON in its payload.")
RENDERED_PALETTE_AS_GREY = _web_fault(
    "rendered-palette-as-grey", "WADO-RENDER-ALL-PHOTOMETRIC",
    "A PALETTE COLOR image is rendered from its indices as grey levels, its Palette Color Lookup Tables ignored.")
RENDERED_UTF8_REFUSED = _web_fault(
    "rendered-utf8-refused", "WADO-RENDERED-UTF8",
    "A rendered retrieve whose Accept-Charset names UTF-8 is answered 406 (Not Acceptable).")
UPS_SEARCH_NO_PAGING_WARNING = _ups_fault(
    "ups-search-no-paging-warning", "UPS-SEARCH-PAGING",
    "A workitem search cut by limit answers without the Warning 299 announcing the matches left out.")
# -- Query/Retrieve depth (issue 11, round 4b): C-MOVE partial failure and cancel, worklist cancel, extended
#    negotiation for worklist and storage commitment ------------------------------------------------------------
MOVE_PARTIAL_AS_FAILURE = _fault(
    "move-partial-as-failure", "QR-MOVE-FINAL-STATUS",
    "A C-MOVE whose C-STOREs partly failed ends with Failure A702 (Unable to perform sub-operations) instead of "
    "Warning, as if all had failed; the Failed SOP Instance UID List still comes with it.")
MOVE_FAILED_LIST_MISSING = _fault(
    "move-failed-list-missing", "QR-MOVE-FAILED-UID-LIST",
    "The final Warning, Failure or Canceled C-MOVE response carries no identifier, so no Failed SOP Instance UID "
    "List.")
MOVE_RSP_CHARSET = _fault(
    "move-rsp-charset", "QR-MOVE-RSP-NO-CHARSET",
    "The identifier of a final C-MOVE response (its Failed SOP Instance UID List) also carries Specific Character "
    "Set ISO_IR 100.")
MOVE_IGNORES_CANCEL = _fault(
    "move-ignores-cancel", "QR-MOVE-CANCEL",
    "A C-MOVE-CANCEL received during the C-STORE sub-operations is ignored: the C-MOVE runs to its end (so there "
    "is no Canceled response whose Remaining count could be judged).", also_breaks=("QR-MOVE-CANCEL-REMAINING",))
MOVE_CANCEL_COUNTS_INITIATED = _fault(
    "move-cancel-counts-initiated", "QR-MOVE-CANCEL-REMAINING",
    "The Canceled C-MOVE response counts the C-STORE sub-operation under way when the cancel came as remaining: "
    "Number of Remaining Sub-operations is one more than the C-STOREs never initiated.")
EXTNEG_FIND_UNSOLICITED = _fault(
    "extneg-find-unsolicited", "QR-EXTNEG-FIND-OMITTED",
    "An A-ASSOCIATE-RQ without SOP Class Extended Negotiation sub-items gets one for each C-FIND model it proposes "
    "(byte 0: relational-queries not supported).")
EXTNEG_RETRIEVE_UNSOLICITED = _fault(
    "extneg-retrieve-unsolicited", "QR-EXTNEG-RETRIEVE-OMITTED",
    "An A-ASSOCIATE-RQ without SOP Class Extended Negotiation sub-items gets one for each C-MOVE and C-GET model it "
    "proposes (byte 0: relational-retrieval not supported).")
MWL_EXTNEG_TWO_BYTES = _fault(
    "mwl-extneg-two-bytes", "MWL-EXTNEG-THREE-BYTES",
    "Offered a three-byte SOP Class Extended Negotiation sub-item for Modality Worklist, the SCP answers two bytes.")
MWL_EXTNEG_UNSOLICITED = _fault(
    "mwl-extneg-unsolicited", "MWL-EXTNEG-OMITTED",
    "An A-ASSOCIATE-RQ proposing Modality Worklist without SOP Class Extended Negotiation sub-items gets one for it "
    "(1, 1, 0: fuzzy matching not supported).")
COMMIT_EXTNEG_ANSWERED = _fault(
    "commit-extneg-answered", "COMMIT-NO-EXTENDED-NEGOTIATION",
    "A SOP Class Extended Negotiation sub-item offered for Storage Commitment Push Model is answered with the same "
    "bytes, as if the SOP Class supported it.")
MWL_IGNORES_CANCEL = _fault(
    "mwl-ignores-cancel", "MWL-CANCEL",
    "A C-CANCEL-FIND-RQ for a worklist C-FIND is ignored: every match is sent and the C-FIND ends with Success.")
MOVE_SUBOP_PRIORITY_LOW = _fault(
    "move-subop-priority-low", "QR-MOVE-SUBOP-PRIORITY",
    "The C-STORE sub-operations of a C-MOVE are sent with Priority LOW whatever the C-MOVE's Priority (pynetdicom's "
    "default).")
GET_SUBOP_PRIORITY_LOW = _fault(
    "get-subop-priority-low", "QR-GET-SUBOP-PRIORITY",
    "The C-STORE sub-operations of a C-GET are sent with Priority LOW whatever the C-GET's Priority (pynetdicom's "
    "default).")
CHARSET_REQUEST_IGNORED = _fault(
    "charset-request-ignored", "QR-MATCH-CHARSET",
    "A C-FIND request identifier in ISO_IR 192 (UTF-8) is read as if it were ISO_IR 100 (Latin-1): its non-ASCII "
    "keys become other characters and miss the studies that hold them.")
COMMIT_RETRIEVE_AE_BOTH = _fault(
    "commit-retrieve-ae-both", "COMMIT-RETRIEVE-AE-PLACEMENT",
    "The N-EVENT-REPORT names the Retrieve AE Title both at the top level and in each item of the Referenced SOP "
    "Sequence.")
COMMIT_FILESET_BOTH = _fault(
    "commit-fileset-both", "COMMIT-FILESET-PLACEMENT",
    "The N-EVENT-REPORT carries Storage Media File-Set ID and UID both at the top level and in each item of the "
    "Referenced SOP Sequence.")
FIND_NO_RETRIEVE_AE = _fault(
    "find-no-retrieve-ae", "QR-FIND-RETRIEVE-LOCATION",
    "C-FIND response identifiers carry Retrieve AE Title only when the request asked for it (and never Storage "
    "Media File-Set ID and UID).")
FIND_FAILURE_CODE_0110 = _fault(
    "find-failure-code-0110", "QR-FIND-FAILURE-CODES",
    "A C-FIND the SCP cannot process (no or an undefined Query/Retrieve Level) ends with 0110 (Processing failure, "
    "a code of the DIMSE-N services) instead of a code Table C.4-1 defines.")
MOVE_FAILURE_CODE_0110 = _fault(
    "move-failure-code-0110", "QR-MOVE-FAILURE-CODES",
    "A C-MOVE to an unknown destination ends with 0110 (Processing failure, a code of the DIMSE-N services) instead "
    "of A801 or another code Table C.4-2 or PS3.7 9.1.4.1.7 defines.")
EXTNEG_FIND_MULTI_BYTE_TWO = _fault(
    "extneg-find-multi-byte-two", "QR-EXTNEG-FIND-MULTI-BYTE",
    "Offered a multi-byte SOP Class Extended Negotiation sub-item for a C-FIND model, the SCP answers with one byte "
    "more than offered, and the value 2 in the second sub-field (neither accept 1 nor turn down 0).")
NUMBER_KEYS_IGNORED = _fault(
    "number-keys-ignored", "QR-MATCH-EVERY-REQUIRED-KEY",
    "Series Number and Instance Number keys (Required Keys at SERIES and IMAGE level) are not matched: every "
    "series or instance matches them.")
MWL_TIME_RANGE_IGNORED = _fault(
    "mwl-time-range-ignored", "MWL-MATCH-TIME-RANGE",
    "A Scheduled Procedure Step Start Time range given with a single Start Date (not a date range) is not "
    "matched: every time of that date matches.")
COMMIT_OTHER_AE = _fault(
    "commit-other-ae", "COMMIT-CONSISTENT-AE",
    "The N-EVENT-REPORT sent on a new association comes from another AE title (DH_COMMIT_OTHER) than the one the "
    "N-ACTION was sent to.")

# -- association and storage depth, round 5 (issue 11): PDU fields, request variants, companion SOP classes --------
AC_RESERVED_NOT_ZERO = _fault(
    "ac-reserved-not-zero", "ASSOC-AC-RESERVED-ZERO",
    "The A-ASSOCIATE-AC's bytes 9-10 (reserved, to be sent as 0000H) are sent as 5858H.", suites=("association",))
RELEASE_RP_RESERVED_NOT_ZERO = _fault(
    "release-rp-reserved-not-zero", "ASSOC-RELEASE-RP-RESERVED",
    "The A-RELEASE-RP's bytes 7-10 (reserved, to be sent as 00000000H) are sent as FFFFFFFFH.",
    suites=("association",))
AC_CONTEXT_ITEM_TWICE = _fault(
    "ac-context-item-twice", "ASSOC-AC-ONE-RESULT-PER-CONTEXT",
    "The A-ASSOCIATE-AC carries its last Presentation Context item twice (two results for one proposed context).",
    suites=("association",))
AC_EMPTY_VERSION_NAME = _fault(
    "ac-empty-version-name", "ASSOC-AC-VERSION-NAME-FORMAT",
    "The A-ASSOCIATE-AC's Implementation Version Name sub-item is empty (PS3.7 D.3.3.2.4: 1 to 16 characters).",
    suites=("association",))
AC_USER_IDENTITY_UNASKED = _fault(
    "ac-user-identity-unasked", "ASSOC-USER-IDENTITY-OMITTED",
    "Every A-ASSOCIATE-AC carries a User Identity response sub-item (59H), asked for or not.",
    suites=("association",))
PDATA_EVEN_CONTEXT_ID = _fault(
    "pdata-even-context-id", "ASSOC-PDV-CONTEXT-ID-ODD",
    "From the second command message of a connection on, the PDVs the simulator sends name presentation context "
    "ID 2 (even, never proposed).", suites=("association",))
PDV_CONTROL_BITS_SET = _fault(
    "pdv-control-bits-set", "ASSOC-PDV-CONTROL-HEADER",
    "From the second command message of a connection on, the PDVs' Message Control Header has bit 2 set (07H).",
    suites=("association",))
RELEASE_RQ_BEFORE_RP = _fault(
    "release-rq-before-rp", "ASSOC-RELEASE-ACCEPTOR-PRIMITIVES",
    "Answering an A-RELEASE-RQ, the simulator first sends an A-RELEASE-RQ of its own, then its A-RELEASE-RP.",
    also_breaks=("ASSOC-UL-STATE-TABLE", "ASSOC-RELEASE"), suites=("association",))
ABORT_THEN_RELEASE_RQ = _fault(
    "abort-then-release-rq", "ASSOC-NOTHING-AFTER-ABORT",
    "Right after an A-ABORT PDU of source 2 (service-provider) the simulator sends an A-RELEASE-RQ.",
    also_breaks=("ASSOC-UL-STATE-TABLE", "ASSOC-STA6-SECOND-REQUEST", "ASSOC-STA6-INVALID-PDU"),
    suites=("association",))
UNKNOWN_USER_ITEM_REFUSED = _fault(
    "unknown-user-item-refused", "ASSOC-UNKNOWN-ITEMS-IGNORED",
    "An A-ASSOCIATE-RQ holding a user information sub-item of a type PS3.7 does not define is rejected (1, 1, 1) "
    "instead of the item being skipped.", suites=("association",))
USER_ITEMS_ORDER_REQUIRED = _fault(
    "user-items-order-required", "ASSOC-USER-ITEMS-ANY-ORDER",
    "An A-ASSOCIATE-RQ whose user information does not start with the Maximum Length sub-item (51H) is rejected "
    "(1, 1, 1).",
    suites=("association",))
PROTOCOL_VERSION_EXACT = _fault(
    "protocol-version-exact", "ASSOC-RJ-PROTOCOL-VERSION",
    "An A-ASSOCIATE-RQ whose Protocol-version is not exactly 0001H (bit 0 and bit 1 set, say) is rejected as "
    "protocol-version-not-supported: more than bit 0 is tested.", suites=("association",))
RJ_UNDEFINED_REASON = _fault(
    "rj-undefined-reason", "ASSOC-RJ-VALID-FIELDS",
    "The rejection of a Protocol-version without bit 0 goes out as source 2 (ACSE) with reason 5, a value Table "
    "9-21 does not define for that source.", suites=("association",))
AC_NO_APPLICATION_CONTEXT = _fault(
    "ac-no-application-context", "ASSOC-UNKNOWN-APPLICATION-CONTEXT",
    "An A-ASSOCIATE-RQ proposing an application context other than DICOM's is accepted with an A-ASSOCIATE-AC "
    "that has no Application Context item.", suites=("association",))
REFUSE_DX_FOR_PRESENTATION = _fault(
    "refuse-dx-for-presentation", "STORE-DX-PROCESSING-WITH-PRESENTATION",
    "Digital X-Ray Image Storage - For Presentation is not accepted when For Processing is proposed beside it.", suites=("storage",))
REFUSE_MG_FOR_PRESENTATION = _fault(
    "refuse-mg-for-presentation", "STORE-MG-PROCESSING-WITH-PRESENTATION",
    "Digital Mammography X-Ray Image Storage - For Presentation is not accepted when For Processing is proposed "
    "beside it.",
    suites=("storage",))
REFUSE_IO_FOR_PRESENTATION = _fault(
    "refuse-io-for-presentation", "STORE-IO-PROCESSING-WITH-PRESENTATION",
    "Digital Intra-Oral X-Ray Image Storage - For Presentation is not accepted when For Processing is proposed "
    "beside it.",
    suites=("storage",))
REFUSE_IVOCT_FOR_PRESENTATION = _fault(
    "refuse-ivoct-for-presentation", "STORE-IVOCT-PROCESSING-WITH-PRESENTATION",
    "Intravascular OCT Image Storage - For Presentation is not accepted when For Processing is proposed beside it.", suites=("storage",))
REFUSE_GSPS_WITH_ENHANCED_MR = _fault(
    "refuse-gsps-with-enhanced-mr", "STORE-ENHANCED-MR-WITH-GSPS",
    "Grayscale Softcopy Presentation State Storage is not accepted when Enhanced MR Image Storage is proposed beside "
    "it.", suites=("storage",))
REFUSE_GSPS_WITH_ENHANCED_CT = _fault(
    "refuse-gsps-with-enhanced-ct", "STORE-ENHANCED-CT-WITH-GSPS",
    "Grayscale Softcopy Presentation State Storage is not accepted when Enhanced CT Image Storage is proposed beside "
    "it.", suites=("storage",))
REFUSE_CSPS = _fault(
    "refuse-csps", "STORE-ENHANCED-MR-COLOR-WITH-CSPS",
    "Color Softcopy Presentation State Storage is not accepted when Enhanced MR Color Image Storage is proposed "
    "beside it.",
    suites=("storage",))

# -- round 5, second pass (issue 11): user identity, one association per connection, role reply values -------------
USER_IDENTITY_NO_RESPONSE = _fault(
    "user-identity-no-response", "ASSOC-USER-IDENTITY-RESPONSE",
    "A username (User Identity type 1) asking for a positive response is accepted without a User Identity sub-item "
    "(59H) in the A-ASSOCIATE-AC.", also_breaks=("ASSOC-USER-IDENTITY-EMPTY-FOR-USERNAME",), suites=("association",))
USER_IDENTITY_RESPONSE_NOT_EMPTY = _fault(
    "user-identity-response-not-empty", "ASSOC-USER-IDENTITY-EMPTY-FOR-USERNAME",
    "The User Identity sub-item answering a username (type 1) carries a non-empty Server-response.",
    suites=("association",))
USER_IDENTITY_REJECTED_TRANSIENT = _fault(
    "user-identity-rejected-transient", "ASSOC-USER-REJECTS-PERMANENT-ON-AUTH",
    "A refused username and passcode is rejected as rejected-transient (2, 2, 1), as pynetdicom does, not "
    "rejected-permanent.", suites=("association",))
SECOND_ASSOCIATION_ACCEPTED = _fault(
    "second-association-accepted", "ASSOC-ONE-ASSOCIATION-PER-CONNECTION",
    "After its A-RELEASE-RP, the simulator answers a new A-ASSOCIATE-RQ on the same TCP connection with an "
    "A-ASSOCIATE-AC (a copy of the first) instead of the A-ABORT of AA-7.",
    also_breaks=("ASSOC-UL-STATE-TABLE",), suites=("association",))
AC_ROLE_VALUE_NOT_BINARY = _fault(
    "ac-role-value-not-binary", "ASSOC-ROLE-REPLY-VALUES",
    "An SCU role the requestor proposed (1) is accepted with the value 2 in the A-ASSOCIATE-AC's role selection "
    "sub-item.", suites=("association",))
# -- WADO-URI parameters (issue 12, round 5): order, unknown, anonymize, frameNumber, windowing, region, rows/columns --
# Each breaks one requirement of suites/wado_uri; simulators/dicomweb/uri_params.py is where they act.
_URI = ("wado_uri",)
WADO_URI_ORDER_SENSITIVE = _fault(
    "wado-uri-order-sensitive", "WADOURI-PARAMETER-ORDER",
    "A request whose first Query Parameter is not requestType is answered 400.", suites=_URI)
WADO_URI_UNKNOWN_PARAMETER_400 = _fault(
    "wado-uri-unknown-parameter-400", "WADOURI-UNKNOWN-PARAMETER-IGNORED",
    "A Query Parameter the server does not know (not of PS3.18 9.1.2, 9.4.1.2, 9.5.1.2) is answered 400 instead of "
    "being ignored.", suites=_URI)
WADO_URI_ANONYMIZE_INVALID_ACCEPTED = _fault(
    "wado-uri-anonymize-invalid-accepted", "WADOURI-ANONYMIZE-INVALID-400",
    "anonymize=no, or anonymize given twice, is served as anonymize=yes instead of 400.", suites=_URI)
WADO_URI_ANONYMIZE_KEEPS_UID = _fault(
    "wado-uri-anonymize-keeps-uid", "WADOURI-ANONYMIZE-NEW-UID",
    "anonymize=yes empties the patient's identity but keeps the SOP Instance UID.", suites=_URI)
WADO_URI_FRAME_NUMBER_OFF_BY_ONE = _fault(
    "wado-uri-frame-number-off-by-one", "WADOURI-FRAME-NUMBER",
    "frameNumber=n renders frame n+1 of a multi-frame image (the last frame stays the last).", suites=_URI)
WADO_URI_FRAME_NUMBER_UNCHECKED = _fault(
    "wado-uri-frame-number-unchecked", "WADOURI-FRAME-NUMBER-400",
    "frameNumber on a single-frame image, 0, or beyond the last frame is clamped into range and rendered instead of "
    "400.", suites=_URI)
WADO_URI_WINDOW_INVERTED = _fault(
    "wado-uri-window-inverted", "WADOURI-WINDOW",
    "windowCenter and windowWidth are applied, then the rendered grey levels inverted (a MONOCHROME1 reading).",
    suites=_URI)
WADO_URI_WINDOW_UNCHECKED = _fault(
    "wado-uri-window-unchecked", "WADOURI-WINDOW-400",
    "windowCenter without windowWidth, a value that is not a decimal number, or windowing beside presentationUID is "
    "rendered (the window dropped) instead of 400.", suites=_URI)
WADO_URI_WINDOW_WITH_DICOM_ACCEPTED = _fault(
    "wado-uri-window-with-dicom-accepted", "WADOURI-WINDOW-WITH-DICOM-400",
    "windowCenter and windowWidth with contentType=application/dicom are ignored (200) instead of 400.",
    suites=_URI)
WADO_URI_REGION_MAX_AS_SIZE = _fault(
    "wado-uri-region-max-as-size", "WADOURI-REGION",
    "region=xmin,ymin,xmax,ymax crops from (xmin, ymin) a region xmax wide and ymax high (clipped to the image).",
    suites=_URI)
WADO_URI_REGION_UNCHECKED = _fault(
    "wado-uri-region-unchecked", "WADOURI-REGION-400",
    "An ill-defined region (xmin > xmax, values beyond 1.0) or one of other than four values renders the whole "
    "image instead of 400.", suites=_URI)
WADO_URI_ROWS_COLUMNS_STRETCHED = _fault(
    "wado-uri-rows-columns-stretched", "WADOURI-ROWS-COLUMNS-MAXIMUM",
    "With rows and columns both given, the image is resized to exactly rows x columns, aspect ratio lost.",
    suites=_URI)
WADO_URI_COLUMNS_ONLY_SQUARE = _fault(
    "wado-uri-columns-only-square", "WADOURI-COLUMNS-ONLY",
    "With columns only, the image fits a columns x columns square: the rows do not keep the aspect ratio.",
    suites=_URI)
WADO_URI_ROWS_ONLY_WIDTH_KEPT = _fault(
    "wado-uri-rows-only-width-kept", "WADOURI-ROWS-ONLY",
    "With rows only, the image keeps its original width (rows resized, columns not): the aspect ratio is lost.", suites=_URI)

# -- UPS search results (issue 12, round 5) ---------------------------------------------------------------------------
UPS_SEARCH_RETURN_KEYS_ONLY = _ups_fault(
    "ups-search-return-keys-only", "UPS-SEARCH-MATCH-AND-INCLUDE-KEYS",
    "Workitem search results carry only the Return Key Type 1 and 2 attributes: an attribute used as a matching "
    "key or named by includefield (Comments on the Scheduled Procedure Step, which the workitem has) is dropped.")

# -- WADO-URI media types, charset, imageQuality (issue 12, round 5, second pass) -------------------------------------
# Each breaks one requirement of suites/wado_uri/test_media_types.py; they act in the wado_uri handler of
# simulators/dicomweb/app.py and in simulators/dicomweb/uri_params.py.
WADO_URI_PNG_AS_JPEG = _fault(
    "wado-uri-png-as-jpeg", "WADOURI-RENDERED-PNG",
    "contentType=image/png is answered with a JPEG body labelled image/png.", suites=_URI)
WADO_URI_GIF_MISLABELLED = _fault(
    "wado-uri-gif-mislabelled", "WADOURI-RENDERED-GIF",
    "contentType=image/gif is answered with a GIF body labelled image/png.", suites=_URI)
WADO_URI_JP2_AS_PNG = _fault(
    "wado-uri-jp2-as-png", "WADOURI-RENDERED-JP2",
    "contentType=image/jp2 is answered with a PNG body labelled image/jp2.", suites=_URI)
WADO_URI_PNG_16_BIT = _fault(
    "wado-uri-png-16-bit", "WADOURI-RENDERED-8-BIT",
    "contentType=image/png renders the 12-bit image into a 16-bit grey PNG (no windowing to 8 bits).", suites=_URI)
WADO_URI_EXTENDED_JPEG = _fault(
    "wado-uri-extended-jpeg", "WADOURI-JPEG-BASELINE",
    "image/jpeg carries an extended sequential frame header (SOF1), not baseline (SOF0).", suites=_URI)
WADO_URI_MIXED_MEDIA_TYPES_SERVED = _fault(
    "wado-uri-mixed-media-types-served", "WADOURI-MIXED-MEDIA-TYPES-400",
    "contentType naming both application/dicom and a rendered media type is served in the first one listed "
    "instead of 400.", suites=_URI)
WADO_URI_UNKNOWN_CHARSET_400 = _fault(
    "wado-uri-unknown-charset-400", "WADOURI-CHARSET-INVALID-IGNORED",
    "A charset Query Parameter naming no known character set is answered 400 instead of being ignored.",
    suites=_URI)
WADO_URI_IMAGE_QUALITY_UNCHECKED = _fault(
    "wado-uri-image-quality-unchecked", "WADOURI-IMAGE-QUALITY-400",
    "imageQuality of 0, 101 or a word is ignored (the image rendered at the default quality) instead of 400.",
    suites=_URI)

# -- UPS deletion locks, event report attributes, Assigned events (issue 12, round 5, second pass) -------------------
UPS_DELETION_LOCK_NOT_KEPT = _ups_fault(
    "ups-deletion-lock-not-kept", "UPS-DELETION-LOCK-WARNING",
    "A workitem subscription with deletionlock=true is accepted without the Warning 'Deletion Lock not granted.', "
    "but the lock is not kept: the workitem is deleted as soon as it is COMPLETED or CANCELED.")
UPS_EVENT_WITHOUT_SOP_CLASS = _ups_fault(
    "ups-event-without-sop-class", "UPS-EVENT-MANDATORY-ATTRIBUTES",
    "Event Reports lack the Affected SOP Class UID (0000,0002), mandatory in an N-EVENT-REPORT (PS3.7 10.1.1).")
UPS_NO_ASSIGNED_EVENT = _ups_fault(
    "ups-no-assigned-event", "UPS-ASSIGNED-EVENT",
    "An update of a workitem's Scheduled Human Performers Sequence or Scheduled Station Name Code Sequence sends "
    "no UPS Assigned event.")
NO_CONTEXT_BARE_CLOSE = _fault(
    "no-context-bare-close", "ASSOC-NO-BARE-DISCONNECT",
    "An A-ASSOCIATE-RQ proposing no abstract syntax the simulator supports is answered by closing the TCP "
    "connection, with no A-ASSOCIATE-RJ or A-ABORT.", suites=("association",))
CODES_CONVERTED_WITHOUT_WARNING = _fault(
    "codes-converted-without-warning", "STORE-CODE-COERCION-WARNING",
    "Anatomic Region Sequence codes of the deprecated SNOMED designator SRT are converted to SCT (T-D3000 to "
    "51185008) and the C-STORE answers Success, not Warning.", suites=("storage",))
ECHO_RSP_COMMAND_FIELD = _fault(
    "echo-rsp-command-field", "VERIFY-RSP-COMMAND-FIELD",
    "On connections opened with the bare-PDU client's Implementation Class UID (the harness's raw exchanges), the "
    "C-ECHO-RSP's Command Field is 8031H, not 8030H (pynetdicom's own requestors still get 8030H).",
    suites=("verification",))
VERIFICATION_EXTNEG_ANSWERED = _fault(
    "verification-extneg-answered", "VERIFY-NO-EXTNEG-REPLY",
    "A SOP Class Extended Negotiation sub-item offered for Verification is answered (echoed) in the "
    "A-ASSOCIATE-AC.", suites=("verification",))
# -- Query/Retrieve, round 5 (dimse-qr): cancel identifier, C-GET failure codes, final counts, Instance Availability
FIND_CANCEL_WITH_IDENTIFIER = _fault(
    "find-cancel-with-identifier", "QR-FIND-CANCEL-NO-IDENTIFIER",
    "The Cancel (FE00) response that ends a cancelled C-FIND carries an identifier (Query/Retrieve Level only).")
GET_FAILURE_CODE_0110 = _fault(
    "get-failure-code-0110", "QR-GET-FAILURE-CODES",
    "A C-GET the SCP cannot process (an undefined Query/Retrieve Level) ends with 0110 (Processing failure, a code "
    "of the DIMSE-N services) instead of a code Table C.4-3 defines.")
GET_WARNING_MISCOUNTS = _fault(
    "get-warning-miscounts", "QR-GET-WARNING-COUNTS",
    "The final Warning (B000) of a C-GET in which some C-STOREs failed counts every sub-operation as completed and "
    "none as failed.")
MOVE_WARNING_MISCOUNTS = _fault(
    "move-warning-miscounts", "QR-MOVE-WARNING-COUNTS",
    "The final Warning (B000) of a C-MOVE in which some C-STOREs failed counts every sub-operation as completed "
    "and none as failed.")
AVAILABILITY_STUDY_TOO_FAST = _fault(
    "availability-study-too-fast", "QR-FIND-INSTANCE-AVAILABILITY",
    "Instance Availability is NEARLINE for every instance (IMAGE level) but ONLINE for their series and study: the "
    "higher levels do not report the least rapidly available instance.")
AVAILABILITY_EMPTY = _fault(
    "availability-empty", "QR-FIND-INSTANCE-AVAILABILITY-VALUE",
    "SERIES-level C-FIND responses carry Instance Availability with a zero-length value.")
COMBINED_DATETIME_SEPARATE = _fault(
    "combined-datetime-separate", "QR-MATCH-COMBINED-DATETIME",
    "The SCP agrees combined date-time matching (C-FIND extended negotiation byte 2) but still matches a Study Date "
    "range and a Study Time range each on its own.")
COMBINED_DATETIME_UNASKED = _fault(
    "combined-datetime-unasked", "QR-FIND-BASELINE-IF-NOT-AGREED",
    "The SCP matches a Study Date range and a Study Time range as one date-time period on every association, also "
    "where combined date-time matching was not agreed.")
PN_LITERAL_PREFIX = _fault(
    "pn-literal-prefix", "QR-MATCH-PN-LITERAL",
    "In Patient Root PATIENT-level C-FINDs, a Patient's Name key without wild cards matches every name it begins "
    "(as if it ended in '*').")
# The key-per-level faults: a C-FIND naming one entity by its level's Unique Key (a fast path) answers without one
# Required Key of that level, in one information model only.
KEYS_PR_PATIENT = _fault("keys-pr-patient-drops-name", "QR-KEYS-PATIENT-ROOT-PATIENT",
                         "Patient Root PATIENT C-FIND by a single Patient ID: the response lacks Patient's Name.")
KEYS_PR_STUDY = _fault("keys-pr-study-drops-study-id", "QR-KEYS-PATIENT-ROOT-STUDY",
                       "Patient Root STUDY C-FIND by a single Study Instance UID: the response lacks Study ID.")
KEYS_PR_SERIES = _fault("keys-pr-series-drops-number", "QR-KEYS-PATIENT-ROOT-SERIES",
                        "Patient Root SERIES C-FIND by a single Series Instance UID: the response lacks Series Number.")
KEYS_PR_IMAGE = _fault("keys-pr-image-drops-number", "QR-KEYS-PATIENT-ROOT-IMAGE",
                       "Patient Root IMAGE C-FIND by a single SOP Instance UID: the response lacks Instance Number.")
KEYS_SR_STUDY = _fault("keys-sr-study-drops-accession", "QR-KEYS-STUDY-ROOT-STUDY",
                       "Study Root STUDY C-FIND by a single Study Instance UID: the response lacks Accession Number.")
KEYS_SR_SERIES = _fault("keys-sr-series-drops-modality", "QR-KEYS-STUDY-ROOT-SERIES",
                        "Study Root SERIES C-FIND by a single Series Instance UID: the response lacks Modality.")
KEYS_SR_IMAGE = _fault("keys-sr-image-drops-number", "QR-KEYS-STUDY-ROOT-IMAGE",
                       "Study Root IMAGE C-FIND by a single SOP Instance UID: the response lacks Instance Number.")
GET_PENDING_REMAINING_STUCK = _fault(
    "get-pending-remaining-stuck", "QR-GET-PENDING-COUNTS",
    "Pending C-GET responses keep Number of Remaining Sub-operations at the total: it never goes down as C-STOREs "
    "complete.")
MOVE_PENDING_REMAINING_STUCK = _fault(
    "move-pending-remaining-stuck", "QR-MOVE-PENDING-COUNTS",
    "Pending C-MOVE responses keep Number of Remaining Sub-operations at the total: it never goes down as C-STOREs "
    "complete.")
RELATIONAL_RETRIEVE_REFUSED = _fault(
    "relational-retrieve-refused", "QR-RELATIONAL-RETRIEVE",
    "The SCP agrees relational-retrieval for C-MOVE (extended negotiation byte 1), then sends nothing for a C-MOVE "
    "that lacks a unique key of a level above the retrieve level.")
# -- worklist, MPPS and storage commitment depth (issue 11, round 5: Table K.6-1 return keys and matching, F.7.2
# final-state refusals, Table J.3-2 report contents) ------------------------------------------------------------
MWL_ABSENT_TYPE2_OMITTED = _fault(
    "mwl-absent-type2-omitted", "MWL-RETURN-TYPE2-UNKNOWN",
    "A requested Type 2 return key the worklist item holds no value for is left out of the response instead of "
    "coming back zero length.")
MWL_SPS_TYPE2_DROPPED = _fault(
    "mwl-sps-type2-dropped", "MWL-RETURN-SPS-TYPE2",
    "Scheduled Station Name and Scheduled Procedure Step Location, Type 2 return keys inside the Scheduled Procedure "
    "Step Sequence item, are left out of the response.")
MWL_ORDER_KEYS_DROPPED = _fault(
    "mwl-order-keys-dropped", "MWL-RETURN-ORDER-KEYS",
    "Requested Procedure Priority and Requesting Physician, Type 2 return keys of the Requested Procedure and "
    "Imaging Service Request, come back zero length although the item holds values.")
MWL_SPS_ITEM_TWICE = _fault(
    "mwl-sps-item-twice", "MWL-SPS-SINGLE-ITEM",
    "Asked with a zero-length Scheduled Procedure Step Sequence, the response's sequence holds the item's step "
    "twice.")
MWL_EMPTY_SEQUENCE_KEY_EMPTY = _fault(
    "mwl-empty-sequence-key-empty", "MWL-SEQUENCE-RETURN-KEY-FORMS",
    "A sequence return key asked with one zero-length item comes back as an empty sequence (only the zero-length "
    "form is understood).")
MWL_PATIENT_NAME_NO_WILDCARD = _fault(
    "mwl-patient-name-no-wildcard", "MWL-MATCH-PATIENT-NAME-WILDCARD",
    "'*' and '?' in a Patient's Name key are compared literally (no wild card matching).")
MWL_PHYSICIAN_NO_WILDCARD = _fault(
    "mwl-physician-no-wildcard", "MWL-MATCH-PHYSICIAN-WILDCARD",
    "'*' and '?' in a Scheduled Performing Physician's Name key are compared literally (no wild card matching).")
MWL_MULTI_VALUE_FIRST_ONLY = _fault(
    "mwl-multi-value-first-only", "MWL-MATCH-MULTIPLE-VALUES",
    "A multi-valued attribute of a matching item comes back with its first value only.")
MWL_NO_CHARSET = _fault(
    "mwl-no-charset", "MWL-CHARSET",
    "Worklist responses never carry Specific Character Set, also when the item's values use ISO_IR 100.")
MWL_OPTIONAL_KEY_ECHOED = _fault(
    "mwl-optional-key-echoed", "MWL-OPTIONAL-KEY-UNSUPPORTED",
    "A Requested Procedure ID matching key is ignored for matching, and every response echoes the query's value "
    "instead of the item's.")
MWL_OPTIONAL_KEY_WRONG_ATTRIBUTE = _fault(
    "mwl-optional-key-wrong-attribute", "MWL-OPTIONAL-KEY-SUPPORTED",
    "A Requested Procedure ID matching key is matched against the item's Accession Number.")
MPPS_FULL_CREATE_REFUSED = _fault(
    "mpps-full-create-refused", "MPPS-CREATE-ATTRIBUTE-SUBSET",
    "An N-CREATE whose Procedure Code Sequence holds an item is refused with Processing failure (0110).")
MPPS_FINAL_NO_ERROR_COMMENT = _fault(
    "mpps-final-no-error-comment", "MPPS-FINAL-ERROR-COMMENT",
    "The Processing failure (0110) refusing an N-SET of a finished step carries neither Error Comment nor Error ID.")
MPPS_FINAL_OTHER_ERROR_ID = _fault(
    "mpps-final-other-error-id", "MPPS-FINAL-ERROR-ID",
    "The Processing failure (0110) refusing an N-SET of a finished step carries Error ID A711, not Table F.7.2-2's "
    "A710.")
MPPS_UPDATE_AFTER_COMPLETED = _fault(
    "mpps-update-after-completed", "MPPS-COMPLETED-NOT-UPDATABLE",
    "A step N-SET to COMPLETED is still updated by later N-SETs (a DISCONTINUED one is not).")
COMMIT_FAILURE_CASE_DROPS_REFERENCE = _fault(
    "commit-failure-case-drops-reference", "COMMIT-REPORT-COMPLETE-SET",
    "An Event Type 2 report (failures exist) leaves the last committed instance out of the Referenced SOP Sequence "
    "when more than one was committed.")
COMMIT_ITEM_CLASS_EMPTY = _fault(
    "commit-item-class-empty", "COMMIT-REPORT-ITEM-UIDS",
    "The Referenced SOP Sequence items of the N-EVENT-REPORT carry a zero-length Referenced SOP Class UID.")
COMMIT_FAILED_ITEM_CLASS_EMPTY = _fault(
    "commit-failed-item-class-empty", "COMMIT-FAILED-ITEM-UIDS",
    "The Failed SOP Sequence items of the N-EVENT-REPORT carry a zero-length Referenced SOP Class UID.")
COMMIT_STRIPS_PRIVATE = _fault(
    "commit-strips-private", "COMMIT-LEVEL2-STORAGE",
    "Instances the SCP commits to are kept without their private attributes and Type 3 Image Comments (Level 1).")
COMMIT_EVICTS_COMMITTED = _fault(
    "commit-evicts-committed", "COMMIT-RETRIEVE-AE-SERVES",
    "Instances the SCP commits to are deleted as the report goes out, although the report names the SCP's own AE "
    "as their Retrieve AE Title.",
    also_breaks=("COMMIT-LEVEL2-STORAGE",))

# -- WADO-RS depth, round 5 (simulators/dicomweb/app.py retrieve, retrieve_rendered) -----------------------------
RENDERED_ANNOTATION_UNASKED = _web_fault(
    "rendered-annotation-unasked", "WADO-ANNOTATION-ABSENT",
    "A Rendered Frames resource for frame 3 burns patient and technique annotations into the image although the "
    "request has no annotation parameter.")
RENDERED_ANNOTATION_PATIENT_IGNORED = _web_fault(
    "rendered-annotation-patient-ignored", "WADO-ANNOTATION-PATIENT",
    "annotation=patient is dropped silently: no patient information in the image and no Warning 299.")
RENDERED_ANNOTATION_TECHNIQUE_IGNORED = _web_fault(
    "rendered-annotation-technique-ignored", "WADO-ANNOTATION-TECHNIQUE",
    "annotation=technique is dropped silently: no procedure information in the image and no Warning 299.")
THUMBNAIL_ANNOTATED = _web_fault(
    "thumbnail-annotated", "WADO-THUMBNAIL-NO-PII",
    "A Thumbnail resource honours annotation=patient and burns the patient's name and birth date into it.")
WADO_PART_TWO_TRANSFER_SYNTAXES = _web_fault(
    "wado-part-two-transfer-syntaxes", "WADO-CONTENT-TYPE-PARAMETERS",
    "The parts of a series retrieve are labelled application/dicom with the transfer-syntax parameter twice.")
RENDERED_ICC_WHEN_NO = _web_fault(
    "rendered-icc-when-no", "WADO-ICC-NO",
    "iccprofile=no gets a rendered image with an embedded sRGB ICC profile.")
RENDERED_ICC_YES_IGNORED = _web_fault(
    "rendered-icc-yes-ignored", "WADO-ICC-YES",
    "iccprofile=yes gets a rendered image without an ICC profile (iccprofile=srgb still gets one).")
RENDERED_ICC_SRGB_IGNORED = _web_fault(
    "rendered-icc-srgb-ignored", "WADO-ICC-SRGB",
    "iccprofile=srgb gets a rendered image without an ICC profile (iccprofile=yes still gets one).")
WADO_PART_NO_CONTENT_LENGTH = _web_fault(
    "wado-part-no-content-length", "WADO-PART-CONTENT-LENGTH",
    "The Part 10 parts of a multipart DICOM retrieve carry no Content-Length header field.")
WADO_PART_NO_CONTENT_LOCATION = _web_fault(
    "wado-part-no-content-location", "WADO-PART-CONTENT-LOCATION",
    "The Part 10 parts of a multipart DICOM retrieve carry no Content-Location header field.")
RENDERED_TRANSFER_SYNTAX_LABEL = _web_fault(
    "rendered-transfer-syntax-label", "WADO-RENDERED-NO-TRANSFER-SYNTAX",
    "A rendered frame sent as image/jpeg is labelled image/jpeg; transfer-syntax=1.2.840.10008.1.2.4.50.")
WEB_FRAME_ZERO_NO_RESPONSE = _web_fault(
    "web-frame-zero-no-response", "WEB-ALWAYS-RESPONDS",
    "A Frames request naming frame 0 (there is none: frames count from 1) gets no complete response message: the "
    "connection is dropped.")
FRAMES_206_COMPLETE = _web_fault(
    "frames-206-complete", "WEB-206-ONLY-RANGE",
    "A Frames request for several frames including frame 1 is answered 206 (Partial Content) with every frame, "
    "though the request has no Range header field.")
WEB_STATUS_REPORT_PLAIN = _web_fault(
    "web-status-report-plain", "WEB-STATUS-REPORT-TEXT-HTML",
    "A WADO-RS failure to a request without an Accept header field carries its Status Report as text/plain, not "
    "text/html.")
RENDERED_400_WITHOUT_REPORT = _web_fault(
    "rendered-400-without-report", "WEB-FAILURE-STATUS-REPORT",
    "A rendered request refused for an ill-formed rendering parameter gets 400 with an empty payload, no Status "
    "Report.")
ACCEPT_WILDCARD_OUTRANKS_SPECIFIC = _web_fault(
    "accept-wildcard-outranks-specific", "WADO-ACCEPT-MOST-SPECIFIC",
    "A WADO-RS retrieve takes the first media range by q value and its first matching offer, so image/*;q=0.9 "
    "selects image/jpeg although image/jpeg;q=0.1 is also listed.")
ACCEPT_HEADER_BEFORE_PARAM = _web_fault(
    "accept-header-before-param", "WADO-ACCEPT-PARAM-FIRST",
    "A WADO-RS retrieve selects from the Accept header field first and consults the accept Query Parameter only "
    "when nothing in the header is supported.")
RENDERED_PS_WINDOW_ACCEPTED = _web_fault(
    "rendered-ps-window-accepted", "WADO-WINDOW-PRESENTATION-STATE-400",
    "A rendered Presentation State with a window parameter is not refused with 400; it goes on to rendering (and "
    "is answered 404, a Presentation State having no pixel data of its own).")
RENDERED_VIEWPORT_NO_HFLIP = _web_fault(
    "rendered-viewport-no-hflip", "WADO-VIEWPORT-FLIP-HORIZONTAL",
    "A viewport with a negative sw crops the region but does not flip it horizontally.")
RENDERED_VIEWPORT_NO_VFLIP = _web_fault(
    "rendered-viewport-no-vflip", "WADO-VIEWPORT-FLIP-VERTICAL",
    "A viewport with a negative sh crops the region but does not flip it vertically.")
RENDERED_VIEWPORT_REGION_FULL_SIZE = _web_fault(
    "rendered-viewport-region-full-size", "WADO-VIEWPORT-REGION-DEFAULTS",
    "A viewport region with sw and sh omitted is the whole image's width and height from sx,sy (running past the "
    "edges, padded black), not the rest of the image to its right and bottom edges.")

# -- round 5, QIDO-RS depth (issue 12): required result attributes per level, upper-level attributes, match keys,
# key matching at the series and instance levels, private elements, status and key order --------------------------
QIDO_STUDY_WITHOUT_STUDY_ID = _web_fault(
    "qido-study-without-study-id", "QIDO-STUDY-RETURN-ATTRIBUTES",
    "Study search results lack Study ID (0020,0010), an R attribute of Table 10.6.3-3.")
QIDO_SERIES_WITHOUT_SERIES_NUMBER = _web_fault(
    "qido-series-without-series-number", "QIDO-SERIES-RETURN-ATTRIBUTES",
    "Series search results lack Series Number (0020,0011), an R attribute of Table 10.6.3-4.")
QIDO_INSTANCES_WITHOUT_ROWS = _web_fault(
    "qido-instances-without-rows", "QIDO-INSTANCE-RETURN-ATTRIBUTES",
    "Instance search results lack Rows (0028,0010), which Table 10.6.3-5 wants when known.")
QIDO_ALL_SERIES_WITHOUT_STUDY = _web_fault(
    "qido-all-series-without-study", "QIDO-ALL-SERIES-STUDY-ATTRIBUTES",
    "A search of All Series (/series) returns the series attributes only, none of the Study Level ones (matching "
    "keys excepted).")
QIDO_ALL_INSTANCES_WITHOUT_UPPER = _web_fault(
    "qido-all-instances-without-upper", "QIDO-ALL-INSTANCES-UPPER-ATTRIBUTES",
    "Searches of All Instances and of a Study's Instances return the instance attributes only, none of the Study "
    "or Series Level ones (matching keys excepted).")
QIDO_INCLUDEFIELD_STUDY_AT_SERIES_IGNORED = _web_fault(
    "qido-includefield-study-at-series-ignored", "QIDO-INCLUDEFIELD-STUDY-AT-SERIES",
    "A series search drops Study Level attributes named in includefield.")
QIDO_DROPS_MATCH_KEYS = _web_fault(
    "qido-drops-match-keys", "QIDO-MATCH-KEYS-RETURNED",
    "Search results leave out the matching keys of the request that Tables 10.6.3-3 to -5 do not list (e.g. Study "
    "Description at the study level).")
QIDO_RESULTS_206 = _web_fault(
    "qido-results-206", "QIDO-MATCHES-200",
    "A middle page of results (offset > 0, matches left after it) is answered 206 (Partial Content) instead of "
    "200.")
JSON_UNSORTED_ATTRIBUTES = _web_fault(
    "json-unsorted-attributes", "QIDO-JSON-ORDERED",
    "The attributes of each search result come in descending tag order.")
QIDO_SERIES_NUMBER_NOT_MATCHED = _web_fault(
    "qido-series-number-not-matched", "QIDO-MATCH-SERIES-KEYS",
    "A Series Number matching key is ignored: every series matches it.")
QIDO_INSTANCE_NUMBER_NOT_MATCHED = _web_fault(
    "qido-instance-number-not-matched", "QIDO-MATCH-INSTANCE-KEYS",
    "An Instance Number matching key is ignored: every instance matches it.")
QIDO_STUDY_ID_NOT_MATCHED = _web_fault(
    "qido-study-id-not-matched", "QIDO-MATCH-STUDY-KEYS",
    "A Study ID matching key is ignored: every study matches it.",
    also_breaks=("QIDO-MATCH-DIFFERENTIAL",))
QIDO_PRIVATE_WITHOUT_CREATOR = _web_fault(
    "qido-private-without-creator", "QIDO-INCLUDEFIELD-PRIVATE",
    "A private data element named in includefield is returned without its Private Creator element.")
QIDO_FUZZY_WHEN_FALSE = _web_fault(
    "qido-fuzzy-when-false", "QIDO-FUZZY-FALSE-LITERAL",
    "fuzzymatching=false is taken as true: Person Names are matched fuzzily (phonetically) all the same.")
CAPS_WADL_NO_FUZZYMATCHING = _web_fault(
    "caps-wadl-no-fuzzymatching", "CAPS-FUZZY-MATCHING",
    "The WADL describes no fuzzymatching parameter of the search resources, though the simulator performs Fuzzy "
    "Matching.")
STOW_ONE_STUDY_PER_REQUEST = _web_fault(
    "stow-one-study-per-request", "STOW-SEVERAL-STUDIES",
    "A store to /studies keeps only the instances of the first stored instance's study; those of other studies are "
    "refused (Failure Reason C409, Study Instance UID mismatch), 202.")
QIDO_JSON_LATIN1 = _web_fault(
    "qido-json-latin1", "QIDO-JSON-UTF8",
    "DICOM JSON search results holding characters beyond ASCII are encoded in ISO-8859-1, not UTF-8.")
QIDO_PPS_START_NOT_MATCHED = _web_fault(
    "qido-pps-start-not-matched", "QIDO-MATCH-PPS-START",
    "Performed Procedure Step Start Date and Start Time matching keys are ignored: every series matches them.")
QIDO_REQUEST_ATTRIBUTES_NOT_MATCHED = _web_fault(
    "qido-request-attributes-not-matched", "QIDO-MATCH-REQUEST-ATTRIBUTES",
    "Matching keys inside the Request Attributes Sequence are ignored: every series matches them.")
QIDO_INCLUDEFIELD_LAST_ONLY = _web_fault(
    "qido-includefield-last-only", "QIDO-INCLUDEFIELD-REPEATED",
    "Of several includefield parameters only the last one counts (a comma-separated list in one still works).")
# -- robustness, round 5 (issue 15): hostile input judged by the robustness suite (opt-in claim "robustness") ------
ROBUST_UNDECODABLE_SUCCESS = _fault(
    "robust-undecodable-success", "ROBUST-STORE-UNDECODABLE-REFUSED",
    "A C-STORE data set whose element lengths run past its end is answered Success (and not kept) instead of "
    "refused with Error: Cannot understand.", suites=("robustness",))
ROBUST_REFUSAL_DELETES_STORED = _fault(
    "robust-refusal-deletes-stored", "ROBUST-STORED-SURVIVES",
    "A C-STORE refused because its data set cannot be decoded deletes the instance already stored under the "
    "command's Affected SOP Instance UID.", suites=("robustness",))
ROBUST_QIDO_NON_ASCII_DIGITS = _fault(
    "robust-qido-non-ascii-digits", "ROBUST-QIDO-INVALID-PAGING-400",
    "A limit or offset written in another script's digits (e.g. U+0663, ARABIC-INDIC DIGIT THREE) is read as its "
    "number instead of answered 400.", suites=("robustness",))
ROBUST_STOW_MALFORMED_200 = _fault(
    "robust-stow-malformed-200", "ROBUST-STOW-UNPARSABLE-400",
    "A store request whose multipart body cannot be parsed is answered 200 with an empty Store Instances "
    "Response (nothing stored) instead of 400.", suites=("robustness",))
ROBUST_STOW_REFUSAL_DELETES_STORED = _fault(
    "robust-stow-refusal-deletes-stored", "ROBUST-STOW-STORED-SURVIVES",
    "A STOW-RS part refused because its data set cannot be decoded deletes the instance already stored under the "
    "SOP Instance UID it names.", suites=("robustness",))
MWL_MEDICAL_KEYS_DROPPED = _fault(
    "mwl-medical-keys-dropped", "MWL-RETURN-PATIENT-MEDICAL",
    "Medical Alerts, Allergies, Pregnancy Status, Special Needs and Patient State (Type 2 return keys of the Patient "
    "Medical module) come back zero length although the item holds values.")
MWL_REFERENCED_SEQUENCES_EMPTY = _fault(
    "mwl-referenced-sequences-empty", "MWL-RETURN-REFERENCED-SEQUENCES",
    "Referenced Study Sequence and Referenced Patient Sequence come back without items although the item holds "
    "them.")
