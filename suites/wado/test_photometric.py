"""PS3.18 10.4.1.1.3: "The origin server shall be able to render all valid Instances of the Composite SOP classes
for which conformance is claimed, e.g., origin server shall be able to render all Photometric Interpretations that
are defined in the IOD for that SOP class." Secondary Capture images in five Photometric Interpretations, each a
2 x 2 checkerboard of dark (or red) and bright (or blue) quadrants, stored by STOW-RS and rendered as image/jpeg."""

from io import BytesIO

import numpy as np
import pytest

from dicom_harness.testing import NotClaimed, requirement, study_paths

pytest.importorskip("PIL.Image")

SIZE = 32
RED, BLUE = (200, 30, 30), (30, 30, 200)


def _pixels(ds, photometric: str) -> None:
    """Give a Secondary Capture data set SIZE x SIZE 8-bit pixels in the Photometric Interpretation."""
    ds.Rows = ds.Columns = SIZE
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PhotometricInterpretation = photometric
    for keyword in ("WindowCenter", "WindowWidth", "RescaleIntercept", "RescaleSlope", "PlanarConfiguration"):
        if keyword in ds:
            delattr(ds, keyword)
    half = SIZE // 2
    second = np.zeros((SIZE, SIZE), bool)           # the bright (blue) quadrants: top right and bottom left
    second[:half, half:] = second[half:, :half] = True
    if photometric in ("MONOCHROME1", "MONOCHROME2"):
        ds.SamplesPerPixel = 1
        grey = np.full((SIZE, SIZE), 20, np.uint8)
        grey[second] = 230
        ds.PixelData = grey.tobytes()
    elif photometric == "PALETTE COLOR":
        ds.SamplesPerPixel = 1
        index = np.zeros((SIZE, SIZE), np.uint8)
        index[second] = 1
        ds.PixelData = index.tobytes()
        for colour, (red, blue) in zip(("Red", "Green", "Blue"), ((RED[0], BLUE[0]), (RED[1], BLUE[1]),
                                                                   (RED[2], BLUE[2]))):
            setattr(ds, f"{colour}PaletteColorLookupTableDescriptor", [2, 0, 16])
            ds[f"{colour}PaletteColorLookupTableDescriptor"].VR = "US"
            setattr(ds, f"{colour}PaletteColorLookupTableData", np.array([red * 257, blue * 257], "<u2").tobytes())
            ds[f"{colour}PaletteColorLookupTableData"].VR = "OW"
    else:
        from pydicom.pixels import convert_color_space
        ds.SamplesPerPixel, ds.PlanarConfiguration = 3, 0
        rgb = np.zeros((SIZE, SIZE, 3), np.uint8)
        rgb[~second], rgb[second] = RED, BLUE
        ds.PixelData = (rgb if photometric == "RGB" else convert_color_space(rgb, "RGB", "YBR_FULL")).tobytes()


def _halves(content: bytes) -> tuple:
    """Mean (R, G, B) of the inner part of the top left and of the top right quadrant of a rendered image (the
    checkerboard reads the same transposed)."""
    from PIL import Image
    image = np.asarray(Image.open(BytesIO(content)).convert("RGB"), dtype=float)
    rows, columns = image.shape[:2]
    inner = image[rows // 8: 3 * rows // 8]
    left = inner[:, columns // 8: 3 * columns // 8].reshape(-1, 3).mean(axis=0)
    right = inner[:, 5 * columns // 8: 7 * columns // 8].reshape(-1, 3).mean(axis=0)
    return tuple(round(v) for v in left), tuple(round(v) for v in right)


def _looks_right(photometric: str, left, right) -> bool:
    if photometric == "MONOCHROME2":
        return sum(right) > sum(left) + 150                  # stored 20 dark, 230 bright
    if photometric == "MONOCHROME1":
        return sum(left) > sum(right) + 150                  # inverted: stored 20 bright, 230 dark
    return left[0] > left[2] + 60 and right[2] > right[0] + 60   # red left, blue right


@requirement("WADO-RENDER-ALL-PHOTOMETRIC")
def test_every_photometric_interpretation_renders(dicomweb, claims, make_instance):
    """STOW-RS Secondary Capture images in MONOCHROME2, MONOCHROME1, RGB, YBR_FULL and PALETTE COLOR, then GET each
    .../rendered as image/jpeg; PS3.18 10.4.1.1.3: every one renders, with its colours (MONOCHROME1 inverted, the
    palette's red and blue) as its Photometric Interpretation says."""
    if not claims.offers("stow"):
        raise NotClaimed("the test stores its images by STOW-RS, which the target does not claim")
    wrong = []
    for photometric in ("MONOCHROME2", "MONOCHROME1", "RGB", "YBR_FULL", "PALETTE COLOR"):
        ds = make_instance("SC")
        _pixels(ds, photometric)
        stored = dicomweb.store([ds])
        if stored.status_code != 200:
            wrong.append(f"{photometric}: STOW-RS answered {stored.status_code}")
            continue
        response = dicomweb.retrieve(study_paths(ds)["instance"] + "/rendered", accept="image/jpeg")
        if response.status_code != 200:
            wrong.append(f"{photometric}: rendered {response.status_code} {response.text[:80]!r}")
            continue
        try:
            left, right = _halves(response.content)
        except Exception as exc:
            wrong.append(f"{photometric}: the rendered image does not decode: {exc}")
            continue
        if not _looks_right(photometric, left, right):
            wrong.append(f"{photometric}: top left quadrant {left}, top right quadrant {right} (RGB means)")
    assert not wrong, (f"expected every Photometric Interpretation rendered as it says (top left dark or red, top right "
                       f"bright or blue; MONOCHROME1 inverted): {'; '.join(wrong)} (PS3.18 10.4.1.1.3)")
