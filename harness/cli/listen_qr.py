"""`dicom-harness listen` playing the PACS for a Query/Retrieve SCU (a workstation): the study it holds for the
product to find and retrieve, and the C-MOVE destinations it knows (--move-dest, as `simulate pacs` has; a
C-MOVE to any other AE is answered A801, Move Destination unknown, as the PACS simulator does)."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

QUERY_RETRIEVE_STEP = "query-retrieve"
SERIES = (("CT", 2), ("MR", 1))         # the seeded study: a CT series of 2 images, an MR series of 1


@dataclass(frozen=True)
class SeededStudy:
    patient_name: str
    patient_id: str
    study_uid: str
    series_uids: tuple[str, ...]
    instances: int
    sop_classes: tuple[tuple[str, str, str], ...] = ()     # (series UID, SOP Instance UID, SOP Class UID) each

    def as_subject(self) -> dict:
        """What subject.json keeps of it: the client tests judge a C-GET's contexts against what it selects."""
        return {"patient_id": self.patient_id, "study_uid": self.study_uid,
                "instances": [{"series": series, "sop_instance": instance, "sop_class": sop_class}
                              for series, instance, sop_class in self.sop_classes]}

    def describe(self) -> str:
        return (f"holding patient {self.patient_name} (Patient ID {self.patient_id}), study {self.study_uid}: "
                f"{len(self.series_uids)} series, {self.instances} instances")


def add_arguments(listen) -> None:
    listen.add_argument("--move-dest", action="append", default=[], metavar="AET=HOST:PORT",
                        help="as PACS: a C-MOVE destination it knows (repeatable; e.g. the product's own storage "
                             "AE); a C-MOVE to any other AE is answered A801")


def wants_study(scenario) -> bool:
    return QUERY_RETRIEVE_STEP in scenario


def seed(store) -> SeededStudy:
    """One synthetic patient with one study of two series (harness/data DatasetFactory), put in the store."""
    from dicom_harness.data.datasets import DatasetFactory
    factory = DatasetFactory()
    study = factory.study()
    series_uids, count, classes = [], 0, []
    for kind, images in SERIES:
        series_uid = factory.uid()
        series_uids.append(str(series_uid))
        for number in range(1, images + 1):
            ds = factory.make(kind, study=study, series_uid=series_uid, private=False)
            ds.SeriesNumber = len(series_uids)
            ds.InstanceNumber = number
            buffer = BytesIO()
            ds.save_as(buffer, enforce_file_format=True)
            store.put_file(buffer.getvalue(), ds)
            classes.append((str(series_uid), str(ds.SOPInstanceUID), str(ds.SOPClassUID)))
            count += 1
    return SeededStudy(str(study.PatientName), str(study.PatientID), str(study.StudyInstanceUID),
                       tuple(series_uids), count, tuple(classes))
