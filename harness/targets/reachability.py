"""Is the target there, and does it talk to us? Before any test: for DIMSE one Verification association (so a
wrong port or a wrong AE title is one clear line, exit 3, not an ERROR in every test), for DICOMweb one TCP
connection to the base URL's host and port."""

from __future__ import annotations

import httpx
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE
from pynetdicom.sop_class import Verification

from dicom_harness.errors import TargetUnreachable
from dicom_harness.shared.association import describe_rejection
from dicom_harness.shared.network import prepare_ae
from dicom_harness.targets.ports import can_connect
from dicom_harness.targets.profile import DimseEndpoint, WebEndpoint


def check_dimse_reachable(endpoint: DimseEndpoint, calling_ae: str | None = None) -> None:
    """A TCP connection; with `calling_ae`, also an association as that AE, released at once."""
    address = f"{endpoint.ae_title}@{endpoint.host}:{endpoint.port}"
    if not can_connect(endpoint.host, endpoint.port):
        raise TargetUnreachable(f"cannot connect to {address}: is the target running and the port right?")
    if calling_ae is None:
        return
    ae = AE(ae_title=calling_ae)
    prepare_ae(ae)
    ae.acse_timeout = ae.network_timeout = ae.connection_timeout = endpoint.timeout
    ae.add_requested_context(Verification, [ImplicitVRLittleEndian, ExplicitVRLittleEndian])
    assoc = ae.associate(endpoint.host, endpoint.port, ae_title=endpoint.ae_title)
    if assoc.is_established:
        assoc.release()
        return
    if assoc.is_rejected:
        primitive = assoc.acceptor.primitive
        why = describe_rejection(primitive.result, primitive.result_source, primitive.diagnostic)
        raise TargetUnreachable(f"{address} rejected the association ({why}): check the called AE title "
                                f"{endpoint.ae_title!r} and that the target accepts the calling AE title {calling_ae!r}")
    raise TargetUnreachable(f"{address} accepted the connection but did not negotiate an association within "
                            f"{endpoint.timeout:.0f} s: is it a DICOM port?")


def check_web_reachable(endpoint: WebEndpoint, timeout: float = 3.0) -> None:
    url = httpx.URL(endpoint.base_url)
    if not can_connect(url.host, url.port or (443 if url.scheme == "https" else 80), timeout):
        raise TargetUnreachable(f"cannot connect to {endpoint.base_url}: is the service running and the URL right?")
