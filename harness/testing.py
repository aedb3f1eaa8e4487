"""The public surface for conformance tests: the suites import from here and from nowhere else in the harness,
and so can a vendor's own tests. Everything else in dicom_harness is free to change.

The pytest plugin (registered by the package's pytest11 entry point) provides the fixtures; a test asks for them
by name:

- target: the running target (frozen), started once per session
- claims: target.claims, what its profile says it offers
- dimse: a DIMSE client for this test, recording evidence
- dicomweb: a DICOMweb client for this test, recording evidence
- ups: a UPS-RS user agent with its notification channels
- harness_peer: the harness's own listening AE (C-MOVE destination, N-EVENT-REPORT receiver)
- evidence: this test's evidence record
- dataset_factory, make_instance: synthetic, PHI-free data sets with unique UIDs
- seed_worklist: put worklist items on the target
- web_study: one small study put in the target once for the DICOMweb suites
- fhir: a FHIR R4 client for the target's [fhir] server (read, search), recording evidence
- recording: what a client product sent while `dicom-harness listen` listened (client-side suites)

IN_PROGRESS and COMPLETED are one Defined Term each for a UPS Procedure Step State (PS3.4 Table CC.1.1-1) and
an MPPS Performed Procedure Step Status (F.7.2.1); DISCONTINUED is MPPS only, SCHEDULED and CANCELED UPS only.
"""

from dicom_harness import differential
from dicom_harness.checks import assert_rendered_jpeg, assert_same_instance, assert_suboperation_counts
from dicom_harness.clients.commitment import request_commitment
from dicom_harness.clients.dimse import AssociationRejected
from dicom_harness.clients.exchange import TargetFailure
from dicom_harness.clients.seeding import seed_instances
from dicom_harness.clients.ups import REFUSED, about, is_event, state_of, subscriber_title
from dicom_harness.clients.web import (
    DICOM_JSON,
    MULTIPART_DICOM,
    MULTIPART_OCTET,
    json_value,
    native_dicom_attributes,
    native_values,
    read_part10,
    study_paths,
)
from dicom_harness.data.datasets import KINDS, PRIVATE_CREATOR, DatasetFactory, pixel_digest, references_by_sequence
from dicom_harness.data.worklist import unique_tag, unique_worklist_item
from dicom_harness.errors import NotApplicable, NotClaimed, NotVerified
from dicom_harness.json_model import assert_json_model, json_model_findings
from dicom_harness.plugin.markers import requirement
from dicom_harness.recorded import expected_of, received, requested, well_formed
from dicom_harness.shared import associate_rq, matching_model, mpps, qr_levels, ul_state_model, ups_model
from dicom_harness.shared.codes import code_item
from dicom_harness.shared.mpps import DISCONTINUED, final_state_attributes, in_progress_attributes
from dicom_harness.shared.status import Status, describe, is_defined_store_status, status_class
from dicom_harness.shared.ups import (
    CANCEL_REQUESTED,
    CANCELED,
    COMPLETED,
    FILTERED_WORKLIST_UID,
    IN_PROGRESS,
    PROGRESS,
    SCHEDULED,
    STATE_REPORT,
    WORKLIST_UID,
)
from dicom_harness.shared.worklist import RETURN_KEYS, SPS_RETURN_KEYS, worklist_query
from dicom_harness.validation import TYPE1, TYPE2, UIDS, UNREADABLE, VALUES, uid_problem, uid_values, validate

__all__ = [
    # marking a test
    "requirement",
    # what a test raises or catches
    "AssociationRejected", "NotApplicable", "NotClaimed", "NotVerified", "TargetFailure",
    # DIMSE statuses
    "Status", "describe", "is_defined_store_status", "status_class",
    # shared verifiers
    "assert_same_instance", "assert_suboperation_counts", "assert_json_model", "json_model_findings",
    "assert_rendered_jpeg",
    # DICOMweb bodies and paths
    "DICOM_JSON", "MULTIPART_DICOM", "MULTIPART_OCTET", "json_value", "native_dicom_attributes", "native_values",
    "read_part10", "study_paths", "references_by_sequence",
    # data sets
    "KINDS", "PRIVATE_CREATOR", "DatasetFactory", "code_item", "pixel_digest", "seed_instances",
    # Modality Worklist
    "RETURN_KEYS", "SPS_RETURN_KEYS", "unique_tag", "unique_worklist_item", "worklist_query",
    # C-FIND matching: what the text allows (PS3.4 C.2.2; Worklist K.2.2.1.1.1)
    "matching_model",
    # differential matching: drawn queries judged against matching_model, mismatches reduced
    "differential",
    # MPPS
    "DISCONTINUED", "final_state_attributes", "in_progress_attributes",
    # UPS
    "CANCELED", "CANCEL_REQUESTED", "COMPLETED", "FILTERED_WORKLIST_UID", "IN_PROGRESS", "PROGRESS", "REFUSED",
    "SCHEDULED", "STATE_REPORT", "WORKLIST_UID", "about", "is_event", "state_of", "subscriber_title",
    # Storage Commitment
    "request_commitment",
    # judging a client from its recording (`dicom-harness listen`)
    "associate_rq", "qr_levels", "received", "requested", "expected_of", "well_formed",
    "mpps",     # the MPPS SCU's tables (Table F.7.2-1) and states, as the RIS simulator reads them
    # the acceptor's upper layer state machine (PS3.8 Table 9-10): PDU kinds and the model dimse.play_pdus judges by
    "ul_state_model",
    "ups_model",    # one workitem under UPS-RS: every answer PS3.4 Table CC.1.1-2 allows (differential UPS test)
    "TYPE1", "TYPE2", "UIDS", "UNREADABLE", "VALUES", "uid_problem", "uid_values", "validate",
]
