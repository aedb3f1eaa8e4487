"""What a client product claims to do while `dicom-harness listen` listens: its scenario, a list of steps. Each
step names the counterpart it needs and the client-side service it makes claimed; the client suites of a
service that no step claims give NOT CLAIMED, and a claimed step that never happens is a FAIL."""

from __future__ import annotations

from dataclasses import dataclass

from dicom_harness.errors import HarnessUserError
from dicom_harness.targets.profile import Claims, Target

COUNTERPARTS = ("pacs", "ris", "dicomweb")
ALWAYS_CLAIMED = ("association-requester",)     # every DIMSE client opens associations
DIMSE_COUNTERPARTS = ("pacs", "ris")            # (a DICOMweb user agent alone opens none)


@dataclass(frozen=True)
class Step:
    name: str
    counterpart: str            # the simulator the product talks to for it
    services: tuple[str, ...]   # client-side catalogue services it claims
    expects: str                # what must arrive, for the FAIL message


STEPS = {step.name: step for step in (
    Step("store", "pacs", ("storage-scu",), "a C-STORE of the images"),
    Step("worklist", "ris", ("worklist-scu",), "a Modality Worklist C-FIND"),
    Step("mpps", "ris", ("mpps-scu",), "an MPPS N-CREATE, then an N-SET to COMPLETED or DISCONTINUED"),
    Step("commitment", "pacs", ("commitment-scu",), "a Storage Commitment N-ACTION"),
    Step("web-search", "dicomweb", ("qido-ua",), "a QIDO-RS search"),
    Step("web-retrieve", "dicomweb", ("wado-ua",), "a WADO-RS retrieve"),
    Step("web-store", "dicomweb", ("stow-ua",), "a STOW-RS store"),
    Step("query-retrieve", "pacs", ("qr-scu",), "a C-FIND, then a C-MOVE or C-GET"),
    Step("ups-pull", "dicomweb", ("ups-ua",), "a UPS-RS workitem claimed and completed"),
)}
DEFAULT_SCENARIO = {"pacs": ("store",), "ris": ("worklist", "mpps"), "dicomweb": ("web-search", "web-retrieve")}


def parse_scenario(text: str | None, counterparts: tuple[str, ...]) -> tuple[str, ...]:
    """--scenario 'store,...' checked against the counterparts started; default: what the counterparts imply."""
    if not text:
        return tuple(name for counterpart in counterparts for name in DEFAULT_SCENARIO.get(counterpart, ()))
    names = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    for name in names:
        if name not in STEPS:
            raise HarnessUserError(f"--scenario: unknown step {name!r}; steps are {', '.join(STEPS)}")
        if STEPS[name].counterpart not in counterparts:
            raise HarnessUserError(f"--scenario {name} needs --as {STEPS[name].counterpart} (it expects "
                                   f"{STEPS[name].expects}); add it, e.g. --as {','.join((*counterparts, STEPS[name].counterpart))}")
    return names


def parse_counterparts(values: list[str]) -> tuple[str, ...]:
    """--as pacs --as ris, or --as pacs,ris."""
    found = tuple(dict.fromkeys(part.strip() for value in values for part in value.split(",") if part.strip()))
    if not found:
        raise HarnessUserError(f"--as: say which counterpart to play: {', '.join(COUNTERPARTS)}")
    for name in found:
        if name not in COUNTERPARTS:
            raise HarnessUserError(f"--as {name}: unknown counterpart; choose from {', '.join(COUNTERPARTS)}")
    return found


def subject_target(subject: dict) -> Target:
    """The product a recording is of, as the run's target: its name, and its scenario's services as claims."""
    counterparts = subject.get("counterparts", DIMSE_COUNTERPARTS)
    services = set(ALWAYS_CLAIMED) if any(c in DIMSE_COUNTERPARTS for c in counterparts) else set()
    for name in subject.get("scenario", []):
        if name in STEPS:
            services.update(STEPS[name].services)
    return Target(name=subject.get("product") or "the product", claims=Claims(services=frozenset(services)))


def steps_claiming(service: str, scenario) -> list[Step]:
    return [STEPS[name] for name in scenario if name in STEPS and service in STEPS[name].services]
