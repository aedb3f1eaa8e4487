"""PS3.18 8.9 and Annex H: the Retrieve Capabilities Transaction."""

import xml.etree.ElementTree as ElementTree

from dicom_harness.testing import NotClaimed, requirement

WADL_NS = "{http://wadl.dev.java.net/2009/02}"


@requirement("CAPS-WADL")
def test_options_returns_a_wadl_describing_the_service(dicomweb):
    """OPTIONS on the base URL with Accept application/vnd.sun.wadl+xml; Annex H: a WADL with one
    application, one resources element whose base is the base URL, and a studies resource."""
    response = dicomweb.options()
    assert response.status_code == 200, f"expected 200, observed {response.status_code}"
    try:
        root = ElementTree.fromstring(response.content)
    except ElementTree.ParseError as exc:
        raise AssertionError(f"the capabilities are not XML: {exc}; begins {response.content[:80]!r}") from None
    assert root.tag in (f"{WADL_NS}application", "application"), f"root element: expected application, observed {root.tag}"
    resources = root.findall(f"{WADL_NS}resources") or root.findall("resources")
    assert len(resources) == 1, f"expected one resources element, observed {len(resources)}"
    base = resources[0].get("base", "").rstrip("/")
    assert base == dicomweb.base_url, f"resources base: expected {dicomweb.base_url}, observed {base!r}"
    paths = [r.get("path", "").strip("/") for r in resources[0]]
    assert "studies" in paths, f"expected a 'studies' resource, observed {paths}"


def _wadl_resources(response) -> ElementTree.Element:
    assert response.status_code == 200, f"OPTIONS: expected 200, observed {response.status_code}"
    try:
        root = ElementTree.fromstring(response.content)
    except ElementTree.ParseError as exc:
        raise AssertionError(f"the capabilities are not XML: {exc}; begins {response.content[:80]!r}") from None
    resources = root.findall(f"{WADL_NS}resources") or root.findall("resources")
    assert len(resources) == 1, f"expected one resources element, observed {len(resources)}"
    return resources[0]


def _described(element: ElementTree.Element, prefix: str = "") -> dict[str, set[str]]:
    """The resource paths a WADL describes ('{...}' templates written '{}') -> their methods."""
    found: dict[str, set[str]] = {}
    for child in element:
        if child.tag.removeprefix(WADL_NS) != "resource":
            continue
        steps = [("{}" if s.startswith("{") else s) for s in child.get("path", "").strip("/").split("/") if s]
        path = "/".join([p for p in (prefix, "/".join(steps)) if p])
        found.setdefault(path, set()).update(m.get("name", "").upper() for m in child
                                             if m.tag.removeprefix(WADL_NS) == "method")
        for sub, methods in _described(child, path).items():
            found.setdefault(sub, set()).update(methods)
    return found


@requirement("CAPS-ACCEPTABLE-MEDIA-TYPE")
def test_wadl_comes_labelled_as_the_selected_media_type(dicomweb):
    """OPTIONS on the base URL with Accept application/vnd.sun.wadl+xml only; PS3.18 8.9.3.2: the Capabilities
    Description comes "in the Selected Media Type", so its Content-Type is application/vnd.sun.wadl+xml."""
    response = dicomweb.options()
    _wadl_resources(response)
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    assert media == "application/vnd.sun.wadl+xml", (
        f"Content-Type: expected application/vnd.sun.wadl+xml (the only Acceptable Media Type sent), observed "
        f"{media!r} (PS3.18 8.9.2, 8.9.3.2)")


# The resources of the Studies Service each claimed service puts in the tree (PS3.18 Table H-1; 10.4.1, 10.5.1,
# 10.6.1): service -> (path, method)
CLAIMED_RESOURCES = {
    "qido": [("studies", "GET"), ("studies/{}/series", "GET"), ("studies/{}/series/{}/instances", "GET")],
    "stow": [("studies", "POST")],
    "wado": [("studies/{}", "GET"), ("studies/{}/metadata", "GET"), ("studies/{}/series/{}", "GET"),
             ("studies/{}/series/{}/instances/{}", "GET"), ("studies/{}/series/{}/instances/{}/metadata", "GET")],
}


