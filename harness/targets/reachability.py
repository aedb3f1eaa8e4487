"""Is the target there? One TCP connection to its DIMSE port or its web base URL before any test, so a wrong
address is one clear line (exit 3), not an ERROR in every test."""

from __future__ import annotations

import httpx

from dicom_harness.errors import TargetUnreachable
from dicom_harness.targets.ports import can_connect
from dicom_harness.targets.profile import DimseEndpoint, WebEndpoint


def check_dimse_reachable(endpoint: DimseEndpoint) -> None:
    if not can_connect(endpoint.host, endpoint.port):
        raise TargetUnreachable(
            f"cannot connect to {endpoint.ae_title}@{endpoint.host}:{endpoint.port}: is the target running "
            "and the port right?")


def check_web_reachable(endpoint: WebEndpoint, timeout: float = 3.0) -> None:
    url = httpx.URL(endpoint.base_url)
    if not can_connect(url.host, url.port or (443 if url.scheme == "https" else 80), timeout):
        raise TargetUnreachable(f"cannot connect to {endpoint.base_url}: is the service running and the URL right?")
