"""PS3.18 8.3 and 10.5.3: DICOMweb requests the origin server must refuse, drawn by hypothesis from the run's
--seed (bounded, written to the evidence): paging parameters whose values are not unsigned integers, and store
requests whose multipart body cannot be parsed. Opt-in: the target's profile claims "robustness"."""

from __future__ import annotations

from io import BytesIO

from hypothesis import HealthCheck, Phase, example, given, seed, settings
from hypothesis import strategies as st
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_file_meta_info
from pynetdicom.dsutils import encode

from dicom_harness.testing import NotClaimed, NotVerified, assert_same_instance, requirement

from .corruption import CORRUPTIONS, EXPLICIT, corrupted

DRAWN = 8
SETTINGS = settings(max_examples=DRAWN, deadline=None, database=None, phases=(Phase.explicit, Phase.generate),
                    suppress_health_check=list(HealthCheck), print_blob=False, derandomize=False)


def part10_bytes(instance) -> bytes:
    buffer = BytesIO()
    instance.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _run(dataset_factory, evidence, what: str, strategy, explicit, play) -> None:
    test = given(strategy)(play)
    for case in reversed(explicit):
        test = example(case)(test)
    evidence.add("#", f"hypothesis seed {dataset_factory.seed}: {len(explicit)} set and {DRAWN} drawn {what} "
                      "(rerun with the same --seed for the same requests)")
    seed(dataset_factory.seed)(SETTINGS(test))()


# -- QIDO-RS: limit and offset (PS3.18 8.3.4.4: the origin server shall support them) -----------------------------
def _not_unsigned(text: str) -> bool:
    return not (text.isascii() and text.isdigit())


PAGING_VALUES = st.tuples(st.sampled_from(["limit", "offset"]), st.one_of(
    st.integers(-10**6, -1).map(str),                                        # negative
    st.floats(0.01, 1000, allow_nan=False).map(lambda f: f"{f:.2f}"),        # decimal
    st.text(min_size=1, max_size=12).filter(lambda t: _not_unsigned(t.strip()) and t.strip() != ""),
))
PAGING_EXPLICIT = [("limit", "1.5"), ("offset", "abc"), ("limit", "%00"), ("offset", "1e3"), ("limit", "\u0663")]


@requirement("ROBUST-QIDO-INVALID-PAGING-400")
def test_invalid_paging_values_get_400(dicomweb, web_study, dataset_factory, evidence):
    """Search a study's instances with limit or offset values that are not unsigned integers (drawn from the
    seed); PS3.18 8.3: "If a supported Query Parameter has an invalid value" the answer is 400 (Bad Request)."""
    wrong = []

    def play(case):
        name, value = case
        response = dicomweb.search(f"/studies/{web_study.uid}/instances", [(name, value)])
        if response.status_code != 400:
            wrong.append(f"{name}={value!r} answered {response.status_code}")

    _run(dataset_factory, evidence, "paging values", PAGING_VALUES, PAGING_EXPLICIT, play)
    after = dicomweb.search(f"/studies/{web_study.uid}/instances")
    evidence.add("#", f"afterwards a valid search answered {after.status_code}")
    assert not wrong, ("expected 400 (Bad Request) for each limit or offset that is not an unsigned integer "
                       "(PS3.18 8.3, 8.3.4.4); observed " + " | ".join(wrong[:4]))


# -- STOW-RS: bodies that cannot be parsed (PS3.18 10.5.3 Table 10.5.3-1: 400 "bad syntax") ---------------------
BODY_KINDS = ("no boundary parameter", "another boundary", "bytes without delimiters", "cut in part headers")
BODIES = st.tuples(st.sampled_from(BODY_KINDS), st.binary(min_size=1, max_size=256), st.integers(0, 10_000))
BODY_EXPLICIT = [(kind, b"\x00garbage", 5) for kind in BODY_KINDS]
MEDIA = 'multipart/related; type="application/dicom"'


