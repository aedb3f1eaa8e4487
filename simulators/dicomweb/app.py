"""The DICOMweb server simulator as a Starlette app: QIDO-RS, WADO-RS, STOW-RS (PS3.18 10), UPS-RS (11), WADO-URI
(PS3.18 9) and Retrieve Capabilities (PS3.18 8.9) over the shared Store.

Handlers are small functions over the store; faults (simulators/faults.py) each break one requirement."""

from __future__ import annotations

import base64
import codecs
import json
import logging
import os
import re
import uuid
import warnings
from collections.abc import Iterable
from pathlib import Path

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.sequence import Sequence
from pydicom.uid import UID
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Mount, Route

from dicom_harness.shared.status import Status
from dicom_harness.simulators import faults
from dicom_harness.simulators.dicomweb import instances as io
from dicom_harness.simulators.dicomweb import rendering, uri_params, wadl
from dicom_harness.simulators.dicomweb import search as qido
from dicom_harness.simulators.dicomweb.fhir import FhirRoutes
from dicom_harness.simulators.dicomweb.multipart import (
    MultipartError,
    file_chunks,
    parse_media_type,
    read_parts,
    write_parts,
)
from dicom_harness.simulators.dicomweb.native_xml import to_native_xml
from dicom_harness.simulators.dicomweb.negotiation import (
    Offer,
    choose,
    has_accept_header,
    mixes_dicom_and_rendered,
    parse_accept,
    request_ranges,
)
from dicom_harness.simulators.dicomweb.pixels import choose_pixels
from dicom_harness.simulators.dicomweb.selection import KNOWN_PARAMETERS, accept_sets, select
from dicom_harness.simulators.dicomweb.ups import Worklist
from dicom_harness.simulators.dicomweb.ups_routes import UpsRoutes
from dicom_harness.simulators.faults import (
    ACCEPT_IGNORES_Q,
    ACCEPT_PARAM_MIXED_SERVED,
    ACCEPT_PARAM_OVERRIDES_HEADER,
    ACCEPT_UNKNOWN_PARAMETER_406,
    BULKDATA_PIXEL_DATA_ENCAPSULATED,
    BULKDATA_TRUNCATED,
    CAPS_LABELLED_XML,
    CAPS_WADL_FLAT,
    CAPS_WADL_WITHOUT_WORKITEMS,
    CAPS_WRONG_BASE,
    CHARSET_PARAMETER_406,
    FRAMES_COMPRESSED_AS_OCTET_STREAM,
    FRAMES_COMPRESSED_UNLABELLED,
    FRAMES_OFF_BY_ONE,
    JSON_EMPTY_VALUE_ARRAY,
    JSON_GROUP_LENGTH,
    JSON_NUMBERS_AS_STRINGS,
    JSON_PN_AS_STRING,
    JSON_UID_INLINE_BINARY,
    JSON_WRONG_VR,
    METADATA_DROPS_TYPE3,
    METADATA_WITHOUT_CONTENT_LOCATION,
    METADATA_XML_ANSWERED_JSON,
    MULTIPART_NO_TYPE_PARAMETER,
    QIDO_DATE_RANGE_AS_VALUE,
    QIDO_EMPTY_200,
    QIDO_ENCODED_COMMA_INCLUDEFIELD,
    QIDO_ENCODED_COMMA_UID_LIST,
    QIDO_IGNORES_OFFSET,
    QIDO_INCLUDEFIELD_ALL_IGNORED,
    QIDO_INCLUDEFIELD_ALL_UPPER_IGNORED,
    QIDO_INCLUDEFIELD_ANY_LEVEL,
    QIDO_INCLUDEFIELD_KEYWORD_IGNORED,
    QIDO_INCLUDEFIELD_TAG_IGNORED,
    QIDO_INSTANCES_WITHOUT_SOP_CLASS,
    QIDO_INVALID_LIMIT_IGNORED,
    QIDO_NO_PAGING_WARNING,
    QIDO_NO_PERCENT_DECODING,
    QIDO_ORDER_ALTERNATES,
    QIDO_REJECTS_UNKNOWN_PARAMETER,
    QIDO_SERIES_IGNORES_STUDY,
    QIDO_WILDCARD_IGNORES_CASE,
    QIDO_WRONG_STUDY_COUNTS,
    QIDO_XML_ANSWERED_JSON,
    RENDERED_ANNOTATION_NO_WARNING,
    RENDERED_ANNOTATION_UNCHECKED,
    RENDERED_EXTENDED_JPEG,
    RENDERED_FRAME_IGNORED,
    RENDERED_NO_GIF,
    RENDERED_PALETTE_AS_GREY,
    RENDERED_PNG_16_BIT,
    RENDERED_QUALITY_UNCHECKED,
    RENDERED_STUDY_SERIES_MISSING,
    RENDERED_UTF8_REFUSED,
    RENDERED_VIEWPORT_IGNORES_CROP,
    RENDERED_VIEWPORT_SHRINK_ONLY,
    RENDERED_VIEWPORT_UNCHECKED,
    RENDERED_WINDOW_IGNORED,
    RENDERED_WINDOW_UNCHECKED,
    RENDERED_WRONG_SIZE,
    ROBUST_QIDO_NON_ASCII_DIGITS,
    ROBUST_STOW_MALFORMED_200,
    ROBUST_STOW_REFUSAL_DELETES_STORED,
    SERIES_METADATA_LABELLED_MULTIPART,
    STOW_ACCEPTS_OTHER_STUDY,
    STOW_FAILED_ITEM_NO_CLASS,
    STOW_FAILURE_REASON_SOP_CLASS,
    STOW_IGNORES_CONTENT_TYPE,
    STOW_KEEPS_FIRST_ONLY,
    STOW_MIXED_409_KEEPS_MATCHING,
    STOW_ONE_STUDY_PER_REQUEST,
    STOW_PARTIAL_200,
    STOW_PARTIAL_LISTS_REFUSED,
    STOW_RESPONSE_CHUNKED,
    STOW_RESPONSE_NO_RETRIEVE_URL,
    STOW_REWRITES_REFERENCED_UID,
    STOW_XML_ANSWERED_JSON,
    THUMBNAIL_FRAME_MISSING,
    THUMBNAIL_NOT_RENDERED_TYPE,
    THUMBNAIL_STUDY_MULTIPART,
    WADO_DEFAULT_AS_STORED,
    WADO_IGNORES_ACCEPT,
    WADO_MISLABELS_TRANSFER_SYNTAX,
    WADO_MIXED_ACCEPT_SERVED,
    WADO_NO_ACCEPT_DEFAULT,
    WADO_REJECTS_UNKNOWN_PARAMETER,
    WADO_SENDS_IMPLICIT_VR,
    WADO_SERIES_DROPS_INSTANCE,
    WADO_UNKNOWN_STUDY_200,
    WADO_URI_BAD_REQUEST_TYPE_404,
    WADO_URI_CONTENTTYPE_PARAMETERS_ACCEPTED,
    WADO_URI_DEFAULT_AS_STORED,
    WADO_URI_DEFAULT_DICOM,
    WADO_URI_EXTENDED_JPEG,
    WADO_URI_GIF_MISLABELLED,
    WADO_URI_IGNORES_OBJECT_UID,
    WADO_URI_INVALID_SYNTAX_406,
    WADO_URI_JP2_AS_PNG,
    WADO_URI_MISLABELS_RENDERED,
    WADO_URI_MISSING_UID_404,
    WADO_URI_MIXED_MEDIA_TYPES_SERVED,
    WADO_URI_PNG_16_BIT,
    WADO_URI_PNG_AS_JPEG,
    WADO_URI_SUPPORTED_SYNTAX_IGNORED,
    WADO_URI_UNKNOWN_CHARSET_400,
    WADO_URI_UNSUPPORTED_SYNTAX_200,
    WEB_404_WITHOUT_EXPLANATION,
    WEB_405_WITHOUT_ALLOW,
    WEB_ACCEPT_CHARSET_406,
    WEB_ERROR_WITHOUT_CONTENT_TYPE,
    WEB_HIDES_DIMSE_INSTANCES,
    Fault,
    faults_named,
)
from dicom_harness.simulators.inspection import (
    NOT_UNDERSTOOD,
    Limits,
    dataset_uid_problem,
    part10_problem,
)
from dicom_harness.simulators.lean_scan import lean_part
from dicom_harness.simulators.store import Store

log = logging.getLogger("simulators.dicomweb")

