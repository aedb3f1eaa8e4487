"""PS3.18 10.5.3 and Annex I: a store request where some instances cannot be stored (UIDs that are not UIDs, an
impossible element length) beside one that can: the status, Failed and Referenced SOP Sequences, Failure Reasons."""

from dataclasses import dataclass

from dicom_harness.testing import NotVerified, json_value, requirement

from .broken import part10_bytes, with_impossible_length, with_non_uid
from .checks import (
    failure_codes,
    judge_failed_items,
    judge_failure_reasons,
    judge_partial_referenced,
    judge_partial_status,
    optional_module,
    response_module,
)


@dataclass
class Partial:
    response: object
    sent: dict[str, str]         # SOP Instance UID -> SOP Class UID, in the order sent (the valid one first)
    kept: list[str]
    good: str
    too_long: str

    @property
    def refused(self) -> dict[str, str]:
        return {uid: cls for uid, cls in self.sent.items() if uid not in self.kept}

    def module(self) -> dict | None:
        """The Store Instances Response Module: required in a success (2xx) payload (10.5.3.3), optional in a
        failure payload."""
        if 200 <= self.response.status_code < 300:
            return response_module(self.response, check_media_type=False)
        return optional_module(self.response)


def _store_partial(dicomweb, dataset_factory, evidence) -> Partial:
    """POST /studies with a valid CT, a CT whose SOP Instance UID holds a letter and a CT with an element whose
    length runs past the end; then search the study to see what was kept."""
    study = dataset_factory.study()
    good, non_uid, too_long = (dataset_factory.make("CT", study=study) for _ in range(3))
    parts = [part10_bytes(good), with_non_uid(non_uid), with_impossible_length(too_long)]
    sent = {str(ds.SOPInstanceUID): str(ds.SOPClassUID) for ds in (good, non_uid, too_long)}
    response = dicomweb.store(parts=[("application/dicom", p) for p in parts])
    found = dicomweb.search_json(f"/studies/{study.StudyInstanceUID}/instances")
    kept = [str(json_value(r, "SOPInstanceUID", "")) for r in found]
    strangers = [uid for uid in kept if uid not in sent]
    if strangers:
        raise NotVerified(f"the target stored instance(s) under UIDs of its own ({strangers}): corrected, so what "
                          f"was refused cannot be told")
    evidence.add("#", f"sent {list(sent)}; answered {response.status_code}; kept {kept}")
    return Partial(response, sent, kept, str(good.SOPInstanceUID), str(too_long.SOPInstanceUID))



@requirement("STOW-PARTIAL-STATUS")
def test_partial_store_status_tells_what_was_kept(dicomweb, dataset_factory, evidence):
    """POST a valid instance, one with a non-UID and one with an impossible length; PS3.18 10.5.3, Table
    10.5.3-1: 202 when some were stored, 200 (or 202) when all, 400 or 409 when none."""
    partial = _store_partial(dicomweb, dataset_factory, evidence)
    evidence.add("#", judge_partial_status(partial.response.status_code, len(partial.kept), len(partial.sent)))


@requirement("STOW-FAILED-SOP-SEQUENCE")
def test_refused_instances_are_in_failed_sop_sequence(dicomweb, dataset_factory, evidence):
    """The same request; PS3.18 10.5.3.3 and Table I.1-1: a success payload's module (or a failure payload's, when
    sent) has a Failed SOP Sequence item per instance not stored, with its SOP Class and Instance UIDs and a reason."""
    partial = _store_partial(dicomweb, dataset_factory, evidence)
    if not partial.refused:
        raise NotVerified("the target stored every instance: no failure to report")
    data = partial.module()
    if data is None:
        evidence.add("#", "failure response without a Store Instances Response Module (allowed: 10.5.3.3)")
        return
    evidence.add("#", judge_failed_items(data, partial.refused, not_understood=(partial.too_long,)))


@requirement("STOW-FAILURE-REASON")
def test_failure_reason_has_its_meaning(dicomweb, dataset_factory, evidence):
    """The same request; PS3.18 I.2.2: each refused instance's Failure Reason is a failure code whose Table I.2-2
    meaning fits (not "SOP Class not supported" when another instance of its class was stored)."""
    partial = _store_partial(dicomweb, dataset_factory, evidence)
    data = partial.module() if partial.refused else None
    if data is None or not failure_codes(data, list(partial.refused)):
        raise NotVerified("no Failure Reason to judge: every instance stored, or no Failed SOP Sequence item naming "
                          "a refused instance with a reason")
    evidence.add("#", judge_failure_reasons(data, list(partial.refused), stored_alike=partial.good in partial.kept))


@requirement("STOW-PARTIAL-REFERENCED")
def test_partial_store_references_only_the_stored(dicomweb, dataset_factory, evidence):
    """The same request; PS3.18 Table I.1-1: the response's Referenced SOP Sequence lists exactly the instances
    stored, each with its SOP Class UID (and a Retrieve URL naming it when valued), none of the refused."""
    partial = _store_partial(dicomweb, dataset_factory, evidence)
    if not partial.kept:
        raise NotVerified(f"the target stored none of the instances (answered {partial.response.status_code})")
    data = partial.module()
    if data is None:
        raise NotVerified(f"answered {partial.response.status_code} without a Store Instances Response Module")
    stored = {uid: partial.sent[uid] for uid in partial.kept}
    evidence.add("#", judge_partial_referenced(data, stored, list(partial.refused)))
