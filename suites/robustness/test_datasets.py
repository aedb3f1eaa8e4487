"""PS3.4 B.2.2-B.2.3 and PS3.7 9.1.1.1.9: C-STORE requests whose data set cannot be decoded (an element's length
runs past the end of the data set), drawn by hypothesis from the run's --seed (bounded, written to the evidence).
Opt-in: the target's profile claims "robustness" (the suite sends malformed input to a product).

Each drawn data set is a valid CT instance, encoded in Explicit VR Little Endian, then either cut inside one
element's value or cut after one element whose length is raised past the end: framed correctly (one complete
C-STORE message), undecodable. Nothing here is left to interpretation: no reading of such bytes yields the element."""

from __future__ import annotations

from io import BytesIO

from hypothesis import HealthCheck, Phase, example, given, seed, settings
from pydicom.uid import ExplicitVRLittleEndian
from pynetdicom import build_context
from pynetdicom.dimse_primitives import C_STORE
from pynetdicom.dsutils import encode
from pynetdicom.sop_class import CTImageStorage, Verification

from dicom_harness.testing import (
    NotClaimed,
    NotVerified,
    TargetFailure,
    assert_same_instance,
    describe,
    requirement,
    status_class,
)

from .corruption import CORRUPTIONS, EXPLICIT, corrupted

DRAWN = 6
SETTINGS = settings(max_examples=DRAWN, deadline=None, database=None, phases=(Phase.explicit, Phase.generate),
                    suppress_health_check=list(HealthCheck), print_blob=False, derandomize=False)
def _claims_storage(claims) -> None:
    classes = {str(uid) for uid in claims.storage_sop_classes}
    if not claims.offers("storage") or (classes and str(CTImageStorage) not in classes):
        raise NotClaimed("the tests send CT Image Storage data sets, which the target does not claim to store")


def _encoded(instance) -> bytes:
    return encode(instance, False, True)        # Explicit VR Little Endian, the context proposed below


def _contexts():
    return [build_context(CTImageStorage, [ExplicitVRLittleEndian]), build_context(Verification)]


def _store_bytes(session, data: bytes, instance_uid: str):
    """One C-STORE-RQ carrying these bytes as its data set (Affected SOP Class CT Image Storage, Affected SOP
    Instance instance_uid). Returns the response, or raises TargetFailure when the target aborted or closed."""
    context = next((c for c in session.accepted if c.abstract_syntax == CTImageStorage), None)
    if context is None:
        raise NotClaimed("the target did not accept CT Image Storage in Explicit VR Little Endian")
    request = C_STORE()
    request.MessageID = session._next_id()
    request.AffectedSOPClassUID = CTImageStorage
    request.AffectedSOPInstanceUID = instance_uid
    request.Priority = 2
    request.DataSet = BytesIO(data)
    session.evidence.add(">", f"C-STORE-RQ MessageID={request.MessageID} SOPInstance={instance_uid} "
                              f"data set {len(data)} bytes (undecodable)")
    return session._exchange(request, context.context_id, "C-STORE")


SILENT = "no C-STORE response"


def _play(dimse, data: bytes, instance_uid: str) -> str | None:
    """Send the bytes on their own association; None when the target refused clearly (a Failure status, or an
    A-ABORT: PS3.8 7.3 lets either side abort), else what it did instead (starting with SILENT when nothing came
    back before the harness gave up)."""
    with dimse.associate(_contexts()) as session:
        try:
            response = _store_bytes(session, data, instance_uid)
        except TargetFailure as exc:
            if session.abort_received[0]:
                session.evidence.add("#", "the target sent an A-ABORT: a refusal (PS3.8 7.3: either side may abort)")
                return None
            return f"{SILENT}: {exc}" if "gave up" in str(exc) else str(exc)
        if status_class(response.status) == "Failure":
            return None
        return f"answered {describe(response.status)}"


def _drawn(dataset_factory, evidence, play) -> None:
    """Run play(index, how, amount) over the explicit corruptions and the ones drawn from the run's seed. Once
    play returns False (the target stayed silent: each silence costs the harness's whole DIMSE timeout), the
    remaining corruptions are not sent."""
    silent = []

    def step(corruption):
        if silent:
            return
        if play(*corruption) is False:
            silent.append(corruption)
            evidence.add("#", "the target stayed silent: the remaining corruptions are not sent")

    test = given(CORRUPTIONS)(step)
    for corruption in reversed(EXPLICIT):
        test = example(corruption)(test)
    evidence.add("#", f"hypothesis seed {dataset_factory.seed}: {len(EXPLICIT)} set and {DRAWN} drawn corruptions "
                      "(rerun with the same --seed for the same data sets)")
    seed(dataset_factory.seed)(SETTINGS(test))()


@requirement("ROBUST-STORE-UNDECODABLE-REFUSED")
def test_undecodable_data_sets_are_refused(dimse, make_instance, dataset_factory, evidence, claims):
    """C-STORE CT data sets cut inside an element, or with an element longer than the data set (drawn from the
    seed), each on its own association; PS3.4 B.2.2: Success means stored, so each gets a Failure (Cxxx)."""
    _claims_storage(claims)
    wrong = []

    def play(index, how, amount):
        instance = make_instance("CT")
        what, data = corrupted(_encoded(instance), index, how, amount)
        evidence.add("#", f"data set {instance.SOPInstanceUID}: {what}")
        observed = _play(dimse, data, str(instance.SOPInstanceUID))
        if observed is not None:
            wrong.append(f"{what}: {observed}")
        return not (observed or "").startswith(SILENT)

    _drawn(dataset_factory, evidence, play)
    dimse.serves_again()
    assert not wrong, ("expected a Failure status (PS3.4 Table B.2-1, Error: Cannot understand Cxxx, or another "
                       "failure) or an A-ABORT for each undecodable data set; observed " + " | ".join(wrong[:3]))


@requirement("ROBUST-STORED-SURVIVES")
def test_stored_instance_survives_undecodable_stores(dimse, make_instance, dataset_factory, evidence, claims):
    """Store a CT instance, then send undecodable data sets under its SOP Instance UID (drawn from the seed);
    PS3.4 B.2.2: its Success said it was stored, so it still reads back identical."""
    _claims_storage(claims)
    instance = make_instance("CT")
    stored = dimse.store(instance)
    if status_class(stored.status) not in ("Success", "Warning"):
        raise NotVerified(f"the valid instance was not stored ({describe(stored.status)}), so nothing can be lost")

    def play(index, how, amount):
        what, data = corrupted(_encoded(instance), index, how, amount)
        evidence.add("#", f"under {instance.SOPInstanceUID}: {what}")
        observed = _play(dimse, data, str(instance.SOPInstanceUID))
        evidence.add("#", "refused" if observed is None else f"not refused (judged by ROBUST-STORE-UNDECODABLE-"
                                                              f"REFUSED): {observed}")
        return not (observed or "").startswith(SILENT)

    _drawn(dataset_factory, evidence, play)
    assert_same_instance(instance, dimse.read_back(instance), coercion_allowed=stored.status != 0,
                         compare_pixels=claims.storage_level >= 1)
