"""Target profiles: what the target is, where it listens and what it claims (a slice of its PS3.2
conformance statement). Loaded from TOML into a frozen Target; every problem is a ProfileError."""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydicom._uid_dict import UID_dictionary
from pydicom.uid import UID

from dicom_harness.errors import ProfileError
from dicom_harness.targets.docker_profile import DockerSpec, parse_docker
from dicom_harness.targets.keys import check_keys
from dicom_harness.targets.qr_claims import QueryRetrieveClaims, parse_qr_claims

# The targets the harness starts itself (--target NAME); anything else is a profile file.
BUILT_IN = ("simulators", "orthanc", "dcmqrscp", "pixelmed", "wlmscpfs")

SERVICES = (
    "verification", "storage", "query_retrieve", "worklist", "mpps", "commitment",
    "qido", "wado", "stow", "ups", "capabilities", "wado_uri", "fhir",
    "security",     # a PS3.15 B.9-B.11 secure transport profile on the DIMSE TLS port ([claims] tls_profile)
    "robustness",   # opt-in: the robustness suite sends malformed input (it disturbs a product)
)
AE_TITLE = re.compile(r"^[\x20-\x7e]{1,16}$")
_UID_BY_KEYWORD = {entry[4]: uid for uid, entry in UID_dictionary.items()}


@dataclass(frozen=True)
class DimseEndpoint:
    ae_title: str
    host: str
    port: int
    tls: bool = False
    timeout: float = 10.0
    tls_files: TlsFiles | None = None       # with tls: the CA to trust and the harness's own certificate
    tls_port: int = 0           # a TLS port beside a plain `port` (PS3.15 B.9: the ports are in the statement)


@dataclass(frozen=True)
class TlsFiles:
    """[dimse] / [dicomweb] ca, cert, key (absolute paths) and verify: which CA the harness trusts for the
    target's certificate (empty: the system's), which certificate it presents (empty: none)."""
    ca: str = ""
    cert: str = ""
    key: str = ""
    verify: bool = True

    def client_context(self):
        """The harness's client context for these files (one per run: loading a CA costs ~50 ms)."""
        return _client_context(self)


@dataclass(frozen=True)
class WebEndpoint:
    base_url: str
    auth: str = "none"          # none | bearer | basic
    token_env: str = ""         # environment variable holding the bearer token
    user_env: str = ""
    password_env: str = ""
    timeout: float = 10.0
    wado_uri: str = ""          # the WADO-URI endpoint (PS3.18 9), when the target offers it
    tls_files: TlsFiles = field(default_factory=lambda: TlsFiles())    # for an https base_url


@dataclass(frozen=True)
class Deviation:
    requirement: str
    reason: str
    link: str = ""


@dataclass(frozen=True)
class Claims:
    services: frozenset[str] = frozenset()
    storage_sop_classes: tuple[str, ...] = ()
    storage_transfer_syntaxes: tuple[str, ...] = ()
    called_ae_check: bool = False
    calling_ae_check: bool = False
    storage_level: int = 0
    retrieve: str = "C-GET"     # how the harness reads back what it stored: C-GET, C-MOVE or none (NOT VERIFIED)
    query_retrieve: QueryRetrieveClaims = field(default_factory=QueryRetrieveClaims)
    # PS3.15 B.9 "bcp195", B.10 "non-downgrading" or B.11 "extended": the secure transport profile the target
    # claims on its TLS port ([dimse] tls = true); tls_client_auth: it requires a client certificate
    tls_profile: str = "bcp195"
    tls_client_auth: bool = False
    # PS3.7 D.3.3.7: the target answers User Identity Negotiation (a User Identity sub-item in the A-ASSOCIATE-AC
    # when a positive response is requested; a refused identity rejected); without it the tests are NOT CLAIMED
    user_identity: bool = False

    def offers(self, service: str) -> bool:
        return service in self.services


@dataclass(frozen=True)
class Peer:
    """The harness's own listening AE (C-MOVE destination, N-EVENT-REPORT receiver)."""
    ae_title: str = "DH_PEER"
    host: str = "127.0.0.1"
    port: int = 0
    tls: bool = False           # listen with TLS, presenting [dimse] cert/key (the target calls it over TLS)


