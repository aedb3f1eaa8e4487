"""Reading stored instances for WADO: metadata as DICOM JSON, bulk data and frames by file offset,
transcoding between the uncompressed transfer syntaxes (rendering: rendering.py)."""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO
from pathlib import Path

from pydicom import dcmread
from pydicom.datadict import dictionary_VR
from pydicom.dataset import Dataset
from pydicom.uid import (
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    RLELossless,
)

from dicom_harness.simulators.dicomweb.multipart import file_chunks

BULK_VRS = {"OB", "OD", "OF", "OL", "OV", "OW", "UN"}
BULK_THRESHOLD = 1024
UNCOMPRESSED = {ImplicitVRLittleEndian, ExplicitVRLittleEndian, DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian}
# PS3.18 8.7.3: "The Implicit VR Little Endian (1.2.840.10008.1.2), and Explicit VR Big Endian (1.2.840.10008.1.2.2 -
# Retired) Transfer Syntaxes shall not be used with Web Services."
FORBIDDEN = {ImplicitVRLittleEndian, ExplicitVRBigEndian}
# What we can turn into Explicit VR Little Endian (PS3.18 8.7.3.4 note 2: every origin server can)
DECODABLE = UNCOMPRESSED | {RLELossless}
TRANSCODE_TARGETS = {ExplicitVRLittleEndian}
PIXEL_DATA = 0x7FE00010


class NotFound(LookupError):
    pass


class NotAcceptable(ValueError):
    pass


def _vr_of(raw, tag: int) -> str:
    vr = getattr(raw, "VR", None)
    if vr:
        return str(vr)
    try:
        return dictionary_VR(tag)
    except KeyError:
        return "UN"


def pixel_data_location(path: Path) -> tuple[Dataset, str | None, int, int]:
    """The data set without pixel data, and the Pixel Data element's VR, value offset and length in the
    file (length 0xFFFFFFFF: encapsulated). VR None: no pixel data, or an encoding we do not seek in."""
    with open(path, "rb") as handle:
        ds = dcmread(handle, stop_before_pixels=True, defer_size=BULK_THRESHOLD)
        start = handle.tell()
        header = handle.read(12)
    syntax = UID(ds.file_meta.TransferSyntaxUID)
    if len(header) < 8 or header[:4] != b"\xe0\x7f\x10\x00" or syntax in (DeflatedExplicitVRLittleEndian,
                                                                       ExplicitVRBigEndian):
        return ds, None, 0, 0
    if syntax.is_implicit_VR:
        return ds, "OW", start + 8, int.from_bytes(header[4:8], "little")
    return ds, header[4:6].decode("ascii"), start + 12, int.from_bytes(header[8:12], "little")


def _has_pixel_data(path: Path) -> bool:
    return "PixelData" in dcmread(path, specific_tags=["PixelData"])


def metadata(path: Path, instance_url: str, drop: tuple[str, ...] = ()) -> dict:
    """DICOM JSON of one instance (PS3.18 F.2); large binary values become BulkDataURIs, unread."""
    ds, pixel_vr, _, _ = pixel_data_location(path)
    found = {}
    for raw in ds.elements():
        tag = int(raw.tag)
        vr = _vr_of(raw, tag)
        length = getattr(raw, "length", None) or 0
        if vr in BULK_VRS and length > BULK_THRESHOLD:
            found[f"{tag:08X}"] = {"vr": vr, "BulkDataURI": f"{instance_url}/bulkdata/{tag:08X}"}
            continue
        element = ds[tag]
        if element.keyword in drop:
            continue
        found[f"{tag:08X}"] = element.to_json_dict(
            bulk_data_element_handler=None, bulk_data_threshold=10**9)
    if pixel_vr is not None or (pixel_vr is None and _has_pixel_data(path)):
        found[f"{PIXEL_DATA:08X}"] = {"vr": pixel_vr or "OW",
                                      "BulkDataURI": f"{instance_url}/bulkdata/{PIXEL_DATA:08X}"}
    return found


