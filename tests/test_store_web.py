"""The store's paths for the DICOMweb simulator's throughput: searches grouped by the index (Store.groups), the parts
of a STOW-RS request adopted together (Store.adopt_files), index attributes remembered per encoded element."""

from io import BytesIO
from pathlib import Path

from pydicom import dcmread

from dicom_harness.data.datasets import KINDS, DatasetFactory
from dicom_harness.simulators import store as store_module
from dicom_harness.simulators.dicomweb import search as qido
from dicom_harness.simulators.store import Store, _index_attributes


def _encoded(ds) -> bytes:
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def test_remembered_index_attributes_equal_the_plain_ones():
    """Every kind, twice over (the second time from the per-element cache), with a repeated study as a series
    would have it."""
    factory = DatasetFactory(seed=11)
    study = factory.study()
    for _ in range(2):
        for kind in KINDS:
            encoded = _encoded(factory.make(kind, study=study))
            store_module._ELEMENT_JSON.clear()
            plain = _index_attributes(dcmread(BytesIO(encoded), stop_before_pixels=True))
            remembered = _index_attributes(dcmread(BytesIO(encoded), stop_before_pixels=True))
            assert remembered == plain, kind


def _filled_store(root: Path) -> Store:
    """Three studies (one without a Patient ID, one of two series and two modalities)."""
    factory = DatasetFactory(seed=12)
    store = Store(root)
    first, second, anonymous = factory.study(), factory.study(), factory.study()
    anonymous.PatientID = ""
    series = factory.uid()
    for study, kind, series_uid in ((first, "CT", series), (second, "MR", None), (first, "CT", series),
                                    (anonymous, "CR", None), (first, "MR", None)):
        ds = factory.make(kind, study=study, series_uid=series_uid)
        store.put_file(_encoded(ds), ds)
    return store


def test_groups_give_the_entities_of_grouping_every_instance(tmp_path):
    """Store.groups (the index groups and counts) makes the same entities as grouping every stored instance."""
    store = _filled_store(tmp_path)
    base = "http://sim/dicom-web"
    for level in ("study", "series", "instance"):
        expected = qido.group(store.instances(), level, base)
        found = qido.entities_of(store.groups(level), level, base)
        assert [e.attributes for e in found] == [e.attributes for e in expected], level


def test_narrowing_keeps_every_group_whose_first_instance_may_match(tmp_path):
    """any_of keeps the groups with the value and those without one (an unknown value matches in QIDO-RS)."""
    store = _filled_store(tmp_path)
    patient = store.instances()[0].patient_id
    narrowed = store.groups("study", any_of={"patient_id": [patient]})
    assert [g.first.patient_id for g in narrowed] == [patient, ""]
    assert narrowed[0].count == 3 and narrowed[0].series == 2 and narrowed[0].modalities == ["CT", "MR"]
    query = qido.parse_query(f"PatientID={patient}&SOPInstanceUID=1.2.3*")
    assert qido.indexed_keys(query) == {"patient_id": [patient]}, "a wild card value narrows nothing"


def test_adopted_parts_are_kept_durably_and_indexed_together(tmp_path):
    factory = DatasetFactory(seed=13)
    store = Store(tmp_path)
    pending = []
    for _ in range(3):
        ds = factory.make("CT")
        temporary = store.incoming_path()
        temporary.write_bytes(_encoded(ds))
        pending.append((temporary, dcmread(temporary, stop_before_pixels=True)))
    gone = store.incoming_path()          # never written: its outcome is the error, the others are kept
    pending.insert(1, (gone, pending[0][1]))
    outcomes = store.adopt_files(pending)
    assert isinstance(outcomes[1], OSError)
    kept = [o for o in outcomes if not isinstance(o, OSError)]
    assert [k.sop_instance_uid for k in kept] == [str(ds.SOPInstanceUID) for _, ds in pending if _ != gone]
    assert all(k.path.exists() and k.path.is_relative_to(store.root) for k in kept)
    assert not list((tmp_path / "incoming").iterdir())
    store.close()
    assert Store(tmp_path).count() == 3
