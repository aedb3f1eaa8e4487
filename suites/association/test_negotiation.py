"""PS3.8 7.1 and 9.3, PS3.7 Annex D: association establishment and presentation context negotiation."""

import pytest
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import build_context
from pynetdicom.sop_class import Verification

from dicom_harness.testing import AssociationRejected, NotClaimed, requirement

# UUID-derived UIDs (root 2.25) that no standard or vendor has assigned.
UNKNOWN_ABSTRACT_SYNTAX = "2.25.305828488182362348521016262932584542771"
UNKNOWN_TRANSFER_SYNTAX = "2.25.129557360263227633400566440542416374519"

ABSTRACT_SYNTAX_NOT_SUPPORTED = 3
TRANSFER_SYNTAXES_NOT_SUPPORTED = 4



@requirement("ASSOC-ACCEPT-DEFAULT-TS")
def test_default_transfer_syntax_is_accepted(dimse):
    """Propose Verification twice, once with Implicit VR Little Endian only; that context must be accepted."""
    implicit_only = build_context(Verification, [ImplicitVRLittleEndian])
    explicit_only = build_context(Verification, [ExplicitVRLittleEndian])
    with dimse.associate([implicit_only, explicit_only]) as session:
        accepted = [c for c in session.accepted if c.transfer_syntax[0] == ImplicitVRLittleEndian]
        assert accepted, "expected the Implicit VR Little Endian context to be accepted; observed results: " + ", ".join(
            f"context {c.context_id}: result {c.result}" for c in session.assoc.rejected_contexts)


@requirement("ASSOC-REJECT-UNKNOWN-ABSTRACT")
def test_unknown_abstract_syntax_is_rejected_and_association_survives(dimse):
    """Propose Verification and an unassigned abstract syntax; expect result 3 for it and a working echo."""
    contexts = [build_context(Verification, [ImplicitVRLittleEndian, ExplicitVRLittleEndian]),
                build_context(UNKNOWN_ABSTRACT_SYNTAX, [ImplicitVRLittleEndian, ExplicitVRLittleEndian])]
    with dimse.associate(contexts) as session:
        unknown = [c for c in session.accepted if c.abstract_syntax == UNKNOWN_ABSTRACT_SYNTAX]
        assert not unknown, "expected the unknown abstract syntax to be rejected, observed it accepted"
        rejected = [c for c in session.rejected if c.abstract_syntax == UNKNOWN_ABSTRACT_SYNTAX]
        assert rejected and rejected[0].result == ABSTRACT_SYNTAX_NOT_SUPPORTED, (
            f"expected result 3 (abstract-syntax-not-supported), observed {rejected[0].result if rejected else 'none'}")
        session.echo()  # any answer shows the association survived; raises when there is none


@requirement("ASSOC-REJECT-UNKNOWN-TS")
def test_unknown_transfer_syntax_is_rejected_and_association_survives(dimse):
    """Propose Verification with an unassigned transfer syntax only, beside a normal one; expect result 4."""
    contexts = [build_context(Verification, [UNKNOWN_TRANSFER_SYNTAX]),
                build_context(Verification, [ImplicitVRLittleEndian, ExplicitVRLittleEndian])]
    with dimse.associate(contexts) as session:
        odd = [c for c in session.accepted if c.transfer_syntax[0] == UNKNOWN_TRANSFER_SYNTAX]
        assert not odd, "expected the context with only an unknown transfer syntax to be rejected, observed it accepted"
        rejected = [c for c in session.rejected if c.context_id == 1]
        assert rejected and rejected[0].result == TRANSFER_SYNTAXES_NOT_SUPPORTED, (
            f"expected result 4 (transfer-syntaxes-not-supported), observed {rejected[0].result if rejected else 'none'}")
        session.echo()  # any answer shows the association survived; raises when there is none


@requirement("ASSOC-CALLED-AE-CHECK")
def test_wrong_called_ae_title_is_rejected(dimse, claims):
    """Address the association to another AE title; a target claiming AE checks answers A-ASSOCIATE-RJ
    with source service-user (1) and reason 7."""
    if not claims.called_ae_check:
        raise NotClaimed("the target does not claim to check the called AE title")
    with pytest.raises(AssociationRejected) as rejected:
        with dimse.associate(called_ae=dimse.wrong_called_ae()):
            pass
    rejection = rejected.value.rejection
    assert (rejection.source, rejection.reason) == (1, 7), (
        f"expected source 1 (service-user), reason 7 (called AE title not recognized); observed {rejection}")




@requirement("ASSOC-CALLING-AE-CHECK")
def test_unknown_calling_ae_title_is_rejected(dimse, claims):
    """Call from an AE title the target was never told about; a target claiming calling-AE checks answers
    A-ASSOCIATE-RJ with source service-user (1) and reason 3."""
    if not claims.calling_ae_check:
        raise NotClaimed("the target does not claim to check calling AE titles")
    with pytest.raises(AssociationRejected) as rejected:
        with dimse.associate(calling_ae=dimse.unknown_calling_ae()):
            pass
    rejection = rejected.value.rejection
    assert (rejection.source, rejection.reason) == (1, 3), (
        f"expected source 1 (service-user), reason 3 (calling AE title not recognized); observed {rejection}")
