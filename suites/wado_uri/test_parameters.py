"""PS3.18 9.1.2, 9.4.2.3, 9.5.2: the optional Query Parameters of the URI Service (anonymize, frameNumber, windowing,
region, rows and columns), their order, and parameters the origin server does not know. Where the text says "If this
Query Parameter is supported", a target that ignores the parameter (PS3.18 8.3: unsupported ones are ignored) is NOT
CLAIMED, never FAIL: each test first shows the parameter is read."""

from io import BytesIO

import numpy as np
import pytest
from pydicom.uid import generate_uid

from dicom_harness.testing import NotClaimed, read_part10, requirement

Image = pytest.importorskip("PIL.Image")

# make_instance("CR"): 96 rows x 80 columns; "MF": 6 frames of 32 x 32
CR_SIZE = (80, 96)


def _uids(ds):
    return [("requestType", "WADO"), ("studyUID", str(ds.StudyInstanceUID)), ("seriesUID", str(ds.SeriesInstanceUID)),
            ("objectUID", str(ds.SOPInstanceUID))]


def _stored(dicomweb, claims, make_instance, kind):
    """A fresh instance of the kind, stored by STOW-RS (NOT CLAIMED where the target does not take one that way)."""
    if not claims.offers("stow"):
        raise NotClaimed(f"the test needs a {kind} instance put in by STOW-RS, which the target does not claim")
    sent = make_instance(kind)
    stored = dicomweb.store([sent])
    if stored.status_code != 200:
        raise NotClaimed(f"the target did not take a {kind} instance by STOW-RS (answered {stored.status_code})")
    return sent


def _part10(response, what):
    """The Part 10 file of a 200, or a failed assertion saying what was asked and what came."""
    assert response.status_code == 200, (
        f"{what}: expected 200, observed {response.status_code} {response.text[:120]!r}")
    try:
        return read_part10(response.content)
    except Exception as exc:
        raise AssertionError(f"{what}: the body is not a DICOM Part 10 file: {exc}") from None


def _render(dicomweb, sent, extra):
    return dicomweb.wado_uri(_uids(sent) + [("contentType", "image/jpeg")] + list(extra), accept="image/jpeg")


def _image(response, what):
    """The rendered image of a 200, or a failed assertion saying what was asked and what came."""
    assert response.status_code == 200, (
        f"{what}: expected 200 with a rendered image, observed {response.status_code} {response.text[:120]!r}")
    try:
        image = Image.open(BytesIO(response.content))
        image.load()
    except Exception as exc:
        raise AssertionError(f"{what}: the body is not an image: {exc}") from None
    return image


def _grey(image):
    return np.asarray(image.convert("L"), dtype="float64")


def _rendered_or_not_claimed(dicomweb, sent, extra, what, evidence):
    """A rendered image, or NotClaimed: a target that answers a valid optional parameter with other than 200 does
    not offer it here (that answer is judged by PS3.18 8.3, not by this requirement)."""
    response = _render(dicomweb, sent, extra)
    if response.status_code != 200:
        raise NotClaimed(f"{what} answered {response.status_code}: the target does not render with it")
    image = _image(response, what)
    evidence.add("#", f"{what}: {image.format} {image.size[0]}x{image.size[1]}")
    return image


# -- order and unknown parameters (9.1.2.1, 8.3) --------------------------------------------------------------------

@requirement("WADOURI-PARAMETER-ORDER")
def test_parameters_in_any_order(dicomweb, web_study):
    """GET contentType=application/dicom&objectUID&seriesUID&studyUID&requestType=WADO (the reverse of the usual
    order); PS3.18 9.1.2.1: the Query Parameters may appear in any order, so the same instance comes back."""
    sent = web_study.images[0]
    pairs = list(reversed(_uids(sent) + [("contentType", "application/dicom")]))
    received = _part10(dicomweb.wado_uri(pairs), "parameters in reverse order")
    assert str(received.SOPInstanceUID) == str(sent.SOPInstanceUID), (
        f"parameters in reverse order: expected instance {sent.SOPInstanceUID}, observed {received.SOPInstanceUID}")


@requirement("WADOURI-UNKNOWN-PARAMETER-IGNORED")
def test_unknown_parameter_is_ignored(dicomweb, web_study):
    """GET the instance as application/dicom with one more parameter no edition defines (dhUnknownParameter=1);
    PS3.18 8.3: unsupported Query Parameters are ignored, so the same instance comes back."""
    sent = web_study.images[0]
    pairs = _uids(sent) + [("contentType", "application/dicom"), ("dhUnknownParameter", "1")]
    received = _part10(dicomweb.wado_uri(pairs), "with dhUnknownParameter=1 (to be ignored)")
    assert str(received.SOPInstanceUID) == str(sent.SOPInstanceUID), (
        f"with dhUnknownParameter=1: expected instance {sent.SOPInstanceUID}, observed {received.SOPInstanceUID}")


