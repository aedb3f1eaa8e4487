"""Socket and timeout settings every AE of ours shares, simulators and the harness's own peer and client alike.

Nothing here acts at import: an AE is set up by `prepare_ae(ae)`, which also installs (once, process-wide)
PS3.8's A-ABORT for unknown PDU types into pynetdicom."""

from __future__ import annotations

import select
import socket

from pynetdicom import AE, evt
from pynetdicom.dul import DULServiceProvider

NETWORK_TIMEOUT = 30.0
DIMSE_TIMEOUT = 30.0
ACSE_TIMEOUT = 10.0


def set_nodelay(event) -> None:
    """Nagle costs ~40 ms per request-response on small DIMSE messages; pynetdicom never disables it. And a
    connection accepted by pynetdicom's server blocks without limit when a peer stops mid-PDU: bound it."""
    sock = getattr(getattr(event.assoc.dul, "socket", None), "socket", None)
    if sock is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if sock.gettimeout() is None:
                sock.settimeout(NETWORK_TIMEOUT)
        except OSError:
            pass


KNOWN_PDU_TYPES = frozenset(range(0x01, 0x08))      # PS3.8 9.3.1


def _read_pdu_data_aborting_unknown_types(original):
    """pynetdicom reads an unknown PDU's 6-byte header, queues Evt19 and leaves the rest in the socket; its next
    read then waits for a 'PDU' inside that rest, so the A-ABORT of PS3.8 Table 9-10 (AA-1, AA-8) never goes.
    Here an unknown type is noticed before reading, what has arrived is drained, and Evt19 runs at once."""
    def read_pdu_data(dul) -> None:
        sock = getattr(dul.socket, "socket", None)
        if sock is not None and not getattr(dul, "keep_unknown_pdus", False):
            first = b""
            if _readable(sock):
                try:
                    first = sock.recv(1, socket.MSG_PEEK)
                except OSError:
                    pass
            if first and first[0] not in KNOWN_PDU_TYPES:
                _drain(sock)
                dul.event_queue.put("Evt19")
                return
        original(dul)
    return read_pdu_data


def _readable(sock: socket.socket) -> bool:
    # select, not MSG_DONTWAIT: a socket with a timeout waits out EAGAIN inside recv
    try:
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return False


def _drain(sock: socket.socket) -> None:
    while _readable(sock):
        try:
            if not sock.recv(65536):
                return
        except OSError:
            return


_unknown_pdu_abort_installed = False


def abort_unknown_pdus() -> None:
    """Patch pynetdicom's DUL reader (process-wide, idempotent) so an unknown PDU type is answered with A-ABORT."""
    global _unknown_pdu_abort_installed
    if not _unknown_pdu_abort_installed:
        DULServiceProvider._read_pdu_data = _read_pdu_data_aborting_unknown_types(DULServiceProvider._read_pdu_data)
        _unknown_pdu_abort_installed = True


def prepare_ae(ae: AE) -> None:
    """Our timeouts on `ae`, and the unknown-PDU A-ABORT installed."""
    abort_unknown_pdus()
    ae.acse_timeout = ACSE_TIMEOUT
    ae.dimse_timeout = DIMSE_TIMEOUT
    ae.network_timeout = NETWORK_TIMEOUT
    ae.connection_timeout = ACSE_TIMEOUT


NODELAY_HANDLER = (evt.EVT_CONN_OPEN, set_nodelay)
