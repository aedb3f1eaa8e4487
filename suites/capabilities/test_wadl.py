"""PS3.18 8.9 and Annex H: the Retrieve Capabilities Transaction."""

import xml.etree.ElementTree as ElementTree

from dicom_harness.testing import requirement

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