@dataclass(frozen=True)
class Target:
    name: str
    dimse: DimseEndpoint | None = None
    dicomweb: WebEndpoint | None = None
    fhir: WebEndpoint | None = None        # [fhir]: a FHIR R4 server whose ImagingStudy resources describe the studies
    claims: Claims = field(default_factory=Claims)
    deviations: dict[str, Deviation] = field(default_factory=dict)
    peer: Peer = field(default_factory=Peer)
    harness_ae_title: str = "DICOM_HARNESS"
    # [worklist] folder: where the target reads *.wl worklist files (dcmtk wlmscpfs, Orthanc's worklist
    # plugin), so the harness can put worklist items there; empty when there is no such way
    worklist_folder: str = ""
    # [docker]: containers the harness starts for the run and removes afterwards (docker_profile.py)
    docker: DockerSpec | None = None

    @property
    def dimse_tls(self) -> DimseEndpoint | None:
        """The DIMSE endpoint with TLS: [dimse] itself with tls = true, or its tls_port; None without either."""
        if self.dimse is None or not (self.dimse.tls or self.dimse.tls_port):
            return None
        return self.dimse if self.dimse.tls else replace(self.dimse, port=self.dimse.tls_port, tls=True, tls_port=0)

    def peer_tls_context(self):
        """The harness peer's server context ([peer] tls = true): [dimse] cert/key presented, clients' certificates
        checked against [dimse] ca when one is named; None for a plain peer."""
        if not self.peer.tls:
            return None
        from dicom_harness.shared.tls import server_context
        files = self.dimse.tls_files
        return server_context(files.cert, files.key, files.ca or None, require_client=bool(files.ca))

    def with_dimse(self, **changes: Any) -> Target:
        assert self.dimse is not None
        return replace(self, dimse=replace(self.dimse, **changes))


@functools.lru_cache(maxsize=8)
def _client_context(files: TlsFiles):
    from dicom_harness.shared.tls import client_context
    return client_context(files.ca or None, files.cert or None, files.key or None, files.verify)


def to_uid(name_or_uid: str, where: str) -> UID:
    """Accept a UID ('1.2.840.10008.5.1.4.1.1.2') or its pydicom keyword ('CTImageStorage')."""
    if name_or_uid in _UID_BY_KEYWORD:
        return UID(_UID_BY_KEYWORD[name_or_uid])
    if re.fullmatch(r"[0-9]+(\.[0-9]+)*", name_or_uid) and len(name_or_uid) <= 64:
        return UID(name_or_uid)
    raise ProfileError(f"{where}: {name_or_uid!r} is neither a UID nor a known UID keyword such as 'CTImageStorage'")


# Every key a profile may hold, per table: a misspelled key is an error naming the closest one, never a setting
# silently left at its default.
TOP_KEYS = ("name", "harness_ae_title", "dimse", "dicomweb", "fhir", "claims", "deviations", "peer", "worklist",
            "docker")
TLS_KEYS = ("ca", "cert", "key", "verify")
TLS_PROFILES = ("bcp195", "non-downgrading", "extended")
DIMSE_KEYS = ("ae_title", "host", "port", "tls", "tls_port", "timeout", *TLS_KEYS)
DICOMWEB_KEYS = ("base_url", "auth", "token_env", "user_env", "password_env", "timeout", "wado_uri", *TLS_KEYS)
FHIR_KEYS = ("base_url", "auth", "token_env", "user_env", "password_env", "timeout")
CLAIMS_KEYS = ("services", "storage_sop_classes", "storage_transfer_syntaxes", "called_ae_check", "calling_ae_check",
               "storage_level", "retrieve", "query_retrieve", "tls_profile", "tls_client_auth",
               "user_identity")
DEVIATION_KEYS = ("requirement", "reason", "link")
# How the harness reads back what it stored; "none": a storage-only SCP (PS3.4 B.1.2 note 1), read-backs are
# NOT VERIFIED.
RETRIEVE_WAYS = ("C-GET", "C-MOVE", "none")
PEER_KEYS = ("ae_title", "host", "port", "tls")
WORKLIST_KEYS = ("folder",)


def _table(data: dict, key: str, where: str, allowed: Iterable[str] = ()) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ProfileError(f"{where}: [{key}] must be a table")
    if allowed:
        check_keys(value, allowed, f"{where} [{key}]")
    return value


def _tls_files(t: dict, where: str, key: str, base: Path | None) -> TlsFiles:
    """ca / cert / key paths relative to the profile's folder; each must exist; cert and key go together."""
    found = {}
    for name in ("ca", "cert", "key"):
        if name not in t:
            continue
        path = Path(str(t[name])).expanduser()
        if not path.is_absolute() and base is not None:
            path = base / path
        if not path.is_file():
            raise ProfileError(f"{where}: [{key}] {name} = {str(t[name])!r}: no such file ({path})")
        found[name] = str(path)
    if ("cert" in found) != ("key" in found):
        raise ProfileError(f"{where}: [{key}] cert and key go together (the harness's certificate and its key)")
    verify = t.get("verify", True)
    if not isinstance(verify, bool):
        raise ProfileError(f"{where}: [{key}] verify must be true or false")
    return TlsFiles(verify=verify, **found)


