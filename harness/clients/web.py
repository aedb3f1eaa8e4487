"""A DICOMweb client over httpx that records evidence (request line, headers, status, body excerpt), bounds
every wait, and encodes query values deliberately as PS3.18 8.3.1 says.

PS3.18 8.3.1: a qp-value is made of unreserved characters, percent-encoded octets and the qp-special
characters ! $ ' ( ) * + ; : @ / ?. So '*' and '?' (wildcards) and '/' stay literal; ',' separates the
values of a list; everything else outside those sets, such as '^' in a Person Name, space, ',' inside a
value, '&', '=' and '+', is sent percent-encoded (our choice for '+': a form decoder would read it as space)."""

from __future__ import annotations

import json
import os
import ssl
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

import httpx
from pydicom import dcmread
from pydicom.dataset import Dataset

from dicom_harness.clients.evidence import Evidence
from dicom_harness.clients.exchange import refuse_if_stalled, stalled
from dicom_harness.clients.multipart import (
    FilePart,
    Multipart,
    MultipartBody,
    parse_multipart,
    parse_multipart_file,
)
from dicom_harness.errors import ProfileError, TargetUnreachable
from dicom_harness.shared.spool import is_large, read_lazily
from dicom_harness.targets.profile import WebEndpoint

DICOM_JSON = "application/dicom+json"
MULTIPART_DICOM = 'multipart/related; type="application/dicom"'
MULTIPART_OCTET = 'multipart/related; type="application/octet-stream"'
QP_SAFE = "*?!$'();:@/"          # qp-special minus '+', beside the unreserved characters quote() keeps
EXCERPT = 300


def quote_value(value: str) -> str:
    return quote(str(value), safe=QP_SAFE)


def encode_query(pairs: Iterable[tuple[str, object]]) -> str:
    """[('PatientName', 'DH^SYNTH*'), ('StudyInstanceUID', ['1.2', '1.3'])] -> a query string."""
    encoded = []
    for name, value in pairs:
        if value is None:
            encoded.append(quote(name, safe=""))
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        encoded.append(f"{quote(name, safe='.')}={','.join(quote_value(v) for v in values)}")
    return "&".join(encoded)


def part10_bytes(ds: Dataset) -> bytes:
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def read_part10(data: bytes) -> Dataset:
    return dcmread(BytesIO(data), force=False)


def json_value(item: dict, keyword_or_tag: str, default=None):
    """The first value of an attribute in a DICOM JSON object; a PN gives its Alphabetic group."""
    from pydicom.datadict import tag_for_keyword
    tag = keyword_or_tag if len(keyword_or_tag) == 8 and keyword_or_tag.isalnum() and \
        tag_for_keyword(keyword_or_tag) is None else f"{tag_for_keyword(keyword_or_tag):08X}"
    entry = item.get(tag)
    if not entry or not entry.get("Value"):
        return default
    value = entry["Value"][0]
    if isinstance(value, dict) and "Alphabetic" in value:
        return value["Alphabetic"]
    return value


def _excerpt(response: httpx.Response) -> str:
    content_type = response.headers.get("content-type", "")
    body = response.content
    if not body:
        return "(no body)"
    if content_type.startswith(("application/dicom+json", "application/json", "text/", "application/xml",
                                "application/vnd.sun.wadl+xml", "application/dicom+xml")):
        text = body[:EXCERPT].decode("utf-8", "replace").replace("\n", " ")
        return text + (f"... ({len(body)} bytes)" if len(body) > EXCERPT else "")
    return f"({len(body)} bytes of {content_type or 'unknown type'}, begins {body[:40]!r})"


