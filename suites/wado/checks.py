"""Checks the WADO-RS tests share: an instance stored compressed, one retrieved part, and the judgement of
answers where PS3.18 allows several (kept apart from the tests so the project's tests can feed them each
allowed and each forbidden answer)."""

from pydicom.uid import ExplicitVRBigEndian, ImplicitVRLittleEndian, RLELossless

from dicom_harness.testing import MULTIPART_DICOM, NotClaimed, read_part10

EXPLICIT_VR_LE = "1.2.840.10008.1.2.1"
# PS3.18 8.7.3: "shall not be used with Web Services"
FORBIDDEN_SYNTAXES = {str(ImplicitVRLittleEndian): "Implicit VR Little Endian",
                      str(ExplicitVRBigEndian): "Explicit VR Big Endian"}


def stored_rle_instance(dicomweb, claims, make_instance):
    """A CT image stored by STOW-RS in RLE Lossless, so the origin server must transcode to send it in Explicit
    VR Little Endian. NOT CLAIMED when the target does not take one (nothing in PS3.18 makes it)."""
    if not claims.offers("stow"):
        raise NotClaimed("the test needs an RLE Lossless instance in the target, put in by STOW-RS, "
                         "which the target does not claim")
    ds = make_instance("CT", transfer_syntax=RLELossless)
    response = dicomweb.store([ds])
    if response.status_code != 200:
        raise NotClaimed(f"the target did not take an RLE Lossless instance by STOW-RS (answered "
                         f"{response.status_code}); the test needs one")
    return ds


def one_part(dicomweb, path: str, accept: str):
    """GET path with accept; the single Part 10 part as (data set, its Transfer Syntax UID, part label)."""
    found = dicomweb.retrieve_multipart(path, accept)
    assert len(found.parts) == 1, f"Accept {accept}: expected one part, observed {len(found.parts)}"
    part = found.parts[0]
    try:
        received = read_part10(part.content)
    except Exception as exc:
        raise AssertionError(f"Accept {accept}: the part is not a DICOM Part 10 file: {exc}") from None
    return received, str(received.file_meta.TransferSyntaxUID), part.params.get("transfer-syntax")


def instances_in(dicomweb, response) -> list[tuple]:
    """The Part 10 instances of a 200 DICOM response, each as (data set, transfer-syntax label or None):
    multipart/related parts, or a single application/dicom body. (The multipart format itself is
    WADO-MULTIPART-FORMAT's concern.)"""
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "multipart/related":
        bodies = [(part.content, part.params.get("transfer-syntax")) for part in dicomweb.multipart_of(response).parts]
    elif media == "application/dicom":
        label = dict(p.strip().split("=", 1) for p in response.headers["content-type"].split(";")[1:]
                     if "=" in p).get("transfer-syntax")
        bodies = [(response.content, label)]
    else:
        raise AssertionError(f"expected a DICOM media type ({MULTIPART_DICOM}), observed Content-Type "
                             f"{response.headers.get('content-type')!r}")
    found = []
    for number, (body, label) in enumerate(bodies, 1):
        try:
            found.append((read_part10(body), label))
        except Exception as exc:
            raise AssertionError(f"part {number} is not a DICOM Part 10 file: {exc}") from None
    return found


def judge_unacceptable(dicomweb, response, sop_instance_uid: str) -> str:
    """PS3.18 8.7.8.1 step 5 (406) and Table 8.7.3-1 (the default media type) disagree; both are allowed."""
    if response.status_code == 406:
        return "406 (Not Acceptable)"
    assert response.status_code == 200, (
        f"expected 406 (Not Acceptable, PS3.18 8.7.8.1) or 200 in the default media type (Table 8.7.3-1), "
        f"observed {response.status_code} {response.text[:160]!r}")
    uids = [str(ds.get("SOPInstanceUID", "")) for ds, _ in instances_in(dicomweb, response)]
    assert uids == [sop_instance_uid], f"200 in the default media type: expected instance {sop_instance_uid}, " \
                                       f"observed {uids}"
    return "200 in the default media type"