def bulk_value(path: Path, tag: int) -> tuple[list, int]:
    """(chunks, length) of a top-level element's value; Pixel Data streamed from its file offset."""
    if tag == PIXEL_DATA:
        _, vr, offset, length = pixel_data_location(path)
        if vr is not None and length != 0xFFFFFFFF:
            return file_chunks(path, offset, length), length
    ds = dcmread(path)
    if tag not in ds:
        raise NotFound(f"no element {tag:08X}")
    value = ds[tag].value
    data = value if isinstance(value, bytes) else bytes(value)
    return [data], len(data)


def frame_length(ds: Dataset) -> int:
    return int(ds.Rows) * int(ds.Columns) * int(ds.get("SamplesPerPixel", 1)) * int(ds.BitsAllocated) // 8


def frames(path: Path, numbers: list[int]) -> list[bytes]:
    """The bytes of frames (1-based numbers) of a native (uncompressed) instance, read by offset."""
    ds, vr, offset, length = pixel_data_location(path)
    if vr is None and not _has_pixel_data(path):
        raise NotFound("the instance has no pixel data")
    count = int(ds.get("NumberOfFrames", 1) or 1)
    bad = [n for n in numbers if not 1 <= n <= count]
    if bad:
        raise NotFound(f"frame(s) {bad} outside 1..{count}")
    size = frame_length(ds)
    if vr is not None and length != 0xFFFFFFFF:
        return [b"".join(file_chunks(path, offset + (n - 1) * size, size)) for n in numbers]
    full = dcmread(path)
    if UID(full.file_meta.TransferSyntaxUID).is_compressed:
        from pydicom.encaps import generate_frames
        every = list(generate_frames(full.PixelData, number_of_frames=count))
        return [every[n - 1] for n in numbers]
    data = full.PixelData
    return [data[(n - 1) * size:n * size] for n in numbers]


@lru_cache(maxsize=256)      # asked once for each instance of a retrieve, with the same few arguments
def choose_syntax(stored: str, wanted: str | None, *, allow_forbidden: bool = False,
                  default_as_stored: bool = False) -> str:
    """The transfer syntax to send (PS3.18 8.7.3.4, 8.7.3.5.2, 8.7.8); NotAcceptable when we cannot or may not
    make the wanted one. No parameter: Explicit VR Little Endian, the Default Transfer Syntax, unless only a
    lossy form is stored. '*': the stored syntax when it may be used with Web Services, else Explicit VR LE.
    Implicit VR Little Endian and Explicit VR Big Endian are never sent (PS3.18 8.7.3: shall not be used).

    allow_forbidden and default_as_stored are the two ways a faulty simulator breaks this (simulators/faults.py)."""
    stored = UID(stored)
    if wanted in (None, ""):
        if stored in DECODABLE and not (default_as_stored and stored not in FORBIDDEN):
            return str(ExplicitVRLittleEndian)
        return str(stored)
    if wanted == "*":
        return str(ExplicitVRLittleEndian) if stored in FORBIDDEN else str(stored)
    wanted = UID(wanted)
    if wanted in FORBIDDEN and not allow_forbidden:
        raise NotAcceptable(f"transfer syntax {wanted} shall not be used with Web Services (PS3.18 8.7.3)")
    if wanted == stored:
        return str(stored)
    if (wanted in TRANSCODE_TARGETS or (allow_forbidden and wanted == ImplicitVRLittleEndian)) and stored in DECODABLE:
        return str(wanted)
    raise NotAcceptable(f"cannot send transfer syntax {wanted} (stored as {stored})")


def part10(path: Path, stored: str, syntax: str) -> list[bytes] | None:
    """The Part 10 file in the wanted syntax: None means 'stream the file as it is'."""
    if syntax == stored:
        return None
    ds = dcmread(path)
    target = UID(syntax)
    if UID(stored).is_compressed and not target.is_compressed:
        ds.decompress(generate_instance_uid=False)
    ds.file_meta.TransferSyntaxUID = target
    buffer = BytesIO()
    ds.save_as(buffer, implicit_vr=target.is_implicit_VR, little_endian=target.is_little_endian,
               enforce_file_format=True)
    return [buffer.getvalue()]


