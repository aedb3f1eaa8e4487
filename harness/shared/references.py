"""SOP Instance references (PS3.3 Table 10-11, the SOP Instance Reference Macro) that MPPS, Storage Commitment
and other requests carry."""

from __future__ import annotations

from collections.abc import Iterable

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence


def sop_references(references: Iterable[tuple[str, str]]) -> Sequence:
    """Items of Referenced SOP Class UID and Referenced SOP Instance UID, from (class, instance) pairs."""
    items = []
    for sop_class_uid, sop_instance_uid in references:
        item = Dataset()
        item.ReferencedSOPClassUID = sop_class_uid
        item.ReferencedSOPInstanceUID = sop_instance_uid
        items.append(item)
    return Sequence(items)
