"""Rendered resources of the Studies Service (PS3.18 10.4.1.1.3, 10.4.1.1.4): the rendering Query Parameters of
PS3.18 8.3.5.1 (annotation, quality, viewport, window) parsed and checked, and one frame rendered to an 8-bit
JPEG (baseline), PNG or GIF image (PS3.18 8.7.4) with Pillow and numpy."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from pydicom import dcmread

from dicom_harness.simulators.dicomweb.instances import NotAcceptable, NotFound

try:
    from PIL import Image, ImageDraw
except ImportError:          # rendered resources are then not offered (406)
    Image = ImageDraw = None

# PS3.18 8.7.4, Table 8.7.4-1: Single Frame Image, RESTful: image/jpeg D, image/gif R, image/png R
FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF"}
ANNOTATIONS = ("patient", "technique")            # PS3.18 8.3.5.1.1
WINDOW_FUNCTIONS = ("linear", "linear-exact", "sigmoid")   # PS3.18 8.3.5.1.4
KEYWORD = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
THUMBNAIL_SIZE = 64


class BadParameter(ValueError):
    """A rendering Query Parameter the text says is answered 400 (Bad Request)."""


@dataclass
class Rendering:
    viewport: tuple | None = None                 # (vw, vh, sx, sy, sw, sh); None for a default
    window: tuple[float, float, str] | None = None
    quality: int | None = None
    annotations: list[str] = field(default_factory=list)
    unsupported_annotations: list[str] = field(default_factory=list)
    iccprofile: str | None = None                 # 8.3.5.1.5: no, yes, srgb (adobergb, rommrgb: not supported)


def _one(query, name: str) -> str | None:
    values = query.getlist(name)
    return ",".join(values) if values else None


def parse(query, *, thumbnail: bool = False, check_quality: bool = True, check_viewport: bool = True,
          check_window: bool = True, check_annotation: bool = True) -> Rendering:
    """The rendering parameters of a request (a Starlette QueryParams); BadParameter for a 400. The check_*
    switches are the ways a faulty simulator skips a check (simulators/faults.py)."""
    spec = Rendering()
    annotation = _one(query, "annotation")
    if annotation is not None:
        values = [v.strip() for v in annotation.split(",")]
        if check_annotation and (not annotation.strip() or not all(KEYWORD.match(v) for v in values)):
            # 8.3.5.1.1: "If any of the parameter values are not keywords, or there are no parameter values"
            raise BadParameter(f"annotation must be a list of keywords, not {annotation!r}")
        spec.annotations = [v for v in values if v in ANNOTATIONS]
        spec.unsupported_annotations = [v for v in values if v and v not in ANNOTATIONS]
    quality = _one(query, "quality")
    if quality is not None:
        if not re.fullmatch(r"\d{1,3}", quality) or not 1 <= int(quality) <= 100:
            if check_quality:      # 8.3.5.1.2: "missing or is not an integer between 1 and 100 inclusive"
                raise BadParameter(f"quality must be an integer from 1 to 100, not {quality!r}")
        else:
            spec.quality = int(quality)
    viewport = _one(query, "viewport")
    if viewport is not None:
        try:
            spec.viewport = _viewport(viewport, thumbnail)
        except BadParameter:
            if check_viewport:
                raise
    window = _one(query, "window")
    if window is not None:
        parts = window.split(",")
        well_formed = (len(parts) == 3 and DECIMAL.match(parts[0].strip()) and DECIMAL.match(parts[1].strip())
                       and parts[2].strip() in WINDOW_FUNCTIONS and float(parts[1]) >= 1)
        if well_formed:
            spec.window = (float(parts[0]), float(parts[1]), parts[2].strip())
        elif check_window:          # 8.3.5.1.4: "If any of the parameter values are missing or ill-formed"
            raise BadParameter(f"window is center,width,function (linear, linear-exact, sigmoid), not {window!r}")
    iccprofile = _one(query, "iccprofile")
    if iccprofile is not None:
        values = [v.strip().lower() for v in iccprofile.split(",") if v.strip()]
        spec.iccprofile = values[-1] if values else None
    return spec


ICC_PROFILES = ("yes", "srgb")                    # the values the simulator honours, both with an sRGB profile


def srgb_profile() -> bytes:
    """An sRGB ICC profile (littlecms's built-in one, described as sRGB)."""
    from PIL import ImageCms
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _viewport(text: str, thumbnail: bool) -> tuple:
    """8.3.5.1.3: vw,vh[,[sx],[sy],[sw],[sh]]; only vw,vh for a Thumbnail."""
    parts = text.split(",")
    if len(parts) not in (2, 6) or (thumbnail and len(parts) != 2):
        raise BadParameter(f"viewport is vw,vh or vw,vh,sx,sy,sw,sh, not {text!r}")
    if not all(re.fullmatch(r"\d+", p.strip()) and int(p) > 0 for p in parts[:2]):
        raise BadParameter(f"viewport width and height are positive integers, not {text!r}")
    rest = []
    for p in parts[2:]:
        p = p.strip()
        if p and not DECIMAL.match(p):
            raise BadParameter(f"viewport region values are decimal numbers, not {p!r}")
        rest.append(float(p) if p else None)
    rest += [None] * (4 - len(rest))
    if any(v == 0 for v in rest[2:]):
        raise BadParameter("a viewport region of zero width or height is ill-defined")
    return (int(parts[0]), int(parts[1]), *rest)


def _voi(pixels, window: tuple[float, float, str]):
    """PS3.3 C.11.2.1.2: the VOI LUT functions, to 0..255."""
    import numpy as np
    centre, width, function = window
    if function == "sigmoid":
        return 255.0 / (1 + np.exp(-4 * (pixels - centre) / width))
    if function == "linear-exact":
        return np.clip((pixels - centre) / width + 0.5, 0, 1) * 255.0
    low, high = centre - 0.5 - (width - 1) / 2, centre - 0.5 + (width - 1) / 2
    scaled = ((pixels - (centre - 0.5)) / max(width - 1, 1e-9) + 0.5) * 255.0
    return np.where(pixels <= low, 0.0, np.where(pixels > high, 255.0, scaled))


def render(path: Path, media: str, frame: int = 1, spec: Rendering | None = None, *, thumbnail: bool = False,
           swap: bool = False, shrink_only: bool = False, ignore_crop: bool = False, ignore_window: bool = False,
           no_flip: str = "", full_size_region: bool = False,
           sixteen_bit: bool = False, extended_jpeg: bool = False, palette_as_grey: bool = False,
           icc_profile: bytes | None = None) -> bytes:
    """One frame as an image of the media type. The keyword switches after spec are faults (simulators/faults.py)."""
    if Image is None:
        raise NotAcceptable("rendering needs Pillow")
    import numpy as np
    spec = spec or Rendering()
    ds = dcmread(path)
    if "PixelData" not in ds:
        raise NotFound("the instance has no pixel data")
    pixels = ds.pixel_array
    count = int(ds.get("NumberOfFrames", 1) or 1)
    if not 1 <= frame <= count:
        raise NotFound(f"frame {frame} outside 1..{count}")
    if count > 1:
        pixels = pixels[frame - 1]
    photometric = str(ds.get("PhotometricInterpretation", ""))
    if photometric == "PALETTE COLOR" and not palette_as_grey:
        # the Palette Color Lookup Tables (PS3.3 C.7.6.3.1.5) to RGB; 16-bit entries to 8 bits
        from pydicom.pixels import apply_color_lut
        pixels = apply_color_lut(pixels, ds).astype("float64")
        if int(ds.RedPaletteColorLookupTableDescriptor[2]) == 16:
            pixels = pixels / 257.0
    colour = pixels.ndim == 3 and not sixteen_bit
    pixels = pixels.astype("float64")
    if colour:                                                      # RGB, YBR (pydicom gives RGB), palette: as is
        image = Image.fromarray(np.clip(np.rint(pixels), 0, 255).astype("uint8"), mode="RGB")
    elif "RescaleSlope" in ds or "RescaleIntercept" in ds:         # the Modality LUT stage
        pixels = pixels * float(ds.get("RescaleSlope", 1) or 1) + float(ds.get("RescaleIntercept", 0) or 0)
    if colour:
        pass
    elif sixteen_bit:
        image = Image.fromarray(np.clip(pixels, 0, 65535).astype("uint16"))
    else:
        if spec.window and not ignore_window:
            scaled = _voi(pixels, spec.window)
        else:
            if "WindowCenter" in ds and "WindowWidth" in ds:
                centre = float(ds.WindowCenter[0] if ds["WindowCenter"].VM > 1 else ds.WindowCenter)
                width = float(ds.WindowWidth[0] if ds["WindowWidth"].VM > 1 else ds.WindowWidth)
                low, high = centre - width / 2, centre + width / 2
            else:
                low, high = float(pixels.min()), float(pixels.max())
            scaled = (pixels - low) / max(high - low, 1e-9) * 255.0
        if str(ds.get("PhotometricInterpretation", "")) == "MONOCHROME1":
            scaled = 255.0 - scaled
        eight = np.clip(np.rint(scaled), 0, 255).astype("uint8")
        image = Image.fromarray(eight, mode="RGB" if eight.ndim == 3 else "L")
    image = _viewport_scale(image, spec.viewport, thumbnail, shrink_only, ignore_crop, no_flip, full_size_region)
    if spec.annotations:
        _annotate(image, ds, spec.annotations)
    if swap:
        image = image.transpose(Image.Transpose.TRANSPOSE)
    buffer = BytesIO()
    kind = FORMATS[media]
    options = {}
    if kind == "JPEG":
        options = {"quality": spec.quality or 90}
    if icc_profile is not None and kind in ("JPEG", "PNG"):
        # 8.3.5.1.5: an RGB profile, so the image goes as RGB (APP2 ICC_PROFILE in JPEG, iCCP in PNG)
        image = image.convert("RGB")
        options["icc_profile"] = icc_profile
    image.save(buffer, format=kind, **options)
    if extended_jpeg and kind == "JPEG":        # a fault: the baseline frame header relabelled SOF1
        return buffer.getvalue().replace(b"\xff\xc0", b"\xff\xc1", 1)
    return buffer.getvalue()


def _viewport_scale(image, viewport, thumbnail: bool, shrink_only: bool, ignore_crop: bool, no_flip: str = "",
                    full_size_region: bool = False):
    """8.3.5.1.3: crop to sx,sy,sw,sh (negative sw/sh flip), then scale, keeping the aspect ratio, as large as
    fits in vw x vh. No viewport: no scaling (a thumbnail is fitted into THUMBNAIL_SIZE). no_flip ("h", "v") and
    full_size_region (an omitted sw/sh is the whole image's width/height, not the rest to the edge) are faults."""
    if viewport is None:
        if thumbnail:
            image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        return image
    vw, vh, sx, sy, sw, sh = viewport
    if not (ignore_crop and sw is not None and sh is not None):     # the fault ignores a fully given region
        left, top = abs(sx or 0), abs(sy or 0)
        width = abs(sw) if sw is not None else image.width - (0 if full_size_region else left)
        height = abs(sh) if sh is not None else image.height - (0 if full_size_region else top)
        if width <= 0 or height <= 0:
            raise BadParameter("the viewport region lies outside the image")
        image = image.crop((round(left), round(top), round(left + width), round(top + height)))
    if sw is not None and sw < 0 and "h" not in no_flip:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if sh is not None and sh < 0 and "v" not in no_flip:
        image = image.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    if shrink_only:
        image.thumbnail((vw, vh))
        return image
    scale = min(vw / image.width, vh / image.height)
    size = (max(1, min(vw, round(image.width * scale))), max(1, min(vh, round(image.height * scale))))
    return image.resize(size, Image.Resampling.BILINEAR)


def _annotate(image, ds, annotations: list[str]) -> None:
    """8.3.5.1.1: burn patient or technique information into the rendered pixels."""
    lines = []
    if "patient" in annotations:
        lines.append(f"{ds.get('PatientName', '')} {ds.get('PatientBirthDate', '')}".strip())
    if "technique" in annotations:
        lines.append(f"#{ds.get('InstanceNumber', '')} {ds.get('StudyDate', '')}".strip())
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((2, 2 + 11 * number), line, fill=255 if image.mode == "L" else (255, 255, 255))
