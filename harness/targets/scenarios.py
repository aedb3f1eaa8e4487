"""What a client product claims to do while `dicom-harness listen` listens: its scenario, a list of steps. Each
step names the counterpart it needs and the client-side service it makes claimed; the client suites of a
service that no step claims give NOT CLAIMED, and a claimed step that never happens is a FAIL."""

from __future__ import annotations

from dataclasses import dataclass

from dicom_harness.errors import HarnessUserError
from dicom_harness.targets.profile import Claims, Target

COUNTERPARTS = ("pacs", "ris")
ALWAYS_CLAIMED = ("association-requester",)     # every client opens associations


@dataclass(frozen=True)
class Step:
    name: str
    counterpart: str            # the simulator the product talks to for it
    services: tuple[str, ...]   # client-side catalogue services it claims
    expects: str                # what must arrive, for the FAIL message


STEPS = {step.name: step for step in (
    Step("store", "pacs", ("storage-scu",), "a C-STORE of the images"),
    Step("query-retrieve", "pacs", ("qr-scu",), "a C-FIND, then a C-MOVE or C-GET"),
)}
DEFAULT_SCENARIO = {"pacs": ("store",)}


def parse_scenario(text: str | None, counterparts: tuple[str, ...]) -> tuple[str, ...]:
    """--scenario 'store,...' checked against the counterparts started; default: what the counterparts imply."""
    if not text:
        return tuple(name for counterpart in counterparts for name in DEFAULT_SCENARIO.get(counterpart, ()))
    names = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    for name in names:
        if name not in STEPS:
            raise HarnessUserError(f"--scenario: unknown step {name!r}; steps are {', '.join(STEPS)}")
        if STEPS[name].counterpart not in counterparts:
            raise HarnessUserError(f"--scenario {name} needs --as {STEPS[name].counterpart}")
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
    services = set(ALWAYS_CLAIMED)
    for name in subject.get("scenario", []):
        if name in STEPS:
            services.update(STEPS[name].services)
    return Target(name=subject.get("product") or "the product", claims=Claims(services=frozenset(services)))


def steps_claiming(service: str, scenario) -> list[Step]:
    return [STEPS[name] for name in scenario if name in STEPS and service in STEPS[name].services]
