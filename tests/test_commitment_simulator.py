"""The PACS simulator's Storage Commitment SCP: report on a new association to a known requester, on the
same association otherwise, failed items with reasons, and the optional delay."""

from __future__ import annotations

import time

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pynetdicom import AE, evt
from pynetdicom.sop_class import StorageCommitmentPushModel

from dicom_harness.clients.peer import HarnessPeer
from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.simulators.commitment import WELL_KNOWN_INSTANCE
from dicom_harness.simulators.pacs import PacsSimulator
from dicom_harness.simulators.store import Store
from dicom_harness.targets.profile import Peer


def _request(instances, unknown_uid):
    info = Dataset()
    info.TransactionUID = "2.25.777"
    refs = []
    for uid, klass in [(i.SOPInstanceUID, i.SOPClassUID) for i in instances] + [(unknown_uid, instances[0].SOPClassUID)]:
        item = Dataset()
        item.ReferencedSOPClassUID = klass
        item.ReferencedSOPInstanceUID = uid
        refs.append(item)
    info.ReferencedSOPSequence = Sequence(refs)
    return info


def _run(tmp_path, answer_on, peers, delay=0.0):
    store = Store(tmp_path / "store")
    factory = DatasetFactory(seed=3)
    instances = [factory.make("CT"), factory.make("CT")]
    peer = HarnessPeer(Peer(ae_title="DH_PEER_C", port=0)).start()
    pacs = PacsSimulator(store, ae_title="DH_PACS", commitment_answer_on=answer_on, commitment_delay=delay,
                         commitment_peers={"DH_PEER_C": ("127.0.0.1", peer.port)} if peers else None).start()
    same = []
    try:
        ae = AE(ae_title="DH_PEER_C")
        for instance in instances:
            ae.add_requested_context(instance.SOPClassUID, instance.file_meta.TransferSyntaxUID)
        ae.add_requested_context(StorageCommitmentPushModel)
        handlers = [(evt.EVT_N_EVENT_REPORT, lambda e: (same.append(e.event_information), 0x0000)[1])]
        assoc = ae.associate("127.0.0.1", pacs.port, ae_title="DH_PACS", evt_handlers=handlers)
        assert assoc.is_established
        for instance in instances:
            assert assoc.send_c_store(instance).Status == 0
        started = time.monotonic()
        status, _ = assoc.send_n_action(_request(instances, "2.25.1234"), 1, StorageCommitmentPushModel,
                                        WELL_KNOWN_INSTANCE)
        assert status.Status == 0
        deadline = time.monotonic() + 5
        while not same and not peer.inbox.event_reports and time.monotonic() < deadline:
            time.sleep(0.02)
        elapsed = time.monotonic() - started
        assoc.release()
        return same, peer.inbox.event_reports, instances, elapsed
    finally:
        pacs.stop()
        peer.stop()
        store.close()


def test_report_on_new_association_with_failed_item(tmp_path):
    same, new, instances, _ = _run(tmp_path, "new", peers=True)
    assert not same and len(new) == 1
    report = new[0]
    assert report.calling_ae == "DH_PACS" and report.event_type_id == 2
    info = report.information
    assert info.TransactionUID == "2.25.777"
    assert sorted(r.ReferencedSOPInstanceUID for r in info.ReferencedSOPSequence) == sorted(
        i.SOPInstanceUID for i in instances)
    assert [(f.ReferencedSOPInstanceUID, f.FailureReason) for f in info.FailedSOPSequence] == [("2.25.1234", 0x0112)]


def test_report_on_same_association_after_delay(tmp_path):
    same, new, _, elapsed = _run(tmp_path, "same", peers=False, delay=0.3)
    assert len(same) == 1 and not new
    assert same[0].TransactionUID == "2.25.777" and elapsed >= 0.3


def test_harness_client_takes_result_on_the_same_association(tmp_path):
    """The harness's commitment client (harness/commitment.py) sees a result sent on its own association."""
    from dicom_harness.clients.commitment import request_commitment
    from dicom_harness.clients.dimse import DimseClient
    from dicom_harness.clients.evidence import Evidence
    from dicom_harness.targets.profile import DimseEndpoint, Target

    store = Store(tmp_path / "store")
    instance = DatasetFactory(seed=4).make("CT")
    peer = HarnessPeer(Peer(ae_title="DH_PEER_S", port=0)).start()
    # the delay keeps the SCP's report clear of the release that follows at once, instead of racing it
    pacs = PacsSimulator(store, ae_title="DH_PACS", commitment_answer_on="same", commitment_delay=0.5).start()
    try:
        target = Target(name="sim", dimse=DimseEndpoint("DH_PACS", "127.0.0.1", pacs.port, timeout=3))
        evidence = Evidence()
        client = DimseClient(target, evidence)
        assert client.store(instance).status == 0
        result = request_commitment(client, peer, [(instance.SOPClassUID, instance.SOPInstanceUID)], "2.25.55")
        assert result.arrived_on == "same association", evidence.transcript()
        assert result.event_type_id == 1 and result.referenced() == {instance.SOPInstanceUID}
        assert any("N-EVENT-REPORT on the same association" in line for line in evidence.transcript())
        # released at once: this SCP cannot answer on a new association, and must not hang the release
        started = time.monotonic()
        late = request_commitment(client, peer, [(instance.SOPClassUID, instance.SOPInstanceUID)], "2.25.56",
                                  release_at_once=True)
        assert late.information is None and late.action.status == 0
        assert not any("no A-RELEASE-RP" in line for line in evidence.transcript()), evidence.transcript()
        assert time.monotonic() - started < 6
    finally:
        pacs.stop()
        peer.stop()
        store.close()
