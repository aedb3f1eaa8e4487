"""The dataset factory's Key Object Selection Documents and GSPS name the images given to them and are valid
instances of their IODs, as dicom3tools' dciodvfy judges them (PS3.3 A.35.4, A.33.1)."""

import os
import shutil

import pytest

from dicom_harness.data.datasets import DatasetFactory, referenced_instances
from dicom_harness.validation import validate


def _study():
    factory = DatasetFactory(seed=3)
    study = factory.study()
    first = factory.make("CT", study=study)
    second = factory.make("CT", study=study, series_uid=first.SeriesInstanceUID)
    return factory, study, [first, second, factory.make("CR", study=study)]


@pytest.mark.parametrize("kind", ["KOS", "GSPS"])
def test_document_names_every_image(kind):
    factory, study, images = _study()
    named = [(str(i.SOPClassUID), str(i.SOPInstanceUID)) for i in images]
    document = factory.make(kind, study=study, references=images)
    assert referenced_instances(document) == named
    assert document.SOPInstanceUID not in [uid for _, uid in named]
    assert document.StudyInstanceUID == images[0].StudyInstanceUID


def test_a_study_given_as_an_image_is_not_changed():
    factory, _, images = _study()
    before = (str(images[0].SOPClassUID), str(images[0].SOPInstanceUID))
    factory.make("KOS", study=images[0], references=images)
    assert (str(images[0].SOPClassUID), str(images[0].SOPInstanceUID)) == before


def test_only_kos_and_gsps_refer():
    factory, _, images = _study()
    with pytest.raises(ValueError, match="refer"):
        factory.make("CT", references=images)


@pytest.mark.parametrize("kind", ["KOS", "GSPS"])
def test_document_is_valid_for_its_iod(kind, tmp_path):
    if shutil.which("dciodvfy") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("dciodvfy (dicom3tools) is missing in CI")
        pytest.skip("dciodvfy (dicom3tools) is not installed")
    factory, study, images = _study()
    path = tmp_path / f"{kind}.dcm"
    factory.make(kind, study=study, references=images).save_as(path, enforce_file_format=True)
    report = validate(path)
    assert report.known_iod and report.iod in ("KeyObjectSelectionDocument", "GrayscaleSoftcopyPresentationState")
    assert report.findings == (), [f.describe() for f in report.findings]