# -- anonymize (9.4.2.3) ----------------------------------------------------------------------------------------------

def _anonymized(dicomweb, sent, evidence):
    """The instance retrieved with anonymize=yes, or NotClaimed: an error answer ("If the origin server is either
    unable or refuses to anonymize the Target Resource, it may return an error response") or the instance unchanged
    (the parameter ignored, 8.3)."""
    response = dicomweb.wado_uri(_uids(sent) + [("contentType", "application/dicom"), ("anonymize", "yes")])
    if response.status_code != 200:
        raise NotClaimed(f"anonymize=yes answered {response.status_code}: the target does not anonymize (9.4.2.3 "
                         "allows an error response)")
    received = _part10(response, "anonymize=yes")
    same_uid = str(received.SOPInstanceUID) == str(sent.SOPInstanceUID)
    same_name = str(received.get("PatientName", "")) == str(sent.get("PatientName", ""))
    if same_uid and same_name:
        raise NotClaimed("anonymize=yes returned the instance unchanged (same SOP Instance UID and Patient's Name): "
                         "the target does not support the anonymize Query Parameter")
    evidence.add("#", f"anonymize=yes: SOP Instance UID {received.SOPInstanceUID}, Patient's Name "
                      f"{str(received.get('PatientName', ''))!r}")
    return received


@requirement("WADOURI-ANONYMIZE-NEW-UID")
def test_anonymize_gives_new_sop_instance_uid(dicomweb, web_study, evidence):
    """GET contentType=application/dicom&anonymize=yes of an instance not de-identified; PS3.18 9.4.2.3: the
    returned Instance has a new SOP Instance UID."""
    sent = web_study.images[0]
    received = _anonymized(dicomweb, sent, evidence)
    assert str(received.SOPInstanceUID) != str(sent.SOPInstanceUID), (
        f"anonymize=yes: expected a new SOP Instance UID, observed the original {sent.SOPInstanceUID}")


@requirement("WADOURI-ANONYMIZE-INVALID-400")
def test_anonymize_invalid_value_is_400(dicomweb, web_study, evidence):
    """Where anonymize=yes is honoured: GET with anonymize=no, then with anonymize=yes twice; PS3.18 9.4.2.3: a value
    other than "yes", or other than one value, gets 400 (Bad Request)."""
    sent = web_study.images[0]
    _anonymized(dicomweb, sent, evidence)
    base = _uids(sent) + [("contentType", "application/dicom")]
    for extra, what in (([("anonymize", "no")], "anonymize=no"),
                        ([("anonymize", "yes"), ("anonymize", "yes")], "anonymize=yes given twice")):
        response = dicomweb.wado_uri(base + extra)
        assert response.status_code == 400, (
            f"{what}: expected 400 (Bad Request), observed {response.status_code} {response.text[:120]!r}")


# -- frameNumber (9.5.2.1) -------------------------------------------------------------------------------------------

def _frames_read(dicomweb, sent, evidence):
    """NotClaimed unless frameNumber=1 and frameNumber=2 of the multi-frame instance render differently."""
    first = _rendered_or_not_claimed(dicomweb, sent, [("frameNumber", "1")], "frameNumber=1", evidence)
    second = _rendered_or_not_claimed(dicomweb, sent, [("frameNumber", "2")], "frameNumber=2", evidence)
    if first.size == second.size and np.array_equal(_grey(first), _grey(second)):
        raise NotClaimed("frameNumber=1 and frameNumber=2 render the same image: the target does not support the "
                         "frameNumber Query Parameter")


@requirement("WADOURI-FRAME-NUMBER")
def test_frame_number_renders_that_frame(dicomweb, claims, make_instance, evidence):
    """Store a 6-frame image of noise by STOW-RS; GET it rendered with frameNumber=2, then 5; PS3.18 9.5.2.1: the
    specified frame is the Target Resource: the image correlates best with that frame."""
    sent = _stored(dicomweb, claims, make_instance, "MF")
    _frames_read(dicomweb, sent, evidence)
    frames = sent.pixel_array.astype("float64")
    for number in (2, 5):
        image = _image(_render(dicomweb, sent, [("frameNumber", str(number))]), f"frameNumber={number}")
        grey = np.asarray(image.convert("L").resize((frames.shape[2], frames.shape[1])), dtype="float64")
        scores = [float(np.corrcoef(grey.ravel(), frame.ravel())[0, 1]) for frame in frames]
        best = int(np.argmax(scores)) + 1
        evidence.add("#", f"frameNumber={number}: correlation with frames 1..{len(frames)}: "
                          + ", ".join(f"{s:.2f}" for s in scores))
        assert best == number, (
            f"frameNumber={number}: the rendered image is frame {best} (correlation {scores[best - 1]:.2f}; with "
            f"frame {number}: {scores[number - 1]:.2f})")


