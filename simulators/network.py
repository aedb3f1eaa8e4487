"""Socket and timeout settings every simulator AE shares."""

from __future__ import annotations

import socket

from pynetdicom import AE, evt

NETWORK_TIMEOUT = 30.0
DIMSE_TIMEOUT = 30.0
ACSE_TIMEOUT = 10.0


def set_nodelay(event) -> None:
    """Nagle costs ~40 ms per request-response on small DIMSE messages; pynetdicom never disables it."""
    sock = getattr(getattr(event.assoc.dul, "socket", None), "socket", None)
    if sock is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass


def configure_timeouts(ae: AE) -> None:
    ae.acse_timeout = ACSE_TIMEOUT
    ae.dimse_timeout = DIMSE_TIMEOUT
    ae.network_timeout = NETWORK_TIMEOUT
    ae.connection_timeout = ACSE_TIMEOUT


NODELAY_HANDLER = (evt.EVT_CONN_OPEN, set_nodelay)
