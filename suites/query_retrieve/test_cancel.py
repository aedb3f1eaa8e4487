"""PS3.4 C.4.1.3.1 and PS3.7 9.1.2.2: C-CANCEL of a C-FIND with many matches."""

from dicom_harness.testing import Status, describe, requirement

from .conftest import CANCEL_MATCHES, query


@requirement("QR-FIND-CANCEL")
def test_cancel_interrupts_find(qr, cancel_world):
    """C-FIND matching 20 instances with C-CANCEL-FIND-RQ right behind the request, so it is there before
    matching can end: the SCP shall interrupt and answer Cancel (FE00) (PS3.4 C.4.1.3.1, Table C.4-1); the
    association then still answers another C-FIND."""
    world, series = cancel_world
    identifier = query("IMAGE", PatientID=world.pid("C"), StudyInstanceUID=world.study_uid("C1"),
                       SeriesInstanceUID=world.series_uid(series), SOPInstanceUID="")
    with qr.find_session("patient_root") as (session, model):
        result = session.find(identifier, model, cancel=True)
        assert result.final_status == Status.CANCEL, (
            f"expected the C-FIND to end with Cancel (FE00) after fewer than {CANCEL_MATCHES} matches, observed "
            f"{describe(result.final_status)} after {len(result.identifiers)} Pending response(s)")
        assert all(s in (Status.PENDING, Status.PENDING_WARNING) for s in result.statuses[:-1]), (
            f"responses before the final one: {[describe(s) for s in result.statuses[:-1]]}")
        after = session.find(query("STUDY", PatientID=world.id_prefix + "NONE", StudyInstanceUID=""), model)
        assert after.final_status == Status.SUCCESS, (
            f"a C-FIND after the cancelled one: expected Success, observed {describe(after.final_status)}")


@requirement("QR-FIND-CANCEL-NO-IDENTIFIER")
def test_cancel_response_has_no_identifier(qr, cancel_world, evidence):
    """C-FIND matching 20 instances, C-CANCEL-FIND-RQ right behind it: the Cancel (FE00) response that ends it shall
    carry no identifier (PS3.7 9.1.2.1.6): Command Data Set Type 0101H and no data set."""
    world, series = cancel_world
    identifier = query("IMAGE", PatientID=world.pid("C"), StudyInstanceUID=world.study_uid("C1"),
                       SeriesInstanceUID=world.series_uid(series), SOPInstanceUID="")
    with qr.find_session("patient_root") as (session, model):
        result = session.find(identifier, model, cancel=True)
    if result.final_status != Status.CANCEL:
        evidence.add("#", f"the C-FIND ended {describe(result.final_status)}, not Cancel: no Cancel response, so "
                          f"nothing for this requirement (QR-FIND-CANCEL judges the status)")
        return
    kind = result.commands[-1].get("CommandDataSetType") if result.commands else None
    assert not result.final_data_set and kind == 0x0101, (
        f"the Cancel (FE00) response carries an identifier (Command Data Set Type "
        f"{'absent' if kind is None else f'0x{int(kind):04X}'}, {len(result.final_data_set)} byte(s)); PS3.7 "
        f"9.1.2.1.6: \"The response shall not contain an Identifier\"")
