"""`dicom-harness run --data DIR`: the suites with a user's own corpus instead of synthetic data. A small corpus
written here (two studies: CT, MR, CR and SC images, a KOS) gives a green run of the storage and Query/Retrieve suites on the
simulators; the files' bytes are unchanged afterwards; what the corpus lacks (here a multi-frame image and a GSPS)
is NOT APPLICABLE, with the reason."""

import hashlib
import json
from pathlib import Path

import pytest

from dicom_harness.data.corpus import CorpusError, CorpusFactory
from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.errors import NotApplicable
from dicom_harness.shared import verdicts
from tests.conftest import run_cli


def _write_corpus(folder: Path) -> dict[Path, str]:
    factory = DatasetFactory(seed=11, run_id="C0RPU5")
    first, second = factory.study(), factory.study()
    ct = factory.make("CT", study=first)
    cr = factory.make("CR", study=second)
    files = [ct, factory.make("CT", study=first, series_uid=ct.SeriesInstanceUID), factory.make("MR", study=first),
             cr, factory.make("SC", study=second), factory.make("KOS", study=second, references=[cr])]
    (folder / "nested").mkdir(parents=True)
    for number, ds in enumerate(files):
        ds.save_as(folder / ("nested" if number % 2 else "") / f"IM{number}", enforce_file_format=True)
    (folder / "README.txt").write_text("not DICOM")
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}


def test_copies_get_new_uids_and_lacking_kinds_are_not_applicable(tmp_path):
    before = _write_corpus(tmp_path / "corpus")
    factory = CorpusFactory(folder=str(tmp_path / "corpus"))
    study = factory.study()
    one, two = factory.make("CT", study=study), factory.make("CT", study=study)
    assert one.SOPInstanceUID != two.SOPInstanceUID and one.StudyInstanceUID == study.StudyInstanceUID
    originals = {str(p) for p in before}
    assert not any(str(one.SOPInstanceUID) in p for p in originals)
    with pytest.raises(NotApplicable, match="MultiFrame|Multi-frame"):
        factory.make("MF")
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in before} == before


def test_empty_folder_is_a_usage_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="no DICOM files"):
        CorpusFactory(folder=str(tmp_path / "empty"))
    proc = run_cli("run", "--data", str(tmp_path / "empty"), "--report-dir", str(tmp_path / "report"))
    assert proc.returncode == 2
    assert [line for line in proc.stderr.splitlines() if line.strip()] == [
        f"dicom-harness: --data {tmp_path / 'empty'}: no DICOM files found"], proc.stderr


def test_storage_and_query_suites_run_green_on_a_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    before = _write_corpus(corpus)
    corpus.chmod(0o555)
    for sub in corpus.rglob("*"):
        sub.chmod(0o555 if sub.is_dir() else 0o444)
    proc = run_cli("run", "--data", str(corpus), "--test", "storage", "--test", "query_retrieve",
                   "--report-dir", str(tmp_path / "report"))
    results = json.loads((tmp_path / "report" / "results.json").read_text())
    found = [r["verdict"] for r in results["results"]]
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "test data: 6 DICOM file(s)" in proc.stdout and "CT, MR, CR, SC, KOS" in proc.stdout
    assert verdicts.FAIL not in found and verdicts.ERROR not in found
    assert found.count(verdicts.PASS) > 50
    lacking = [r for r in results["results"] if r["verdict"] == verdicts.NOT_APPLICABLE]
    assert lacking and all("corpus" in r["message"] for r in lacking)
    assert all(f"--data {corpus}" in r["rerun"] for r in results["results"])
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in before} == before