class DicomWebClient:
    """Talks to the target's DICOMweb endpoint on behalf of one test, recording evidence."""

    def __init__(self, endpoint: WebEndpoint, evidence: Evidence):
        self.endpoint = endpoint
        self.evidence = evidence
        self.base_url = endpoint.base_url.rstrip("/")
        self.stall_key = f"web {self.base_url}"
        self._client = httpx.Client(timeout=endpoint.timeout, auth=self._auth(), follow_redirects=False,
                                    verify=_tls_context(endpoint))

    def _auth(self):
        endpoint = self.endpoint
        if endpoint.auth == "bearer":
            token = os.environ.get(endpoint.token_env or "", "")
            if not token:
                raise ProfileError(f"[dicomweb] auth = bearer: set the environment variable {endpoint.token_env!r}")
            return _Bearer(token)
        if endpoint.auth == "basic":
            user = os.environ.get(endpoint.user_env or "", "")
            password = os.environ.get(endpoint.password_env or "", "")
            if not user:
                raise ProfileError(f"[dicomweb] auth = basic: set the environment variable {endpoint.user_env!r}")
            return httpx.BasicAuth(user, password)
        return None

    def close(self) -> None:
        self._client.close()

    def authorization_header(self, url: str) -> str | None:
        """The Authorization header the profile's credentials give a request to url (for a WebSocket
        handshake, which does not go through httpx)."""
        if self._client.auth is None:
            return None
        request = httpx.Request("GET", url)
        next(self._client.auth.sync_auth_flow(request))
        return request.headers.get("Authorization")

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"

    # -- the one place requests go out ---------------------------------------------------------------------
    def request(self, method: str, path: str, *, query: Sequence[tuple[str, object]] | str | None = None,
                headers: dict[str, str] | None = None, content: bytes | MultipartBody | None = None,
                auth=None, omit_accept: bool = False, stream: bool = False) -> httpx.Response:
        """One request, with its evidence. omit_accept: send no Accept header at all (httpx adds
        'Accept: */*' to every request unless it is removed; the evidence then lists the headers sent).
        content: bytes, or a MultipartBody read from files as it is sent (its length given as Content-Length).
        stream: the body is not read (the caller reads it, adds its excerpt to the evidence, and closes it)."""
        refuse_if_stalled(self.stall_key)
        url = self.url(path)
        if query:
            url += "?" + (query if isinstance(query, str) else encode_query(query))
        headers = dict(headers or {})
        if isinstance(content, MultipartBody):
            headers["Content-Length"] = str(len(content))     # not chunked: httpx drops Transfer-Encoding then
        shown = " ".join(f"{k}: {v}" for k, v in headers.items() if k != "Content-Length")
        size = f" body {len(content)} bytes" if content is not None else ""
        request = self._client.build_request(method, url, headers=headers, content=content)
        if omit_accept:
            request.headers.pop("accept", None)
            shown = ("(no Accept header; headers sent: "
                     f"{', '.join(k for k in request.headers.keys() if k.lower() != 'authorization')}) {shown}")
        self.evidence.add(">", f"{method} {url} {shown}{size}".rstrip())
        try:
            response = self._client.send(request, stream=stream, **({"auth": auth} if auth is not None else {}))
        except httpx.TimeoutException:
            raise self._gave_up(f"no answer to {method} {url} within {self.endpoint.timeout:g} s: the harness gave "
                                "up") from None
        except httpx.RemoteProtocolError as exc:        # the target broke HTTP (e.g. closed mid-body): its defect
            self.evidence.add("<", f"HTTP protocol error: {exc}")
            raise AssertionError(f"{method} {url}: the answer broke HTTP: {exc}") from None
        except httpx.ConnectError as exc:
            self.evidence.add("<", f"cannot connect: {exc}")
            raise TargetUnreachable(f"cannot connect to {self.base_url}: {exc}") from None
        keep = ("content-type", "content-length", "location", "warning", "transfer-encoding", "allow",
                "content-location")
        facts = " ".join(f"{k}: {v}" for k, v in response.headers.items() if k.lower() in keep)
        self.evidence.add("<", f"{response.status_code} {response.reason_phrase} {facts}")
        if not stream:
            self.evidence.add("<", _excerpt(response))
        return response

    def _gave_up(self, message: str) -> Exception:
        """The harness's own timeout ran out. A GET of the base URL (bounded by the endpoint's timeout) tells a
        target that stopped answering (ERROR TargetStalled, remembered so later tests end at once) from one that
        left this request alone but still serves (FAIL)."""
        from dicom_harness.targets.reachability import check_web_reachable
        self.evidence.add("#", message)
        try:
            check_web_reachable(self.endpoint, timeout=self.endpoint.timeout)
        except TargetUnreachable as exc:
            self.evidence.add("#", f"check by a GET of the base URL: {exc}")
            return stalled(self.stall_key, f"{message}; a GET of the base URL got no answer either")
        self.evidence.add("#", "check by a GET of the base URL: it still answers")
        return AssertionError(f"{message}, while the base URL still answers")

    # -- transactions ----------------------------------------------------------------------------------------
    def search(self, path: str, query: Sequence[tuple[str, object]] | str | None = None,
               accept: str = DICOM_JSON) -> httpx.Response:
        return self.request("GET", path, query=query, headers={"Accept": accept})

    def search_json(self, path: str, query=None) -> list[dict]:
        """Search and return the results; 204 is an empty list. Anything else is a FAIL."""
        response = self.search(path, query)
        if response.status_code == 204:
            return []
        assert response.status_code == 200, (
            f"search {path}: expected 200 or 204, observed {response.status_code} {response.text[:200]!r}")
        return expect_json_array(response)

    def retrieve(self, path: str, accept: str = MULTIPART_DICOM) -> httpx.Response:
        return self.request("GET", path, headers={"Accept": accept})

    def retrieve_multipart(self, path: str, accept: str = MULTIPART_DICOM,
                           expected_type: str = "application/dicom") -> Multipart:
        response = self.retrieve(path, accept)
        assert response.status_code == 200, (
            f"GET {path} Accept {accept}: expected 200, observed {response.status_code} {response.text[:200]!r}")
        return self.multipart_of(response, expected_type)

    def multipart_of(self, response: httpx.Response, expected_type: str = "application/dicom") -> Multipart:
        """The parts of a multipart response already received; format findings go to the evidence."""
        found = parse_multipart(response.headers.get("content-type", ""), response.content, expected_type)
        for finding in found.findings:
            self.evidence.add("#", f"multipart finding: {finding}")
        return found

    def retrieve_instances(self, path: str, accept: str = MULTIPART_DICOM) -> list[Dataset]:
        """WADO-RS of instances. The body is written to a file as it arrives; a small one is then read as
        before, while the parts of a large one stay on disk and are read lazily (harness/shared/spool.py)."""
        response = self.request("GET", path, headers={"Accept": accept}, stream=True)
        try:
            if response.status_code != 200:
                response.read()
                self.evidence.add("<", _excerpt(response))
                raise AssertionError(f"GET {path} Accept {accept}: expected 200, observed {response.status_code} "
                                     f"{response.text[:200]!r}")
            try:
                body = _spool_body(response)
            except httpx.TimeoutException:
                raise self._gave_up(f"the body of GET {path} did not arrive within {self.endpoint.timeout:g} s: the "
                                    "harness gave up") from None
            except httpx.RemoteProtocolError as exc:    # the target broke HTTP (e.g. closed mid-body): its defect
                self.evidence.add("<", f"HTTP protocol error: {exc}")
                raise AssertionError(f"GET {path}: the answer broke HTTP: {exc}") from None
        finally:
            response.close()
        content_type = response.headers.get("content-type", "")
        try:
            size = body.stat().st_size
            begins = _first_bytes(body, 40)
            self.evidence.add("<", f"({size} bytes of {content_type or 'unknown type'}, begins {begins!r})")
            if not is_large(size):
                found = parse_multipart(content_type, body.read_bytes(), "application/dicom")
            else:
                found = parse_multipart_file(content_type, body, "application/dicom")
            for finding in found.findings:
                self.evidence.add("#", f"multipart finding: {finding}")
            datasets = []
            for number, part in enumerate(found.parts, 1):
                try:
                    datasets.append(_read_part(part))
                except Exception as exc:
                    raise AssertionError(f"GET {path}: part {number} is not a DICOM Part 10 file: {exc}") from None
            return datasets
        finally:
            body.unlink(missing_ok=True)

    def store(self, datasets: Sequence[Dataset] | None = None, study: str | None = None, *,
              parts: Sequence[tuple[str, bytes]] | None = None, content_type: str | None = None,
              body: bytes | None = None, accept: str = DICOM_JSON,
              files: Sequence[str | os.PathLike] | None = None) -> httpx.Response:
        """STOW-RS: POST /studies[/{study}]; parts default to the data sets as application/dicom; accept: the
        media type asked for the Store Instances Response Module. files: Part 10 files sent as the parts, read
        from disk as the body goes out (for large objects)."""
        boundary = f"DH-{uuid.uuid4().hex}"
        if files:
            body = MultipartBody(boundary, [("application/dicom", Path(f)) for f in files])
        if body is None:
            chosen = parts or [("application/dicom", part10_bytes(ds)) for ds in datasets or []]
            body = b"".join(b"--" + boundary.encode() + b"\r\nContent-Type: " + media.encode() + b"\r\n\r\n"
                            + data + b"\r\n" for media, data in chosen) + b"--" + boundary.encode() + b"--\r\n"
        content_type = content_type or f'{MULTIPART_DICOM}; boundary={boundary}'
        path = f"/studies/{study}" if study else "/studies"
        return self.request("POST", path, headers={"Content-Type": content_type, "Accept": accept},
                            content=body)

    def options(self, path: str = "", accept: str = "application/vnd.sun.wadl+xml") -> httpx.Response:
        return self.request("OPTIONS", path or self.base_url, headers={"Accept": accept})

    def wado_uri(self, pairs: Sequence[tuple[str, object]], accept: str | None = None) -> httpx.Response:
        if not self.endpoint.wado_uri:
            from dicom_harness.errors import NotClaimed
            raise NotClaimed("the profile names no [dicomweb] wado_uri endpoint")
        return self.request("GET", self.endpoint.wado_uri, query=pairs,
                            headers={"Accept": accept} if accept else None)


