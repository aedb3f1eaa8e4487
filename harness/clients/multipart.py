"""A strict multipart/related parser (RFC 2046 5.1, RFC 2387, PS3.18 8.6.1.2 and 8.7.1) that judges the
wire format while it reads: every departure from the syntax is a finding, with the bytes it saw.

Parts are returned even when findings exist, so a test can check content and format separately."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

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


def _check_envelope(content_type: str, expected_type: str | None) -> tuple[Multipart, bytes | None, str | None]:
    """The Content-Type's findings; (result, the delimiter or None when there is no boundary, the type param)."""
    media, params = parse_media_type(content_type or "")
    result = Multipart(media, params)
    findings = result.findings
    if media != "multipart/related":
        findings.append(f"Content-Type is {content_type!r}, not multipart/related")
    boundary = params.get("boundary")
    if not boundary:
        findings.append(f"Content-Type {content_type!r} has no boundary parameter")
        return result, None, None
    if not BOUNDARY.match(boundary):
        findings.append(f"boundary {boundary!r} breaks RFC 2046 (1-70 bchars, no trailing space)")
    part_type = params.get("type")
    if not part_type:
        findings.append(f"Content-Type {content_type!r} has no type parameter (RFC 2387, PS3.18 8.7.1)")
    elif expected_type and parse_media_type(part_type)[0] != expected_type:
        findings.append(f"type parameter is {part_type!r}, the request asked for {expected_type!r}")
    return result, b"--" + boundary.encode("latin-1"), part_type


def _read_segments(result: Multipart, part_type: str | None, heads: list[bytes], make_part) -> None:
    """Judge the segments between delimiters (each given by its first bytes, all of its headers) and add their
    parts: make_part(index, headers, offset of the content in the segment) -> Part."""
    findings = result.findings
    closed = False
    for index, segment in enumerate(heads):
        if segment.startswith(b"--"):
            closed = True
            if index != len(heads) - 1:
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
            header_block, content_at = b"", line_end + 4
        else:
            end = rest.find(CRLF + CRLF)
            if end < 0:
                findings.append(f"part {index + 1} has no blank line after its headers")
                break
            header_block, content_at = rest[:end], line_end + 2 + end + 4
        headers = {}
        for line in header_block.decode("latin-1").split("\r\n"):
            name, sep, value = line.partition(":")
            if not sep or not name.strip():
                findings.append(f"part {index + 1} has a malformed header line {line[:60]!r}")
                continue
            headers[name.strip().lower()] = value.strip()
        part = make_part(index, headers, content_at)
        result.parts.append(part)
        if "content-type" not in headers:
            findings.append(f"part {index + 1} has no Content-Type header (PS3.18 8.6.1.2)")
        elif part_type and part.media_type != parse_media_type(part_type)[0]:
            findings.append(f"part {index + 1} Content-Type {part.content_type!r} differs from the type "
                            f"parameter {part_type!r}")
    if not closed:
        findings.append("the body has no closing delimiter (--boundary--)")


def parse_multipart(content_type: str, body: bytes, expected_type: str | None = None) -> Multipart:
    """Parse a multipart/related body; expected_type is the part media type the request asked for."""
    result, delimiter, part_type = _check_envelope(content_type, expected_type)
    if delimiter is None:
        return result
    if body.startswith(delimiter):
        position = 0
    else:
        position = body.find(CRLF + delimiter)
        if position < 0:
            result.findings.append(f"no boundary delimiter {delimiter[:80]!r} in the body ({len(body)} bytes, "
                                   f"begins {body[:60]!r})")
            return result
        position += 2
    segments = body[position + len(delimiter):].split(CRLF + delimiter)
    _read_segments(result, part_type, segments,
                   lambda index, headers, at: Part(headers, segments[index][at:]))
    return result


# -- a body on disk: the same reading, the parts left in the file -----------------------------------------------
HEAD_BYTES = 64 * 1024      # a part's headers must fit in its first 64 KiB to be read from a file


