"""PS3.18 8.3 and 10.6: the QIDO-RS searches a user agent sent, read from the request targets as they arrived
(percent-encoding untouched) and their header fields."""

import re
from urllib.parse import unquote

from pydicom.datadict import dictionary_VR, keyword_dict

from dicom_harness.testing import expected_of, requirement

from ._http import accept_problems, parameters, received_requests, requests_of

# The search Query Parameters of PS3.18 Table 8.3.4-1 and the ones every service has (8.3.3)
QP_NAMES = ("limit", "offset", "includefield", "fuzzymatching", "accept", "charset")
QP_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
TAG = re.compile(r"[0-9A-Fa-f]{8}$")
# qp-char (PS3.18 8.3.1: unreserved / pct-encoded / qp-special), and the comma separating list values
VALUE_CHARS = re.compile(r"(?:[A-Za-z0-9\-._~!$'()*+;:@/?,]|%[0-9A-Fa-f]{2})*$")


@requirement("QIDO-UA-SEARCH-CLAIMED")
def test_the_claimed_search_happened(recording, evidence):
    """Count the QIDO-RS searches that arrived; the product's scenario claims it searches (PS3.2 7.3.1: a
    claimed role is a declared behaviour), so at least one must come."""
    found = requests_of(recording, "search")
    evidence.add("#", f"{len(found)} QIDO-RS search(es) among {len(recording.requests)} HTTP request(s)")
    expected = expected_of(recording, "qido-ua")
    assert found, f"expected {expected}; none arrived while listening"


@requirement("QIDO-UA-ACCEPT")
def test_searches_carry_an_accept_header(recording, evidence):
    """Read each search's Accept header field; PS3.18 10.6.1.3 makes it mandatory, and 8.4.1.1 says every
    request whose response may have a payload shall provide one (media ranges as RFC 7231 5.3.2 writes them)."""
    problems = [p for request in received_requests(recording, "search", evidence) for p in accept_problems(request)]
    assert not problems, f"{'; '.join(problems[:5])}; expected an Accept header field (PS3.18 8.4.1.1, 10.6.1.3)"


def attribute_problem(name: str) -> str:
    """Why a parameter name is not an attribute (PS3.8 8.3.1: keyword or tag, a dotted path of sequences)."""
    steps = name.split(".")
    for index, step in enumerate(steps):
        if TAG.match(step):
            tag = int(step, 16)
            if tag >> 16 & 1:           # a private element: its VR is the private creator's business
                continue
            try:
                vr = dictionary_VR(tag)
            except KeyError:
                return f"{step} is no Data Element Tag of PS3.6"
        elif step in keyword_dict:
            vr = dictionary_VR(keyword_dict[step])
        else:
            return f"{step!r} is neither a keyword nor an 8-hex-digit tag"
        last = index == len(steps) - 1
        if last == (vr == "SQ"):
            return f"{step} is {'a' if vr == 'SQ' else 'no'} sequence; in a path every attribute but the last is one"
    return ""


@requirement("QIDO-UA-ATTRIBUTE-ID")
def test_search_attributes_are_keywords_or_tags(recording, evidence):
    """Read each search parameter's name; PS3.18 8.3.4.1 says each attribute-id shall be a Data Element Tag or
    Keyword (names with the qp-name syntax are taken as the origin server's own parameters, 8.3)."""
    problems = []
    for request in received_requests(recording, "search", evidence):
        for name, _, _ in parameters(request):
            if name in QP_NAMES or (QP_NAME.match(name) and name not in keyword_dict):
                continue
            if why := attribute_problem(name):
                problems.append(f"request {request.number}: parameter {name!r}: {why}")
    assert not problems, f"{'; '.join(problems[:5])} (PS3.18 8.3.4.1, 8.3.1)"


@requirement("QIDO-UA-PERCENT-ENCODING")
def test_search_values_are_percent_encoded(recording, evidence):
    """Read each search parameter's value as it arrived; PS3.18 8.3.4.1 says all characters in values that are
    not qp-chars shall be percent-encoded, non-ASCII ones included."""
    problems = []
    for request in received_requests(recording, "search", evidence):
        for name, _, raw in parameters(request):
            if not VALUE_CHARS.match(raw):
                bad = sorted({c for c in re.sub(r"%[0-9A-Fa-f]{2}", "", raw)
                              if not re.match(r"[A-Za-z0-9\-._~!$'()*+;:@/?,]", c)})
                problems.append(f"request {request.number}: {name}={raw!r} sends {' '.join(map(repr, bad))} "
                                "unencoded")
    assert not problems, f"{'; '.join(problems[:5])}; expected percent-encoding (PS3.18 8.3.4.1)"


@requirement("QIDO-UA-INCLUDEFIELD")
def test_includefield_values_are_attributes_or_all(recording, evidence):
    """Read each search's includefield parameters; PS3.18 8.3.4.3 says the value is a list of attributes or
    "all", and with "all" no other includefield parameter shall be present."""
    problems = []
    for request in received_requests(recording, "search", evidence):
        values = [unquote(raw) for name, _, raw in parameters(request) if name == "includefield"]
        for value in values:
            if value == "all":
                continue
            for item in value.split(","):
                if why := attribute_problem(item):
                    problems.append(f"request {request.number}: includefield={value}: {why}")
        if "all" in values and len(values) > 1:
            problems.append(f"request {request.number}: includefield=all beside {len(values) - 1} other "
                            f"includefield parameter(s): {values}")
    assert not problems, f"{'; '.join(problems[:5])} (PS3.18 8.3.4.3)"


@requirement("QIDO-UA-LIMIT-OFFSET")
def test_limit_and_offset_are_unsigned_integers(recording, evidence):
    """Read each search's limit and offset parameters; PS3.18 8.3.4.4 gives each the syntax uint, and 8.3 says
    a query component shall conform to the syntax defined there."""
    problems = [f"request {request.number}: {name}={unquote(raw)!r}"
                for request in received_requests(recording, "search", evidence)
                for name, _, raw in parameters(request)
                if name in ("limit", "offset") and not re.fullmatch(r"[0-9]+", unquote(raw))]
    assert not problems, f"{'; '.join(problems[:5])}; expected an unsigned integer (PS3.18 8.3.4.4)"


def _attribute_path(name: str) -> str:
    """A parameter name as the tags of its path, so PatientName and 00100010 are the same attribute."""
    return ".".join(step.upper() if TAG.match(step) else f"{keyword_dict[step]:08X}" for step in name.split("."))


@requirement("QIDO-UA-ATTRIBUTE-ONCE")
def test_no_attribute_is_repeated_among_matching_parameters(recording, evidence):
    """Count the matching parameters of each search by attribute (keyword and tag alike); PS3.18 8.3.4.1 says each
    attribute in the Query Parameter shall not be repeated (a list of values goes in one parameter)."""
    problems = []
    for request in received_requests(recording, "search", evidence):
        seen: dict[str, list[str]] = {}
        for name, _, _ in parameters(request):
            if name in QP_NAMES or (QP_NAME.match(name) and name not in keyword_dict) or attribute_problem(name):
                continue
            seen.setdefault(_attribute_path(name), []).append(name)
        repeated = [names for names in seen.values() if len(names) > 1]
        if repeated:
            problems.append(f"request {request.number}: " + "; ".join(
                f"{names[0]} given {len(names)} times ({', '.join(names)})" for names in repeated))
    assert not problems, f"{'; '.join(problems[:5])} (PS3.18 8.3.4.1)"
