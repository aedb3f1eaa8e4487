"""multipart/related on the server side (RFC 2387, PS3.18 8.6.1.2): a streaming reader for request bodies
and a streaming writer for responses. Neither holds a whole part in memory."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field

CRLF = b"\r\n"
CHUNK = 64 * 1024


class MultipartError(ValueError):
    """The body is not well-formed multipart."""


def parse_media_type(value: str) -> tuple[str, dict[str, str]]:
    """'multipart/related; type="application/dicom"; boundary=x' -> ('multipart/related', {...})."""
    parts = _split_outside_quotes(value, ";")
    media = parts[0].strip().lower()
    params: dict[str, str] = {}
    for item in parts[1:]:
        name, sep, raw = item.partition("=")
        if not sep:
            continue
        raw = raw.strip()
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = raw[1:-1].replace('\\"', '"')
        params[name.strip().lower()] = raw
    return media, params


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    found, current, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            found.append("".join(current))
            current = []
        else:
            current.append(char)
    found.append("".join(current))
    return found


@dataclass
class ReceivedPart:
    headers: dict[str, str] = field(default_factory=dict)
    path: str = ""
    size: int = 0
    held: bytearray | None = None       # the content while it is kept in memory (read_parts in_memory)

    def write_file(self) -> None:
        """Write content held in memory to the part's file (nothing to do when it went there as it arrived)."""
        if self.held is not None:
            handle = open(self.path, "wb")
            try:
                handle.write(self.held)
            finally:
                handle.close()
            self.held = None


async def read_parts(chunks: AsyncIterator[bytes], boundary: str,
                     new_path: Callable[[], str], in_memory: int = 0) -> list[ReceivedPart]:
    """Read a multipart body chunk by chunk; each part's content goes to its own file at new_path(). in_memory:
    up to this many bytes of the body's parts stay in memory until ReceivedPart.write_file (so their files are
    created where blocking is harmless: creating a file can wait for the file system's journal); the parts past
    that go to their files as they arrive."""
    budget = [in_memory]        # what memory may still hold
    delimiter = b"--" + boundary.encode("latin-1")
    body_delimiter = CRLF + delimiter
    buffer = b""
    parts: list[ReceivedPart] = []
    state = "preamble"
    sink = None
    current: ReceivedPart | None = None
    finished = False
    try:
        async for chunk in chunks:
            buffer += chunk
            while True:
                if state == "preamble":
                    at = buffer.find(delimiter)
                    if at < 0:
                        buffer = buffer[-len(delimiter):]
                        break
                    buffer = buffer[at + len(delimiter):]
                    state = "after-delimiter"
                if state == "after-delimiter":
                    if len(buffer) < 2:
                        break
                    if buffer.startswith(b"--"):
                        finished = True
                        state = "epilogue"
                        break
                    line_end = buffer.find(CRLF)
                    if line_end < 0:
                        break
                    if buffer[:line_end].strip(b" \t"):
                        raise MultipartError("text after a boundary delimiter")
                    buffer = buffer[line_end + 2:]
                    state = "headers"
                if state == "headers":
                    end = buffer.find(CRLF + CRLF)
                    if buffer.startswith(CRLF):
                        end, header_block = 0, b""
                    elif end < 0:
                        if len(buffer) > 16384:
                            raise MultipartError("part headers longer than 16 KiB")
                        break
                    else:
                        header_block = buffer[:end]
                    current = ReceivedPart(headers=_headers(header_block), path=new_path())
                    if in_memory:
                        current.held = bytearray()
                    else:
                        sink = open(current.path, "wb")
                    parts.append(current)
                    buffer = buffer[end + (2 if end == 0 else 4):]
                    state = "body"
                if state == "body":
                    at = buffer.find(body_delimiter)
                    if at < 0:
                        keep = len(body_delimiter) - 1
                        if len(buffer) > keep:
                            sink = _write(current, sink, buffer[:-keep], budget)
                            current.size += len(buffer) - keep
                            buffer = buffer[-keep:]
                        break
                    sink = _write(current, sink, buffer[:at], budget)
                    current.size += at
                    if sink is not None:
                        sink.close()
                    sink = None
                    buffer = buffer[at + len(body_delimiter):]
                    state = "after-delimiter"
                    continue
                if state == "epilogue":
                    break
        if not finished:
            raise MultipartError("the body ends before the closing boundary delimiter")
    except BaseException:
        if sink is not None:
            sink.close()
        for part in parts:
            if part.path and os.path.exists(part.path):
                os.unlink(part.path)
        raise
    return parts


def _write(part: ReceivedPart, sink, data: bytes, budget: list[int]):
    """Add data to a part: to its memory while the body's budget[0] bytes allow, else to its file (opened, with
    what memory held, the first time). Returns the open file, or None."""
    if part.held is not None:
        if len(data) <= budget[0]:
            part.held += data
            budget[0] -= len(data)
            return None
        sink = open(part.path, "wb")
        sink.write(part.held)
        part.held = None
    sink.write(data)
    return sink


def _headers(block: bytes) -> dict[str, str]:
    headers = {}
    for line in block.decode("latin-1").split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers


def write_parts(boundary: str, parts: Iterable[tuple[dict[str, str], Iterable[bytes]]],
                coalesce: int = 4 * CHUNK) -> Iterator[bytes]:
    """Yield a multipart body: each part is (headers, chunks of content). Small pieces are joined up to about
    `coalesce` bytes before they are yielded: the server hands each yielded piece from a worker thread to the
    event loop, a cost per piece that many small instances would otherwise pay several times each."""
    delimiter = b"--" + boundary.encode("latin-1")
    pending: list[bytes] = []
    size = 0
    for headers, content in parts:
        head = delimiter + CRLF + b"".join(f"{k}: {v}".encode("latin-1") + CRLF for k, v in headers.items()) + CRLF
        for piece in _chained(head, content):
            pending.append(piece)
            size += len(piece)
            if size >= coalesce:
                yield b"".join(pending)
                pending, size = [], 0
    pending.append(delimiter + b"--" + CRLF)
    yield b"".join(pending)


def _chained(head: bytes, content: Iterable[bytes]) -> Iterator[bytes]:
    yield head
    yield from content
    yield CRLF


def file_chunks(path, start: int = 0, length: int | None = None) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        handle.seek(start)
        remaining = length
        while remaining is None or remaining > 0:
            block = handle.read(CHUNK if remaining is None else min(CHUNK, remaining))
            if not block:
                break
            if remaining is not None:
                remaining -= len(block)
            yield block
