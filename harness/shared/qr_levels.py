"""The Query/Retrieve information models' levels, as both sides read them: which levels each model has, the
Unique Key of each level, and which attributes live at which level (PS3.4 C.6.1 Patient Root, C.6.2 Study Root,
C.6.3 Patient/Study Only, and the modules of each entity). The PACS simulator answers by these tables and the
client-side suites judge a Q/R SCU's identifiers by them."""

from __future__ import annotations

PATIENT_ROOT, STUDY_ROOT, PATIENT_STUDY_ONLY = "Patient Root", "Study Root", "Patient/Study Only"
LEVELS = {PATIENT_ROOT: ("PATIENT", "STUDY", "SERIES", "IMAGE"), STUDY_ROOT: ("STUDY", "SERIES", "IMAGE"),
          PATIENT_STUDY_ONLY: ("PATIENT", "STUDY")}
UNIQUE_KEY = {"PATIENT": "PatientID", "STUDY": "StudyInstanceUID", "SERIES": "SeriesInstanceUID",
              "IMAGE": "SOPInstanceUID"}

# The attributes of each level (PS3.4 C.6.1.1.2 to C.6.1.1.4 and the modules of each entity); an attribute in
# none of them is taken as IMAGE level, so it is never "above" a query's level (the lenient reading).
PATIENT_ATTRIBUTES = frozenset({
    "PatientName", "PatientID", "IssuerOfPatientID", "ReferencedPatientSequence", "PatientBirthDate",
    "PatientBirthTime", "PatientSex", "OtherPatientIDsSequence", "OtherPatientNames", "EthnicGroup",
    "PatientComments", "NumberOfPatientRelatedStudies", "NumberOfPatientRelatedSeries",
    "NumberOfPatientRelatedInstances", "IssuerOfPatientIDQualifiersSequence", "PatientSpeciesDescription",
    "ResponsiblePerson", "PatientIdentityRemoved",
})
STUDY_ATTRIBUTES = frozenset({
    "StudyDate", "StudyTime", "AccessionNumber", "StudyID", "StudyInstanceUID", "ModalitiesInStudy",
    "SOPClassesInStudy", "AnatomicRegionsInStudyCodeSequence", "ReferringPhysicianName", "StudyDescription",
    "ProcedureCodeSequence", "NameOfPhysiciansReadingStudy", "AdmittingDiagnosesDescription",
    "ReferencedStudySequence", "PatientAge", "PatientSize", "PatientWeight", "Occupation",
    "AdditionalPatientHistory", "OtherStudyNumbers", "NumberOfStudyRelatedSeries",
    "NumberOfStudyRelatedInstances", "IssuerOfAccessionNumberSequence", "PhysiciansOfRecord",
    "RequestingService", "StudyStatusID",
})
SERIES_ATTRIBUTES = frozenset({
    "Modality", "SeriesNumber", "SeriesInstanceUID", "NumberOfSeriesRelatedInstances", "SeriesDescription",
    "SeriesDate", "SeriesTime", "BodyPartExamined", "Laterality", "ProtocolName", "OperatorsName",
    "PerformingPhysicianName", "PerformedProcedureStepStartDate", "PerformedProcedureStepStartTime",
    "PerformedProcedureStepID", "RequestAttributesSequence", "Manufacturer", "InstitutionName",
    "StationName", "ManufacturerModelName", "FrameOfReferenceUID", "PositionReferenceIndicator",
})
BY_LEVEL = (("PATIENT", PATIENT_ATTRIBUTES), ("STUDY", STUDY_ATTRIBUTES), ("SERIES", SERIES_ATTRIBUTES))


def level_of(keyword: str, model: str) -> str:
    """The level an attribute belongs to in a model: in Study Root the patient's attributes are study level."""
    for level, attributes in BY_LEVEL:
        if keyword in attributes:
            return "STUDY" if level == "PATIENT" and model == STUDY_ROOT else level
    return "IMAGE"
