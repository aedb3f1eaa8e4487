"""PS3.18 8.5: status codes when a request lacks credentials, for targets that require authentication."""

import httpx

from dicom_harness.testing import NotClaimed, requirement

REFUSALS = (401, 403, 404)


class _NoCredentials(httpx.Auth):
    """Send the request exactly as built, without the profile's credentials."""

    def auth_flow(self, request):
        request.headers.pop("Authorization", None)
        yield request


@requirement("WEB-AUTH-REQUIRED")
def test_search_without_credentials_is_refused(dicomweb, target):
    """Search All Studies without credentials, then with them: the first is refused (401, or 403/404 by
    policy), the second answered."""
    if target.dicomweb.auth == "none":
        raise NotClaimed("the profile names no DICOMweb authentication")
    anonymous = dicomweb.request("GET", "/studies", query=[("limit", "1")], auth=_NoCredentials(),
                                 headers={"Accept": "application/dicom+json"})
    assert anonymous.status_code in REFUSALS, (
        f"without credentials: expected 401 (or 403/404 by policy), observed {anonymous.status_code}")
    if anonymous.status_code == 401:
        assert "www-authenticate" in anonymous.headers, "a 401 must carry a WWW-Authenticate challenge (RFC 7235)"
    answered = dicomweb.request("GET", "/studies", query=[("limit", "1")], headers={"Accept": "application/dicom+json"})
    assert answered.status_code in (200, 204), f"with credentials: expected 200 or 204, observed {answered.status_code}"
