"""How to send the pixel data of a Frames or Bulk Data resource (PS3.18 8.7.3.3): as the stored compressed octet
stream in its own media type with the transfer-syntax parameter, or decoded to Explicit VR Little Endian as
application/octet-stream, whichever the best acceptable media range allows. None: nothing acceptable can be made
(406)."""

from __future__ import annotations

from dataclasses import dataclass

from dicom_harness.simulators.dicomweb.instances import COMPRESSED_MEDIA, MEDIA_ALIASES, OCTET
from dicom_harness.simulators.dicomweb.negotiation import MediaRange

EXPLICIT_VR_LE = "1.2.840.10008.1.2.1"
WILDCARDS = {"*/*", "*", "image/*"}


@dataclass(frozen=True)
class PixelAnswer:
    media: str              # the media type of the part (or of the single-part body)
    syntax: str             # the Transfer Syntax of the bytes sent
    compressed: bool        # True: the stored compressed stream; False: native (decoded when stored compressed)
    multipart: bool

    @property
    def content_type(self) -> str:
        """The part's Content-Type (PS3.18 8.7.9): a compressed one names its Transfer Syntax."""
        return f"{self.media}; transfer-syntax={self.syntax}" if self.compressed else self.media


def choose_pixels(ranges: list[MediaRange], stored: str, *, decodable: bool, single_part: bool) -> PixelAnswer | None:
    """The answer for the first media range (best first) that one of the two forms satisfies.

    stored: the instance's Transfer Syntax UID; decodable: we can decode it here; single_part: the resource may be
    sent without multipart/related (Bulk Data), else only multipart (Frames)."""
    stored_media = COMPRESSED_MEDIA.get(stored)
    for media_range in ranges:
        media = media_range.media.lower()
        if media == "multipart/related":
            multipart, part = True, (media_range.params.get("type") or OCTET).lower()
        elif media in ("*/*", "*"):
            multipart, part = True, "*/*"
        elif single_part:
            multipart, part = False, media
        else:
            continue
        part = MEDIA_ALIASES.get(part, part)
        syntax = media_range.params.get("transfer-syntax")
        answer = _form(part, syntax, stored, stored_media, decodable)
        if answer is not None:
            return PixelAnswer(answer[0], answer[1], answer[2], multipart)
    return None


def _form(part: str, syntax: str | None, stored: str, stored_media: str | None,
          decodable: bool) -> tuple[str, str, bool] | None:
    native = (OCTET, EXPLICIT_VR_LE, False)
    if stored_media is None:                        # stored uncompressed: native bytes are all we send
        if (part == OCTET or part in WILDCARDS) and syntax in (None, "*", EXPLICIT_VR_LE, stored):
            return native
        return None
    as_stored = (stored_media, stored, True)
    if part == stored_media:                        # image/jpeg and so on: the stored stream, if the syntax fits
        return as_stored if syntax in (None, "*", stored) else None
    if part == OCTET:
        if syntax == "*":                           # 8.7.3.5.2: "respond without needing to transcode"
            return as_stored
        if syntax in (None, EXPLICIT_VR_LE):        # 8.7.3.3: Explicit VR Little Endian when none is named
            return native if decodable else None
        return as_stored if syntax == stored else None
    if part in WILDCARDS:
        if syntax in ("*", stored) or not decodable:
            return as_stored
        return native if syntax in (None, EXPLICIT_VR_LE) else None
    return None
