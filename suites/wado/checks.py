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