@requirement("WADOURI-FRAME-NUMBER-400")
def test_frame_number_out_of_range_is_400(dicomweb, claims, make_instance, web_study, evidence):
    """Where frameNumber is read: GET the 6-frame image with frameNumber=0, 7, and 1 and 2 together, and a
    single-frame image with frameNumber=1; PS3.18 9.5.2.1: each gets 400 (Bad Request)."""
    sent = _stored(dicomweb, claims, make_instance, "MF")
    _frames_read(dicomweb, sent, evidence)
    for target, extra, what in (
            (sent, [("frameNumber", "0")], "frameNumber=0"),
            (sent, [("frameNumber", "7")], "frameNumber=7 of 6 frames"),
            (sent, [("frameNumber", "1"), ("frameNumber", "2")], "frameNumber given twice"),
            (web_study.images[0], [("frameNumber", "1")], "frameNumber=1 on a single-frame image")):
        response = _render(dicomweb, target, extra)
        assert response.status_code == 400, (
            f"{what}: expected 400 (Bad Request), observed {response.status_code} {response.text[:120]!r}")


# -- windowCenter and windowWidth (9.5.2.2, 9.5.1.2.6) ---------------------------------------------------------------

BELOW = [("windowCenter", "-100000"), ("windowWidth", "1")]     # every pixel above the window: white
ABOVE = [("windowCenter", "100000"), ("windowWidth", "1")]      # every pixel below it: black


def _window_read(dicomweb, sent, evidence):
    """(the image windowed below every pixel, the one windowed above), or NotClaimed when they are the same."""
    low = _rendered_or_not_claimed(dicomweb, sent, BELOW, "windowCenter=-100000&windowWidth=1", evidence)
    high = _rendered_or_not_claimed(dicomweb, sent, ABOVE, "windowCenter=100000&windowWidth=1", evidence)
    if low.size == high.size and np.allclose(_grey(low), _grey(high), atol=2):
        raise NotClaimed("two opposite windows render the same image: the target does not support windowCenter "
                         "and windowWidth")
    return low, high


@requirement("WADOURI-WINDOW")
def test_window_is_applied(dicomweb, claims, make_instance, evidence):
    """Store a CR image; GET it rendered with a window below every pixel value, then above; PS3.18 9.5.2.2 and
    8.3.5.1.4 (PS3.3 C.11.2.1.2): the first is white, the second black."""
    sent = _stored(dicomweb, claims, make_instance, "CR")
    low, high = _window_read(dicomweb, sent, evidence)
    low_mean, high_mean = _grey(low).mean(), _grey(high).mean()
    evidence.add("#", f"mean grey: window below the pixels {low_mean:.1f}, above {high_mean:.1f}")
    assert low_mean > 250, f"window below every pixel value: expected white (mean > 250), observed {low_mean:.1f}"
    assert high_mean < 5, f"window above every pixel value: expected black (mean < 5), observed {high_mean:.1f}"


@requirement("WADOURI-WINDOW-400")
def test_window_parameter_errors_are_400(dicomweb, claims, make_instance, evidence):
    """Where windowing is read: GET with windowCenter alone, with windowCenter=abc, and with windowing beside a
    presentationUID; PS3.18 9.5.2.2: each gets 400 (Bad Request)."""
    sent = _stored(dicomweb, claims, make_instance, "CR")
    _window_read(dicomweb, sent, evidence)
    for extra, what in (
            ([("windowCenter", "100")], "windowCenter without windowWidth"),
            ([("windowCenter", "abc"), ("windowWidth", "100")], "windowCenter=abc (not a decimal number)"),
            ([("windowCenter", "100"), ("windowWidth", "200"), ("presentationUID", generate_uid())],
             "windowing with presentationUID")):
        response = _render(dicomweb, sent, extra)
        assert response.status_code == 400, (
            f"{what}: expected 400 (Bad Request), observed {response.status_code} {response.text[:120]!r}")


@requirement("WADOURI-WINDOW-WITH-DICOM-400")
def test_window_with_application_dicom_is_400(dicomweb, claims, make_instance, evidence):
    """GET contentType=application/dicom&windowCenter=100&windowWidth=200; PS3.18 9.5.1.2.6: 400 (Bad Request).
    A target that does not read windowing at all (8.3) is NOT CLAIMED."""
    sent = _stored(dicomweb, claims, make_instance, "CR")
    pairs = _uids(sent) + [("contentType", "application/dicom"), ("windowCenter", "100"), ("windowWidth", "200")]
    response = dicomweb.wado_uri(pairs)
    if response.status_code == 400:
        return
    _window_read(dicomweb, sent, evidence)
    raise AssertionError(f"windowCenter and windowWidth with contentType=application/dicom: expected 400 (Bad "
                         f"Request), observed {response.status_code} (the target applies windowing to rendered "
                         "images, so it reads these parameters)")


