"""Content negotiation (PS3.18 8.7.5 to 8.7.8): Accept media ranges against what a resource offers."""

from __future__ import annotations

from dataclasses import dataclass

from dicom_harness.simulators.dicomweb.multipart import _split_outside_quotes, parse_media_type


@dataclass(frozen=True)
class MediaRange:
    media: str
    params: dict
    q: float


@dataclass(frozen=True)
class Offer:
    media: str                      # e.g. multipart/related, image/jpeg
    part_type: str | None = None    # the type parameter of a multipart offer


def parse_accept(header: str | None, accept_query: list[str] | None = None, *, by_q: bool = True,
                 query_only: bool = False) -> list[MediaRange]:
    """Media ranges, best first: those of the accept query parameter (8.3.3.1), then those of the header, each
    set prioritized by its q values on its own (8.7.8.1: "shall each be separately prioritized"; steps 2 and 3
    try the query parameter first). A missing header counts as */* here (has_accept_header tells them apart).
    by_q=False and query_only=True are the ways a faulty simulator breaks this (simulators/faults.py)."""
    query = _ranges(",".join(accept_query), by_q) if accept_query else []
    if query and query_only:
        return query
    return query + _ranges(header or "*/*", by_q)


def _ranges(text: str, by_q: bool) -> list[MediaRange]:
    ranges = []
    for item in _split_outside_quotes(text, ","):
        if not item.strip():
            continue
        media, params = parse_media_type(item)
        try:
            q = float(params.pop("q", "1"))
        except ValueError:
            q = 1.0
        if q > 0:
            ranges.append(MediaRange(media, params, q))
    return sorted(ranges, key=lambda r: -r.q) if by_q else ranges


def request_ranges(request, *, by_q: bool = True, query_only: bool = False) -> list[MediaRange]:
    """The media ranges a Starlette request accepts: its accept query parameter (PS3.18 8.3.3.1), then header."""
    accept_qp = [v for k, v in request.query_params.multi_items() if k == "accept"]
    return parse_accept(request.headers.get("accept"), accept_qp, by_q=by_q, query_only=query_only)


def has_accept_header(request) -> bool:
    """PS3.18 8.7.5: "The Accept header field, which shall be present." (a missing one is not */*)."""
    return "accept" in request.headers


# PS3.18 8.7.4: the Rendered Media Types (a transfer-syntax parameter makes an image type a DICOM one, 8.7.3.3)
RENDERED_PREFIXES = ("image/", "video/")
RENDERED_TYPES = {"application/pdf", "text/html", "text/plain", "text/rtf", "text/xml", "application/cda+xml"}
# PS3.18 8.7.3: the DICOM Media Types and the multipart/related wrapper they travel in
DICOM_TYPES = {"application/dicom", "application/dicom+json", "application/dicom+xml", "application/json",
               "application/octet-stream", "multipart/related"}


def mixes_dicom_and_rendered(ranges: list[MediaRange]) -> bool:
    """PS3.18 8.7.5: "If the Acceptable Media Types contains both DICOM and Rendered Media Types, the origin
    server shall return 400 (Bad Request)." Wildcard ranges (*/*) are neither."""
    dicom = any(r.media in DICOM_TYPES or "transfer-syntax" in r.params for r in ranges)
    rendered = any((r.media.startswith(RENDERED_PREFIXES) or r.media in RENDERED_TYPES)
                   and "transfer-syntax" not in r.params for r in ranges)
    return dicom and rendered


def _type_matches(wanted: str, offered: str) -> bool:
    if wanted in ("*/*", "*"):
        return True
    if wanted.endswith("/*"):
        return offered.startswith(wanted[:-1])
    return wanted == offered


# The media type parameters a range may carry here; any other is ignored (PS3.18 8.7.7)
KNOWN_PARAMETERS = {"type", "transfer-syntax", "charset"}


def choose(ranges: list[MediaRange], offers: list[Offer], *, unknown_parameters_refused: bool = False,
           charset_refused: bool = False) -> tuple[Offer, MediaRange] | None:
    """The first offer the best media range accepts; None means 406. The keyword switches are faults."""
    for media_range in ranges:
        if unknown_parameters_refused and set(media_range.params) - KNOWN_PARAMETERS:
            continue
        if charset_refused and "charset" in media_range.params:
            continue
        for offer in offers:
            if not _type_matches(media_range.media, offer.media):
                continue
            if offer.part_type is not None and media_range.media == offer.media:
                wanted_type = media_range.params.get("type")
                if wanted_type is not None and not _type_matches(wanted_type.lower(), offer.part_type):
                    continue
            return offer, media_range
    return None