def _dimse(data: dict, where: str, base: Path | None = None) -> DimseEndpoint | None:
    if "dimse" not in data:
        return None
    t = _table(data, "dimse", where, DIMSE_KEYS)
    missing = {"ae_title", "host", "port"} - t.keys()
    if missing:
        raise ProfileError(f"{where}: [dimse] needs {', '.join(sorted(missing))}")
    if not isinstance(t["ae_title"], str) or not AE_TITLE.match(t["ae_title"]) or t["ae_title"].strip() == "":
        raise ProfileError(f"{where}: [dimse] ae_title {t['ae_title']!r} must be 1-16 printable characters")
    if not isinstance(t["port"], int) or not 0 < t["port"] < 65536:
        raise ProfileError(f"{where}: [dimse] port {t['port']!r} must be a number from 1 to 65535")
    tls = t.get("tls", False)
    if not isinstance(tls, bool):
        raise ProfileError(f"{where}: [dimse] tls must be true or false")
    tls_port = t.get("tls_port", 0)
    if not isinstance(tls_port, int) or not 0 <= tls_port < 65536:
        raise ProfileError(f"{where}: [dimse] tls_port {tls_port!r} must be a number from 1 to 65535")
    if tls and tls_port:
        raise ProfileError(f"{where}: [dimse] tls = true makes port the TLS port: leave tls_port out")
    files = _tls_files(t, where, "dimse", base)
    if not (tls or tls_port) and files != TlsFiles():
        # certificates without a TLS port would be a plain run that looks like a secure one
        raise ProfileError(f"{where}: [dimse] ca / cert / key / verify need tls = true or a tls_port")
    return DimseEndpoint(
        ae_title=t["ae_title"], host=str(t["host"]), port=t["port"], tls=tls, tls_port=tls_port,
        timeout=float(t.get("timeout", 10.0)), tls_files=files if (tls or tls_port) else None,
    )


def _dicomweb(data: dict, where: str, key: str = "dicomweb", keys: tuple[str, ...] = DICOMWEB_KEYS,
              base: Path | None = None) -> WebEndpoint | None:
    """[dicomweb], or (key="fhir") the [fhir] table, which has the same keys but wado_uri."""
    if key not in data:
        return None
    t = _table(data, key, where)
    if "base_url" not in t or not str(t["base_url"]).startswith(("http://", "https://")):
        raise ProfileError(f"{where}: [{key}] needs base_url starting with http:// or https://")
    for secret in ("token", "password"):
        if secret in t:
            raise ProfileError(
                f"{where}: [{key}] must not hold a {secret}; name an environment variable with {secret}_env"
            )
    check_keys(t, keys, f"{where} [{key}]")
    auth = t.get("auth", "none")
    if auth not in ("none", "bearer", "basic"):
        raise ProfileError(f"{where}: [{key}] auth must be none, bearer or basic, not {auth!r}")
    files = _tls_files(t, where, key, base) if key == "dicomweb" else TlsFiles()
    if files != TlsFiles() and not str(t["base_url"]).startswith("https://"):
        raise ProfileError(f"{where}: [{key}] ca / cert / key / verify need an https:// base_url")
    return WebEndpoint(
        tls_files=files,
        base_url=str(t["base_url"]).rstrip("/"), auth=auth,
        token_env=t.get("token_env", ""), user_env=t.get("user_env", ""),
        password_env=t.get("password_env", ""), timeout=float(t.get("timeout", 10.0)),
        wado_uri=str(t.get("wado_uri", "")),
    )


def _claims(data: dict, where: str) -> Claims:
    t = _table(data, "claims", where, CLAIMS_KEYS)
    services = t.get("services", [])
    unknown = set(services) - set(SERVICES)
    if unknown:
        raise ProfileError(f"{where}: [claims] unknown services {sorted(unknown)}; known: {', '.join(SERVICES)}")
    retrieve = t.get("retrieve", "C-GET")
    if retrieve not in RETRIEVE_WAYS:
        raise ProfileError(f"{where}: [claims] retrieve must be 'C-GET', 'C-MOVE' or 'none', not {retrieve!r}")
    tls_profile = t.get("tls_profile", "bcp195")
    if tls_profile not in TLS_PROFILES:
        raise ProfileError(f"{where}: [claims] tls_profile must be one of {', '.join(TLS_PROFILES)} (PS3.15 B.9, "
                           f"B.10, B.11), not {tls_profile!r}")
    return Claims(
        tls_profile=tls_profile, tls_client_auth=bool(t.get("tls_client_auth", False)),
        services=frozenset(services),
        storage_sop_classes=tuple(to_uid(u, f"{where} [claims] storage_sop_classes")
                                  for u in t.get("storage_sop_classes", [])),
        storage_transfer_syntaxes=tuple(to_uid(u, f"{where} [claims] storage_transfer_syntaxes")
                                        for u in t.get("storage_transfer_syntaxes", [])),
        called_ae_check=bool(t.get("called_ae_check", False)),
        calling_ae_check=bool(t.get("calling_ae_check", False)),
        user_identity=bool(t.get("user_identity", False)),
        storage_level=int(t.get("storage_level", 0)),
        retrieve=retrieve,
        query_retrieve=parse_qr_claims(t, where),
    )


