"""PS3.4 C.2.2.1, C.4.2 and C.4.3 (C-MOVE and C-GET SCU behaviour), C.5.3 and PS3.7 D.3.3.4 (role selection
for C-GET): the retrieves a workstation sent, judged from their command fields, Identifiers and the
A-ASSOCIATE-RQ of their association."""

from dicom_harness.testing import NotVerified, is_defined_store_status, requested, requirement, well_formed

from .identifiers import (
    CONTROL,
    LEVELS,
    MODELS,
    UNIQUE_KEY,
    association_request,
    identifier,
    level,
    levels_above,
    model_of,
    proposed_abstract_syntaxes,
    qr_requests,
    scp_roles,
    single_value_problem,
    values,
)

STORAGE = "1.2.840.10008.5.1.4.1.1."     # the Storage SOP Classes' UID root
NOT_STORAGE = {*MODELS, "1.2.840.10008.1.1"}


def _retrieves(recording, evidence):
    """[(message, model, identifier)] of every Query/Retrieve C-MOVE and C-GET (NOT VERIFIED if none came)."""
    found = []
    for command in ("C-MOVE-RQ", "C-GET-RQ"):
        try:
            found += qr_requests(recording, command, evidence)
        except NotVerified:
            pass
    if not found:
        raise NotVerified("no Query/Retrieve C-MOVE or C-GET arrived while listening, so there is nothing to judge")
    return [(m, model_of(m), identifier(recording, m)) for m in found]


@requirement("QR-SCU-RETRIEVE-LEVEL")
def test_retrieve_identifier_names_its_level(recording, evidence):
    """Read Query/Retrieve Level (0008,0052) in every C-MOVE and C-GET Identifier; PS3.4 C.4.2.1.4.1 and
    C.4.3.1.3.1 say the Identifier shall contain it (one of the information model's levels)."""
    for message, model, ds in _retrieves(recording, evidence):
        value = str(ds.get("QueryRetrieveLevel", "") or "").strip() if "QueryRetrieveLevel" in ds else None
        evidence.add("#", f"message {message.number} ({message.command}, {model}): Query/Retrieve Level {value!r}")
        assert value in LEVELS[model], (
            f"message {message.number}: {message.command} Identifier with Query/Retrieve Level "
            f"{'absent' if value is None else repr(value)}; expected one of {', '.join(LEVELS[model])} for the "
            f"{model} model (PS3.4 C.4.2.1.4.1, C.4.3.1.3.1)")


def _with_level(found, evidence):
    judged = []
    for message, model, ds in found:
        retrieve_level = level(ds, model)
        if retrieve_level is None:
            evidence.add("#", f"message {message.number}: no valid Query/Retrieve Level, not judged here")
            continue
        judged.append((message, model, ds, retrieve_level))
    if not judged:
        raise NotVerified("no C-MOVE or C-GET with a readable Query/Retrieve Level to judge")
    return judged


@requirement("QR-SCU-RETRIEVE-UNIQUE-KEYS")
def test_retrieve_identifies_its_entities_by_unique_keys(recording, evidence):
    """Read the Unique Keys of every C-MOVE and C-GET Identifier; PS3.4 C.4.2.2.1 and C.4.3.2.1 say a single
    value for each level above the retrieve level, and one value (PATIENT) or one or more UIDs at that level."""
    for message, model, ds, retrieve_level in _with_level(_retrieves(recording, evidence), evidence):
        where = f"message {message.number}: {retrieve_level}-level {message.command} ({model})"
        for above in levels_above(model, retrieve_level):
            problem = single_value_problem(ds, UNIQUE_KEY[above])
            assert not problem, (f"{where}: {problem}; expected a single value for the {above} level's Unique Key "
                                 "(PS3.4 C.4.2.2.1, C.4.3.2.1)")
        key = UNIQUE_KEY[retrieve_level]
        if retrieve_level == "PATIENT":
            problem = single_value_problem(ds, key)
        else:
            found = values(ds, key)
            problem = (f"{key} is {'absent' if key not in ds else 'empty'}" if not found else
                       next((f"{key} holds {v!r}, not a UID" for v in found if not v or "*" in v or "?" in v), ""))
        evidence.add("#", f"{where}: {key} {values(ds, key)}")
        assert not problem, (f"{where}: {problem}; expected {'a single value' if retrieve_level == 'PATIENT' else 'one UID or a list of UIDs'} "
                             "at the retrieve level (PS3.4 C.4.2.2.1, C.4.3.2.1)")


@requirement("QR-SCU-RETRIEVE-NO-OTHER-KEYS")
def test_retrieve_carries_no_required_or_optional_keys(recording, evidence):
    """List the attributes of every C-MOVE and C-GET Identifier that are neither Unique Keys nor the level, view,
    character set or timezone; PS3.4 C.2.2.1.2 and C.2.2.1.3 say Required and Optional Keys shall not be there."""
    allowed = CONTROL | set(UNIQUE_KEY.values())
    for message, model, ds in _retrieves(recording, evidence):
        stray = [f"{element.keyword or element.tag}={str(element.value or '')!r}" for element in ds
                 if element.keyword not in allowed]
        assert not stray, (f"message {message.number}: {message.command} Identifier ({model}) carries "
                           f"{', '.join(stray)}; expected only the Query/Retrieve Level and Unique Keys "
                           "(PS3.4 C.2.2.1.2, C.2.2.1.3)")