DICOM_JSON = "application/dicom+json"
DICOM_XML = "application/dicom+xml"
WADL = "application/vnd.sun.wadl+xml"
# The Query Parameters of retrieves (PS3.18 10.4.1.2, Table 10.4.1-5); any other is ignored (PS3.18 8.3)
# A STOW-RS Failure Reason in PS3.18 Table I.2-2's A7xx "Refused out of Resources": this one is our bound on
# how far a Deflated data set may inflate (simulators/inspection.py); A700 is a full disk
REFUSED_TOO_LARGE = 0xA701
UID_PATTERN = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")
PRESENTATION_STATES = "1.2.840.10008.5.1.4.1.1.11."      # the Softcopy Presentation State Storage SOP Classes
# A STOW-RS part up to this size is held in memory while the body arrives, its file written by the worker thread
STOW_PART_IN_MEMORY = 1024 * 1024
RETRIEVE_PARAMETERS = {"accept", "charset", "annotation", "quality", "viewport", "window", "iccprofile"}


def _is_uid(text: str) -> bool:
    """A valid UID (PS3.5 9.1): dotted numeric components without leading zeros, at most 64 characters."""
    return len(text) <= 64 and UID_PATTERN.match(text) is not None


class DicomWebApp:
    def __init__(self, store: Store, faults: Iterable[str | Fault] = (), root: str = "/dicom-web",
                 public_url: str | None = None, limits: Limits | None = None):
        """public_url: the absolute URL clients reach the server at (scheme://host:port); every URL the answers
        carry (Retrieve URL, BulkDataURI, the WADL base) is built from it. None: from the request's Host."""
        self.store = store
        self.public_url = public_url.rstrip("/") if public_url else None
        self.limits = limits or Limits()
        self.faults = faults_named(faults)
        self.root = root
        self.stowed: set[str] = set()     # for the web-hides-dimse-instances fault only
        self.searches = 0                 # for the qido-order-alternates fault only
        self.ups = UpsRoutes(Worklist(store.root, self.faults), root, self.limits.event_send_timeout)
        # FHIR R4 (Patient, ImagingStudy, Endpoint) over the instances QIDO shows, its Endpoint this WADO-RS root
        self.fhir = FhirRoutes(self._instances, self.base_url, self.faults)

    # -- helpers ------------------------------------------------------------------------------------------
    def base_url(self, request: Request) -> str:
        if self.public_url:
            return f"{self.public_url}{self.root}"
        return f"{request.url.scheme}://{request.url.netloc}{self.root}"

    def _visible(self, found: list) -> list:
        if WEB_HIDES_DIMSE_INSTANCES in self.faults:
            return [i for i in found if i.sop_instance_uid in self.stowed]
        return found

    def _instances(self, study: str | None = None, series: str | None = None, sop: str | None = None) -> list:
        found = self.store.instances(study=study, series=series, sop_instances=[sop] if sop else None)
        return self._visible(found)

    @staticmethod
    def _error(status: int, text: str) -> Response:
        return Response(text + "\n", status_code=status, media_type="text/plain")

    # -- QIDO-RS ----------------------------------------------------------------------------------------------
    async def search(self, request: Request) -> Response:
        params = request.path_params
        study, series = params.get("study"), params.get("series")
        level = {"studies": "study", "series": "series", "instances": "instance"}[request.url.path.rsplit("/", 1)[1]]
        chosen = choose(request_ranges(request), [Offer(DICOM_JSON), Offer("application/json"),
                                                Offer("multipart/related", DICOM_XML)])
        if chosen is None:
            return self._error(406, "search results are offered as application/dicom+json or "
                                    'multipart/related; type="application/dicom+xml"')
        try:
            query = qido.parse_query(request.url.query, percent_decode=QIDO_NO_PERCENT_DECODING not in self.faults,
                                     reject_unknown=QIDO_REJECTS_UNKNOWN_PARAMETER in self.faults,
                                     ignore_includefield=self._includefield_faults(level),
                                     lenient_paging=QIDO_INVALID_LIMIT_IGNORED in self.faults,
                                     encoded_comma_uids=QIDO_ENCODED_COMMA_UID_LIST not in self.faults,
                                     encoded_comma_includefield=QIDO_ENCODED_COMMA_INCLUDEFIELD not in self.faults,
                                     fuzzy_when_false=qido.fuzzy_when_false(self.faults),
                                     includefield_last_only=qido.includefield_last_only(self.faults),
                                     non_ascii_digits=ROBUST_QIDO_NON_ASCII_DIGITS in self.faults)
        except qido.BadQuery as exc:
            return self._error(400, str(exc))
        if QIDO_SERIES_IGNORES_STUDY in self.faults and level == "series":
            study = None
        qido.query_faults(self.faults, level, query)
        private = [t for t in query.includefield if qido.private_creator(t) is not None]
        if WEB_HIDES_DIMSE_INSTANCES in self.faults:
            entities = qido.group(self._instances(study=study, series=series), level, self.base_url(request),
                                  private=private)
        else:       # the index groups and counts; only each group's first instance is read
            groups = self.store.groups(level, study=study, series=series, any_of=qido.indexed_keys(query))
            entities = qido.entities_of(groups, level, self.base_url(request), private=private)
        return_keys = qido.return_keys(level, study, series, self.faults)
        page = qido.search_page(entities, query, return_keys, level=level,
                                literal_ranges=QIDO_DATE_RANGE_AS_VALUE in self.faults,
                                ignore_offset=QIDO_IGNORES_OFFSET in self.faults,
                                any_level=QIDO_INCLUDEFIELD_ANY_LEVEL in self.faults,
                                wildcard_ignores_case=QIDO_WILDCARD_IGNORES_CASE in self.faults)
        results = page.results
        self._search_faults(level, results)
        qido.result_faults(self.faults, level, query, results)
        if not results and QIDO_EMPTY_200 not in self.faults:
            return Response(status_code=204)      # PS3.18 8.3.4.4.1: no results, empty payload
        headers = {}
        if page.remaining and QIDO_NO_PAGING_WARNING not in self.faults:
            # PS3.18 8.3.4.4.1: "If (remaining > 0) the response shall include a Warning header field"
            headers["Warning"] = (f"299 {self.base_url(request)}: There are {page.remaining} additional results "
                                  "that can be requested")
        if chosen[0].part_type == DICOM_XML and QIDO_XML_ANSWERED_JSON not in self.faults:
            response = self._xml_parts(results)
            response.headers.update(headers)
            return response
        self._json_faults(results)
        return Response(qido.json_body(self.faults, results),
                        media_type=DICOM_JSON if chosen[0].part_type else chosen[0].media,
                        headers=headers, status_code=qido.success_status(self.faults, page))

    def _includefield_faults(self, level: str) -> list[str]:
        """The kinds of includefield value the faults switched on make the search ignore (at this level)."""
        ignored = []
        if QIDO_INCLUDEFIELD_KEYWORD_IGNORED in self.faults:
            ignored.append("keyword")
        if QIDO_INCLUDEFIELD_TAG_IGNORED in self.faults:
            ignored.append("tag")
        if (QIDO_INCLUDEFIELD_ALL_IGNORED in self.faults and level == "instance") or (
                QIDO_INCLUDEFIELD_ALL_UPPER_IGNORED in self.faults and level != "instance"):
            ignored.append("all")
        return ignored

    def _xml_parts(self, datasets: list[dict]) -> StreamingResponse:
        """PS3.18 F.3.1: one Native DICOM Model document per data set, as multipart/related parts."""
        return self._multipart(DICOM_XML, [({"Content-Type": DICOM_XML}, [to_native_xml(d)]) for d in datasets])

    def _search_faults(self, level: str, results: list[dict]) -> None:
        if QIDO_WRONG_STUDY_COUNTS in self.faults and level == "study":
            for item in results:
                entry = item.get(qido.hex_tag("NumberOfStudyRelatedInstances"))
                if entry:
                    entry["Value"] = [int(entry["Value"][0]) + 1]
        if QIDO_INSTANCES_WITHOUT_SOP_CLASS in self.faults and level == "instance":
            for item in results:
                item.pop(qido.hex_tag("SOPClassUID"), None)
        if QIDO_ORDER_ALTERNATES in self.faults:
            self.searches += 1
            if self.searches % 2 == 0:
                results.reverse()

    def _json_faults(self, results: list[dict]) -> None:
        """Faults of the DICOM JSON encoding (PS3.18 F.2) of search results."""
        for item in results:
            for entry in item.values():
                vr, value = entry.get("vr"), entry.get("Value")
                if JSON_PN_AS_STRING in self.faults and vr == "PN" and value:
                    entry["Value"] = [v.get("Alphabetic", "") if isinstance(v, dict) else v for v in value]
                if JSON_UID_INLINE_BINARY in self.faults and vr == "UI" and value:
                    entry["InlineBinary"] = base64.b64encode("\\".join(value).encode()).decode()
                if JSON_NUMBERS_AS_STRINGS in self.faults and vr in ("US", "UL", "SS", "SL", "FL", "FD") and value:
                    entry["Value"] = [str(v) for v in value]
                if JSON_EMPTY_VALUE_ARRAY in self.faults and vr != "SQ" and not {"Value", "BulkDataURI",
                                                                                   "InlineBinary"} & set(entry):
                    entry["Value"] = []
            if JSON_WRONG_VR in self.faults and qido.hex_tag("Modality") in item:
                item[qido.hex_tag("Modality")]["vr"] = "LO"
            if JSON_GROUP_LENGTH in self.faults:
                grouped = {"00080000": {"vr": "UL", "Value": [0]}, **item}
                item.clear()
                item.update(sorted(grouped.items()))

    # -- WADO-RS: instances ----------------------------------------------------------------------------------
    def _resource(self, request: Request) -> list:
        p = request.path_params
        sop = p.get("instance")
        found = self._visible(self.store.files(study=p.get("study"), series=p.get("series"),
                                               sop_instances=[sop] if sop else None))
        if WADO_SERIES_DROPS_INSTANCE in self.faults and "series" in p and "instance" not in p and len(found) > 1:
            found = found[:-1]
        return found

    def _report(self, request: Request, status: int, text: str) -> Response:
        """A WADO-RS failure's Status Report: PS3.18 8.6.3, a request without an Acceptable Media Type gets it in
        text/html (the Text Resource Category's default); otherwise text/plain."""
        if has_accept_header(request) or faults.WEB_STATUS_REPORT_PLAIN in self.faults:
            return self._error(status, text)
        page = f"<!DOCTYPE html>\n<html><head><title>{status}</title></head><body><p>{text}</p></body></html>\n"
        return Response(page, status_code=status, media_type="text/html")

    def _negotiate(self, request: Request, offers: list[Offer]):
        """The WADO-RS Accept checks of PS3.18 8.7.5 and 8.7.7, then the selection of 8.7.8.1: a Response (the
        error to send), or what choose() gives (None: no offer is acceptable)."""
        if not has_accept_header(request) and WADO_NO_ACCEPT_DEFAULT not in self.faults:
            return self._report(request, 406, "a request without an Accept header field is answered 406 (PS3.18 8.7.5)")
        if WEB_ACCEPT_CHARSET_406 in self.faults and not known_charsets(request.headers.get("accept-charset")):
            return self._error(406, "none of the character sets in the Accept-Charset header field is supported")
        unknown = set(request.query_params) - RETRIEVE_PARAMETERS
        if unknown and WADO_REJECTS_UNKNOWN_PARAMETER in self.faults:
            return self._error(400, f"unknown query parameter(s) {', '.join(sorted(unknown))}")
        ranges = request_ranges(request, by_q=ACCEPT_IGNORES_Q not in self.faults,
                                query_only=ACCEPT_PARAM_OVERRIDES_HEADER in self.faults)
        if mixes_dicom_and_rendered(parse_accept(request.headers.get("accept"))):
            if WADO_MIXED_ACCEPT_SERVED not in self.faults:
                return self._error(400, "the Accept header names both DICOM and Rendered Media Types (PS3.18 8.7.5)")
        elif mixes_dicom_and_rendered(ranges) and ACCEPT_PARAM_MIXED_SERVED not in self.faults:
            return self._error(400, "the accept Query Parameter and Accept header name both DICOM and Rendered Media "
                                    "Types (PS3.18 8.3.3.1)")
        refuse_unknown = ACCEPT_UNKNOWN_PARAMETER_406 in self.faults
        refuse_charset = CHARSET_PARAMETER_406 in self.faults
        if faults.ACCEPT_WILDCARD_OUTRANKS_SPECIFIC in self.faults:       # the first range by q, however general
            return choose(ranges, offers, unknown_parameters_refused=refuse_unknown, charset_refused=refuse_charset)

        def usable(media_range) -> bool:
            return not ((refuse_unknown and set(media_range.params) - KNOWN_PARAMETERS)
                        or (refuse_charset and "charset" in media_range.params))
        sets = accept_sets(request, by_q=ACCEPT_IGNORES_Q not in self.faults,
                           query_only=ACCEPT_PARAM_OVERRIDES_HEADER in self.faults)
        if faults.ACCEPT_HEADER_BEFORE_PARAM in self.faults:
            sets = sets[::-1]
        return select(sets, offers, usable=usable, use_q=ACCEPT_IGNORES_Q not in self.faults)

    async def retrieve(self, request: Request) -> Response:
        found = self._resource(request)
        if not found and WADO_UNKNOWN_STUDY_200 not in self.faults:
            if WEB_404_WITHOUT_EXPLANATION in self.faults:
                return Response(b"", status_code=404, media_type="text/plain")
            return self._report(request, 404, "no such resource")
        offers = [Offer("multipart/related", "application/dicom")]
        if "instance" in request.path_params:
            offers.append(Offer("application/dicom"))
        if WADO_IGNORES_ACCEPT in self.faults and choose(parse_accept(request.headers.get("accept")), offers) is None:
            return self._error(400, "unsupported media type in the Accept header")
        chosen = self._negotiate(request, offers)
        if isinstance(chosen, Response):
            return chosen
        if chosen is None:
            return self._error(406, "instances are offered as multipart/related; type=\"application/dicom\"")
        offer, media_range = chosen
        wanted = media_range.params.get("transfer-syntax")
        plan = []
        for instance in found:
            try:
                syntax = io.choose_syntax(instance.transfer_syntax_uid, wanted,
                                          allow_forbidden=WADO_SENDS_IMPLICIT_VR in self.faults,
                                          default_as_stored=WADO_DEFAULT_AS_STORED in self.faults)
            except io.NotAcceptable as exc:
                return self._error(406, str(exc))
            if WADO_MISLABELS_TRANSFER_SYNTAX in self.faults and wanted not in (None, "*"):
                plan.append((instance, instance.transfer_syntax_uid, wanted))
            else:
                plan.append((instance, syntax, syntax))
        if offer.part_type is None:         # single part: application/dicom
            instance, syntax, label = plan[0]
            body = io.part10(instance.path, instance.transfer_syntax_uid, syntax)
            content = body if body is not None else file_chunks(instance.path)
            return StreamingResponse(iter(content), media_type=f"application/dicom; transfer-syntax={label}")

        # the fault of WADO-CONTENT-TYPE-PARAMETERS: the series resource's parts name their syntax twice
        doubled = (faults.WADO_PART_TWO_TRANSFER_SYNTAXES in self.faults and "series" in request.path_params
                   and "instance" not in request.path_params)

        base = self.base_url(request)

        def parts():
            for instance, syntax, label in plan:
                body = io.part10(instance.location, instance.transfer_syntax_uid, syntax)
                length = sum(map(len, body)) if body is not None else os.path.getsize(instance.location)
                # the file as stored, in one read when it is small
                content = body if body is not None else file_chunks(instance.location, 0, length)
                twice = f"; transfer-syntax={label}" if doubled else ""
                headers = {"Content-Type": f"application/dicom; transfer-syntax={label}{twice}"}
                # PS3.18 8.6.1.2, Table 8.6.1-1: Content-Length (no content encoding) and Content-Location (the
                # part is a representation of the instance) in each part
                if faults.WADO_PART_NO_CONTENT_LENGTH not in self.faults:
                    headers["Content-Length"] = str(length)
                if faults.WADO_PART_NO_CONTENT_LOCATION not in self.faults:
                    headers["Content-Location"] = (f"{base}/studies/{instance.study_instance_uid}/series/"
                                                   f"{instance.series_instance_uid}/instances/{instance.sop_instance_uid}")
                yield headers, content
        return self._multipart("application/dicom", parts())

    def _multipart(self, part_type: str, parts: Iterable) -> StreamingResponse:
        boundary = uuid.uuid4().hex
        media = f'multipart/related; type="{part_type}"; boundary={boundary}'
        if MULTIPART_NO_TYPE_PARAMETER in self.faults and part_type == "application/dicom":
            media = f"multipart/related; boundary={boundary}"
        return StreamingResponse(_in_event_loop(write_parts(boundary, parts)), media_type=media)

    async def retrieve_metadata(self, request: Request) -> Response:
        found = self._resource(request)
        if not found:
            if WEB_ERROR_WITHOUT_CONTENT_TYPE in self.faults:
                return Response(b"no such resource\n", status_code=404)       # no media type: no Content-Type
            return self._report(request, 404, "no such resource")
        chosen = self._negotiate(request, [Offer(DICOM_JSON), Offer("application/json"),
                                           Offer("multipart/related", DICOM_XML)])
        if isinstance(chosen, Response):
            return chosen
        if chosen is None:
            return self._error(406, 'metadata is offered as application/dicom+json or multipart/related; '
                                    'type="application/dicom+xml"')
        base = self.base_url(request)
        drop = ("ImageComments",) if METADATA_DROPS_TYPE3 in self.faults else ()
        items = [io.metadata(i.path, f"{base}/studies/{i.study_instance_uid}/series/{i.series_instance_uid}"
                                     f"/instances/{i.sop_instance_uid}", drop) for i in found]
        if chosen[0].part_type == DICOM_XML and METADATA_XML_ANSWERED_JSON not in self.faults:
            return self._xml_parts(items)
        if (SERIES_METADATA_LABELLED_MULTIPART in self.faults and "series" in request.path_params
                and "instance" not in request.path_params):
            return Response(json.dumps(items), media_type=f'multipart/related; type="{DICOM_JSON}"')
        return Response(json.dumps(items), media_type=DICOM_JSON)

    def _one_instance(self, request: Request):
        found = self._resource(request)
        return found[0] if found else None

    def _pixel_negotiation(self, request: Request, instance, single_part: bool):
        """PS3.18 8.7.3.3 for Frames and Bulk Data of Pixel Data: a Response (an error), or a PixelAnswer."""
        offers = [Offer("multipart/related"), Offer("*/*")] if single_part else [Offer("multipart/related")]
        checked = self._negotiate(request, offers)
        if isinstance(checked, Response):
            return checked
        stored = io.stored_syntax(instance.path)
        ranges = request_ranges(request, by_q=ACCEPT_IGNORES_Q not in self.faults,
                                query_only=ACCEPT_PARAM_OVERRIDES_HEADER in self.faults)
        answer = choose_pixels(ranges, stored, decodable=io.can_decode(stored), single_part=single_part)
        if answer is None:
            media = io.COMPRESSED_MEDIA.get(stored)
            return self._error(406, "pixel data is offered as application/octet-stream (Explicit VR Little Endian)"
                                    + (f" when it can be decoded, or as {media}; transfer-syntax={stored}"
                                       if media else ""))
        return answer

    async def retrieve_bulkdata(self, request: Request) -> Response:
        instance = self._one_instance(request)
        if instance is None:
            return self._error(404, "no such instance")
        try:
            tag = int(request.path_params["tag"], 16)
        except ValueError as exc:
            return self._error(404, str(exc))
        if tag == io.PIXEL_DATA and UID(io.stored_syntax(instance.path)).is_compressed:
            return self._compressed_pixel_bulkdata(request, instance)
        chosen = self._negotiate(request, [Offer("multipart/related", "application/octet-stream"),
                                           Offer("application/octet-stream")])
        if isinstance(chosen, Response):
            return chosen
        if chosen is None:
            return self._error(406, "bulk data is offered as application/octet-stream")
        try:
            chunks, _ = io.bulk_value(instance.path, tag)
        except io.NotFound as exc:
            return self._error(404, str(exc))
        if BULKDATA_TRUNCATED in self.faults:
            chunks = [b"".join(chunks)[:-1]]
        if chosen[0].part_type is None:
            return Response(b"".join(chunks), media_type="application/octet-stream")
        return self._multipart("application/octet-stream",
                               [({"Content-Type": "application/octet-stream"}, chunks)])

    def _compressed_pixel_bulkdata(self, request: Request, instance) -> Response:
        """Pixel Data stored compressed (PS3.18 8.7.3.3.2): the compressed stream of each frame without the fragment
        delimiters, in its own media type, or the decoded bytes as application/octet-stream."""
        answer = self._pixel_negotiation(request, instance, single_part=True)
        if isinstance(answer, Response):
            return answer
        if BULKDATA_PIXEL_DATA_ENCAPSULATED in self.faults:
            data, content_type = [io.encapsulated_value(instance.path)], "application/octet-stream"
        elif answer.compressed:
            count = int(io.pixel_data_location(instance.path)[0].get("NumberOfFrames", 1) or 1)
            data, content_type = io.compressed_frames(instance.path, list(range(1, count + 1))), answer.content_type
        else:
            data, content_type = [bytes(io.decoded_pixel_data(instance.path).PixelData)], answer.content_type
        if not answer.multipart:
            return Response(b"".join(data), media_type=content_type)
        # PS3.18 8.7.3.3.2: a multi-frame image's compressed Pixel Data goes one frame per part
        return self._multipart(answer.media, [({"Content-Type": content_type}, [d]) for d in data])

    async def retrieve_frames(self, request: Request) -> Response:
        instance = self._one_instance(request)
        if instance is None:
            return self._error(404, "no such instance")
        try:
            numbers = [int(n) for n in request.path_params["frames"].split(",")]
        except ValueError:
            return self._error(400, "frame numbers are a comma-separated list of integers")
        # the fault of WEB-206-ONLY-RANGE: every frame asked for, labelled 206 (Partial Content) without a Range
        partial = faults.FRAMES_206_COMPLETE in self.faults and len(numbers) > 1 and 1 in numbers
        if 0 in numbers and faults.WEB_FRAME_ZERO_NO_RESPONSE in self.faults:
            def broken():
                raise ConnectionAbortedError("the simulator drops the connection (fault web-frame-zero-no-response)")
                yield b""                   # a generator: the status line may go out, the message never ends
            return StreamingResponse(broken(), media_type="multipart/related")
        answer = self._pixel_negotiation(request, instance, single_part=False)
        if isinstance(answer, Response):
            return answer
        if FRAMES_OFF_BY_ONE in self.faults:
            numbers = [n + 1 for n in numbers]
        stored_compressed = UID(io.stored_syntax(instance.path)).is_compressed
        content_type = answer.content_type
        try:
            if answer.compressed or (stored_compressed and FRAMES_COMPRESSED_AS_OCTET_STREAM in self.faults):
                data = io.compressed_frames(instance.path, numbers)
                if FRAMES_COMPRESSED_UNLABELLED in self.faults or not answer.compressed:
                    content_type = "application/octet-stream"
            elif stored_compressed:
                data = io.decoded_frames(instance.path, numbers)
            else:
                data = io.frames(instance.path, numbers)
        except io.NotFound as exc:
            return self._error(404, str(exc))
        response = self._multipart(content_type.split(";")[0],
                                   [({"Content-Type": content_type}, [frame]) for frame in data])
        if partial:
            response.status_code = 206
        return response

    async def retrieve_rendered(self, request: Request) -> Response:
        """Rendered and Thumbnail resources (PS3.18 10.4.1.1.3, 10.4.1.1.4) with the rendering Query Parameters
        of 8.3.5.1, which Table 10.4.1-5 makes mandatory for the origin server (iccprofile aside)."""
        found = self._resource(request)
        if not found:
            return self._error(404, "no such resource")
        if rendering.Image is None:
            return self._error(406, "rendered media types need Pillow, which is not installed")
        if RENDERED_UTF8_REFUSED in self.faults and "utf-8" in request.headers.get("accept-charset", "").lower():
            return self._error(406, "no rendered representation in the UTF-8 character set")
        thumbnail = request.url.path.endswith("/thumbnail")
        if ("window" in request.query_params and "instance" in request.path_params
                and str(found[0].sop_class_uid).startswith(PRESENTATION_STATES)
                and faults.RENDERED_PS_WINDOW_ACCEPTED not in self.faults):
            # PS3.18 8.3.5.1.4: "If this parameter is present when the Target Resource is a Presentation state"
            return self._error(400, "window is not a parameter of a rendered Presentation State (PS3.18 8.3.5.1.4)")
        if not thumbnail and "instance" not in request.path_params and RENDERED_STUDY_SERIES_MISSING in self.faults:
            return self._error(404, "no such resource")
        if thumbnail and "frames" in request.path_params and THUMBNAIL_FRAME_MISSING in self.faults:
            return self._error(404, "no such resource")
        offers = [Offer(media) for media in rendering.FORMATS
                  if not (media == "image/gif" and RENDERED_NO_GIF in self.faults)]
        chosen = self._negotiate(request, offers)
        if isinstance(chosen, Response):
            return chosen
        if chosen is None:
            return self._error(406, "rendered images are offered as image/jpeg, image/png and image/gif")
        media = chosen[0].media
        try:
            spec = rendering.parse(request.query_params, thumbnail=thumbnail,
                                   check_quality=RENDERED_QUALITY_UNCHECKED not in self.faults,
                                   check_viewport=RENDERED_VIEWPORT_UNCHECKED not in self.faults,
                                   check_window=RENDERED_WINDOW_UNCHECKED not in self.faults,
                                   check_annotation=RENDERED_ANNOTATION_UNCHECKED not in self.faults)
            frame = int(request.path_params.get("frames", "1").split(",")[0])
        except (rendering.BadParameter, ValueError) as exc:
            if faults.RENDERED_400_WITHOUT_REPORT in self.faults:
                return Response(b"", status_code=400, media_type="text/plain")
            return self._error(400, str(exc))
        if RENDERED_FRAME_IGNORED in self.faults:
            frame = 1
        if thumbnail and faults.THUMBNAIL_ANNOTATED not in self.faults:
            # PS3.18 10.4.1.1.4: "The Thumbnail shall not contain any Patient Identifying Information"
            spec.annotations = []
        self._annotation_faults(request, spec, thumbnail, frame)
        icc_profile = self._icc_profile(spec.iccprofile)
        headers = {}
        if spec.unsupported_annotations and RENDERED_ANNOTATION_NO_WARNING not in self.faults:
            # PS3.18 8.3.5.1.1: "If unsupported values are present, the origin server shall include ... Warning"
            headers["Warning"] = (f"299 {self.base_url(request)}: The following annotation values are not "
                                  f"supported: {','.join(spec.unsupported_annotations)}")
        # the fault of WADO-RENDERED only: a plain rendered instance, no parameters, not a frame or thumbnail
        swap = (RENDERED_WRONG_SIZE in self.faults and not request.query_params and not thumbnail
                and "frames" not in request.path_params)
        many = thumbnail and THUMBNAIL_STUDY_MULTIPART in self.faults and "instance" not in request.path_params
        try:
            images = [rendering.render(
                instance.path, media, frame, spec, thumbnail=thumbnail, swap=swap,
                shrink_only=RENDERED_VIEWPORT_SHRINK_ONLY in self.faults,
                ignore_crop=RENDERED_VIEWPORT_IGNORES_CROP in self.faults,
                ignore_window=RENDERED_WINDOW_IGNORED in self.faults,
                no_flip=("h" if faults.RENDERED_VIEWPORT_NO_HFLIP in self.faults else "")
                + ("v" if faults.RENDERED_VIEWPORT_NO_VFLIP in self.faults else ""),
                full_size_region=faults.RENDERED_VIEWPORT_REGION_FULL_SIZE in self.faults,
                sixteen_bit=RENDERED_PNG_16_BIT in self.faults and media == "image/png" and spec.window is None,
                extended_jpeg=RENDERED_EXTENDED_JPEG in self.faults,
                palette_as_grey=RENDERED_PALETTE_AS_GREY in self.faults,
                icc_profile=icc_profile) for instance in (found if many else found[:1])]
        except io.NotFound as exc:
            return self._error(404, str(exc))
        except rendering.BadParameter as exc:
            return self._error(400, str(exc))
        if many:
            response = self._multipart(media, [({"Content-Type": media}, [image]) for image in images])
            response.headers.update(headers)
            return response
        if thumbnail and THUMBNAIL_NOT_RENDERED_TYPE in self.faults:
            media = "application/octet-stream"
        if (faults.RENDERED_TRANSFER_SYNTAX_LABEL in self.faults and media == "image/jpeg"
                and "frames" in request.path_params and not thumbnail):
            media = "image/jpeg; transfer-syntax=1.2.840.10008.1.2.4.50"
        return Response(images[0], media_type=media, headers=headers)

    def _annotation_faults(self, request: Request, spec, thumbnail: bool, frame: int) -> None:
        """The annotation faults of PS3.18 8.3.5.1.1: a value dropped without a Warning, or annotations burned into
        a rendered frame (frame 3 only, so other rendering checks stay green) that asked for none."""
        if faults.RENDERED_ANNOTATION_PATIENT_IGNORED in self.faults and "patient" in spec.annotations:
            spec.annotations.remove("patient")
        if faults.RENDERED_ANNOTATION_TECHNIQUE_IGNORED in self.faults and "technique" in spec.annotations:
            spec.annotations.remove("technique")
        if (faults.RENDERED_ANNOTATION_UNASKED in self.faults and not thumbnail and frame == 3
                and "frames" in request.path_params and "annotation" not in request.query_params):
            spec.annotations = ["patient", "technique"]

    def _icc_profile(self, wanted: str | None) -> bytes | None:
        """PS3.18 8.3.5.1.5: an sRGB profile for iccprofile=yes or srgb; none for no, absent or an unsupported
        value (adobergb, rommrgb: the parameter value is ignored, 8.3)."""
        if wanted == "no":
            return rendering.srgb_profile() if faults.RENDERED_ICC_WHEN_NO in self.faults else None
        if wanted == "yes" and faults.RENDERED_ICC_YES_IGNORED in self.faults:
            return None
        if wanted == "srgb" and faults.RENDERED_ICC_SRGB_IGNORED in self.faults:
            return None
        return rendering.srgb_profile() if wanted in rendering.ICC_PROFILES else None

    # -- STOW-RS ------------------------------------------------------------------------------------------------
    async def store_instances(self, request: Request) -> Response:
        media, params = parse_media_type(request.headers.get("content-type", ""))
        part_type = params.get("type", "").lower()
        if media != "multipart/related" or part_type not in ("application/dicom", ""):
            status = 400 if STOW_IGNORES_CONTENT_TYPE in self.faults else 415
            return self._error(status, 'the store transaction takes multipart/related; type="application/dicom"')
        if "boundary" not in params:
            return self._error(400, "multipart/related without a boundary parameter")
        try:
            parts = await read_parts(request.stream(), params["boundary"], self.store.incoming_name,
                                     in_memory=STOW_PART_IN_MEMORY)
        except MultipartError as exc:
            if ROBUST_STOW_MALFORMED_200 in self.faults:
                return Response(b"{}", status_code=200, media_type="application/dicom+json")
            return self._error(400, f"malformed multipart body: {exc}")
        except OSError as exc:      # the incoming folder is full (or gone): PS3.18 8.5, 503 Service Unavailable
            log.error("STOW body not received: %s", exc.strerror or exc)
            return self._error(503, f"the server cannot take the body now: {exc.strerror or exc}")
        target_study = request.path_params.get("study")
        base = self.base_url(request)
        if not self.faults:
            # the clean simulator's lean path, in a worker thread (its fdatasync must not hold up the event loop);
            # None: a part it does not take, and the request takes the full path below
            lean = await run_in_threadpool(self._store_lean, parts, part_type, target_study, base)
            if isinstance(lean, OSError):      # not one part could be written (a full disk): as the full path
                log.error("STOW body not received: %s", lean.strerror or lean)
                return self._error(503, f"the server cannot take the body now: {lean.strerror or lean}")
            if lean is not None:
                return self._stow_answer(request, *lean)
        # in a worker thread: while one request waits for the disk (fsync), the event loop serves the others
        try:
            referenced, failed = await run_in_threadpool(self._store_parts, parts, part_type, target_study, base)
        except OSError as exc:      # a part held in memory could not be written to incoming/
            log.error("STOW body not received: %s", exc.strerror or exc)
            return self._error(503, f"the server cannot take the body now: {exc.strerror or exc}")
        response = Dataset()
        if STOW_RESPONSE_NO_RETRIEVE_URL not in self.faults:
            # PS3.18 Table I.1-1: Retrieve URL is Type 2, present and empty when no study can be named
            study_uid = target_study or (self._study_of(referenced[0]) if referenced else "")
            response.RetrieveURL = f"{base}/studies/{study_uid}" if study_uid else ""
        if failed and STOW_FAILURE_REASON_SOP_CLASS in self.faults:
            for item in failed:
                if int(item.FailureReason) & 0xFF00 == Status.DATA_SET_DOES_NOT_MATCH_SOP_CLASS or int(
                        item.FailureReason) == Status.CANNOT_UNDERSTAND:
                    item.FailureReason = Status.SOP_CLASS_NOT_SUPPORTED
        if STOW_FAILED_ITEM_NO_CLASS in self.faults:
            for item in failed:
                if "ReferencedSOPClassUID" in item:
                    del item.ReferencedSOPClassUID
        if failed:
            response.FailedSOPSequence = Sequence(failed)
        if referenced:
            listed = referenced + ([f for f in failed if "ReferencedSOPInstanceUID" in f]
                                   if STOW_PARTIAL_LISTS_REFUSED in self.faults else [])
            response.ReferencedSOPSequence = Sequence(listed)
        if referenced and not failed:
            status = 200
        elif referenced and STOW_PARTIAL_200 in self.faults:
            status = 200
        elif referenced and STOW_MIXED_409_KEEPS_MATCHING in self.faults and any(
                int(f.FailureReason) == Status.STUDY_INSTANCE_UID_MISMATCH for f in failed):
            status = 409
        elif referenced:
            status = 202
        elif failed and all(int(f.FailureReason) & 0xFF00 == Status.OUT_OF_RESOURCES for f in failed):
            # nothing kept for want of resources (PS3.18 8.5): a data set past our bound is 413 Payload Too Large,
            # a full disk 503 Service Unavailable
            status = 413 if any(int(f.FailureReason) == REFUSED_TOO_LARGE for f in failed) else 503
        elif any(int(f.FailureReason) == Status.STUDY_INSTANCE_UID_MISMATCH for f in failed) or any(
                int(f.FailureReason) == Status.SOP_CLASS_NOT_SUPPORTED for f in failed):
            status = 409
        else:
            status = 400
        # PS3.18 10.5.4 and Table 8.7.3-3: the module in DICOM JSON (the default) or XML (required), as accepted
        chosen = choose(request_ranges(request), [Offer(DICOM_JSON), Offer(DICOM_XML), Offer("application/json")])
        if chosen is not None and chosen[0].media == DICOM_XML and STOW_XML_ANSWERED_JSON not in self.faults:
            body, media = to_native_xml(response.to_json_dict()), DICOM_XML
        else:
            body, media = json.dumps(response.to_json_dict()).encode(), DICOM_JSON
        if STOW_RESPONSE_CHUNKED in self.faults:    # no Content-Length, no Content-Encoding (chunked)
            return StreamingResponse(iter([body]), status_code=status, media_type=media)
        return Response(body, status_code=status, media_type=media)

    def _store_lean(self, parts: list, part_type: str, target_study: str | None,
                    base: str) -> tuple[int, dict] | OSError | None:
        """Keep a request's parts on the lean path (lean_scan.py: every part read in one walk of its bytes, all
        kept with one fdatasync, Store.keep_encoded) and answer (status, DICOM JSON of the response); the OSError
        when no part could be kept; None when a part is not one the lean path takes (held on disk, not
        application/dicom, refused or odd: the full path says why)."""
        found = []
        for part in parts:
            if part.held is None:
                return None
            media = part.headers.get("content-type", part_type or "application/dicom")
            if media != "application/dicom" and parse_media_type(media)[0] != "application/dicom":
                return None
            lean = lean_part(part.held)
            if lean is None or (target_study and lean.study != target_study):
                return None
            found.append(lean)
        if not found:
            return None
        outcomes = self.store.keep_encoded([
            (lean.sop_instance, part.held, (lean.sop_instance, lean.sop_class, lean.transfer_syntax, lean.patient_id,
                                             lean.study, lean.series, lean.attributes_json))
            for lean, part in zip(found, parts)])
        if all(isinstance(outcome, OSError) for outcome in outcomes):
            return outcomes[0]
        referenced, failed = [], []
        for lean, outcome in zip(found, outcomes):
            item = {"00081150": {"vr": "UI", "Value": [lean.sop_class]},
                    "00081155": {"vr": "UI", "Value": [lean.sop_instance]}}
            if outcome is None:
                item["00081190"] = {"vr": "UR", "Value": [
                    f"{base}/studies/{lean.study}/series/{lean.series}/instances/{lean.sop_instance}"]}
                referenced.append(item)
                self.stowed.add(lean.sop_instance)
            else:
                log.error("cannot keep %s: %s", lean.sop_instance, outcome)
                item["00081197"] = {"vr": "US", "Value": [int(Status.OUT_OF_RESOURCES)]}
                failed.append(item)
        study_uid = target_study or next((lean.study for lean, outcome in zip(found, outcomes) if outcome is None),
                                         "")
        response: dict = {"00081190": {"vr": "UR", "Value": [f"{base}/studies/{study_uid}"]} if study_uid
                          else {"vr": "UR"}}
        if failed:
            response["00081198"] = {"vr": "SQ", "Value": failed}
        if referenced:
            response["00081199"] = {"vr": "SQ", "Value": referenced}
        return (200 if not failed else 202 if referenced else 503), response

    def _stow_answer(self, request: Request, status: int, response: dict) -> Response:
        """The response module in DICOM JSON (the default) or XML (PS3.18 10.5.4, Table 8.7.3-3), as accepted."""
        chosen = choose(request_ranges(request), [Offer(DICOM_JSON), Offer(DICOM_XML), Offer("application/json")])
        if chosen is not None and chosen[0].media == DICOM_XML:
            return Response(to_native_xml(response), status_code=status, media_type=DICOM_XML)
        return Response(json.dumps(response).encode(), status_code=status, media_type=DICOM_JSON)

    def _store_parts(self, parts: list, part_type: str, target_study: str | None,
                     base: str) -> tuple[list[Dataset], list[Dataset]]:
        """Keep the received parts in order: (Referenced SOP Sequence items, Failed SOP Sequence items)."""
        referenced, failed = [], []
        one_study = STOW_ONE_STUDY_PER_REQUEST in self.faults and target_study is None
        kept: list[tuple[str, Dataset, Dataset]] = []       # (path, data set, item): adopted together below
        try:
            for part in parts:
                part.write_file()
            for index, part in enumerate(parts):
                study_of_part = target_study
                if one_study and referenced:    # the first kept part's study (not adopted yet: not in the store)
                    study_of_part = next((str(ds.StudyInstanceUID) for _, ds, item in kept
                                          if item is referenced[0]), None) or self._study_of(referenced[0])
                outcome = self._store_part(part, part_type, study_of_part, base, keep=not (
                    STOW_KEEPS_FIRST_ONLY in self.faults and index > 0), kept=kept)
                (referenced if outcome[0] else failed).append(outcome[1])
            adopted = self.store.adopt_files([(Path(path), ds) for path, ds, _ in kept])
            for (_, ds, item), outcome in zip(kept, adopted):
                if isinstance(outcome, OSError):
                    log.error("cannot keep %s: %s", ds.SOPInstanceUID, outcome)
                    referenced.remove(item)
                    if "RetrieveURL" in item:
                        del item.RetrieveURL
                    item.FailureReason = Status.OUT_OF_RESOURCES
                    failed.append(item)
                else:
                    self.stowed.add(outcome.sop_instance_uid)
        finally:
            for part in parts:
                if os.path.exists(part.path):
                    os.unlink(part.path)
        return referenced, failed

    @staticmethod
    def _name_refused(item: Dataset, path: str) -> None:
        """A Failed SOP Sequence item names its instance (PS3.18 Table I.1-1, SOP Instance Reference Macro) when
        the UIDs can be read before the element that is not understood; otherwise it has the Failure Reason only."""
        try:
            head = dcmread(path, stop_before_pixels=True, defer_size=1024,
                           specific_tags=["SOPClassUID", "SOPInstanceUID"])
            sop_class, sop_uid = str(head.SOPClassUID), str(head.SOPInstanceUID)
        except Exception:       # noqa: BLE001 - a data set we cannot understand may break the reader anywhere
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            item.ReferencedSOPClassUID = sop_class
            item.ReferencedSOPInstanceUID = sop_uid

    def _study_of(self, item: Dataset) -> str:
        stored = self.store.get(str(item.ReferencedSOPInstanceUID))
        return stored.study_instance_uid if stored else ""

    def _store_part(self, part, default_type: str, target_study: str | None, base: str,
                    keep: bool = True, kept: list | None = None) -> tuple[bool, Dataset]:
        """The outcome of one part: (kept, its item). kept: where a part to keep goes, with its data set and item,
        for the caller to adopt (Store.adopt_files) with the others of its request; None: adopted here."""
        item = Dataset()
        part_media, _ = parse_media_type(part.headers.get("content-type", default_type or "application/dicom"))
        try:
            if part_media != "application/dicom":
                raise InvalidDicomError(f"part of type {part_media}")
            found = part10_problem(part.path, self.limits)
            if found is not None:
                log.info("STOW part refused: %s", found[1])
                if found[0] == NOT_UNDERSTOOD:
                    self._name_refused(item, part.path)
                    if ROBUST_STOW_REFUSAL_DELETES_STORED in self.faults and "ReferencedSOPInstanceUID" in item:
                        self.store.delete(str(item.ReferencedSOPInstanceUID))
                item.FailureReason = Status.CANNOT_UNDERSTAND if found[0] == NOT_UNDERSTOOD else REFUSED_TOO_LARGE
                return False, item
            ds = dcmread(part.path, stop_before_pixels=True)
            sop_class, sop_uid = str(ds.SOPClassUID), str(ds.SOPInstanceUID)
            study = str(ds.StudyInstanceUID)
            _ = ds.file_meta.TransferSyntaxUID
        except (InvalidDicomError, AttributeError, KeyError, ValueError, EOFError, OSError) as exc:
            log.info("STOW part not understood: %s", exc)
            item.FailureReason = Status.CANNOT_UNDERSTAND
            return False, item
        with warnings.catch_warnings():     # the values go back as received, valid UIDs or not
            warnings.simplefilter("ignore")
            item.ReferencedSOPClassUID = sop_class
            item.ReferencedSOPInstanceUID = sop_uid
        problem = dataset_uid_problem(ds)
        if problem:     # PS3.18 Table I.2-2, A9xx: the instance does not conform to its SOP Class (PS3.5 9.1)
            log.info("STOW part refused: %s", problem)
            item.FailureReason = Status.DATA_SET_DOES_NOT_MATCH_SOP_CLASS
            return False, item
        if target_study and study != target_study and STOW_ACCEPTS_OTHER_STUDY not in self.faults:
            item.FailureReason = Status.STUDY_INSTANCE_UID_MISMATCH
            return False, item
        if keep:
            try:
                if STOW_REWRITES_REFERENCED_UID in self.faults:
                    _rewrite_first_reference(part.path)
                if kept is None:
                    self.store.adopt_file(part.path, ds)
            except OSError as exc:
                log.error("cannot keep %s: %s", sop_uid, exc)
                item.FailureReason = Status.OUT_OF_RESOURCES
                return False, item
            if kept is None:
                self.stowed.add(sop_uid)
            else:
                kept.append((part.path, ds, item))
        if STOW_RESPONSE_NO_RETRIEVE_URL not in self.faults:
            item.RetrieveURL = f"{base}/studies/{study}/series/{ds.SeriesInstanceUID}/instances/{sop_uid}"
        return True, item

    # -- Retrieve Capabilities (PS3.18 8.9, Annex H) ---------------------------------------------------------
    async def capabilities(self, request: Request) -> Response:
        if choose(request_ranges(request), [Offer(WADL), Offer("application/xml")]) is None:
            return self._error(406, "the capabilities are offered as application/vnd.sun.wadl+xml")
        base = self.base_url(request)
        if CAPS_WRONG_BASE in self.faults:
            base = base.replace(self.root, "/elsewhere")
        childless = ("studies",) if CAPS_WADL_FLAT in self.faults else ()
        routes = self.service_routes()
        if CAPS_WADL_WITHOUT_WORKITEMS in self.faults:
            routes = [r for r in routes if not getattr(r, "path", "").startswith("/workitems")]
        description = wadl.describe(base, routes, childless=childless,
                                    search_params=qido.documented_parameters(self.faults))
        return Response(description, media_type="application/xml" if CAPS_LABELLED_XML in self.faults else WADL)

    # -- WADO-URI (PS3.18 9) ---------------------------------------------------------------------------------
    async def wado_uri(self, request: Request) -> Response:
        q = request.query_params
        missing = [n for n in ("requestType", "studyUID", "seriesUID", "objectUID") if not q.get(n)]
        if missing:
            status = 404 if WADO_URI_MISSING_UID_404 in self.faults else 400
            return self._error(status, f"missing mandatory parameter(s): {', '.join(missing)}")
        if q["requestType"] != "WADO":
            if WADO_URI_BAD_REQUEST_TYPE_404 in self.faults:
                return self._error(404, "no such resource")
            return self._error(400, f"requestType must be WADO, not {q['requestType']!r}")
        try:        # PS3.18 9.4.2.3, 9.5.1.2.6, 9.5.2.2, 9.5.2.4 (simulators/dicomweb/uri_params.py)
            uri_params.check_request(q, self.faults)
        except uri_params.BadRequest as exc:
            return self._error(400, str(exc))
        found = self._instances(study=q["studyUID"], series=q["seriesUID"])
        if WADO_URI_IGNORES_OBJECT_UID not in self.faults:
            found = [i for i in found if i.sop_instance_uid == q["objectUID"]]
        if not found:
            return self._error(404, "no such instance")
        instance = found[0]
        default = "application/dicom" if WADO_URI_DEFAULT_DICOM in self.faults else "image/jpeg"
        content_types = q.get("contentType", default)
        if WADO_URI_CONTENTTYPE_PARAMETERS_ACCEPTED not in self.faults and any(
                name.strip().lower() in ("transfer-syntax", "charset")
                for media in content_types.split(",") for name in
                (p.split("=", 1)[0] for p in media.split(";")[1:])):
            # PS3.18 9.1.2.2.1: the transfer-syntax and charset parameters are forbidden in the request
            return self._error(400, "contentType may not carry a transfer-syntax or charset parameter")
        wanted = [media.strip().split(";")[0] for media in content_types.split(",")]
        mixed = "application/dicom" in wanted and len(set(wanted)) > 1
        if mixed and WADO_URI_MIXED_MEDIA_TYPES_SERVED not in self.faults:
            # PS3.18 8.7.5: DICOM and Rendered Media Types together are a 400 (9.1.2.2.1: dicom / 1#rendered)
            return self._error(400, "contentType may name application/dicom or rendered media types, not both")
        if WADO_URI_UNKNOWN_CHARSET_400 in self.faults and any(
                c.split(";")[0].strip().lower() not in ("utf-8", "iso-8859-1", "us-ascii", "*")
                for value in q.getlist("charset") for c in value.split(",")):
            return self._error(400, f"unknown charset {q.getlist('charset')}")
        syntaxes = q.getlist("transferSyntax")
        if len(syntaxes) > 1 or (syntaxes and not _is_uid(syntaxes[0])):
            if WADO_URI_INVALID_SYNTAX_406 not in self.faults:
                # PS3.18 9.4.2.4: more than one value, or one that is not a valid UID, is a 400
                return self._error(400, f"transferSyntax: expected one valid UID, observed {syntaxes}")
        for media in wanted:
            if media == "application/dicom":
                try:
                    syntax = io.choose_syntax(instance.transfer_syntax_uid, q.get("transferSyntax"),
                                              default_as_stored=WADO_URI_DEFAULT_AS_STORED in self.faults)
                    if WADO_URI_SUPPORTED_SYNTAX_IGNORED in self.faults and q.get("transferSyntax"):
                        syntax = io.choose_syntax(instance.transfer_syntax_uid, None)
                except io.NotAcceptable as exc:
                    if WADO_URI_UNSUPPORTED_SYNTAX_200 not in self.faults:
                        return self._error(406, str(exc))
                    syntax = io.choose_syntax(instance.transfer_syntax_uid, None)
                body = io.part10(instance.path, instance.transfer_syntax_uid, syntax)
                if "anonymize" in q:        # PS3.18 9.4.2.3
                    whole = b"".join(body) if body else instance.path.read_bytes()
                    return Response(uri_params.anonymized(whole, self.faults), media_type="application/dicom")
                return StreamingResponse(iter(body) if body else file_chunks(instance.path),
                                         media_type="application/dicom")
            if media in uri_params.RENDERED and rendering.Image is not None:
                # PS3.18 8.7.4, Table 8.7.4-1 (URI): image/jpeg default; image/png, image/gif, image/jp2 optional.
                # gif and jp2 are rendered as PNG, then re-encoded (uri_params.reencode)
                chosen = "image/png" if media in ("image/png", "image/gif", "image/jp2") else "image/jpeg"
                if WADO_URI_PNG_AS_JPEG in self.faults and media == "image/png":
                    chosen = "image/jpeg"
                try:
                    frame = uri_params.frame_number(q, instance.path, self.faults)     # PS3.18 9.5.2.1
                    spec = uri_params.rendering_spec(q, instance.path, self.faults)    # 9.5.2.2, 9.5.2.4, 9.5.2.5
                    label = media if media in uri_params.REENCODED else chosen
                    if media == "image/png" and WADO_URI_PNG_AS_JPEG in self.faults:
                        label = "image/png"
                    if WADO_URI_MISLABELS_RENDERED in self.faults and "contentType" in q:
                        label = "image/png" if chosen == "image/jpeg" else "image/jpeg"
                    image = rendering.render(
                        instance.path, chosen, frame, spec,
                        sixteen_bit=WADO_URI_PNG_16_BIT in self.faults and media == "image/png" and spec.window is None,
                        extended_jpeg=WADO_URI_EXTENDED_JPEG in self.faults)
                    forced = uri_params.forced_size(self.faults, q, instance.path)
                    if forced:
                        image = uri_params.stretch(image, chosen, forced)
                    if uri_params.inverted(self.faults, spec):
                        image = uri_params.invert(image, chosen)
                    if media == "image/gif" and WADO_URI_GIF_MISLABELLED in self.faults:
                        label = "image/png"
                    jp2_as_png = media == "image/jp2" and WADO_URI_JP2_AS_PNG in self.faults
                    if media in uri_params.REENCODED and not jp2_as_png:
                        image = uri_params.reencode(image, media)
                    return Response(image, media_type=label)
                except (io.NotFound, rendering.BadParameter, uri_params.BadRequest, ValueError) as exc:
                    return self._error(400, str(exc))
        return self._error(406, f"cannot answer with {', '.join(wanted)}")

    # -- routing ---------------------------------------------------------------------------------------------------
    def service_routes(self) -> list:
        """The routes under the service root (the WADL is generated from them)."""
        s, x, i = "/studies/{study}", "/series/{series}", "/instances/{instance}"
        return one_route_per_path([
            Route("/", self.capabilities, methods=["OPTIONS"]),
            Route("/studies", self.search, methods=["GET"]),
            Route("/studies", self.store_instances, methods=["POST"]),
            Route("/series", self.search, methods=["GET"]),
            Route("/instances", self.search, methods=["GET"]),
            Route(s, self.retrieve, methods=["GET"]),
            Route(s, self.store_instances, methods=["POST"]),
            Route(s + "/metadata", self.retrieve_metadata, methods=["GET"]),
            Route(s + "/rendered", self.retrieve_rendered, methods=["GET"]),
            Route(s + "/thumbnail", self.retrieve_rendered, methods=["GET"]),
            Route(s + "/series", self.search, methods=["GET"]),
            Route(s + "/instances", self.search, methods=["GET"]),
            Route(s + x, self.retrieve, methods=["GET"]),
            Route(s + x + "/metadata", self.retrieve_metadata, methods=["GET"]),
            Route(s + x + "/rendered", self.retrieve_rendered, methods=["GET"]),
            Route(s + x + "/thumbnail", self.retrieve_rendered, methods=["GET"]),
            Route(s + x + "/instances", self.search, methods=["GET"]),
            Route(s + x + i, self.retrieve, methods=["GET"]),
            Route(s + x + i + "/metadata", self.retrieve_metadata, methods=["GET"]),
            Route(s + x + i + "/rendered", self.retrieve_rendered, methods=["GET"]),
            Route(s + x + i + "/thumbnail", self.retrieve_rendered, methods=["GET"]),
            Route(s + x + i + "/bulkdata/{tag}", self.retrieve_bulkdata, methods=["GET"]),
            Route(s + x + i + "/frames/{frames}", self.retrieve_frames, methods=["GET"]),
            Route(s + x + i + "/frames/{frames}/rendered", self.retrieve_rendered, methods=["GET"]),
            Route(s + x + i + "/frames/{frames}/thumbnail", self.retrieve_rendered, methods=["GET"]),
            *self.ups.routes(),
        ])

    def routes(self) -> list:
        return [
            Route(self.root, self.capabilities, methods=["OPTIONS"]),
            Mount(self.root, routes=self.service_routes()),
            Route("/wado", self.wado_uri, methods=["GET"]),
            *self.fhir.routes(),
        ]


