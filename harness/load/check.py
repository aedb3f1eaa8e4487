"""--check: after the load, read back every acknowledged instance (C-GET for what was sent by C-STORE, WADO-RS
for what was sent by STOW-RS, one study at a time) and compare it with the digest of what was sent."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from dicom_harness.load.wire import DimseLink, WebLink, content_digest, pixel_digest


@dataclass
class CheckResult:
    acknowledged: int = 0
    identical: int = 0
    lost: list[dict] = field(default_factory=list)       # acknowledged, not read back
    changed: list[dict] = field(default_factory=list)    # read back, not identical

    @property
    def ok(self) -> bool:
        return not self.lost and not self.changed

    def as_dict(self) -> dict:
        return {"acknowledged": self.acknowledged, "identical": self.identical, "lost": self.lost,
                "changed": self.changed}


def check(records: list[dict], target: dict) -> CheckResult:
    result = CheckResult()
    studies: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for entry in records:
        studies[(entry["via"], entry["study"])][entry["sop"]] = entry
    result.acknowledged = sum(len(sent) for sent in studies.values())
    dimse = web = None
    try:
        for (via, study), sent in sorted(studies.items()):
            how = "C-GET" if via == "dimse" else "WADO-RS"
            try:
                if via == "dimse":
                    if dimse is None or not dimse.alive:
                        dimse = DimseLink(target["dimse"], target["calling_ae"]).open()
                    received = dimse.get_study(study)
                else:
                    web = web or WebLink(target["dicomweb"])
                    status, received, _ = web.wado_study(study)
                    if status != 200:
                        raise RuntimeError(f"WADO-RS answered {status}")
                back = {str(ds.SOPInstanceUID): ds for ds in received}
                reason = None
            except Exception as exc:               # a study that cannot be read back is lost
                back, reason = {}, f"the {how} of its study failed: {exc}"
            for sop, sent_entry in sent.items():
                ds = back.get(sop)
                entry = {"sop": sop, "study": study, "sent_by": "C-STORE" if via == "dimse" else "STOW-RS"}
                if ds is None:
                    result.lost.append({**entry, "reason": reason or f"not in the {how} of its study"})
                elif content_digest(ds) != sent_entry["digest"]:
                    result.changed.append({**entry, "reason": _what_changed(ds, sent_entry["pixels"])})
                else:
                    result.identical += 1
    finally:
        if dimse is not None:
            dimse.close()
        if web is not None:
            web.close()
    return result


def _what_changed(ds, sent_pixels: str) -> str:
    if pixel_digest(ds) != sent_pixels:
        return "Pixel Data differs from what was sent"
    return "the attributes differ from what was sent (Pixel Data identical)"
