"""The STOW-RS success-response checks (suites/stow/checks.py) fed each answer PS3.18 10.5.3.2 and 10.5.3.3 allow
and each they forbid: the verdicts of STOW-SUCCESS-HEADERS and STOW-XML-RESPONSE rest on them."""

import httpx
import pytest

from dicom_harness.suites.stow.checks import judge_success_headers, xml_response_module

XML = b"""<?xml version="1.0" encoding="utf-8"?>
<NativeDicomModel xmlns="http://dicom.nema.org/PS3.19/models/NativeDICOM">
  <DicomAttribute tag="00081190" vr="UR"/>
  <DicomAttribute tag="00081199" vr="SQ"><Item number="1">
    <DicomAttribute tag="00081150" vr="UI"><Value number="1">1.2.840.10008.5.1.4.1.1.2</Value></DicomAttribute>
    <DicomAttribute tag="00081155" vr="UI"><Value number="1">1.2.3.4</Value></DicomAttribute>
  </Item></DicomAttribute>
</NativeDicomModel>"""


def _response(content: bytes, media: str) -> httpx.Response:
    return httpx.Response(200, content=content, headers={"content-type": media})


def test_headers_with_length_or_encoding_pass():
    judge_success_headers({"Content-Type": "application/dicom+json", "Content-Length": "12"}, 12)
    judge_success_headers({"Content-Type": "application/dicom+json", "Content-Encoding": "gzip"}, 40)


@pytest.mark.parametrize("headers, size", [
    ({"Content-Type": "application/dicom+json", "Transfer-Encoding": "chunked"}, 12),   # no length, no encoding
    ({"Content-Length": "12"}, 12),                                                     # no Content-Type
    ({"Content-Type": "application/dicom+json", "Content-Length": "11"}, 12),          # length wrong
])
def test_headers_missing_or_wrong_fail(headers, size):
    with pytest.raises(AssertionError):
        judge_success_headers(headers, size)


def test_xml_module_read_with_empty_retrieve_url():
    module = xml_response_module(_response(XML, "application/dicom+xml"))
    assert module["RetrieveURL"] == []      # present, empty: Type 2
    assert module["ReferencedSOPSequence"] == [{"00081150": ["1.2.840.10008.5.1.4.1.1.2"], "00081155": ["1.2.3.4"]}]


def test_xml_module_without_retrieve_url_reads_none():
    body = XML.replace(b'<DicomAttribute tag="00081190" vr="UR"/>', b"")
    assert xml_response_module(_response(body, "application/dicom+xml"))["RetrieveURL"] is None


@pytest.mark.parametrize("content, media", [
    (b'{"00081190": {"vr": "UR"}}', "application/dicom+json"),     # JSON to an XML-only Accept
    (XML, "application/xml"),                                       # mislabelled
    (b"<html/>", "application/dicom+xml"),                          # not a Native DICOM Model document
])
def test_xml_module_refuses_other_answers(content, media):
    with pytest.raises(AssertionError):
        xml_response_module(_response(content, media))