async def _in_event_loop(pieces: Iterable[bytes]):
    """Iterate in the event loop, not a worker thread: the parts are local files read in pieces of 64 KiB or
    less, quicker to read than a hand-over to a thread and back (which Starlette pays for every piece of a plain
    iterator)."""
    for piece in pieces:
        yield piece


def known_charsets(header: str | None) -> list[str]:
    """The character sets of an Accept-Charset header field that Python knows ('*' included); all of them when
    there is no such header field."""
    if header is None:
        return ["*"]
    found = []
    for item in header.split(","):
        name = item.split(";")[0].strip()
        try:
            if name == "*" or codecs.lookup(name):
                found.append(name)
        except LookupError:
            pass
    return found


def one_route_per_path(routes: list) -> list:
    """One Route per path, serving the methods of every route given for it, so that a 405 (Method Not Allowed)
    lists in its Allow header field all the methods of the resource (PS3.18 8.5, Table 8.5-1), not those of the
    first route Starlette tried."""
    by_path: dict[str, list[Route]] = {}
    for route in routes:
        if isinstance(route, Route):
            by_path.setdefault(route.path, []).append(route)
    merged = []
    for route in routes:
        if not isinstance(route, Route):
            merged.append(route)
            continue
        same = by_path.get(route.path)
        if not same:
            continue                    # already merged into the first route of its path
        del by_path[route.path]
        if len(same) == 1:
            merged.append(route)
            continue
        handlers = {method: r.endpoint for r in same for method in (r.methods or ())}

        async def dispatch(request: Request, handlers=handlers) -> Response:
            return await handlers[request.method](request)
        merged.append(Route(route.path, dispatch, methods=sorted(handlers)))
    return merged