@requirement("CAPS-RESOURCE-TREE")
def test_wadl_describes_the_children_of_the_studies_resource(dicomweb, claims):
    """OPTIONS on the base URL; PS3.18 Annex H: the WADL has a resource for the Target Resource "describing all
    methods and child resources" and its children: the study, series, instance and metadata resources."""
    described = _described(_wadl_resources(dicomweb.options()))
    wanted = [(path, method) for service, rows in CLAIMED_RESOURCES.items() if claims.offers(service)
              for path, method in rows]
    missing = [f"{method} {path}" for path, method in wanted if method not in described.get(path, set())]
    assert not missing, (f"the WADL does not describe {len(missing)} resource(s) of the claimed services: "
                         f"{', '.join(missing)}; it describes {sorted(described)[:12]} (PS3.18 Annex H, Table H-1)")


# The Worklist Service's resources the ups suites use (PS3.18 Table 11.3-1): (path, method)
WORKLIST_RESOURCES = [("workitems", "POST"), ("workitems", "GET"), ("workitems/{}", "GET"), ("workitems/{}", "POST"),
                      ("workitems/{}/state", "PUT"), ("workitems/{}/cancelrequest", "POST")]


@requirement("CAPS-WORKLIST-DESCRIBED")
def test_wadl_describes_the_worklist_service(dicomweb, claims):
    """OPTIONS on the base URL of a target claiming UPS-RS; PS3.18 11.2: "An implementation supporting the
    Worklist Service shall describe its support ... in its response to the Retrieve Capabilities transaction":
    the workitems resources and the methods of Table 11.3-1 the target serves."""
    if not claims.offers("ups"):
        raise NotClaimed("the target does not claim the Worklist Service (UPS-RS)")
    described = _described(_wadl_resources(dicomweb.options()))
    missing = [f"{method} {path}" for path, method in WORKLIST_RESOURCES if method not in described.get(path, set())]
    assert not missing, (f"the capabilities do not describe {len(missing)} Worklist Service resource(s): "
                         f"{', '.join(missing)}; they describe {sorted(described)[:12]} (PS3.18 11.2, Table 11.3-1)")


def _performs_fuzzy_matching(dicomweb, web_study) -> bool:
    """Whether a fuzzymatching=true search finds the study by a name that only sounds like the stored one
    ('*SINTH<n>' for 'DH^SYNTH<n>'), Patient ID scoped."""
    family = str(web_study.context.PatientName).split("^")[-1]
    results = dicomweb.search_json("/studies", [("PatientID", web_study.context.PatientID),
                                                ("PatientName", "*" + family.replace("Y", "I")),
                                                ("fuzzymatching", "true")])
    return any(r.get("0020000D", {}).get("Value") == [web_study.uid] for r in results)


@requirement("CAPS-FUZZY-MATCHING")
def test_fuzzy_matching_is_documented(dicomweb, web_study, evidence):
    """Search /studies with fuzzymatching=true by a name only a fuzzy match finds; where it is found, OPTIONS:
    PS3.18 8.3.4.2: Fuzzy Matching "shall be documented in ... the Retrieve Capabilities response", a fuzzymatching
    param of the search resources."""
    if not _performs_fuzzy_matching(dicomweb, web_study):
        raise NotClaimed("a fuzzymatching=true search does not find the study by a sound-alike name: no Fuzzy "
                         "Matching observed, so none to document")
    response = dicomweb.options()
    if response.status_code in (404, 405, 501):
        raise NotClaimed(f"OPTIONS answered {response.status_code}: the service offers no Retrieve Capabilities "
                         "response (CAPS-WADL judges that), so 8.3.4.2's 'if the service supports it' does not apply")
    resources = _wadl_resources(response)
    params = {(p.get("name") or "") for p in resources.iter() if p.tag.removeprefix(WADL_NS) == "param"}
    evidence.add("#", f"WADL params: {sorted(params)}")
    assert "fuzzymatching" in params, (
        "the target performs Fuzzy Matching (a sound-alike name found the study), but its WADL documents no "
        f"fuzzymatching parameter; params described: {sorted(params) or 'none'}")
