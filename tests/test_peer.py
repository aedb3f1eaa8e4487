"""The harness peer receives C-STOREs (as a C-MOVE destination would) and N-EVENT-REPORTs."""

from pydicom.dataset import Dataset
from pynetdicom import AE
from pynetdicom.sop_class import StorageCommitmentPushModel

from dicom_harness.clients.peer import HarnessPeer
from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.targets.profile import Peer


def test_peer_receives_store_and_event_report():
    peer = HarnessPeer(Peer(ae_title="DH_PEER_T", port=0)).start()
    try:
        instance = DatasetFactory(seed=5).make("CT")
        ae = AE(ae_title="SENDER")
        ae.add_requested_context(instance.SOPClassUID, instance.file_meta.TransferSyntaxUID)
        ae.add_requested_context(StorageCommitmentPushModel)
        assoc = ae.associate("127.0.0.1", peer.port, ae_title="DH_PEER_T")
        assert assoc.is_established
        assert assoc.send_c_store(instance).Status == 0
        info = Dataset()
        info.TransactionUID = "2.25.1"
        status, _ = assoc.send_n_event_report(info, 1, StorageCommitmentPushModel, "1.2.840.10008.1.20.1.1")
        assert status.Status == 0
        assoc.release()
        assert peer.wait_for(lambda inbox: instance.SOPInstanceUID in inbox.stored and inbox.event_reports, 5)
        assert peer.inbox.stored_by[instance.SOPInstanceUID] == "SENDER"
        assert peer.inbox.event_reports[0].event_type_id == 1
    finally:
        peer.stop()