def judge_forbidden_syntax(dicomweb, response, asked: str) -> str:
    """PS3.18 8.7.3: never Implicit VR LE or Explicit VR Big Endian. 406 (8.7.8.1) or 200 with the parameter
    ignored (8.7.7: "not supported shall be ignored") are both allowed."""
    if response.status_code == 406:
        return "406 (Not Acceptable)"
    assert response.status_code == 200, (
        f"transfer-syntax={asked}: expected 406 or 200 in another transfer syntax, observed "
        f"{response.status_code} {response.text[:160]!r}")
    found = instances_in(dicomweb, response)
    assert found, "200 without an instance"
    for ds, label in found:
        syntax = str(ds.file_meta.TransferSyntaxUID)
        for where, named in (("file meta Transfer Syntax UID", syntax), ("part label transfer-syntax", label)):
            assert named not in FORBIDDEN_SYNTAXES, (
                f"transfer-syntax={asked}: 200 with {where} {named} ({FORBIDDEN_SYNTAXES[named]}), which PS3.18 "
                f"8.7.3 says shall not be used with Web Services; expected 406 or another transfer syntax")
    return "200 in " + ", ".join(sorted({str(ds.file_meta.TransferSyntaxUID) for ds, _ in found}))


# -- rendered resources (PS3.18 10.4.1.1.3, 8.3.5.1, 8.7.4) ----------------------------------------------------

RENDERED_PREFIXES = ("image/", "video/", "text/")
RENDERED_TYPES = {"application/pdf", "application/cda+xml"}