def _spool_body(response: httpx.Response) -> Path:
    """The response's body, written to a temporary file as it arrives."""
    handle = tempfile.NamedTemporaryFile(prefix="dh-wado-", suffix=".body", delete=False)
    try:
        with handle:
            for chunk in response.iter_bytes(1024 * 1024):
                handle.write(chunk)
    except BaseException:
        os.unlink(handle.name)
        raise
    return Path(handle.name)


def _first_bytes(path: Path, count: int) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(count)


def _read_part(part) -> Dataset:
    """A Part 10 part as a data set: read from memory, or for a part left on disk (a large one) from a file of its
    own, lazily (its large values stay on disk until used; `dataset.filename` is the file, removed when the data
    set is collected, or at exit)."""
    if not isinstance(part, FilePart):
        return read_part10(part.content)
    handle = tempfile.NamedTemporaryFile(prefix="dh-wado-", suffix=".dcm", delete=False)
    handle.close()
    kept = Path(handle.name)
    try:
        part.copy_to(kept)
    except BaseException:
        kept.unlink(missing_ok=True)
        raise
    return read_lazily(kept)


def _tls_context(endpoint: WebEndpoint) -> ssl.SSLContext:
    """One verifying TLS context for all clients (loading the CA bundle costs ~50 ms a time): the profile's
    [dicomweb] ca / cert / key, verification on unless it says verify = false."""
    return endpoint.tls_files.client_context()


