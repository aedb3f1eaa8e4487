"""PS3.8 7.2 and 7.3: releasing and aborting an association."""

import time

from dicom_harness.testing import requirement


@requirement("ASSOC-RELEASE")
def test_release_request_is_answered_with_release_response(dimse):
    """Open an association, echo, then send A-RELEASE-RQ; the target must answer A-RELEASE-RP."""
    with dimse.associate(release=False) as session:
        session.echo()
        assert session.release(), "expected A-RELEASE-RP, observed " + (
            "A-ABORT" if session.assoc.is_aborted else "no answer")


@requirement("ASSOC-ABORT-RECOVERY")
def test_new_association_is_accepted_after_an_abort(dimse):
    """Abort an association with A-ABORT, then open a new one a moment later and echo on it."""
    with dimse.associate(release=False) as session:
        session.echo()
        session.abort()
    time.sleep(0.3)  # let the target notice the abort before we come back
    with dimse.associate() as session:
        session.echo()  # an answer of any status shows the new association works
