"""What every Locust process of a load needs to know: the target's endpoints, the weights of the operations and
the run's identity. Plain data, sent from the master to its workers as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from dicom_harness.errors import HarnessUserError

# operation name -> (protocol, what it is); the names --mix takes
OPERATIONS = {
    "echo": ("dimse", "C-ECHO"),
    "store": ("dimse", "C-STORE of one synthetic CT instance"),
    "find": ("dimse", "C-FIND at STUDY level (Study Root) for one study"),
    "get": ("dimse", "C-GET of a stored study (3 instances)"),
    "stow": ("web", "STOW-RS of one synthetic CT instance"),
    "qido": ("web", "QIDO-RS /studies search for one study"),
    "wado": ("web", "WADO-RS retrieve of a stored study (3 instances)"),
}
DEFAULT_MIX = "store=5,find=2,echo=1,get=1,stow=2,qido=2,wado=1"


@dataclass
class LoadConfig:
    run_id: str
    calling_ae: str = "DICOM_HARNESS"
    dimse: dict | None = None          # {"ae_title", "host", "port", "timeout"}
    dicomweb: dict | None = None       # {"base_url", "timeout", "headers"}: headers carry the run's credentials
    association: str = "user"          # user: one association per Locust user, kept open; task: one per operation
    weights: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "LoadConfig":
        return cls(**json.loads(text))


def parse_mix(text: str | None, available: set[str]) -> dict[str, int]:
    """--mix "store=5,find=2" -> {"store": 5, "find": 2}. Without --mix, the default mix restricted to the
    protocols the target offers; a named operation the target cannot serve is a usage error."""
    explicit = text is not None
    weights: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in (text or DEFAULT_MIX).split(","))):
        name, sep, value = item.partition("=")
        name = name.strip()
        if name not in OPERATIONS:
            raise HarnessUserError(f"--mix: unknown operation {name!r}; known: {', '.join(OPERATIONS)}")
        try:
            weight = int(value) if sep else 1
        except ValueError:
            raise HarnessUserError(f"--mix: {item!r}: the weight must be a whole number") from None
        if weight < 0:
            raise HarnessUserError(f"--mix: {item!r}: the weight must not be negative")
        if OPERATIONS[name][0] not in available:
            if explicit:
                raise HarnessUserError(f"--mix: {name} needs {'DIMSE' if OPERATIONS[name][0] == 'dimse' else 'DICOMweb'}"
                                       ", which the target does not offer")
            continue
        if weight:
            weights[name] = weight
    if not weights:
        raise HarnessUserError("--mix: no operation with a weight above 0 that the target offers")
    return weights
