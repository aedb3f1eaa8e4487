"""PS3.4 K.2.2.1.2 and Table K.6-1: the Return Keys of Modality Worklist responses by Data Element Type, SCP side.
The harness seeds worklist items on the target, asks for return keys at zero length, and reads each response."""

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from dicom_harness.testing import requirement, unique_tag, unique_worklist_item, worklist_query

from .conftest import ours

# Table K.6-1: Type 2 return keys outside the keys every query asks (Visit Identification, Visit Status, Patient
# Demographic); a seeded item holds no value for them
UNKNOWN_TYPE2 = ("AdmissionID", "CurrentPatientLocation", "PatientWeight")


def _one_answer(seed_worklist, worklist_find, item, query) -> Dataset:
    seed_worklist([item])
    found = ours(worklist_find(query).identifiers, [item])
    assert len(found) == 1, f"expected one response for Patient ID {item.PatientID}, observed {len(found)}"
    return found[0]


@requirement("MWL-RETURN-TYPE2-UNKNOWN")
def test_type2_return_keys_without_value_come_back_empty(seed_worklist, worklist_find, dataset_factory):
    """Seed an item without Admission ID, Current Patient Location and Patient's Weight and ask them at zero length:
    they are Type 2 return keys of Table K.6-1, so K.2.2.1.2 wants them in the response (zero length when unknown)."""
    item = unique_worklist_item(dataset_factory)
    query = worklist_query(PatientID=item.PatientID)
    for keyword in UNKNOWN_TYPE2:
        setattr(query, keyword, None)
    answer = _one_answer(seed_worklist, worklist_find, item, query)
    missing = [k for k in UNKNOWN_TYPE2 if k not in answer]
    assert not missing, (f"Type 2 return keys asked for but absent from the response: {missing} (PS3.4 K.2.2.1.2: "
                         "SCPs shall support Return Key Attributes ... according to the Data Element Type; Table K.6-1 "
                         "gives them Return Key Type 2: present, zero length when the value is unknown)")


@requirement("MWL-RETURN-SPS-TYPE2")
def test_scheduled_step_type2_keys_come_back(seed_worklist, worklist_find, dataset_factory):
    """Seed an item whose Scheduled Procedure Step holds a Scheduled Station Name and Location; ask both in the
    sequence item: Table K.6-1 makes them Type 2 return keys, so they come back with the item's values."""
    item = unique_worklist_item(dataset_factory)
    step = item.ScheduledProcedureStepSequence[0]
    step.ScheduledStationName = unique_tag(dataset_factory, "ST", 16)
    step.ScheduledProcedureStepLocation = unique_tag(dataset_factory, "ROOM", 16)
    query = worklist_query(PatientID=item.PatientID)
    query.ScheduledProcedureStepSequence[0].ScheduledStationName = ""
    query.ScheduledProcedureStepSequence[0].ScheduledProcedureStepLocation = ""
    answer = _one_answer(seed_worklist, worklist_find, item, query)
    steps = answer.get("ScheduledProcedureStepSequence") or []
    assert len(steps) == 1, f"ScheduledProcedureStepSequence: expected 1 item, observed {len(steps)}"
    wrong = [f"{k}: expected {str(step.get(k))!r}, observed {str(steps[0].get(k, '(absent)'))!r}"
             for k in ("ScheduledStationName", "ScheduledProcedureStepLocation")
             if str(steps[0].get(k, "(absent)")) != str(step.get(k))]
    assert not wrong, ("Scheduled Procedure Step Type 2 return keys (Table K.6-1) differ from the item: "
                       + "; ".join(wrong))


