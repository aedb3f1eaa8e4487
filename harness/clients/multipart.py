"""A strict multipart/related parser (RFC 2046 5.1, RFC 2387, PS3.18 8.6.1.2 and 8.7.1) that judges the
wire format while it reads: every departure from the syntax is a finding, with the bytes it saw.

Parts are returned even when findings exist, so a test can check content and format separately."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CRLF = b"\r\n"
# RFC 2046 5.1.1: bchars, 1 to 70 of them, not ending in a space
BOUNDARY = re.compile(r"^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$")


def parse_media_type(value: str) -> tuple[str, dict[str, str]]:
    """'multipart/related; type="application/dicom"; boundary=x' -> ('multipart/related', {'type': ..})."""
    pieces, current, quoted = [], "", False
    for char in value:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            pieces.append(current)
            current = ""
        else:
            current += char
    pieces.append(current)
    params = {}
    for piece in pieces[1:]:
        name, sep, raw = piece.partition("=")
        if sep:
            raw = raw.strip()
            if len(raw) >= 2 and raw[0] == raw[-1] == '"':
                raw = raw[1:-1]
            params[name.strip().lower()] = raw
    return pieces[0].strip().lower(), params


@dataclass
class Part:
    headers: dict[str, str]
    content: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def media_type(self) -> str:
        return parse_media_type(self.content_type)[0]

    @property
    def params(self) -> dict[str, str]:
        return parse_media_type(self.content_type)[1]


@dataclass
class Multipart:
    media_type: str
    params: dict[str, str]
    parts: list[Part] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)

    def assert_well_formed(self) -> None:
        assert not self.findings, "multipart/related wire format: " + "; ".join(self.findings)


def parse_multipart(content_type: str, body: bytes, expected_type: str | None = None) -> Multipart:
    """Parse a multipart/related body; expected_type is the part media type the request asked for."""
    media, params = parse_media_type(content_type or "")
    result = Multipart(media, params)
    findings = result.findings
    if media != "multipart/related":
        findings.append(f"Content-Type is {content_type!r}, not multipart/related")
    boundary = params.get("boundary")
    if not boundary:
        findings.append(f"Content-Type {content_type!r} has no boundary parameter")
        return result
    if not BOUNDARY.match(boundary):
        findings.append(f"boundary {boundary!r} breaks RFC 2046 (1-70 bchars, no trailing space)")
    part_type = params.get("type")
    if not part_type:
        findings.append(f"Content-Type {content_type!r} has no type parameter (RFC 2387, PS3.18 8.7.1)")
    elif expected_type and parse_media_type(part_type)[0] != expected_type:
        findings.append(f"type parameter is {part_type!r}, the request asked for {expected_type!r}")
    delimiter = b"--" + boundary.encode("latin-1")
    if body.startswith(delimiter):
        position = 0
    else:
        position = body.find(CRLF + delimiter)
        if position < 0:
            findings.append(f"no boundary delimiter {delimiter[:80]!r} in the body ({len(body)} bytes, "
                            f"begins {body[:60]!r})")
            return result
        position += 2
    segments = body[position + len(delimiter):].split(CRLF + delimiter)
    closed = False
    for index, segment in enumerate(segments):
        if segment.startswith(b"--"):
            closed = True
            if index != len(segments) - 1:
                findings.append("content after the closing delimiter contains the boundary again")
            break
        line_end = segment.find(CRLF)
        if line_end < 0:
            findings.append(f"delimiter of part {index + 1} is not followed by CRLF")
            break
        if segment[:line_end].strip(b" \t"):
            findings.append(f"delimiter of part {index + 1} is followed by {segment[:line_end][:40]!r}")
        rest = segment[line_end + 2:]
        if rest.startswith(CRLF):
            header_block, content = b"", rest[2:]
        else:
            end = rest.find(CRLF + CRLF)
            if end < 0:
                findings.append(f"part {index + 1} has no blank line after its headers")
                break
            header_block, content = rest[:end], rest[end + 4:]
        headers = {}
        for line in header_block.decode("latin-1").split("\r\n"):
            name, sep, value = line.partition(":")
            if not sep or not name.strip():
                findings.append(f"part {index + 1} has a malformed header line {line[:60]!r}")
                continue
            headers[name.strip().lower()] = value.strip()
        part = Part(headers, content)
        result.parts.append(part)
        if "content-type" not in headers:
            findings.append(f"part {index + 1} has no Content-Type header (PS3.18 8.6.1.2)")
        elif part_type and part.media_type != parse_media_type(part_type)[0]:
            findings.append(f"part {index + 1} Content-Type {part.content_type!r} differs from the type "
                            f"parameter {part_type!r}")
    if not closed:
        findings.append("the body has no closing delimiter (--boundary--)")
    return result
