"""What the DICOMweb user-agent tests share: which recorded requests are searches, retrieves and stores (by the
resource path's tail, PS3.18 Tables 10.4.1-1, 10.5.1-1 and 10.6.1-1, whatever the base URL), the media type
grammar (PS3.18 8.7, RFC 7231 3.1.1.1 and 5.3.2), the query component split as it arrived, and the parts of a
multipart/related body."""

from __future__ import annotations

import re
from urllib.parse import unquote

from dicom_harness.testing import NotVerified

_UID = r"[^/]+"
SEARCH = re.compile(rf"/(studies|series|instances)$|/studies/{_UID}/(series|instances)$"
                    rf"|/studies/{_UID}/series/{_UID}/instances$")
RETRIEVE = re.compile(rf"/studies/{_UID}(/series/{_UID}(/instances/{_UID})?)?"
                      r"(/(metadata|rendered|thumbnail|frames/[^/]+(/rendered|/thumbnail)?|bulkdata/.+))?$")
STORE = re.compile(rf"/studies(/{_UID})?$")

# UPS-RS (PS3.18 Table 11.1-1 and 11.2-x): Search for Workitems, Retrieve, Update and Change State of a Workitem
WORKLIST = re.compile(r"/workitems$")
WORKITEM = re.compile(rf"/workitems/({_UID})$")
WORKITEM_STATE = re.compile(rf"/workitems/({_UID})/state$")

KINDS = {"search": ("GET", SEARCH), "retrieve": ("GET", RETRIEVE), "store": ("POST", STORE),
         "ups-search": ("GET", WORKLIST), "ups-retrieve": ("GET", WORKITEM), "ups-update": ("POST", WORKITEM),
         "ups-state": ("PUT", WORKITEM_STATE)}
WHAT = {"search": "QIDO-RS search", "retrieve": "WADO-RS retrieve", "store": "STOW-RS store",
        "ups-search": "Search for Workitems", "ups-retrieve": "Retrieve Workitem", "ups-update": "Update Workitem",
        "ups-state": "Change Workitem State"}


def requests_of(recording, kind: str) -> list:
    """The recorded requests of one kind: 'search', 'retrieve', 'store', or a UPS-RS one ('ups-search',
    'ups-retrieve', 'ups-update', 'ups-state')."""
    method, pattern = KINDS[kind]
    found = []
    for request in recording.requests:
        path = request.path.rstrip("/")
        if request.method != method or not pattern.search(path):
            continue
        if kind == "retrieve" and SEARCH.search(path):
            continue
        found.append(request)
    return found


def received_requests(recording, kind: str, evidence) -> list:
    """Every request of the kind the product sent, each noted in the evidence; NOT VERIFIED when none came."""
    found = requests_of(recording, kind)
    if not found:
        raise NotVerified(f"no {WHAT[kind]} arrived while listening, so there is nothing to judge")
    for request in found:
        evidence.add("<", request.describe())
    return found


# -- media types (RFC 7230 3.2.6, RFC 7231 3.1.1.1 and 5.3.2) -------------------------------------------------
TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
QUOTED = r'"(?:[^"\\]|\\.)*"'
_PARAMETER = re.compile(rf"\s*;\s*({TOKEN})=({TOKEN}|{QUOTED})")
_RANGE = re.compile(rf"\s*({TOKEN})/({TOKEN})")
QVALUE = re.compile(r"(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$")


class MediaTypeError(ValueError):
    pass


def parse_media_range(text: str) -> tuple[str, dict[str, str]]:
    """'multipart/related; type="application/dicom"' -> ('multipart/related', {'type': 'application/dicom'});
    MediaTypeError saying where the syntax breaks."""
    match = _RANGE.match(text)
    if not match:
        raise MediaTypeError(f"{text.strip()!r} does not start with type/subtype")
    media = f"{match.group(1)}/{match.group(2)}".lower()
    parameters: dict[str, str] = {}
    rest = text[match.end():]
    while rest.strip():
        found = _PARAMETER.match(rest)
        if not found:
            raise MediaTypeError(f"{text.strip()!r}: {rest.strip()!r} is not a parameter name=token or "
                                 "name=\"quoted string\"")
        name, value = found.group(1).lower(), found.group(2)
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        elif name == "q" and not QVALUE.match(value):
            raise MediaTypeError(f"{text.strip()!r}: q={value} is not a qvalue between 0 and 1")
        parameters[name] = value
        rest = rest[found.end():]
    return media, parameters


def split_list(value: str) -> list[str]:
    """A header field's comma-separated list, commas inside quoted strings kept."""
    items, current, quoted, escaped = [], [], False, False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            items.append("".join(current))
            current = []
            continue
        current.append(char)
    items.append("".join(current))
    return [item for item in items if item.strip()]


def accept_problems(request) -> list[str]:
    """Why a request's Accept header field falls short of PS3.18 8.4.1.1: absent, or a media range that is not
    valid RFC 7231 syntax."""
    accept = request.header("accept")
    if accept is None:
        return [f"request {request.number} ({request.method} {request.path}): no Accept header field"]
    problems = []
    for item in split_list(accept):
        try:
            parse_media_range(item)
        except MediaTypeError as exc:
            problems.append(f"request {request.number}: Accept {exc}")
    return problems


# -- the query component as it arrived ------------------------------------------------------------------------
def parameters(request) -> list[tuple[str, str, str]]:
    """[(name decoded, raw name, raw value)] of a request's query component, in order."""
    found = []
    for item in request.query.split("&"):
        if not item:
            continue
        name, _, value = item.partition("=")
        found.append((unquote(name), name, value))
    return found


# -- multipart/related bodies ---------------------------------------------------------------------------------
def body_parts(body: bytes, boundary: str) -> list[tuple[dict[str, str], bytes]]:
    """[(header fields, content)] of each part of a multipart body (RFC 2046 5.1.1); ValueError when the body has
    no delimiter line or no close delimiter."""
    delimiter = b"--" + boundary.encode("latin-1")
    if not (body.startswith(delimiter) or b"\r\n" + delimiter in body):
        raise ValueError(f"the body has no delimiter line --{boundary}")
    chunks = re.split(b"(?:^|\r\n)" + re.escape(delimiter), body)[1:]
    parts = []
    for chunk in chunks:
        if chunk.startswith(b"--"):
            return parts
        head, _, content = chunk.partition(b"\r\n\r\n")
        headers = {}
        for line in head.split(b"\r\n"):
            name, sep, value = line.decode("latin-1").partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        parts.append((headers, content))
    raise ValueError(f"the body has no close delimiter --{boundary}--")
