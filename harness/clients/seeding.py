"""Seeding a target with instances before the tests that query them, outside any one test's evidence."""

from __future__ import annotations

from collections.abc import Sequence

from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import build_context

from dicom_harness.clients.dimse import DimseClient
from dicom_harness.clients.evidence import Evidence
from dicom_harness.clients.exchange import TargetFailure, responses_are_ours
from dicom_harness.shared.status import Status, describe

# Success and the C-STORE Warnings of PS3.4 Table B.2-1: the instance is kept
STORED = (Status.SUCCESS, Status.COERCION_OF_DATA_ELEMENTS, Status.ELEMENTS_DISCARDED,
          Status.WARNING_DATA_SET_DOES_NOT_MATCH_SOP_CLASS)


def seed_instances(target, instances: Sequence[Dataset], purpose: str) -> None:
    """C-STORE the instances on one association; a status that does not keep one is the target's failure."""
    evidence = Evidence()
    client = DimseClient(target, evidence)
    classes = sorted({str(i.SOPClassUID) for i in instances})
    contexts = [build_context(c, [ExplicitVRLittleEndian, ImplicitVRLittleEndian]) for c in classes]
    with client.associate(contexts) as session, responses_are_ours(session.assoc):
        for instance in instances:
            response = session.store(instance)
            if response.status not in STORED:
                raise TargetFailure(f"{purpose}: C-STORE answered {describe(response.status)}; "
                                    + " | ".join(evidence.transcript()[-3:]))
