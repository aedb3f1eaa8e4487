"""PS3.4 C.2.2.1 and C.6 (Tables C.6-1 to C.6-7): every Unique and Required Key of each level of the Patient Root and
Study Root information models, asked for one seeded entity: each comes back with the stored value (existence;
matching on every Required Key is QR-MATCH-EVERY-REQUIRED-KEY's)."""

from dicom_harness.testing import NotClaimed, Status, describe, requirement

from .conftest import UNIQUE_KEY, query

# PS3.4 Tables C.6-1 to C.6-4 (Patient Root) and C.6-5 to C.6-7 (Study Root): the Required Keys of each level
REQUIRED = {
    ("patient_root", "PATIENT"): ("PatientName",),
    ("patient_root", "STUDY"): ("StudyDate", "StudyTime", "AccessionNumber", "StudyID"),
    ("patient_root", "SERIES"): ("Modality", "SeriesNumber"),
    ("patient_root", "IMAGE"): ("InstanceNumber",),
    ("study_root", "STUDY"): ("StudyDate", "StudyTime", "AccessionNumber", "PatientName", "PatientID", "StudyID"),
    ("study_root", "SERIES"): ("Modality", "SeriesNumber"),
    ("study_root", "IMAGE"): ("InstanceNumber",),
}
NUMBERS = {"SeriesNumber", "InstanceNumber"}       # IS: compared by value


def _entity(world, level):
    """The seeded entity of the level (patient A, study A1, series A1-CT, its second instance) as a data set holding
    its unique keys and stored values, and the unique keys of the levels above it (for a hierarchical query)."""
    instance = world.series["A1-CT"][1]
    return instance, {"PATIENT": world.pid("A"), "STUDY": world.study_uid("A1"), "SERIES": world.series_uid("A1-CT"),
                      "IMAGE": str(instance.SOPInstanceUID)}


def _above(model, level, uids) -> dict:
    levels = ("PATIENT", "STUDY", "SERIES", "IMAGE")[(0 if model == "patient_root" else 1):]
    return {UNIQUE_KEY[lvl]: uids[lvl] for lvl in levels[:levels.index(level)]}


def _same(keyword, stored, got) -> bool:
    if keyword in NUMBERS:
        try:
            return int(str(stored)) == int(str(got).strip())
        except ValueError:
            return False
    return str(got or "").rstrip(" \x00") == str(stored or "").rstrip(" \x00")


def _check_level(qr, world, model, level):
    if not qr.claims.offers_model(model):
        raise NotClaimed(f"the target does not claim the {model.replace('_', ' ')} information model")
    instance, uids = _entity(world, level)
    key = UNIQUE_KEY[level]
    required = REQUIRED[(model, level)]
    above = _above(model, level, uids)
    # existence: the level's Unique and Required Keys, asked at zero length for the one entity
    result = qr.find(model, query(level, **above, **{key: uids[level]}, **{k: "" for k in required}))
    assert result.final_status == Status.SUCCESS and len(result.identifiers) == 1, (
        f"{model} {level} C-FIND of one entity by its {key}: expected one Pending response then Success, observed "
        f"{len(result.identifiers)} and {describe(result.final_status)}")
    identifier = result.identifiers[0]
    missing = [k for k in (key, *required) if k not in identifier]
    assert not missing, (f"{model} {level} response lacks the level's key(s) {missing} (PS3.4 C.2.2.1.2: SCPs \"shall "
                         f"support existence and matching of all Required Keys\")")
    wrong = [f"{k}: stored {str(instance.get(k, ''))!r}, returned {str(identifier[k].value or '')!r}"
             for k in (key, *required) if k != key and not _same(k, instance.get(k, ""), identifier[k].value)]
    assert not wrong, f"{model} {level} response values differ from the stored ones: " + "; ".join(wrong)


@requirement("QR-KEYS-PATIENT-ROOT-PATIENT")
def test_patient_root_patient_keys(qr, world):
    """Patient Root PATIENT level (Table C.6-1): Patient ID (U) and Patient's Name (R) of patient A."""
    _check_level(qr, world, "patient_root", "PATIENT")


@requirement("QR-KEYS-PATIENT-ROOT-STUDY")
def test_patient_root_study_keys(qr, world):
    """Patient Root STUDY level (Table C.6-2): Study Instance UID (U), Study Date, Study Time, Accession Number, Study
    ID (R) of study A1."""
    _check_level(qr, world, "patient_root", "STUDY")


@requirement("QR-KEYS-PATIENT-ROOT-SERIES")
def test_patient_root_series_keys(qr, world):
    """Patient Root SERIES level (Table C.6-3): Series Instance UID (U), Modality and Series Number (R) of series
    A1-CT."""
    _check_level(qr, world, "patient_root", "SERIES")


@requirement("QR-KEYS-PATIENT-ROOT-IMAGE")
def test_patient_root_image_keys(qr, world):
    """Patient Root IMAGE level (Table C.6-4): SOP Instance UID (U) and Instance Number (R) of the second instance of
    series A1-CT."""
    _check_level(qr, world, "patient_root", "IMAGE")


@requirement("QR-KEYS-STUDY-ROOT-STUDY")
def test_study_root_study_keys(qr, world):
    """Study Root STUDY level (Table C.6-5): Study Instance UID (U), Study Date, Study Time, Accession Number,
    Patient's Name, Patient ID, Study ID (R) of study A1."""
    _check_level(qr, world, "study_root", "STUDY")


@requirement("QR-KEYS-STUDY-ROOT-SERIES")
def test_study_root_series_keys(qr, world):
    """Study Root SERIES level (Table C.6-6): Series Instance UID (U), Modality and Series Number (R) of series
    A1-CT."""
    _check_level(qr, world, "study_root", "SERIES")


@requirement("QR-KEYS-STUDY-ROOT-IMAGE")
def test_study_root_image_keys(qr, world):
    """Study Root IMAGE level (Table C.6-7): SOP Instance UID (U) and Instance Number (R) of the second instance of
    series A1-CT."""
    _check_level(qr, world, "study_root", "IMAGE")