# -- Compressed pixel data for Frames and Bulk Data resources (PS3.18 8.7.3.3) ---------------------------------------
# Table 8.7.3-5: the media type of each compressed Transfer Syntax's Bulkdata
COMPRESSED_MEDIA = {
    "1.2.840.10008.1.2.4.50": "image/jpeg", "1.2.840.10008.1.2.4.51": "image/jpeg",
    "1.2.840.10008.1.2.4.57": "image/jpeg", "1.2.840.10008.1.2.4.70": "image/jpeg",
    str(RLELossless): "image/dicom-rle",
    "1.2.840.10008.1.2.4.80": "image/jls", "1.2.840.10008.1.2.4.81": "image/jls",
    "1.2.840.10008.1.2.4.90": "image/jp2", "1.2.840.10008.1.2.4.91": "image/jp2",
    "1.2.840.10008.1.2.4.92": "image/jpx", "1.2.840.10008.1.2.4.93": "image/jpx",
}
# Names earlier editions and some viewers use for the same media types
MEDIA_ALIASES = {"image/x-dicom-rle": "image/dicom-rle", "image/x-jls": "image/jls"}
OCTET = "application/octet-stream"


def stored_syntax(path: Path) -> str:
    with open(path, "rb") as handle:
        return str(dcmread(handle, stop_before_pixels=True).file_meta.TransferSyntaxUID)


def can_decode(syntax: str) -> bool:
    """Whether pydicom has a working decoder for this Transfer Syntax here (RLE: numpy; JPEG family: pylibjpeg
    with -libjpeg; JPEG 2000: -openjpeg; the `codecs` extra of pyproject.toml installs them)."""
    if not UID(syntax).is_compressed:
        return True
    try:
        from pydicom.pixels.decoders.base import get_decoder
        return get_decoder(UID(syntax)).is_available
    except (ImportError, NotImplementedError, ValueError):
        return False


def compressed_frames(path: Path, numbers: list[int]) -> list[bytes]:
    """The compressed octet streams of frames (1-based) of an encapsulated instance, without the fragment item
    tags (PS3.18 8.7.3.3.2: "Compressed Bulkdata contains only the compressed octet stream without the fragment
    delimiters")."""
    from pydicom.encaps import generate_frames
    ds = dcmread(path)
    count = int(ds.get("NumberOfFrames", 1) or 1)
    _check_numbers(numbers, count)
    every = list(generate_frames(ds.PixelData, number_of_frames=count))
    return [every[n - 1] for n in numbers]


def encapsulated_value(path: Path) -> bytes:
    """The encapsulated Pixel Data value as stored, item tags and Basic Offset Table included (a fault sends it)."""
    return bytes(dcmread(path).PixelData)


def decoded_pixel_data(path: Path) -> Dataset:
    """The instance with its Pixel Data decoded to native (Explicit VR Little Endian) form."""
    ds = dcmread(path)
    if UID(ds.file_meta.TransferSyntaxUID).is_compressed:
        ds.decompress(generate_instance_uid=False)
    return ds


def decoded_frames(path: Path, numbers: list[int]) -> list[bytes]:
    """The uncompressed bytes of frames (1-based), decoding a compressed instance first."""
    ds = decoded_pixel_data(path)
    count = int(ds.get("NumberOfFrames", 1) or 1)
    _check_numbers(numbers, count)
    size = frame_length(ds)
    data = ds.PixelData
    return [bytes(data[(n - 1) * size:n * size]) for n in numbers]


def _check_numbers(numbers: list[int], count: int) -> None:
    bad = [n for n in numbers if not 1 <= n <= count]
    if bad:
        raise NotFound(f"frame(s) {bad} outside 1..{count}")
