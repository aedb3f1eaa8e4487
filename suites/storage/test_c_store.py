"""PS3.4 Annex B: the Storage service class, SCP side. Every Success or Warning is checked by reading the
instance back and comparing it with what was sent; on a target with no retrieve service (B.1.2 note 1) the
status and negotiation are judged and the read-back is NOT VERIFIED, never a PASS."""

import pytest
from pydicom.uid import (
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    RLELossless,
)
from pynetdicom import build_context
from pynetdicom.sop_class import CTImageStorage, MRImageStorage, Verification

from dicom_harness.testing import (
    KINDS,
    PRIVATE_CREATOR,
    NotClaimed,
    TargetFailure,
    assert_same_instance,
    describe,
    is_defined_store_status,
    requirement,
    status_class,
)

from .conftest import assert_kept

FACTORY_TRANSFER_SYNTAXES = [ImplicitVRLittleEndian, ExplicitVRLittleEndian, DeflatedExplicitVRLittleEndian,
                             RLELossless]


@requirement("STORE-RETAINS-INSTANCE")
def test_stored_instance_reads_back_identical(store_and_read_back, make_instance):
    """C-STORE one CT image; Success or Warning means the SCP kept it (PS3.4 B.2.2): read it back, compare
    (Patient ID, Study and Series UIDs may differ only after a Warning, B.4.1.3)."""
    store_and_read_back(make_instance("CT"))


@requirement("STORE-CLAIMED-SOP-CLASSES")
@pytest.mark.parametrize("kind", list(KINDS))
def test_claimed_sop_class_is_stored(kind, claims, store_and_read_back, make_instance):
    """Store one instance of each claimed Storage SOP Class (images, multi-frame, KOS, GSPS); read back."""
    if KINDS[kind] not in claims.storage_sop_classes:
        raise NotClaimed(f"{UID(KINDS[kind]).name} is not among the claimed storage SOP classes")
    store_and_read_back(make_instance(kind))


@requirement("STORE-CLAIMED-TRANSFER-SYNTAXES")
@pytest.mark.parametrize("syntax", FACTORY_TRANSFER_SYNTAXES, ids=lambda u: UID(u).keyword)
def test_claimed_transfer_syntax_is_stored(syntax, claims, store_and_read_back, make_instance):
    """Store a CT image encoded in each claimed transfer syntax; read back, the decoded pixels must match. The
    acceptor "selects a suitable Transfer Syntax" (PS3.7 D.3.2): this checks the profile's claim (MAY)."""
    if syntax not in claims.storage_transfer_syntaxes:
        raise NotClaimed(f"{UID(syntax).name} is not among the claimed storage transfer syntaxes")
    store_and_read_back(make_instance("CT", transfer_syntax=syntax))


@requirement("STORE-LEVEL2-KEEPS-ALL")
def test_level2_keeps_type3_and_private_attributes(claims, store_and_read_back, make_instance):
    """Store a CT image with a Type 3 attribute and a private block; a Level 2 SCP returns both."""
    if claims.storage_level < 2:
        raise NotClaimed(f"the target claims storage level {claims.storage_level}, not 2 (Full)")
    instance = make_instance("CT")
    received = store_and_read_back(instance)
    assert received.get("ImageComments") == instance.ImageComments, (
        f"Type 3 Image Comments: sent {instance.ImageComments!r}, read back {received.get('ImageComments')!r}")
    sent_value = instance.private_block(0x0009, PRIVATE_CREATOR)[0x01].value
    try:
        kept_value = received.private_block(0x0009, PRIVATE_CREATOR)[0x01].value
    except KeyError:
        kept_value = None
    assert kept_value == sent_value, f"private (0009,xx01) of {PRIVATE_CREATOR}: sent {sent_value!r}, read back {kept_value!r}"


@requirement("STORE-DUPLICATE-INSTANCE")
def test_duplicate_sop_instance_keeps_instance_intact(dimse, claims, make_instance):
    """C-STORE the same instance twice; the second status must be a defined one, and read-back still works."""
    instance = make_instance("CT")
    first = dimse.store(instance)
    assert_kept(first.status, "first C-STORE")
    second = dimse.store(instance)
    assert is_defined_store_status(second.status), f"second C-STORE: undefined status {describe(second.status)}"
    warned = any(status_class(s) == "Warning" for s in (first.status, second.status))
    assert_same_instance(instance, dimse.read_back(instance), coercion_allowed=warned,
                         compare_pixels=claims.storage_level >= 1)


@requirement("STORE-MISMATCH-STATUS")
def test_sop_class_mismatch_gets_defined_status(dimse, make_instance):
    """Send an MR data set with Affected SOP Class UID = CT Image Storage; expect a C-STORE response with a
    defined status (PS3.4 B.2.3, Table B.2-1). Whether the association still answers C-ECHO is recorded only:
    PS3.8 7.3 lets either side abort at any time."""
    instance = make_instance("MR")
    contexts = [build_context(CTImageStorage, [ExplicitVRLittleEndian]),
                build_context(MRImageStorage, [ExplicitVRLittleEndian]),
                build_context(Verification)]
    with dimse.associate(contexts) as session:
        response = session.store_as(instance, CTImageStorage)
        assert is_defined_store_status(response.status), (
            f"expected a C-STORE status of Table B.2-1, observed {describe(response.status)}")
        try:
            session.echo()
            session.evidence.add("#", "the association survived: it answered C-ECHO")
        except TargetFailure as exc:
            session.evidence.add("#", f"the association did not survive the mismatch (not judged): {exc}")