@requirement("MWL-RETURN-ORDER-KEYS")
def test_requested_procedure_and_order_keys_come_back(seed_worklist, worklist_find, dataset_factory):
    """Seed an item with a Requested Procedure Priority and a Requesting Physician; ask both: Table K.6-1 makes
    them Type 2 return keys (Requested Procedure, Imaging Service Request), so they come back with the values."""
    item = unique_worklist_item(dataset_factory)
    item.RequestedProcedurePriority = "HIGH"
    item.RequestingPhysician = f"DH^REQ{unique_tag(dataset_factory, '', 8)}"
    query = worklist_query(PatientID=item.PatientID, RequestedProcedurePriority="", RequestingPhysician="")
    answer = _one_answer(seed_worklist, worklist_find, item, query)
    wrong = [f"{k}: expected {str(item.get(k))!r}, observed {str(answer.get(k, '(absent)'))!r}"
             for k in ("RequestedProcedurePriority", "RequestingPhysician")
             if str(answer.get(k, "(absent)")) != str(item.get(k))]
    assert not wrong, "Type 2 return keys (Table K.6-1) differ from the item: " + "; ".join(wrong)


@requirement("MWL-SPS-SINGLE-ITEM")
def test_scheduled_step_sequence_holds_one_item(seed_worklist, worklist_find, dataset_factory):
    """Seed an item with one Scheduled Procedure Step and ask the sequence at zero length (whole items): Table K.6-1
    says the Scheduled Procedure Step Sequence shall contain only a single Item, so each response holds one."""
    item = unique_worklist_item(dataset_factory)
    query = worklist_query(PatientID=item.PatientID)
    query.ScheduledProcedureStepSequence = Sequence()
    answer = _one_answer(seed_worklist, worklist_find, item, query)
    steps = answer.get("ScheduledProcedureStepSequence")
    count = "absent" if steps is None else len(steps)
    assert count == 1, (f"ScheduledProcedureStepSequence in the response: expected 1 item, observed {count} (Table "
                        "K.6-1: the Scheduled Procedure Step Sequence shall contain only a single Item)")


@requirement("MWL-SEQUENCE-RETURN-KEY-FORMS")
def test_sequence_return_key_in_both_forms(seed_worklist, worklist_find, dataset_factory):
    """Ask the Scheduled Procedure Step Sequence once at zero length and once with one zero-length item (K.2.2.1.2
    note 4: either form may be used): both responses hold the item's step (its Scheduled Procedure Step ID)."""
    item = unique_worklist_item(dataset_factory)
    seed_worklist([item])
    wanted = str(item.ScheduledProcedureStepSequence[0].ScheduledProcedureStepID)
    wrong = []
    for form, value in (("zero length", Sequence()), ("one zero-length item", Sequence([Dataset()]))):
        query = worklist_query(PatientID=item.PatientID)
        query.ScheduledProcedureStepSequence = value
        found = ours(worklist_find(query).identifiers, [item])
        steps = [step for answer in found for step in (answer.get("ScheduledProcedureStepSequence") or [])]
        if len(found) != 1 or not any(str(step.get("ScheduledProcedureStepID", "")) == wanted for step in steps):
            wrong.append(f"asked with {form}: {len(found)} response(s), steps with IDs "
                         f"{[str(s.get('ScheduledProcedureStepID', '')) for s in steps]}, expected one holding {wanted}")
    assert not wrong, ("a sequence return key was not answered in both forms (PS3.4 K.2.2.1.2: Return Key Attributes "
                       "with VR of SQ may be specified either with zero-length or with the zero-length item in the "
                       "sequence): " + "; ".join(wrong))