def expect_json_array(response: httpx.Response) -> list[dict]:
    try:
        data = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"expected a DICOM JSON array, observed {response.content[:120]!r}") from None
    assert isinstance(data, list), f"expected a JSON array of results (PS3.18 F.2.1), observed {type(data).__name__}"
    return data


class _Bearer(httpx.Auth):
    def __init__(self, token: str):
        self.token = token

    def auth_flow(self, request):
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


def study_paths(ds: Dataset) -> dict[str, str]:
    """The retrieve paths of an instance at each level."""
    study = f"/studies/{ds.StudyInstanceUID}"
    series = f"{study}/series/{ds.SeriesInstanceUID}"
    return {"study": study, "series": series, "instance": f"{series}/instances/{ds.SOPInstanceUID}"}


class WebStudy:
    """A small study put in the target for the DICOMweb suites: series A with two CR images (96 rows, 80
    columns: not square, so a swap shows), series B with
    one multi-frame image. Stored one instance per request (by STOW-RS, or by C-STORE when the target
    claims DIMSE storage but not STOW), so a store fault that loses later parts does not touch it."""

    def __init__(self, factory):
        self.context = factory.study()
        first = factory.make("CR", study=self.context)
        second = factory.make("CR", study=self.context, series_uid=first.SeriesInstanceUID)
        second.InstanceNumber = 2
        self.images = [first, second]
        self.multiframe = factory.make("MF", study=self.context)
        self.instances = [first, second, self.multiframe]
        # Another patient's study beside it, so a search that ignores a study or patient filter shows.
        self.neighbour = factory.make("SC")

    @property
    def uid(self) -> str:
        return str(self.context.StudyInstanceUID)

    def put_into(self, target, evidence: Evidence) -> "WebStudy":
        from dicom_harness.errors import NotClaimed
        if target.dicomweb is None:
            raise NotClaimed("the target has no DICOMweb endpoint")
        if target.claims.offers("stow"):
            client = DicomWebClient(target.dicomweb, evidence)
            try:
                for ds in [*self.instances, self.neighbour]:
                    response = client.store([ds])
                    assert response.status_code == 200, (
                        f"setup: STOW-RS of one instance answered {response.status_code}: {response.text[:200]}")
            finally:
                client.close()
        elif target.claims.offers("storage") and target.dimse is not None:
            from dicom_harness.clients.dimse import DimseClient
            dimse = DimseClient(target, evidence)
            for ds in [*self.instances, self.neighbour]:
                assert dimse.store(ds).ok, "setup: C-STORE of a test instance failed"
        else:
            raise NotClaimed("the target claims neither STOW-RS nor DIMSE storage, so test data cannot be put in")
        return self


NATIVE_NAMESPACE = "{http://dicom.nema.org/PS3.19/models/NativeDICOM}"


def native_dicom_attributes(part: bytes) -> dict:
    """One multipart part holding a Native DICOM Model document (PS3.19 A.1) -> {tag: DicomAttribute element};
    an AssertionError (FAIL) when it is not one."""
    import xml.etree.ElementTree as ElementTree
    try:
        root = ElementTree.fromstring(part)
    except ElementTree.ParseError as exc:
        raise AssertionError(f"the part is not XML: {exc}; begins {part[:80]!r}") from None
    assert root.tag in (f"{NATIVE_NAMESPACE}NativeDicomModel", "NativeDicomModel"), (
        f"root element: expected NativeDicomModel, observed {root.tag}")
    return {a.get("tag", "").upper(): a for a in root.iter() if a.tag.endswith("DicomAttribute")}


def native_values(attribute) -> list | None:
    """The Value texts of a DicomAttribute element; None when the attribute is absent."""
    return [v.text for v in attribute.iter() if v.tag.endswith("Value")] if attribute is not None else None
