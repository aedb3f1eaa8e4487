"""PS3.7 9.1.1.1 and 9.3.1.2: what a C-STORE response names. Judged on the status exchange alone, so a
storage-only SCP (no retrieve service) gets a verdict too."""

from dicom_harness.testing import requirement


@requirement("STORE-RSP-MESSAGE-ID")
def test_store_response_names_the_request_message_id(dimse, make_instance):
    """C-STORE one CT image; the C-STORE-RSP's Message ID Being Responded To must be the request's Message ID
    (PS3.7 Table 9.3-2), whatever its status."""
    response = dimse.store(make_instance("CT"))
    observed = "absent or empty" if response.responded_to is None else response.responded_to
    assert response.responded_to == response.message_id, (
        f"C-STORE-RSP Message ID Being Responded To: expected {response.message_id}, observed {observed}")


@requirement("STORE-RSP-AFFECTED-UIDS")
def test_store_response_names_the_request_uids(dimse, make_instance):
    """C-STORE one CT image; an Affected SOP Class or Instance UID in the C-STORE-RSP must equal the request's
    (PS3.7 9.1.1.1.3, 9.1.1.1.4: "shall be equal to the value in the request"). Absent is allowed."""
    instance = make_instance("CT")
    response = dimse.store(instance)
    sent = {"AffectedSOPClassUID": str(instance.SOPClassUID), "AffectedSOPInstanceUID": str(instance.SOPInstanceUID)}
    wrong = [f"{keyword}: sent {value}, returned {response.wire.get(keyword)}" for keyword, value in sent.items()
             if keyword in response.wire and str(response.wire.get(keyword)).rstrip("\0 ") != value]
    assert not wrong, "C-STORE-RSP names other UIDs than its request: " + "; ".join(wrong)
