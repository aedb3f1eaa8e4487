"""Where PS3.18 allows several answers, the WADO-RS and STOW-RS checks accept each of them and refuse the rest
(issue 12). The checks are fed answers made here, so each allowed answer is shown to PASS even though the
simulator gives only one of them, and each forbidden one (Orthanc's among them) to FAIL."""

from __future__ import annotations

import json
from io import BytesIO

import httpx
import pytest
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from dicom_harness.clients.evidence import Evidence
from dicom_harness.clients.web import DicomWebClient
from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.suites.stow.checks import judge_mixed, judge_refused, judge_response_module, optional_module
from dicom_harness.suites.wado.checks import judge_forbidden_syntax, judge_unacceptable
from dicom_harness.targets.profile import WebEndpoint

BOUNDARY = "b0undary"


def _client(handler=None) -> DicomWebClient:
    client = DicomWebClient(WebEndpoint("http://target.invalid/dicom-web"), Evidence())
    if handler is not None:
        client._client = httpx.Client(transport=httpx.MockTransport(handler))
    return client


def _part10(ds, syntax) -> bytes:
    ds.file_meta.TransferSyntaxUID = syntax
    buffer = BytesIO()
    ds.save_as(buffer, implicit_vr=syntax.is_implicit_VR, little_endian=syntax.is_little_endian,
               enforce_file_format=True)
    return buffer.getvalue()


def _multipart(body: bytes, label: str | None = None) -> httpx.Response:
    part_type = "application/dicom" + (f"; transfer-syntax={label}" if label else "")
    content = (f"--{BOUNDARY}\r\nContent-Type: {part_type}\r\n\r\n".encode() + body
               + f"\r\n--{BOUNDARY}--\r\n".encode())
    return httpx.Response(200, headers={"content-type": f'multipart/related; type="application/dicom"; '
                                                         f"boundary={BOUNDARY}"}, content=content)


@pytest.fixture(scope="module")
def instance():
    return DatasetFactory(seed=12).make("SC")


# -- WADO-NOT-ACCEPTABLE: 406 (8.7.8.1 step 5) or the default media type (Table 8.7.3-1) ---------------------
def test_unacceptable_accepts_406_and_the_default(instance):
    client = _client()
    uid = str(instance.SOPInstanceUID)
    assert judge_unacceptable(client, httpx.Response(406), uid).startswith("406")
    body = _part10(instance, ExplicitVRLittleEndian)
    assert judge_unacceptable(client, _multipart(body), uid).startswith("200")
    single = httpx.Response(200, headers={"content-type": "application/dicom"}, content=body)
    assert judge_unacceptable(client, single, uid).startswith("200")


@pytest.mark.parametrize("answer", [
    httpx.Response(400, text="This WADO-RS plugin cannot generate the following content type"),   # Orthanc 1.10.1
    httpx.Response(200, headers={"content-type": "image/jpeg"}, content=b"\xff\xd8\xff\xe0"),
    httpx.Response(500),
])
def test_unacceptable_refuses_other_answers(answer, instance):
    with pytest.raises(AssertionError):
        judge_unacceptable(_client(), answer, str(instance.SOPInstanceUID))


# -- WADO-NO-IMPLICIT-VR: 406, or 200 with the parameter ignored (8.7.7), never the forbidden syntaxes ---------
@pytest.mark.parametrize("forbidden", [ImplicitVRLittleEndian, ExplicitVRBigEndian])
def test_forbidden_syntax_accepts_406_and_an_ignored_parameter(forbidden, instance):
    client = _client()
    assert judge_forbidden_syntax(client, httpx.Response(406), forbidden).startswith("406")
    answer = _multipart(_part10(instance, ExplicitVRLittleEndian), str(ExplicitVRLittleEndian))
    assert judge_forbidden_syntax(client, answer, forbidden) == f"200 in {ExplicitVRLittleEndian}"


def test_forbidden_syntax_refuses_implicit_vr_file_or_label(instance):
    client = _client()
    with pytest.raises(AssertionError, match="file meta"):     # what Orthanc 1.10.1 sends
        judge_forbidden_syntax(client, _multipart(_part10(instance, ImplicitVRLittleEndian)), ImplicitVRLittleEndian)
    with pytest.raises(AssertionError, match="part label"):
        judge_forbidden_syntax(client, _multipart(_part10(instance, ExplicitVRLittleEndian),
                                                  str(ImplicitVRLittleEndian)), ImplicitVRLittleEndian)


# -- the client can really send no Accept header (httpx adds */* otherwise) --------------------------------------
def test_omit_accept_sends_no_accept_header_and_says_so():
    seen = []

    def handler(request):
        seen.append(dict(request.headers))
        return httpx.Response(406)

    client = _client(handler)
    client.request("GET", "/studies/1.2")
    client.request("GET", "/studies/1.2", omit_accept=True)
    assert seen[0].get("accept") == "*/*", "httpx's default the old test relied on without knowing"
    assert "accept" not in seen[1]
    assert any("(no Accept header; headers sent:" in line and "accept," not in line
               for line in client.evidence.lines)


