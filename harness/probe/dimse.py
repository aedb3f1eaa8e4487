"""Probe a DIMSE product: propose every known SOP class in each common transfer syntax, one presentation
context per pair so each is accepted or refused on its own (PS3.8 9.3.2.2 lets the acceptor pick one
transfer syntax per context); then propose SCP/SCU role selection (PS3.7 D.3.3.4) for what was accepted.
What it observed becomes a draft conformance statement table (PS3.2 Annex A style) and a profile [claims]."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pydicom.uid
from pydicom.uid import UID
from pynetdicom import AE, build_context, build_role
from pynetdicom import sop_class as sop

from dicom_harness.errors import TargetUnreachable
from dicom_harness.targets.profile import DimseEndpoint
from dicom_harness.targets.reachability import check_dimse_reachable

MAX_CONTEXTS = 128            # PS3.8 9.3.2.2: presentation context IDs are odd numbers 1..255

UNCOMPRESSED = ("ImplicitVRLittleEndian", "ExplicitVRLittleEndian", "ExplicitVRBigEndian",
                "DeflatedExplicitVRLittleEndian")
COMPRESSED = ("RLELossless", "JPEGBaseline8Bit", "JPEGExtended12Bit", "JPEGLossless", "JPEGLosslessSV1",
              "JPEGLSLossless", "JPEGLSNearLossless", "JPEG2000Lossless", "JPEG2000")


def _classes(table: dict) -> list[tuple[str, str]]:
    return [(keyword, str(uid)) for keyword, uid in table.items()]


# service name (dicom_harness.targets.profile.SERVICES) -> the SOP classes that make it, and the syntaxes worth proposing
SERVICE_CLASSES: dict[str, tuple[list[tuple[str, str]], tuple[str, ...]]] = {
    "verification": (_classes(sop._VERIFICATION_CLASSES), UNCOMPRESSED),
    "storage": (_classes(sop._STORAGE_CLASSES), UNCOMPRESSED + COMPRESSED),
    "query_retrieve": (_classes(sop._QR_CLASSES), UNCOMPRESSED),
    "worklist": ([("ModalityWorklistInformationFind", str(sop.ModalityWorklistInformationFind))], UNCOMPRESSED),
    "mpps": ([("ModalityPerformedProcedureStep", str(sop.ModalityPerformedProcedureStep))], UNCOMPRESSED),
    "commitment": (_classes(sop._STORAGE_COMMITMENT_CLASSES), UNCOMPRESSED),
    "ups": (_classes(sop._UNIFIED_PROCEDURE_STEP_CLASSES), UNCOMPRESSED),
}


def _uid(keyword: str) -> str:
    """'ExplicitVRLittleEndian' -> '1.2.840.10008.1.2.1'."""
    return str(getattr(pydicom.uid, keyword))


@dataclass
class SopClassResult:
    keyword: str
    uid: str
    service: str
    transfer_syntaxes: list[str] = field(default_factory=list)     # keywords accepted
    target_scp: bool = False        # the target accepts requests for it (the default role)
    target_scu: bool | None = None  # role selection: the target may send requests for it (None: not asked)

    @property
    def name(self) -> str:
        return UID(self.uid).name

    @property
    def claim_name(self) -> str:
        """The pydicom keyword when profiles know it (dicom_harness.targets.profile.to_uid), else the UID."""
        from dicom_harness.targets.profile import _UID_BY_KEYWORD
        return self.keyword if _UID_BY_KEYWORD.get(self.keyword) == self.uid else self.uid

    @property
    def roles(self) -> str:
        return " and ".join(r for r, on in (("SCP", self.target_scp), ("SCU", self.target_scu)) if on) or "none"


@dataclass
class ProbeResult:
    address: str
    ae_title: str
    host: str
    port: int
    accepted: list[SopClassResult] = field(default_factory=list)
    proposed_classes: int = 0
    proposed_contexts: int = 0
    associations: int = 0
    called_ae_check: bool | None = None
    max_pdu: int | None = None
    implementation_class_uid: str = ""
    implementation_version_name: str = ""
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def services(self) -> list[str]:
        return [s for s in SERVICE_CLASSES if any(r.service == s for r in self.accepted)]

    def claimed_services(self) -> list[str]:
        """Services for the profile's claims. Query/Retrieve needs a FIND model: a GET or MOVE model alone
        only serves read-back."""
        return [s for s in self.services()
                if s != "query_retrieve" or any(r.keyword.endswith("Find") for r in self.by_service(s))]

    def by_service(self, service: str) -> list[SopClassResult]:
        return [r for r in self.accepted if r.service == service]

    def storage_syntaxes(self) -> tuple[list[str], list[str]]:
        """(accepted for every accepted storage class, accepted for only some)."""
        storage = self.by_service("storage")
        if not storage:
            return [], []
        every = [ts for ts in UNCOMPRESSED + COMPRESSED if all(ts in r.transfer_syntaxes for r in storage)]
        some = [ts for ts in UNCOMPRESSED + COMPRESSED
                if ts not in every and any(ts in r.transfer_syntaxes for r in storage)]
        return every, some

    @staticmethod
    def proposed_syntaxes() -> tuple[str, ...]:
        return UNCOMPRESSED + COMPRESSED

    def retrieve(self) -> str:
        get = any(r.keyword == "StudyRootQueryRetrieveInformationModelGet" for r in self.accepted)
        move = any(r.keyword == "StudyRootQueryRetrieveInformationModelMove" for r in self.accepted)
        return "C-MOVE" if move and not get else "C-GET"

    def summary(self) -> str:
        return (f"{len(self.accepted)} of {self.proposed_classes} SOP classes accepted "
                f"({', '.join(self.services()) or 'none'}) over {self.associations} associations in {self.seconds:.1f} s")


class _Prober:
    def __init__(self, endpoint: DimseEndpoint, calling_ae: str):
        self.endpoint = endpoint
        self.calling_ae = calling_ae
        self.associations = 0

    def _ae(self) -> AE:
        ae = AE(ae_title=self.calling_ae)
        ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = self.endpoint.timeout
        ae.connection_timeout = min(self.endpoint.timeout, 5.0)
        return ae

    def associate(self, contexts, roles=(), called_ae: str | None = None) -> Negotiated:
        """Propose, note what was negotiated, release at once."""
        ae = self._ae()
        ae.requested_contexts = contexts
        self.associations += 1
        assoc = ae.associate(self.endpoint.host, self.endpoint.port, ae_title=called_ae or self.endpoint.ae_title,
                             ext_neg=list(roles) or None)
        found = Negotiated(established=bool(assoc.is_established), rejected=bool(assoc.is_rejected))
        if assoc.is_rejected:
            primitive = assoc.acceptor.primitive
            found.rejection = (f"result {primitive.result}, source {primitive.result_source}, "
                               f"reason {primitive.diagnostic}")
        if assoc.is_established:
            found.accepted = list(assoc.accepted_contexts)
            found.max_pdu = int(assoc.acceptor.maximum_length or 0)
            found.implementation_class_uid = str(assoc.acceptor.implementation_class_uid or "")
            found.implementation_version_name = str(assoc.acceptor.implementation_version_name or "")
            assoc.release()
        return found


@dataclass
class Negotiated:
    established: bool
    rejected: bool
    rejection: str = ""
    accepted: list = field(default_factory=list)
    max_pdu: int | None = None
    implementation_class_uid: str = ""
    implementation_version_name: str = ""


def probe(endpoint: DimseEndpoint, calling_ae: str = "DICOM_HARNESS") -> ProbeResult:
    check_dimse_reachable(endpoint)
    started = time.monotonic()
    prober = _Prober(endpoint, calling_ae)
    result = ProbeResult(address=f"{endpoint.ae_title}@{endpoint.host}:{endpoint.port}", ae_title=endpoint.ae_title,
                         host=endpoint.host, port=endpoint.port)
    pairs = [(service, keyword, uid, ts) for service, (classes, syntaxes) in SERVICE_CLASSES.items()
             for keyword, uid in classes for ts in syntaxes]
    result.proposed_classes = len({uid for _, _, uid, _ in pairs})
    result.proposed_contexts = len(pairs)
    found: dict[str, SopClassResult] = {}
    for start in range(0, len(pairs), MAX_CONTEXTS):
        chunk = pairs[start:start + MAX_CONTEXTS]
        contexts = [build_context(uid, [_uid(ts)]) for _, _, uid, ts in chunk]
        assoc = prober.associate(contexts)
        if assoc.rejected and start == 0:
            raise TargetUnreachable(
                f"{result.address} rejected the association ({assoc.rejection}): check the AE titles "
                f"(called {endpoint.ae_title}, calling {calling_ae})")
        if not assoc.established:
            result.notes.append(f"association {prober.associations} (contexts {start + 1}-{start + len(chunk)}) "
                                "was not accepted; those SOP classes are reported as not accepted")
            continue
        if result.max_pdu is None:
            result.max_pdu = assoc.max_pdu
            result.implementation_class_uid = assoc.implementation_class_uid
            result.implementation_version_name = assoc.implementation_version_name
        by_id = {cx.context_id: cx for cx in assoc.accepted}
        for index, (service, keyword, uid, ts) in enumerate(chunk):
            if (2 * index + 1) in by_id:
                entry = found.setdefault(uid, SopClassResult(keyword, uid, service, target_scp=True))
                entry.transfer_syntaxes.append(ts)
    result.accepted = list(found.values())
    _probe_roles(prober, result)
    result.called_ae_check = _rejects_other_called_ae(prober, result)
    result.associations = prober.associations
    result.seconds = time.monotonic() - started
    return result


def _probe_roles(prober: _Prober, result: ProbeResult) -> None:
    """Ask, for each accepted storage class, that the target may also act as SCU (as C-GET needs)."""
    storage = result.by_service("storage")
    for start in range(0, len(storage), MAX_CONTEXTS):
        chunk = storage[start:start + MAX_CONTEXTS]
        contexts = [build_context(r.uid, [_uid(r.transfer_syntaxes[0])]) for r in chunk]
        roles = [build_role(r.uid, scu_role=True, scp_role=True) for r in chunk]
        assoc = prober.associate(contexts, roles)
        if not assoc.established:
            result.notes.append("the association proposing SCP/SCU role selection was not accepted")
            continue
        accepted = {cx.abstract_syntax: cx for cx in assoc.accepted}
        for r in chunk:
            cx = accepted.get(r.uid)
            # as_scp is our side: we may act as SCP, so the target may act as SCU
            r.target_scu = bool(cx is not None and cx.as_scp)


def _rejects_other_called_ae(prober: _Prober, result: ProbeResult) -> bool | None:
    verification = [build_context(sop.Verification, [_uid("ImplicitVRLittleEndian")])]
    wrong = ("DH_NOT_" + result.ae_title)[:16]
    assoc = prober.associate(verification, called_ae=wrong)
    if assoc.rejected:
        return True
    return False if assoc.established else None


# -- output --------------------------------------------------------------------------------------------------
def write_probe(result: ProbeResult | None, folder: Path, name: str, web=None) -> list[Path]:
    """The draft statement (DIMSE), the draft profile (DIMSE and/or DICOMweb) and the raw observations."""
    from dicom_harness.reports.statement import render_claims, render_statement
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    if result is not None:
        statement = folder / "conformance-statement.md"
        statement.write_text(render_statement(result, name), encoding="utf-8")
        written.append(statement)
    profile = folder / "profile.toml"
    profile.write_text(render_claims(result, name, web), encoding="utf-8")
    raw = folder / "probe.json"
    observed = {"dimse": asdict(result) if result is not None else None, "dicomweb": asdict(web) if web else None}
    raw.write_text(json.dumps(observed, indent=1), encoding="utf-8")
    return [*written, profile, raw]
