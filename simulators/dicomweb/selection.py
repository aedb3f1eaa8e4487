"""The Selected Media Type of a WADO-RS retrieve (PS3.18 8.7.8.1): the media types of the accept Query Parameter
first (step 2), then the Accept header field (step 3), each set prioritized on its own; within a set, "Assign each
representation supported by the origin server the qvalue of the most specific media type that it matches" and
"Select the representation with the highest qvalue" (a tie: the range listed first, then the first offer)."""

from __future__ import annotations

from collections.abc import Callable

from dicom_harness.simulators.dicomweb.negotiation import (  # noqa: F401 (KNOWN_PARAMETERS: for app.py)
    KNOWN_PARAMETERS,
    MediaRange,
    Offer,
    _type_matches,
    parse_accept,
)


def accept_sets(request, *, by_q: bool = True, query_only: bool = False) -> list[list[MediaRange]]:
    """The accept Query Parameter's media types and the Accept header's media ranges, as two sets (a missing
    header counts as */*). query_only=True is a fault: the header is not consulted when the parameter is given."""
    values = [v for k, v in request.query_params.multi_items() if k == "accept"]
    query = parse_accept(",".join(values), by_q=by_q) if values else []
    header = parse_accept(request.headers.get("accept"), by_q=by_q)
    return [query] if query and query_only else [query, header]


def _matches(media_range: MediaRange, offer: Offer) -> bool:
    if not _type_matches(media_range.media, offer.media):
        return False
    if offer.part_type is not None and media_range.media == offer.media:
        wanted = media_range.params.get("type")
        return wanted is None or _type_matches(wanted.lower(), offer.part_type)
    return True


def _specificity(media_range: MediaRange) -> int:
    """*/* < type/* < type/subtype (RFC 7231 5.3.2: more specific ranges override less specific ones)."""
    if media_range.media in ("*/*", "*"):
        return 0
    return 1 if media_range.media.endswith("/*") else 2


def select(sets: list[list[MediaRange]], offers: list[Offer], *, usable: Callable[[MediaRange], bool] = lambda r: True,
           use_q: bool = True) -> tuple[Offer, MediaRange] | None:
    """The offer with the highest qvalue of its most specific matching range, in the first set where any offer
    matches; None: nothing is acceptable (406). use_q=False is a fault (q values ignored: listed order wins)."""
    for ranges in sets:
        best = None
        for offer_index, offer in enumerate(offers):
            candidates = [(_specificity(r), -index, r) for index, r in enumerate(ranges) if usable(r) and _matches(r, offer)]
            if not candidates:
                continue
            _, negative_index, chosen = max(candidates, key=lambda c: (c[0], c[1]))
            key = (chosen.q if use_q else 1.0, negative_index, -offer_index)
            if best is None or key > best[0]:
                best = (key, offer, chosen)
        if best is not None:
            return best[1], best[2]
    return None