def test_a_broken_http_answer_is_a_fail_not_an_error():
    def handler(request):
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")

    with pytest.raises(AssertionError, match="broke HTTP"):
        _client(handler).request("GET", "/studies/1.2")


# -- STOW-RESPONSE-MODULE: Retrieve URL is Type 2 (present, may be empty) -----------------------------------------
def _module(top_url, item_url="present"):
    item = {"00081150": {"vr": "UI", "Value": ["1.2.840.10008.5.1.4.1.1.7"]},
            "00081155": {"vr": "UI", "Value": ["1.2.3.4"]}}
    if item_url == "present":
        item["00081190"] = {"vr": "UR", "Value": ["http://x/studies/1/series/2/instances/1.2.3.4"]}
    elif item_url == "empty":
        item["00081190"] = {"vr": "UR"}
    data = {"00081199": {"vr": "SQ", "Value": [item]}}
    if top_url is not None:
        data["00081190"] = {"vr": "UR", **({"Value": [top_url]} if top_url else {})}
    return data


SENT = {"1.2.3.4": "1.2.840.10008.5.1.4.1.1.7"}


@pytest.mark.parametrize("top, item", [("http://x/studies/1", "present"), ("", "present"), ("", "empty")])
def test_response_module_accepts_empty_type2_retrieve_urls(top, item):
    judge_response_module(_module(top, item), SENT)


@pytest.mark.parametrize("top, item", [(None, "present"), ("http://x/studies/1", "absent")])
def test_response_module_refuses_absent_retrieve_url(top, item):
    with pytest.raises(AssertionError, match="Retrieve URL"):
        judge_response_module(_module(top, item), SENT)


# -- STOW-STUDY-MISMATCH and STOW-MIXED-STUDY: any Failure Reason, optional body, 202 or 409 for a mixed store --------
def _failed(reason, stray="9.9"):
    return {"00081198": {"vr": "SQ", "Value": [{"00081155": {"vr": "UI", "Value": [stray]},
                                                 "00081197": {"vr": "US", "Value": [reason]}}]}}


@pytest.mark.parametrize("reason", [0xC409, 0x0110, 0xA700, 0x0124, 0x1234])
def test_refusal_accepts_any_failure_reason(reason):
    assert "Failure Reason" in judge_refused(_failed(reason), "9.9")


@pytest.mark.parametrize("body", [b"", b"Conflict: study mismatch", b'{"message": "study mismatch"}'])
def test_refusal_payload_is_optional(body):
    response = httpx.Response(409, content=body)
    assert judge_refused(optional_module(response), "9.9").startswith("no Store Instances Response Module")


def test_refusal_module_must_name_the_instance_with_a_reason():
    with pytest.raises(AssertionError):
        judge_refused(_failed(0xC409, stray="1.1"), "9.9")
    with pytest.raises(AssertionError):
        judge_refused(_failed("mismatch"), "9.9")


def test_mixed_store_accepts_202_and_409_only():
    referenced = {"00081199": {"vr": "SQ", "Value": [{"00081155": {"vr": "UI", "Value": ["1.1"]}}]}}
    judge_mixed(202, {**_failed(0xC409), **referenced}, "1.1", "9.9")
    judge_mixed(409, _failed(0xC409), "1.1", "9.9")
    judge_mixed(409, None, "1.1", "9.9")
    for status in (200, 400):
        with pytest.raises(AssertionError):
            judge_mixed(status, None, "1.1", "9.9")


def test_optional_module_reads_a_dicom_json_module():
    data = _failed(0x0110)
    response = httpx.Response(409, headers={"content-type": "application/dicom+json"}, content=json.dumps(data))
    assert optional_module(response) == data


# -- the simulator's own choice (simulators/dicomweb/instances.py) -------------------------------------------------
def test_simulator_never_chooses_a_forbidden_syntax():
    from pydicom.uid import RLELossless

    from dicom_harness.simulators.dicomweb.instances import NotAcceptable, choose_syntax
    for stored in (ImplicitVRLittleEndian, ExplicitVRLittleEndian, RLELossless):
        assert choose_syntax(stored, None) == ExplicitVRLittleEndian          # PS3.18 8.7.3.4
        assert choose_syntax(stored, "*") not in (ImplicitVRLittleEndian, ExplicitVRBigEndian)
        assert choose_syntax(stored, str(ExplicitVRLittleEndian)) == ExplicitVRLittleEndian
        for forbidden in (ImplicitVRLittleEndian, ExplicitVRBigEndian):
            with pytest.raises(NotAcceptable):
                choose_syntax(stored, str(forbidden))
