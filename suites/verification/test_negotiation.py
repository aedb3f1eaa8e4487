"""PS3.4 A.5: association negotiation for the Verification SOP Class."""

from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import build_context
from pynetdicom.sop_class import CTImageStorage, Verification

from dicom_harness.testing import describe, requirement

UNKNOWN_ABSTRACT_SYNTAX = "2.25.305828488182362348521016262932584542771"      # root 2.25: assigned to nobody


@requirement("VERIFY-ACCEPT-CONTEXT")
def test_verification_is_accepted_beside_other_contexts(dimse, evidence):
    """Propose an unassigned abstract syntax, CT Image Storage and Verification on one association; PS3.4 A.5: the
    acceptor accepts the Verification abstract syntax in a presentation context (the C-ECHO on it is evidence)."""
    contexts = [build_context(UNKNOWN_ABSTRACT_SYNTAX, [ImplicitVRLittleEndian]),
                build_context(CTImageStorage, [ExplicitVRLittleEndian, ImplicitVRLittleEndian]),
                build_context(Verification, [ExplicitVRLittleEndian, ImplicitVRLittleEndian])]
    with dimse.associate(contexts) as session:
        accepted = [c for c in session.accepted if c.abstract_syntax == Verification]
        assert accepted, "expected the Verification context accepted beside others, observed results: " + ", ".join(
            f"{c.abstract_syntax}: {c.result}" for c in session.rejected)
        response = session.echo()
    # evidence only: the status is VERIFY-ECHO-SUCCESS's to judge
    evidence.add("#", f"C-ECHO on the accepted Verification context: {describe(response.status)}")
