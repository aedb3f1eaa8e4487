from contextlib import ExitStack

import pytest
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import build_context
from pynetdicom.pdu_primitives import SOPClassExtendedNegotiation
from pynetdicom.sop_class import ModalityWorklistInformationFind

from dicom_harness.testing import Status, describe


@pytest.fixture
def worklist_find(dimse):
    """worklist_find(query) -> the identifiers of the Pending responses; the final status must be Success."""
    context = build_context(ModalityWorklistInformationFind, [ImplicitVRLittleEndian, ExplicitVRLittleEndian])
    kept = ExitStack()
    shared = []

    def shared_session():
        if not shared or not shared[0].is_alive():
            shared[:] = [kept.enter_context(dimse.associate([context]))]
        return shared[0]

    def run(query, *, expect_success: bool = True, cancel: bool = False, then_echo: bool = False,
            one_association: bool = False):
        """cancel: a C-CANCEL-FIND-RQ follows the request in the same write; then_echo: a second C-FIND (the
        same query) on the association afterwards, its result kept as result.after. one_association: on the
        association the test's earlier one_association queries used (opened again if it ended), not one of its
        own: many queries each judged on its own answer (differential matching)."""
        if one_association and not cancel and not then_echo:
            result = shared_session().find(query, ModalityWorklistInformationFind)
        else:
            with dimse.associate([context]) as session:
                result = session.find(query, ModalityWorklistInformationFind, cancel=cancel)
                if then_echo:
                    result.after = session.find(query, ModalityWorklistInformationFind)
        if expect_success:
            assert result.final_status == Status.SUCCESS, (
                f"expected a final C-FIND status Success, observed {describe(result.final_status)}")
        return result
    with kept:
        yield run


def patient_ids(identifiers) -> list[str]:
    return sorted(str(i.get("PatientID", "")) for i in identifiers)


def ours(identifiers, items) -> list:
    """The responses for the items this test seeded (a shared target holds other items too)."""
    wanted = {str(i.PatientID) for i in items}
    return [i for i in identifiers if str(i.get("PatientID", "")) in wanted]


@pytest.fixture
def worklist_extended_answer(dimse):
    """worklist_extended_answer(information) -> what the A-ASSOCIATE-AC returned in a SOP Class Extended
    Negotiation sub-item for Modality Worklist (bytes, or None for no sub-item) when the A-ASSOCIATE-RQ offered
    one with these bytes (None: offered none). The association is released at once."""
    def run(information: bytes | None):
        items = []
        if information is not None:
            item = SOPClassExtendedNegotiation()
            item.sop_class_uid = ModalityWorklistInformationFind
            item.service_class_application_information = information
            items.append(item)
            dimse.evidence.add(">", f"SOP Class Extended Negotiation sub-item for Modality Worklist: bytes "
                                    f"{information.hex(' ')}")
        context = build_context(ModalityWorklistInformationFind, [ImplicitVRLittleEndian, ExplicitVRLittleEndian])
        with dimse.associate([context], extended_negotiation=items) as session:
            return session.extended_answer(ModalityWorklistInformationFind)
    return run