@requirement("MWL-CHARSET")
def test_response_names_its_character_set(seed_worklist, worklist_find, dataset_factory):
    """Seed an item in ISO_IR 100 whose Patient's Name holds a Latin-1 letter: K.4.1.1.3.2 wants Specific Character
    Set in the response, and the name reads back as seeded."""
    item = unique_worklist_item(dataset_factory)
    item.SpecificCharacterSet = "ISO_IR 100"
    item.PatientName = f"DH^M\u00dcLLER{unique_tag(dataset_factory, '', 8)}"
    answer = _one_answer(seed_worklist, worklist_find, item, worklist_query(PatientID=item.PatientID))
    charset = answer.get("SpecificCharacterSet")
    values = [] if charset is None else [str(v) for v in (charset if isinstance(charset, list) or
                                                          type(charset).__name__ == "MultiValue" else [charset])]
    assert values and any(v not in ("", "ISO_IR 6") for v in values), (
        f"the response holds Patient's Name {item.PatientName!s} (ISO_IR 100) but Specific Character Set "
        f"{'is absent' if charset is None else repr(values)} (PS3.4 K.4.1.1.3.2: this Attribute shall be included "
        "if expanded or replacement character sets may be used in any of the Attributes in the Response Identifier)")
    assert str(answer.get("PatientName", "")) == str(item.PatientName), (
        f"Patient's Name: expected {item.PatientName!s}, read back {answer.get('PatientName')!s} in {values}")


# Table K.6-1, Patient Medical: Type 2 return keys, with values a seeded item holds
MEDICAL = {"MedicalAlerts": "DH NO ALERTS", "Allergies": "DH NONE KNOWN", "PregnancyStatus": 4,
           "SpecialNeeds": "DH NONE", "PatientState": "DH AMBULATORY"}


@requirement("MWL-RETURN-PATIENT-MEDICAL")
def test_patient_medical_keys_come_back(seed_worklist, worklist_find, dataset_factory):
    """Seed an item with Medical Alerts, Allergies, Pregnancy Status (4, unknown), Special Needs and Patient State
    and ask them: Table K.6-1 makes them Type 2 return keys, so they come back with the item's values."""
    item = unique_worklist_item(dataset_factory)
    for keyword, value in MEDICAL.items():
        setattr(item, keyword, value)
    query = worklist_query(PatientID=item.PatientID)
    for keyword in MEDICAL:
        setattr(query, keyword, None)
    answer = _one_answer(seed_worklist, worklist_find, item, query)
    wrong = [f"{k}: expected {v!r}, observed {answer.get(k, '(absent)')!r}" for k, v in MEDICAL.items()
             if str(answer.get(k, "(absent)")) != str(v)]
    assert not wrong, "Patient Medical Type 2 return keys (Table K.6-1) differ from the item: " + "; ".join(wrong)


def _reference(sop_class: str, uid: str) -> Dataset:
    reference = Dataset()
    reference.ReferencedSOPClassUID, reference.ReferencedSOPInstanceUID = sop_class, uid
    return reference


@requirement("MWL-RETURN-REFERENCED-SEQUENCES")
def test_referenced_study_and_patient_sequences_come_back(seed_worklist, worklist_find, dataset_factory):
    """Seed an item whose Referenced Study Sequence and Referenced Patient Sequence hold one item each and ask both
    at zero length: Table K.6-1 makes them Type 2 return keys (their Referenced SOP Class and Instance UIDs Type 1),
    so each comes back with its item."""
    item = unique_worklist_item(dataset_factory)
    sent = {"ReferencedStudySequence": ("1.2.840.10008.3.1.2.3.1", str(item.StudyInstanceUID)),
            "ReferencedPatientSequence": ("1.2.840.10008.3.1.2.1.1", str(dataset_factory.uid()))}
    for keyword, (sop_class, uid) in sent.items():
        setattr(item, keyword, Sequence([_reference(sop_class, uid)]))
    query = worklist_query(PatientID=item.PatientID)
    for keyword in sent:
        setattr(query, keyword, Sequence())
    answer = _one_answer(seed_worklist, worklist_find, item, query)
    wrong = []
    for keyword, expected in sent.items():
        observed = [(str(i.get("ReferencedSOPClassUID", "")), str(i.get("ReferencedSOPInstanceUID", "")))
                    for i in (answer.get(keyword) or [])]
        if observed != [expected]:
            wrong.append(f"{keyword}: expected one item {expected}, observed {observed}")
    assert not wrong, "referenced sequences (Type 2 return keys of Table K.6-1) differ from the item: " + "; ".join(wrong)