# -- region, rows and columns (9.5.2.4, 9.5.2.5) ---------------------------------------------------------------------

REGION = [("region", "0.25,0.5,0.75,1.0")]      # half the width, the lower half: 40 x 48 of the 80 x 96 CR


def _sized(dicomweb, sent, extra, what, evidence):
    """The rendered size for extra, or NotClaimed when it is the original size (the parameters ignored)."""
    image = _rendered_or_not_claimed(dicomweb, sent, extra, what, evidence)
    if image.size == CR_SIZE:
        raise NotClaimed(f"{what} rendered at the original size {CR_SIZE[0]}x{CR_SIZE[1]}: the target does not "
                         "support the parameter")
    return image.size


def _near(found, expected):
    return abs(found - expected) <= 1


@requirement("WADOURI-REGION")
def test_region_selects_that_region(dicomweb, claims, make_instance, evidence):
    """Store a CR image of 80 columns x 96 rows; GET it rendered with region=0.25,0.5,0.75,1.0; PS3.18 9.5.2.4: the
    image returned is that region, 40 x 48 pixels (no rows or columns: one pixel per pixel, 9.5.2.5)."""
    sent = _stored(dicomweb, claims, make_instance, "CR")
    width, height = _sized(dicomweb, sent, REGION, "region=0.25,0.5,0.75,1.0", evidence)
    assert _near(width, 40) and _near(height, 48), (
        f"region=0.25,0.5,0.75,1.0 of an 80x96 image: expected 40x48, observed {width}x{height}")


@requirement("WADOURI-REGION-400")
def test_region_errors_are_400(dicomweb, claims, make_instance, evidence):
    """Where region is read: GET with region=0.75,0,0.25,1 (xmin > xmax), region=0,0,1 (three values) and
    region=0,0,1.5,1 (beyond 1.0); PS3.18 9.5.2.4: each gets 400 (Bad Request)."""
    sent = _stored(dicomweb, claims, make_instance, "CR")
    _sized(dicomweb, sent, REGION, "region=0.25,0.5,0.75,1.0", evidence)
    for value, what in (("0.75,0,0.25,1", "xmin > xmax"), ("0,0,1", "three values"), ("0,0,1.5,1", "xmax > 1.0")):
        response = _render(dicomweb, sent, [("region", value)])
        assert response.status_code == 400, (
            f"region={value} ({what}): expected 400 (Bad Request), observed {response.status_code} "
            f"{response.text[:120]!r}")


@requirement("WADOURI-ROWS-COLUMNS-MAXIMUM")
def test_rows_and_columns_are_maxima(dicomweb, claims, make_instance, evidence):
    """Store a CR image of 80 x 96; GET it rendered with rows=48&columns=80; PS3.18 9.5.2.5: within 80 x 48,
    aspect ratio kept (80:96)."""
    sent = _stored(dicomweb, claims, make_instance, "CR")
    width, height = _sized(dicomweb, sent, [("rows", "48"), ("columns", "80")], "rows=48&columns=80", evidence)
    assert width <= 80 and height <= 48, f"rows=48&columns=80: expected at most 80x48, observed {width}x{height}"
    assert abs(width * 96 - height * 80) <= 96, (
        f"rows=48&columns=80 of an 80x96 image: expected the aspect ratio 80:96 kept (40x48), observed "
        f"{width}x{height}")


@requirement("WADOURI-COLUMNS-ONLY")
def test_columns_only_keeps_aspect_ratio(dicomweb, claims, make_instance, evidence):
    """Store a CR image of 80 x 96; GET it rendered with columns=40 only; PS3.18 9.5.2.5: 40 columns and the rows
    that keep the aspect ratio, 48."""
    sent = _stored(dicomweb, claims, make_instance, "CR")
    width, height = _sized(dicomweb, sent, [("columns", "40")], "columns=40", evidence)
    assert width == 40 and _near(height, 48), (
        f"columns=40 of an 80x96 image: expected 40x48, observed {width}x{height}")


@requirement("WADOURI-ROWS-ONLY")
def test_rows_only_keeps_aspect_ratio(dicomweb, claims, make_instance, evidence):
    """Store a CR image of 80 x 96; GET it rendered with rows=48 only; PS3.18 9.5.2.5: 48 rows and the columns that
    keep the aspect ratio, 40."""
    sent = _stored(dicomweb, claims, make_instance, "CR")
    width, height = _sized(dicomweb, sent, [("rows", "48")], "rows=48", evidence)
    assert height == 48 and _near(width, 40), f"rows=48 of an 80x96 image: expected 40x48, observed {width}x{height}"