@requirement("QR-SCU-MOVE-DESTINATION")
def test_move_names_a_destination(recording, evidence):
    """Read the Move Destination of every C-MOVE-RQ; PS3.4 C.4.2.2.1 says the SCU shall supply one: an AE title
    (PS3.5 AE: at most 16 characters, not only spaces)."""
    for message in qr_requests(recording, "C-MOVE-RQ", evidence):
        destination = str(message.fields.get("MoveDestination", "") or "")
        evidence.add("#", f"message {message.number}: Move Destination {destination!r}")
        assert destination.strip() and len(destination) <= 16, (
            f"message {message.number}: C-MOVE-RQ Move Destination "
            f"{'absent or blank' if not destination.strip() else repr(destination)}; expected the AE title of a "
            "Storage SCP (PS3.4 C.4.2.2.1, PS3.7 9.1.4.1.5)")


@requirement("QR-SCU-GET-ROLE-SELECTION")
def test_get_association_offers_the_storage_scp_role(recording, evidence):
    """Read the A-ASSOCIATE-RQ of each association a C-GET came on; PS3.4 C.5.3 says it shall propose, for each
    Storage SOP Class it supports, a presentation context and a Role Selection sub-item with the SCP role."""
    gets = {m.association for m in qr_requests(recording, "C-GET-RQ", evidence)}
    for association, request in well_formed(requested(recording, evidence)):
        if association.number not in gets:
            continue
        proposed = proposed_abstract_syntaxes(request)
        roles = scp_roles(request)
        storage = sorted(uid for uid in proposed if uid.startswith(STORAGE) or uid not in NOT_STORAGE)
        as_scp = sorted(uid for uid in storage if roles.get(uid))
        evidence.add("#", f"association {association.number}: {len(storage)} Storage SOP Class context(s), "
                          f"{len(as_scp)} with the SCP role proposed, role selection items for {sorted(roles)}")
        assert as_scp, (f"association {association.number} carries a C-GET, but its A-ASSOCIATE-RQ proposes "
                        f"{len(storage)} Storage SOP Class context(s) and none with an SCP/SCU Role Selection "
                        "sub-item setting the SCP role; no C-STORE sub-operation can reach it (PS3.4 C.5.3, "
                        "PS3.7 D.3.3.4)")


def _selected(ds, seeded: dict) -> list[dict]:
    """The seeded instances a C-GET Identifier selects (PS3.4 C.4.3.1.3.1: the Unique Keys down to its level)."""
    instances = seeded.get("instances", [])
    if values(ds, "PatientID") and seeded.get("patient_id") not in values(ds, "PatientID"):
        return []
    if values(ds, "StudyInstanceUID") and seeded.get("study_uid") not in values(ds, "StudyInstanceUID"):
        return []
    if values(ds, "SeriesInstanceUID"):
        instances = [i for i in instances if i["series"] in values(ds, "SeriesInstanceUID")]
    if values(ds, "SOPInstanceUID"):
        instances = [i for i in instances if i["sop_instance"] in values(ds, "SOPInstanceUID")]
    return instances


@requirement("QR-SCU-GET-SUFFICIENT-CONTEXTS")
def test_get_association_proposes_the_selected_classes(recording, evidence):
    """Compare the SOP Classes of what each C-GET selects (what listen's PACS held) with the contexts its
    A-ASSOCIATE-RQ proposed; PS3.4 C.4.3.2.1 says the SCU shall have proposed sufficient presentation contexts."""
    seeded = recording.subject.get("seeded")
    if not seeded:
        raise NotVerified("the recording does not say what the PACS held (subject.json has no 'seeded'), so the "
                          "SOP Classes a C-GET selects are unknown")
    problems = []
    for message in qr_requests(recording, "C-GET-RQ", evidence):
        selected = _selected(identifier(recording, message), seeded)
        request = association_request(recording, message.association)
        proposed = proposed_abstract_syntaxes(request) if request is not None else set()
        needed = sorted({i["sop_class"] for i in selected})
        evidence.add("#", f"message {message.number}: selects {len(selected)} instance(s) of {needed}; association "
                          f"{message.association} proposed {len(proposed)} abstract syntax(es)")
        missing = [uid for uid in needed if uid not in proposed]
        if missing:
            problems.append(f"message {message.number}: its C-GET selects instances of {missing}, for which "
                            f"association {message.association} proposed no presentation context")
    assert not problems, f"{'; '.join(problems[:5])}; their C-STORE sub-operations cannot be sent (PS3.4 C.4.3.2.1)"


@requirement("QR-SCU-GET-SERVES-STORAGE")
def test_get_scu_answers_its_store_suboperations(recording, evidence):
    """Read the product's C-STORE-RSP to each C-STORE sub-operation the PACS sent on a C-GET's association;
    PS3.4 C.4.3.2.1 says the SCU shall serve as the SCP of the Storage Service Class (answers with its statuses)."""
    gets = {m.association for m in qr_requests(recording, "C-GET-RQ", evidence)}
    sent = [sub for sub in recording.suboperations if sub.association in gets]
    if not sent:
        raise NotVerified("the PACS sent no C-STORE sub-operation on the C-GET associations, so there is "
                          "nothing to judge")
    problems = []
    for sub in sent:
        evidence.add(">", sub.describe())
        if sub.response_status is None:
            problems.append(f"C-STORE-RQ {sub.message_id} on association {sub.association}: no C-STORE-RSP")
        elif not is_defined_store_status(sub.response_status):
            problems.append(f"C-STORE-RQ {sub.message_id} on association {sub.association}: answered "
                            f"0x{sub.response_status:04X}, no status of PS3.4 Table B.2-1 or PS3.7 9.1.1.1.9")
    assert not problems, f"{'; '.join(problems[:5])}; expected the answers of a Storage SCP (PS3.4 C.4.3.2.1)"
