"""WADO-URI optional Query Parameters (PS3.18 9.4.1.2, 9.4.2.3, 9.5.1.2, 9.5.2): anonymize, frameNumber, windowCenter
and windowWidth, region, rows and columns; their 400 (Bad Request) checks, and the rendering they ask for, as a
rendering.Rendering. The faults (simulators/faults.py, the "WADO-URI parameters" block) are the ways a faulty
simulator gets them wrong."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

from pydicom import dcmread
from pydicom.uid import generate_uid

from dicom_harness.simulators.dicomweb import rendering
from dicom_harness.simulators.faults import (
    WADO_URI_ANONYMIZE_INVALID_ACCEPTED,
    WADO_URI_ANONYMIZE_KEEPS_UID,
    WADO_URI_COLUMNS_ONLY_SQUARE,
    WADO_URI_FRAME_NUMBER_OFF_BY_ONE,
    WADO_URI_FRAME_NUMBER_UNCHECKED,
    WADO_URI_IMAGE_QUALITY_UNCHECKED,
    WADO_URI_ORDER_SENSITIVE,
    WADO_URI_REGION_MAX_AS_SIZE,
    WADO_URI_REGION_UNCHECKED,
    WADO_URI_ROWS_COLUMNS_STRETCHED,
    WADO_URI_ROWS_ONLY_WIDTH_KEPT,
    WADO_URI_UNKNOWN_PARAMETER_400,
    WADO_URI_WINDOW_INVERTED,
    WADO_URI_WINDOW_UNCHECKED,
    WADO_URI_WINDOW_WITH_DICOM_ACCEPTED,
)

# PS3.18 9.1.2 (common), 9.4.1.2 (DICOM instance), 9.5.1.2 (rendered): the parameters we read
KNOWN = {"requestType", "studyUID", "seriesUID", "objectUID", "contentType", "charset", "anonymize", "annotation",
         "transferSyntax", "frameNumber", "imageAnnotation", "imageQuality", "rows", "columns", "region",
         "windowCenter", "windowWidth", "presentationSeriesUID", "presentationUID"}
DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
HUGE = 1 << 20          # a viewport side that never limits the scale
# PS3.18 8.7.4, Table 8.7.4-1, URI column: the rendered media types served; gif and jp2 re-encoded from a PNG
RENDERED = ("image/jpeg", "image/png", "image/gif", "image/jp2", "*/*", "image/*")
REENCODED = {"image/gif": "GIF", "image/jp2": "JPEG2000"}


class BadRequest(ValueError):
    """A parameter problem the text answers with 400 (Bad Request)."""


def check_request(query, faults) -> None:
    """The checks that do not depend on the instance: order, unknown parameters, windowing beside application/dicom
    or a presentation state (9.5.1.2.6, 9.5.2.2), anonymize values (9.4.2.3), region values (9.5.2.4)."""
    keys = [key for key, _ in query.multi_items()]
    if WADO_URI_ORDER_SENSITIVE in faults and keys and keys[0] != "requestType":
        raise BadRequest("requestType must come first")
    unknown = sorted(set(keys) - KNOWN)
    if WADO_URI_UNKNOWN_PARAMETER_400 in faults and unknown:
        raise BadRequest(f"unknown parameter(s): {', '.join(unknown)}")
    windowing = [k for k in ("windowCenter", "windowWidth") if k in query]
    if windowing:
        dicom = any(media.strip().split(";")[0] == "application/dicom"
                    for media in query.get("contentType", "").split(","))
        if dicom and WADO_URI_WINDOW_WITH_DICOM_ACCEPTED not in faults:
            raise BadRequest("the windowing parameters shall not be present with contentType=application/dicom")
        if WADO_URI_WINDOW_UNCHECKED not in faults:
            if len(windowing) == 1:
                raise BadRequest("windowCenter and windowWidth go together")
            if any(len(query.getlist(k)) != 1 or not DECIMAL.match(query[k].strip()) for k in windowing):
                raise BadRequest("windowCenter and windowWidth are one decimal number each")
            if "presentationUID" in query or "presentationSeriesUID" in query:
                raise BadRequest("windowing and presentation state parameters shall not be present together")
    if "anonymize" in query and WADO_URI_ANONYMIZE_INVALID_ACCEPTED not in faults:
        if query.getlist("anonymize") != ["yes"]:
            raise BadRequest("anonymize takes one value, yes")
    if "region" in query and WADO_URI_REGION_UNCHECKED not in faults:
        _region(query)


def _region(query) -> tuple[float, float, float, float]:
    values = query.getlist("region")
    parts = values[0].split(",") if len(values) == 1 else []
    if len(parts) != 4 or not all(DECIMAL.match(p.strip()) for p in parts):
        raise BadRequest("region is four decimal numbers: xmin,ymin,xmax,ymax")
    xmin, ymin, xmax, ymax = (float(p) for p in parts)
    if not (0.0 <= xmin < xmax <= 1.0 and 0.0 <= ymin < ymax <= 1.0):
        raise BadRequest("region: 0.0 <= xmin < xmax <= 1.0 and 0.0 <= ymin < ymax <= 1.0")
    return xmin, ymin, xmax, ymax


def _positive(query, name: str) -> int | None:
    values = query.getlist(name)
    if not values:
        return None
    if len(values) != 1 or not re.fullmatch(r"\d+", values[0].strip()) or int(values[0]) < 1:
        raise BadRequest(f"{name} is one positive integer")
    return int(values[0])


def frame_number(query, path: Path, faults) -> int:
    """9.5.2.1: frameNumber names a frame of a multi-frame image; 400 on a single-frame one, several values, or a
    number outside 1..NumberOfFrames."""
    values = query.getlist("frameNumber")
    if not values:
        return 1
    count = int(dcmread(path, stop_before_pixels=True).get("NumberOfFrames", 0) or 0)
    unchecked = WADO_URI_FRAME_NUMBER_UNCHECKED in faults
    if len(values) != 1 or not re.fullmatch(r"\d+", values[0].strip()):
        raise BadRequest("frameNumber is one positive integer")
    frame = int(values[0])
    if not unchecked and (count < 1 or not 1 <= frame <= count):
        raise BadRequest(f"frameNumber {frame}: the instance has {count or 'no'} frames (multi-frame only)")
    if unchecked:
        frame = min(max(frame, 1), max(count, 1))
    if WADO_URI_FRAME_NUMBER_OFF_BY_ONE in faults and count > 1:
        frame = min(frame + 1, count)
    return frame


def rendering_spec(query, path: Path, faults) -> rendering.Rendering:
    """The Rendering of 9.5.2: windowing, then the Source Image Region, then the Viewport (rows, columns)."""
    spec = rendering.Rendering()
    if "windowCenter" in query and "windowWidth" in query:
        try:
            spec.window = (float(query["windowCenter"]), max(float(query["windowWidth"]), 1.0), "linear")
        except ValueError:
            pass                                    # only with WADO_URI_WINDOW_UNCHECKED: the window is dropped
    quality = query.get("imageQuality")
    if quality is not None and re.fullmatch(r"\d{1,3}", quality) and 1 <= int(quality) <= 100:
        spec.quality = int(quality)
    elif quality is not None and WADO_URI_IMAGE_QUALITY_UNCHECKED not in faults:
        # PS3.18 9.5.1.2.3, 8.3.5.1.2: "not an integer between 1 and 100 inclusive" is a 400
        raise BadRequest(f"imageQuality must be an integer from 1 to 100, not {quality!r}")
    rows, columns = _positive(query, "rows"), _positive(query, "columns")
    region = None
    if "region" in query:
        try:
            region = _region(query)
        except BadRequest:
            if WADO_URI_REGION_UNCHECKED not in faults:
                raise
    if region is None and rows is None and columns is None:
        return spec
    header = dcmread(path, stop_before_pixels=True)
    height, width = int(header.Rows), int(header.Columns)
    xmin, ymin, xmax, ymax = region or (0.0, 0.0, 1.0, 1.0)
    sx, sy = xmin * width, ymin * height
    if WADO_URI_REGION_MAX_AS_SIZE in faults and region:
        sw, sh = min(xmax * width, width - sx), min(ymax * height, height - sy)
    else:
        sw, sh = (xmax - xmin) * width, (ymax - ymin) * height
    if rows is None and columns is None:
        vw, vh = max(1, round(sw)), max(1, round(sh))                 # one pixel for each pixel of the region
    elif rows is not None and columns is not None:
        vw, vh = columns, rows                                        # maxima; rendering keeps the aspect ratio
    elif columns is not None:
        vw, vh = columns, (columns if WADO_URI_COLUMNS_ONLY_SQUARE in faults else HUGE)
    else:
        vw, vh = HUGE, rows
    spec.viewport = (vw, vh, sx, sy, sw, sh)
    return spec


def forced_size(faults, query, path: Path) -> tuple[int, int] | None:
    """The size a faulty simulator resizes the rendered image to (width, height), aspect ratio lost: rows x
    columns (WADO_URI_ROWS_COLUMNS_STRETCHED), or the original width with the rows asked (WADO_URI_ROWS_ONLY_WIDTH_KEPT,
    rows given alone)."""
    if WADO_URI_ROWS_COLUMNS_STRETCHED in faults and "rows" in query and "columns" in query:
        return int(query["columns"]), int(query["rows"])
    if WADO_URI_ROWS_ONLY_WIDTH_KEPT in faults and "rows" in query and "columns" not in query:
        return int(dcmread(path, stop_before_pixels=True).Columns), int(query["rows"])
    return None


def stretch(image_bytes: bytes, media: str, size: tuple[int, int]) -> bytes:
    image = rendering.Image.open(BytesIO(image_bytes)).resize(size)
    buffer = BytesIO()
    image.save(buffer, format=rendering.FORMATS[media])
    return buffer.getvalue()


def inverted(faults, spec: rendering.Rendering) -> bool:
    return WADO_URI_WINDOW_INVERTED in faults and spec.window is not None


def invert(image_bytes: bytes, media: str) -> bytes:
    from PIL import ImageOps
    image = ImageOps.invert(rendering.Image.open(BytesIO(image_bytes)).convert("L"))
    buffer = BytesIO()
    image.save(buffer, format=rendering.FORMATS[media])
    return buffer.getvalue()


def anonymized(body: bytes, faults) -> bytes:
    """9.4.1.2.1, 9.4.2.3: the instance with the identifying attributes of the Basic Profile we write emptied or
    replaced, and (not already de-identified) a new SOP Instance UID."""
    ds = dcmread(BytesIO(body))
    if str(ds.get("PatientIdentityRemoved", "")).upper() != "YES":
        if WADO_URI_ANONYMIZE_KEEPS_UID not in faults:
            ds.SOPInstanceUID = generate_uid()
            ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        for keyword in ("PatientName", "PatientID", "PatientBirthDate", "AccessionNumber", "ReferringPhysicianName",
                        "InstitutionName", "StudyID"):
            if keyword in ds:
                ds.data_element(keyword).value = ""
        ds.PatientIdentityRemoved = "YES"
        ds.DeidentificationMethod = "dicom-harness simulator: Basic Profile subset"
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def reencode(png: bytes, media: str) -> bytes:
    """A rendered PNG re-encoded as image/gif or image/jp2 (PS3.18 8.7.4, Table 8.7.4-1, both optional for URI)."""
    image = rendering.Image.open(BytesIO(png))
    buffer = BytesIO()
    image.save(buffer, format=REENCODED[media])
    return buffer.getvalue()