class FilePart(Part):
    """A part whose content stays in a file, from `start` to `end`; `content` reads it (all of it)."""

    def __init__(self, headers: dict[str, str], path: Path, start: int, end: int):
        self.headers, self.path, self.start, self.end = headers, path, start, end

    @property
    def size(self) -> int:
        return self.end - self.start

    @property
    def content(self) -> bytes:
        with open(self.path, "rb") as handle:
            handle.seek(self.start)
            return handle.read(self.size)

    def copy_to(self, target: Path) -> None:
        """Write the content to its own file, in the kernel (no copy in memory)."""
        with open(self.path, "rb") as source, open(target, "wb") as sink:
            done = 0
            while done < self.size:
                copied = os.copy_file_range(source.fileno(), sink.fileno(), self.size - done,
                                            offset_src=self.start + done)
                if copied <= 0:
                    raise OSError(f"copy of a multipart part stopped at {done} of {self.size} bytes")
                done += copied

    def __repr__(self) -> str:
        return f"FilePart({self.headers!r}, {self.path}, {self.start}..{self.end})"


def _find_all(path: Path, needle: bytes) -> list[int]:
    """Offsets of the non-overlapping occurrences of needle in the file, read 1 MiB at a time."""
    found, base, window = [], 0, b""
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            window += chunk
            at = window.find(needle, max(0, found[-1] + len(needle) - base) if found else 0)
            while at >= 0:
                found.append(base + at)
                at = window.find(needle, at + len(needle))
            drop = max(0, len(window) - (len(needle) - 1))
            base, window = base + drop, window[drop:]
    return found


def parse_multipart_file(content_type: str, path: Path, expected_type: str | None = None) -> Multipart:
    """parse_multipart for a body written to a file: the same findings; the parts are FileParts."""
    result, delimiter, part_type = _check_envelope(content_type, expected_type)
    if delimiter is None:
        return result
    size = path.stat().st_size
    with open(path, "rb") as handle:
        begins = handle.read(max(60, len(delimiter)))
    separator = CRLF + delimiter
    # the body read as CRLF + body: a delimiter at the very start is then one like the others
    # where each separator (CRLF, delimiter) starts; a delimiter at the very start of the body counts as one
    # whose CRLF is before the body (parse_multipart's split, read as offsets)
    positions = ([-2] if begins.startswith(delimiter) else []) + _find_all(path, separator)
    if not positions:
        result.findings.append(f"no boundary delimiter {delimiter[:80]!r} in the body ({size} bytes, "
                               f"begins {begins[:60]!r})")
        return result
    starts = [p + len(separator) for p in positions]
    ends = positions[1:] + [size]
    heads = []
    with open(path, "rb") as handle:
        for start, end in zip(starts, ends):
            handle.seek(start)
            heads.append(handle.read(min(end - start, HEAD_BYTES)))
    _read_segments(result, part_type, heads,
                   lambda index, headers, at: FilePart(headers, path, starts[index] + at, ends[index]))
    return result


# -- a body to send, read from files as it goes ---------------------------------------------------------------
class MultipartBody:
    """A multipart/related body made of parts given as bytes or as files (read 1 MiB at a time while it is sent);
    len() is its size, for a Content-Length."""

    def __init__(self, boundary: str, parts: list[tuple[str, bytes | Path]]):
        self.delimiter = b"--" + boundary.encode()
        self.parts = parts

    def _header(self, media: str) -> bytes:
        return self.delimiter + b"\r\nContent-Type: " + media.encode() + b"\r\n\r\n"

    def __len__(self) -> int:
        return sum(len(self._header(media)) + (content.stat().st_size if isinstance(content, Path) else len(content))
                   + 2 for media, content in self.parts) + len(self.delimiter) + 4

    def __iter__(self):
        for media, content in self.parts:
            yield self._header(media)
            if isinstance(content, Path):
                with open(content, "rb") as handle:
                    while chunk := handle.read(1024 * 1024):
                        yield chunk
            else:
                yield content
            yield CRLF
        yield self.delimiter + b"--\r\n"