def unparsable(kind: str, noise: bytes, amount: int, part10: bytes) -> tuple[str, bytes]:
    """(Content-Type, body) of a store request no multipart parser can take a part from."""
    boundary = "DH-robustness-boundary"
    valid = (f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode() + part10
             + f"\r\n--{boundary}--\r\n".encode())
    if kind == "no boundary parameter":
        return MEDIA, valid
    if kind == "another boundary":
        return f"{MEDIA}; boundary=DH-not-in-the-body", valid
    if kind == "bytes without delimiters":
        return f"{MEDIA}; boundary={boundary}", noise.replace(boundary.encode(), b"")
    headers_end = valid.index(b"\r\n\r\n")
    start = len(f"--{boundary}\r\n")
    return f"{MEDIA}; boundary={boundary}", valid[:start + amount % (headers_end - start)]


@requirement("ROBUST-STOW-UNPARSABLE-400")
def test_unparsable_store_bodies_are_refused(dicomweb, claims, make_instance, dataset_factory, evidence):
    """POST /studies with multipart bodies no part can be taken from (drawn from the seed); PS3.18 10.5.3:
    400 (bad syntax) or 415 (media type), never 2xx, and the instance in the body is not stored."""
    if not claims.offers("stow"):
        raise NotClaimed("the target does not claim STOW-RS")
    wrong = []

    def play(case):
        kind, noise, amount = case
        instance = make_instance("CT")
        content_type, body = unparsable(kind, noise, amount, part10_bytes(instance))
        evidence.add("#", f"{kind}: {len(body)} bytes, instance {instance.SOPInstanceUID}")
        response = dicomweb.store(body=body, content_type=content_type)
        if response.status_code not in (400, 415):
            wrong.append(f"{kind}: answered {response.status_code}")
            return
        path = (f"/studies/{instance.StudyInstanceUID}/series/{instance.SeriesInstanceUID}/instances/"
                f"{instance.SOPInstanceUID}/metadata")
        if dicomweb.retrieve(path, "application/dicom+json").status_code == 200:
            wrong.append(f"{kind}: answered {response.status_code}, yet the instance is stored")

    _run(dataset_factory, evidence, "bodies", BODIES, BODY_EXPLICIT, play)
    assert not wrong, ("expected 400 (Bad Request) or 415 (Unsupported Media Type) and nothing stored for each "
                       "unparsable body (PS3.18 10.5.3, Table 10.5.3-1); observed " + " | ".join(wrong[:4]))


# -- STOW-RS: an instance stored with 200 survives undecodable stores of the same SOP Instance UID ---------------
def _part10_with(instance, data_set: bytes) -> bytes:
    """The instance's Part 10 header (preamble, DICM, its File Meta Information) before these data set bytes."""
    meta = DicomBytesIO()
    write_file_meta_info(meta, instance.file_meta, enforce_standard=True)
    return b"\0" * 128 + b"DICM" + meta.getvalue() + data_set


@requirement("ROBUST-STOW-STORED-SURVIVES")
def test_stowed_instance_survives_undecodable_stores(dicomweb, claims, make_instance, dataset_factory, evidence):
    """STOW-RS a CT instance, then STOW-RS undecodable data sets under its SOP Instance UID (drawn from the seed);
    PS3.18 Table 10.5.3-1: its 200 said it was stored, so WADO-RS still returns it identical."""
    if not (claims.offers("stow") and claims.offers("wado")):
        raise NotClaimed("the test stores by STOW-RS and reads back by WADO-RS, which the target does not both claim")
    instance = make_instance("CT")
    stored = dicomweb.store([instance])
    if stored.status_code not in (200, 202):
        raise NotVerified(f"the valid instance was not stored (answered {stored.status_code}), so nothing can be lost")

    def play(corruption):
        what, data = corrupted(encode(instance, False, True), *corruption)
        response = dicomweb.store(parts=[("application/dicom", _part10_with(instance, data))])
        evidence.add("#", f"under {instance.SOPInstanceUID}: {what}: answered {response.status_code}")

    _run(dataset_factory, evidence, "undecodable data sets", CORRUPTIONS, EXPLICIT, play)
    path = (f"/studies/{instance.StudyInstanceUID}/series/{instance.SeriesInstanceUID}/instances/"
            f"{instance.SOPInstanceUID}")
    found = dicomweb.retrieve_instances(path)
    assert len(found) == 1, f"GET {path}: expected the stored instance, observed {len(found)} instance(s)"
    assert_same_instance(instance, found[0], coercion_allowed=stored.status_code == 202)
