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


def parse_accept(header: str | None, accept_query: list[str] | None = None) -> list[MediaRange]:
    """Media ranges, best first. The accept query parameter (8.3.3.1) overrides the header."""
    text = ",".join(accept_query) if accept_query else (header or "*/*")
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
    return sorted(ranges, key=lambda r: -r.q)


def request_ranges(request) -> list[MediaRange]:
    """The media ranges a Starlette request accepts: its accept query parameter (PS3.18 8.3.3.1) or header."""
    accept_qp = [v for k, v in request.query_params.multi_items() if k == "accept"]
    return parse_accept(request.headers.get("accept"), accept_qp)


def _type_matches(wanted: str, offered: str) -> bool:
    if wanted in ("*/*", "*"):
        return True
    if wanted.endswith("/*"):
        return offered.startswith(wanted[:-1])
    return wanted == offered


def choose(ranges: list[MediaRange], offers: list[Offer]) -> tuple[Offer, MediaRange] | None:
    """The first offer the best media range accepts; None means 406."""
    for media_range in ranges:
        for offer in offers:
            if not _type_matches(media_range.media, offer.media):
                continue
            if offer.part_type is not None and media_range.media == offer.media:
                wanted_type = media_range.params.get("type")
                if wanted_type is not None and not _type_matches(wanted_type.lower(), offer.part_type):
                    continue
            return offer, media_range
    return None
