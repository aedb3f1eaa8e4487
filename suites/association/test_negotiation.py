"""PS3.8 7.1 and 9.3, PS3.7 Annex D: association establishment and presentation context negotiation."""

from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import build_context
from pynetdicom.sop_class import Verification

from dicom_harness.testing import AssociationRejected, NotClaimed, requirement

# UUID-derived UIDs (root 2.25) that no standard or vendor has assigned.
UNKNOWN_ABSTRACT_SYNTAX = "2.25.305828488182362348521016262932584542771"
UNKNOWN_TRANSFER_SYNTAX = "2.25.129557360263227633400566440542416374519"

# PS3.8 9.3.3.2, Presentation Context Item (A-ASSOCIATE-AC), Result/Reason: every rejection value. PS3.7 D.3.2
# lets the acceptor reject a context; no sentence ties a value to a cause, so the general values 1 and 2 are
# as legal as the specific one.
USER_REJECTION, NO_REASON = 1, 2
ABSTRACT_SYNTAX_NOT_SUPPORTED = 3
TRANSFER_SYNTAXES_NOT_SUPPORTED = 4
REJECTS_UNKNOWN_ABSTRACT = (USER_REJECTION, NO_REASON, ABSTRACT_SYNTAX_NOT_SUPPORTED)
REJECTS_UNKNOWN_TRANSFER = (USER_REJECTION, NO_REASON, TRANSFER_SYNTAXES_NOT_SUPPORTED)

# PS3.8 9.3.4, A-ASSOCIATE-RJ: result 1 (permanent) or 2 (transient); source 1 (service-user, 7.1.2.3);
# reason 1 (no-reason-given) always legal beside the specific 3 (calling) or 7 (called).
REJECTED_RESULTS = (1, 2)
SERVICE_USER = 1
NO_REASON_GIVEN, CALLING_AE_NOT_RECOGNIZED, CALLED_AE_NOT_RECOGNIZED = 1, 3, 7


@requirement("ASSOC-ACCEPT-DEFAULT-TS")
def test_default_transfer_syntax_is_accepted(dimse):
    """Propose Verification with Implicit VR Little Endian only; that context must be accepted. Alone: beside a
    second Verification context the acceptor may pick one of the two (PS3.8 7.1.1.14), which says nothing of
    its support for the default transfer syntax."""
    implicit_only = build_context(Verification, [ImplicitVRLittleEndian])
    with dimse.associate([implicit_only]) as session:
        accepted = [c for c in session.accepted if c.transfer_syntax[0] == ImplicitVRLittleEndian]
        assert accepted, "expected the Implicit VR Little Endian context to be accepted; observed results: " + ", ".join(
            f"context {c.context_id}: result {c.result}" for c in session.assoc.rejected_contexts)


@requirement("ASSOC-REJECT-UNKNOWN-ABSTRACT")
def test_unknown_abstract_syntax_is_rejected_and_association_survives(dimse):
    """Propose Verification and an unassigned abstract syntax; that context must not be accepted (result 1, 2
    or 3, PS3.8 9.3.3.2) and the association must still answer a C-ECHO."""
    contexts = [build_context(Verification, [ImplicitVRLittleEndian, ExplicitVRLittleEndian]),
                build_context(UNKNOWN_ABSTRACT_SYNTAX, [ImplicitVRLittleEndian, ExplicitVRLittleEndian])]
    with dimse.associate(contexts) as session:
        unknown = [c for c in session.accepted if c.abstract_syntax == UNKNOWN_ABSTRACT_SYNTAX]
        assert not unknown, "expected the unknown abstract syntax to be rejected, observed it accepted"
        rejected = [c for c in session.rejected if c.abstract_syntax == UNKNOWN_ABSTRACT_SYNTAX]
        assert rejected and rejected[0].result in REJECTS_UNKNOWN_ABSTRACT, (
            "expected a rejection result for the unknown abstract syntax (1 user-rejection, 2 no-reason or 3 "
            f"abstract-syntax-not-supported), observed {rejected[0].result if rejected else 'no result for it'}")
        session.echo()  # any answer shows the association survived; raises when there is none


@requirement("ASSOC-REJECT-UNKNOWN-TS")
def test_unknown_transfer_syntax_is_rejected_and_association_survives(dimse):
    """Propose Verification with an unassigned transfer syntax only, beside a normal one; that context must not
    be accepted (result 1, 2 or 4, PS3.8 9.3.3.2) and the association must still answer a C-ECHO."""
    contexts = [build_context(Verification, [UNKNOWN_TRANSFER_SYNTAX]),
                build_context(Verification, [ImplicitVRLittleEndian, ExplicitVRLittleEndian])]
    with dimse.associate(contexts) as session:
        odd = [c for c in session.accepted if c.transfer_syntax[0] == UNKNOWN_TRANSFER_SYNTAX]
        assert not odd, "expected the context with only an unknown transfer syntax to be rejected, observed it accepted"
        rejected = [c for c in session.rejected if c.context_id == 1]
        assert rejected and rejected[0].result in REJECTS_UNKNOWN_TRANSFER, (
            "expected a rejection result for the context with only an unknown transfer syntax (1 user-rejection, "
            f"2 no-reason or 4 transfer-syntaxes-not-supported), observed "
            f"{rejected[0].result if rejected else 'no result for it'}")
        session.echo()  # any answer shows the association survived; raises when there is none


@requirement("ASSOC-CALLED-AE-CHECK")
def test_wrong_called_ae_title_is_rejected(dimse, claims):
    """Address the association to another AE title; a target claiming the check answers A-ASSOCIATE-RJ, source
    service-user (1), reason 7 or 1 (PS3.8 9.3.4). The check itself is optional (7.1.1.4 note): MAY."""
    if not claims.called_ae_check:
        raise NotClaimed("the target does not claim to check the called AE title")
    rejection = _rejection(dimse, called_ae=dimse.wrong_called_ae())
    _assert_user_rejection(rejection, (CALLED_AE_NOT_RECOGNIZED, NO_REASON_GIVEN),
                           "7 (called-AE-title-not-recognized) or 1 (no-reason-given)")


@requirement("ASSOC-CALLING-AE-CHECK")
def test_unknown_calling_ae_title_is_rejected(dimse, claims):
    """Call from an AE title the target was never told about; a target claiming the check answers
    A-ASSOCIATE-RJ, source service-user (1), reason 3 or 1 (PS3.8 9.3.4). The check is optional (7.1.1.3 note)."""
    if not claims.calling_ae_check:
        raise NotClaimed("the target does not claim to check calling AE titles")
    rejection = _rejection(dimse, calling_ae=dimse.unknown_calling_ae())
    _assert_user_rejection(rejection, (CALLING_AE_NOT_RECOGNIZED, NO_REASON_GIVEN),
                           "3 (calling-AE-title-not-recognized) or 1 (no-reason-given)")


def _rejection(dimse, **titles):
    """The A-ASSOCIATE-RJ the target answers; an accepted association fails the claim."""
    try:
        with dimse.associate(**titles):
            pass
    except AssociationRejected as rejected:
        return rejected.rejection
    raise AssertionError("expected A-ASSOCIATE-RJ, observed the association accepted (A-ASSOCIATE-AC)")


def _assert_user_rejection(rejection, reasons, named):
    assert (rejection.result in REJECTED_RESULTS and rejection.source == SERVICE_USER
            and rejection.reason in reasons), (
        f"expected A-ASSOCIATE-RJ result 1 or 2, source 1 (service-user), reason {named}; observed {rejection}")