def _deviations(data: dict, where: str) -> dict[str, Deviation]:
    found = {}
    for entry in data.get("deviations", []):
        if not isinstance(entry, dict):
            raise ProfileError(f"{where}: [[deviations]] entries must be tables")
        check_keys(entry, DEVIATION_KEYS, f"{where} [[deviations]]")
        if "requirement" not in entry or "reason" not in entry:
            raise ProfileError(f"{where}: each [[deviations]] needs requirement and reason")
        found[entry["requirement"]] = Deviation(entry["requirement"], entry["reason"], entry.get("link", ""))
    return found


def profile_from_dict(data: dict, where: str = "profile", base: Path | None = None) -> Target:
    """`base`: the folder relative file names (TLS certificates) start from (the profile file's)."""
    check_keys(data, TOP_KEYS, where)
    if "name" not in data:
        raise ProfileError(f"{where}: needs a name = \"...\" line")
    peer_t = _table(data, "peer", where, PEER_KEYS)
    target = Target(
        name=str(data["name"]),
        dimse=_dimse(data, where, base),
        dicomweb=_dicomweb(data, where, base=base),
        fhir=_dicomweb(data, where, "fhir", FHIR_KEYS),
        claims=_claims(data, where),
        deviations=_deviations(data, where),
        peer=Peer(ae_title=peer_t.get("ae_title", "DH_PEER"), host=peer_t.get("host", "127.0.0.1"),
                  port=int(peer_t.get("port", 0)), tls=bool(peer_t.get("tls", False))),
        harness_ae_title=str(data.get("harness_ae_title", "DICOM_HARNESS")),
        worklist_folder=str(_table(data, "worklist", where, WORKLIST_KEYS).get("folder", "")),
        docker=parse_docker(data, where),
    )
    if target.dimse is None and target.dicomweb is None:
        raise ProfileError(f"{where}: needs a [dimse] or a [dicomweb] section saying where the target listens")
    if target.peer.tls and not (target.dimse and target.dimse.tls_files and target.dimse.tls_files.cert):
        raise ProfileError(f"{where}: [peer] tls = true presents the harness's certificate: give [dimse] cert and key")
    return target


def load_profile(path: str | Path) -> Target:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError(f"profile {path} not found; give a profile .toml file or a built-in target: "
                           f"{', '.join(BUILT_IN)}") from None
    except OSError as exc:
        raise ProfileError(f"profile {path} cannot be read: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"profile {path} is not valid TOML: {exc}") from None
    target = profile_from_dict(data, where=str(path), base=path.resolve().parent)
    if target.docker is not None:
        target = replace(target, docker=target.docker.resolved(path.parent))
    return target


def parse_dicomweb_url(text: str) -> WebEndpoint:
    """'http://host:port/dicom-web' -> WebEndpoint (no authentication: a profile names credentials)."""
    if not re.fullmatch(r"https?://[^/\s:]+(:\d{1,5})?(/\S*)?", text):
        raise ProfileError(f"--dicomweb {text!r}: expected the service's base URL, for example "
                           "http://127.0.0.1:8042/dicom-web")
    return WebEndpoint(base_url=text.rstrip("/"))


def parse_dimse_address(text: str) -> DimseEndpoint:
    """'AET@host:port' -> DimseEndpoint."""
    match = re.fullmatch(r"([^@]{1,16})@([^:]+):(\d+)", text)
    if not match:
        raise ProfileError(f"--dimse {text!r}: expected AET@host:port, for example ORTHANC@127.0.0.1:4242")
    port = int(match.group(3))
    if not 0 < port < 65536:
        raise ProfileError(f"--dimse {text!r}: port must be from 1 to 65535")
    return DimseEndpoint(ae_title=match.group(1), host=match.group(2), port=port)


def check_deviations(target: Target, known_ids: Iterable[str]) -> None:
    """A [[deviations]] entry must name a requirement of the catalogue: a typo would otherwise hide nothing and
    say nothing."""
    known_ids = tuple(known_ids)
    for rid in sorted(set(target.deviations) - set(known_ids)):
        close = difflib.get_close_matches(rid, known_ids, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else "; `dicom-harness requirements` lists them"
        raise ProfileError(f"{target.name}: [[deviations]] names {rid!r}, which is not a requirement of the "
                           f"catalogue{hint}")
