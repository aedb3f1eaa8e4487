"""PS3.18 8.7.3: the transfer syntax of DICOM instances sent by WADO-RS (the parameter 8.7.3.5.2, the default
8.7.3.4, and the two syntaxes that shall not be used with Web Services)."""

import pytest
from pydicom.uid import ExplicitVRBigEndian, ImplicitVRLittleEndian

from dicom_harness.testing import MULTIPART_DICOM, pixel_digest, requirement, study_paths

from .checks import EXPLICIT_VR_LE, FORBIDDEN_SYNTAXES, judge_forbidden_syntax, one_part, stored_rle_instance

STORED_AS = ["explicit-vr-little-endian", "rle-lossless"]


def _instance(stored_as, dicomweb, web_study, claims, make_instance):
    if stored_as == "rle-lossless":
        return stored_rle_instance(dicomweb, claims, make_instance)
    return web_study.images[0]


def _assert_same(sent, received, where):
    assert str(received.SOPInstanceUID) == str(sent.SOPInstanceUID), (
        f"{where}: expected instance {sent.SOPInstanceUID}, observed {received.SOPInstanceUID}")
    assert pixel_digest(received) == pixel_digest(sent), f"{where}: decoded pixel data differs from what was stored"


@requirement("WADO-TRANSFER-SYNTAX")
@pytest.mark.parametrize("stored_as", STORED_AS)
def test_requested_transfer_syntax_is_sent(stored_as, dicomweb, web_study, claims, make_instance):
    """GET an instance (stored uncompressed, or in RLE Lossless) with transfer-syntax=1.2.840.10008.1.2.1, then
    with transfer-syntax=*; PS3.18 8.7.3.5.2: the parameter and its wildcard are supported."""
    sent = _instance(stored_as, dicomweb, web_study, claims, make_instance)
    path = study_paths(sent)["instance"]
    received, syntax, label = one_part(dicomweb, path, f"{MULTIPART_DICOM}; transfer-syntax={EXPLICIT_VR_LE}")
    assert syntax == EXPLICIT_VR_LE, (
        f"transfer-syntax={EXPLICIT_VR_LE}: file meta Transfer Syntax UID expected {EXPLICIT_VR_LE}, observed {syntax}")
    assert label in (None, syntax), f"the part is labelled transfer-syntax={label}, the file is {syntax}"
    _assert_same(sent, received, f"transfer-syntax={EXPLICIT_VR_LE}")
    received, syntax, label = one_part(dicomweb, path, f"{MULTIPART_DICOM}; transfer-syntax=*")
    assert syntax not in FORBIDDEN_SYNTAXES, (
        f"transfer-syntax=*: sent in {FORBIDDEN_SYNTAXES.get(syntax)} ({syntax}), which PS3.18 8.7.3 forbids")
    assert label in (None, syntax), f"the part is labelled transfer-syntax={label}, the file is {syntax}"
    _assert_same(sent, received, "transfer-syntax=*")


@requirement("WADO-DEFAULT-TRANSFER-SYNTAX")
@pytest.mark.parametrize("stored_as", STORED_AS)
def test_default_transfer_syntax_is_explicit_vr_little_endian(stored_as, dicomweb, web_study, claims,
                                                             make_instance):
    """GET an instance (stored uncompressed, or in RLE Lossless) as multipart/related; type="application/dicom"
    without a transfer-syntax parameter; PS3.18 8.7.3.4: the Default Transfer Syntax, Explicit VR Little Endian."""
    sent = _instance(stored_as, dicomweb, web_study, claims, make_instance)
    received, syntax, label = one_part(dicomweb, study_paths(sent)["instance"], MULTIPART_DICOM)
    assert syntax == EXPLICIT_VR_LE, (
        f"no transfer-syntax parameter: file meta Transfer Syntax UID expected {EXPLICIT_VR_LE} (Explicit VR Little "
        f"Endian; the instance is lossless and small), observed {syntax}")
    assert label in (None, syntax), f"the part is labelled transfer-syntax={label}, the file is {syntax}"
    _assert_same(sent, received, "default transfer syntax")


@requirement("WADO-NO-IMPLICIT-VR")
@pytest.mark.parametrize("forbidden", [str(ImplicitVRLittleEndian), str(ExplicitVRBigEndian)])
def test_forbidden_transfer_syntax_is_never_sent(forbidden, dicomweb, web_study):
    """GET an instance with transfer-syntax= Implicit VR Little Endian or Explicit VR Big Endian; PS3.18 8.7.3:
    these shall not be used with Web Services (406, or 200 in another syntax with the parameter ignored)."""
    path = study_paths(web_study.images[0])["instance"]
    response = dicomweb.retrieve(path, accept=f"{MULTIPART_DICOM}; transfer-syntax={forbidden}")
    judge_forbidden_syntax(dicomweb, response, forbidden)