class _ContentLocation:
    """PS3.18 8.4.2 (Table 8.4.2-1) and 8.6: a 200 answer to a WADO-RS retrieve holds a representation of the
    Target Resource, so it carries a Content-Location with the resource's URL (the request's path)."""

    def __init__(self, app, root: str, faults: frozenset):
        self.app = app
        self.resource = re.compile(re.escape(root) + r"/studies/[^/]+(/series/[^/]+(/instances/[^/]+"
                                   r"(/frames/[^/]+)?)?)?(/metadata|/rendered|/thumbnail|/bulkdata/[^/]+)?/?")
        self.faults = faults

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET" or not self.resource.fullmatch(scope["path"]):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if METADATA_WITHOUT_CONTENT_LOCATION in self.faults and path.rstrip("/").endswith("/metadata"):
            await self.app(scope, receive, send)
            return

        async def sending(message):
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-location"]
                message = {**message, "headers": [*headers, (b"content-location", path.encode())]}
            await send(message)
        await self.app(scope, receive, sending)


class _WithoutAllow:
    """The web-405-without-allow fault: 405 responses lose their Allow header field."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        async def sending(message):
            if message["type"] == "http.response.start" and message["status"] == 405:
                message = {**message, "headers": [(k, v) for k, v in message.get("headers", [])
                                                  if k.lower() != b"allow"]}
            await send(message)
        await self.app(scope, receive, sending)


def create_app(store: Store, faults: Iterable[str | Fault] = (), public_url: str | None = None,
               limits: Limits | None = None) -> Starlette:
    web = DicomWebApp(store, faults, public_url=public_url, limits=limits)
    middleware = [Middleware(_ContentLocation, root=web.root, faults=web.faults)]
    if WEB_405_WITHOUT_ALLOW in web.faults:
        middleware.append(Middleware(_WithoutAllow))
    return Starlette(routes=web.routes(), middleware=middleware)


def _rewrite_first_reference(path) -> None:
    """stow-rewrites-referenced-uid: the first referenced SOP Instance UID of a KOS or GSPS, wherever it occurs,
    becomes a new UID naming nothing; the part's file is rewritten in place before the store adopts it."""
    from pydicom.uid import generate_uid
    from pynetdicom.sop_class import GrayscaleSoftcopyPresentationStateStorage, KeyObjectSelectionDocumentStorage
    full = dcmread(path)
    if str(full.get("SOPClassUID", "")) not in (KeyObjectSelectionDocumentStorage,
                                                GrayscaleSoftcopyPresentationStateStorage):
        return
    named = [e for e in full.iterall() if e.keyword == "ReferencedSOPInstanceUID"]
    if not named:
        return
    old, new = str(named[0].value), generate_uid(prefix=None)
    for element in named:
        if str(element.value) == old:
            element.value = new
    full.save_as(path, enforce_file_format=True)