def media_of(response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def is_rendered_media_type(media: str) -> bool:
    """PS3.18 8.7.4: the Rendered Media Types are consumer formats (images, video, text documents, PDF)."""
    return media.startswith(RENDERED_PREFIXES) or media in RENDERED_TYPES


def rendered(dicomweb, path: str, query: str | None = None, accept: str = "image/png"):
    """GET a rendered resource; 200 with one decodable image in a Rendered Media Type, as (PIL image, response)."""
    from io import BytesIO

    from PIL import Image
    response = dicomweb.request("GET", path, query=query, headers={"Accept": accept})
    shown = f"GET {path.rsplit('/', 2)[-2:]}{'?' + query if query else ''} Accept {accept}"
    assert response.status_code == 200, (
        f"{shown}: expected 200 with a rendered image, observed {response.status_code} {response.text[:160]!r}")
    try:
        image = Image.open(BytesIO(response.content))
        image.load()
    except Exception as exc:
        raise AssertionError(f"{shown}: the {media_of(response)!r} body is not a decodable image: {exc}") from None
    return image, response


def refused_with_400(dicomweb, path: str, queries: list[str], accept: str, clause: str) -> None:
    """Each query answered 400 (Bad Request); the message lists every other answer."""
    wrong = []
    for query in queries:
        response = dicomweb.request("GET", path, query=query, headers={"Accept": accept})
        if response.status_code != 400:
            wrong.append(f"?{query} answered {response.status_code}")
    assert not wrong, f"expected 400 (Bad Request, PS3.18 {clause}) for each; {'; '.join(wrong)}"


def fitted_size(vw: int, vh: int, width: float, height: float) -> tuple[float, float]:
    """PS3.18 8.3.5.1.3: width x height scaled, keeping its aspect ratio, as large as fits in vw x vh."""
    scale = min(vw / width, vh / height)
    return width * scale, height * scale


def judge_viewport(image, viewport: tuple[int, int], region: tuple[float, float]) -> None:
    """The rendered size for a viewport: the region fitted into it (within a pixel of rounding), or the viewport's
    own size (vw, vh "specifying the width and height, in pixels, of the rendered image", the fitted content
    centred in it). Both readings are allowed."""
    vw, vh = viewport
    width, height = fitted_size(vw, vh, *region)
    fitted = abs(image.width - width) <= 1 and abs(image.height - height) <= 1
    assert fitted or image.size == (vw, vh), (
        f"viewport={vw},{vh} of a {region[0]:g} x {region[1]:g} region: expected {width:.1f} x {height:.1f} "
        f"(fitted, aspect ratio kept) or {vw} x {vh} (the viewport), observed {image.width} x {image.height}")


def grey_levels(image):
    """The rendered image as one 8-bit grey channel (numpy array), whatever its mode."""
    import numpy as np
    return np.asarray(image.convert("L"), dtype="int32")


def monotonic_function_findings(stored, shown) -> list[str]:
    """Findings unless the rendered grey level is a non-decreasing function of the stored value (pixel by pixel):
    what any grey-scale rendering of a MONOCHROME2 frame gives, whatever window or display mapping it uses."""
    import numpy as np
    findings = []
    values = np.unique(stored)
    last = -1
    for value in values:
        levels = np.unique(shown[stored == value])
        if len(levels) > 1:
            findings.append(f"stored value {value} is rendered as {len(levels)} different grey levels "
                            f"({', '.join(map(str, levels[:5]))})")
            break
        if levels[0] < last:
            findings.append(f"stored value {value} is rendered darker ({levels[0]}) than a lower value ({last})")
            break
        last = levels[0]
    return findings


def warn_values(response) -> list[str]:
    """The warn-values of the Warning header fields (RFC 7234 5.5), split on commas outside quotes."""
    values = []
    for field in response.headers.get_list("warning"):
        current, quoted = "", False
        for char in field:
            if char == '"':
                quoted = not quoted
            if char == "," and not quoted:
                values.append(current.strip())
                current = ""
            else:
                current += char
        values.append(current.strip())
    return [v for v in values if v]


# PS3.18 Table 8.7.3-5: the media types of compressed Bulkdata (image/x-dicom-rle and image/x-jls: older names)
COMPRESSED_MEDIA_TYPES = {
    "1.2.840.10008.1.2.4.50": ("image/jpeg",), "1.2.840.10008.1.2.4.51": ("image/jpeg",),
    "1.2.840.10008.1.2.4.57": ("image/jpeg",), "1.2.840.10008.1.2.4.70": ("image/jpeg",),
    "1.2.840.10008.1.2.5": ("image/dicom-rle", "image/x-dicom-rle"),
    "1.2.840.10008.1.2.4.80": ("image/jls", "image/x-jls"), "1.2.840.10008.1.2.4.81": ("image/jls", "image/x-jls"),
    "1.2.840.10008.1.2.4.90": ("image/jp2",), "1.2.840.10008.1.2.4.91": ("image/jp2",),
    "1.2.840.10008.1.2.4.92": ("image/jpx",), "1.2.840.10008.1.2.4.93": ("image/jpx",),
}


def compressed_media_types(syntax: str) -> tuple[str, ...]:
    return COMPRESSED_MEDIA_TYPES.get(syntax, ())


def decoded_frames(sent) -> list[bytes]:
    """The frames of what we sent, decoded to native (Explicit VR Little Endian) bytes."""
    import copy
    native = copy.deepcopy(sent)
    if native.file_meta.TransferSyntaxUID.is_compressed:
        native.decompress(generate_instance_uid=False)
    count = int(native.get("NumberOfFrames", 1) or 1)
    data = bytes(native.PixelData)
    size = len(data) // count
    return [data[n * size:(n + 1) * size] for n in range(count)]


def decodes_to(sent, stream: bytes, syntax: str) -> bytes | None:
    """One frame's compressed stream in syntax, decoded with the sent instance's pixel description (None: not
    decodable)."""
    import copy

    from pydicom.encaps import encapsulate
    from pydicom.uid import UID
    one = copy.deepcopy(sent)
    one.NumberOfFrames = 1
    one.file_meta.TransferSyntaxUID = UID(syntax)
    one.PixelData = encapsulate([stream])
    one["PixelData"].VR = "OB"
    try:
        one.decompress(generate_instance_uid=False)
    except Exception:
        return None
    return bytes(one.PixelData)
