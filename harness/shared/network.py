"""Socket and timeout settings every AE of ours shares, simulators and the harness's own peer and client alike.

Nothing here acts at import: an AE is set up by `prepare_ae(ae)`, which also installs (once, process-wide)
PS3.8's A-ABORT for unknown PDU types into pynetdicom."""

from __future__ import annotations

import logging
import queue
import select
import socket
import ssl
import time

from pynetdicom import AE, evt
from pynetdicom.dimse import DIMSEServiceProvider
from pynetdicom.dul import DULServiceProvider
from pynetdicom.transport import AssociationSocket

log = logging.getLogger("dicom_harness.network")

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
    Here an unknown type is noticed before reading, what has arrived is drained, and Evt19 runs at once; a DUL
    marked `ignore_unknown_pdus` (the simulators' fault of that name) drains it and does nothing at all while no
    association is requested yet (Sta2)."""
    def read_pdu_data(dul) -> None:
        sock = getattr(dul.socket, "socket", None)
        if isinstance(sock, ssl.SSLSocket):
            # a TLS socket takes no MSG_PEEK: pynetdicom reads the header, then what is left of an unknown PDU goes
            original(dul)
            if list(dul.event_queue.queue)[-1:] == ["Evt19"]:
                _drain_tls(sock)
                if _ignoring_unknown_pdus(dul):
                    with dul.event_queue.mutex:
                        dul.event_queue.queue.pop()
            return
        if sock is not None:
            first = b""
            if _readable(sock):
                try:
                    first = sock.recv(1, socket.MSG_PEEK)
                except OSError:
                    pass
            if first and first[0] not in KNOWN_PDU_TYPES:
                _drain(sock)
                if not _ignoring_unknown_pdus(dul):
                    dul.event_queue.put("Evt19")
                return
        original(dul)
    return read_pdu_data


def _ignoring_unknown_pdus(dul) -> bool:
    # Sta1 too: an acceptor's DUL may read before it has taken its connection's Evt5 (Sta1 -> Sta2)
    return getattr(dul, "ignore_unknown_pdus", False) and dul.state_machine.current_state in ("Sta1", "Sta2")


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


def _drain_tls(sock: ssl.SSLSocket) -> None:
    previous = sock.gettimeout()
    sock.settimeout(0.2)
    try:
        while sock.pending() or _readable(sock):
            if not sock.recv(65536):
                return
    except OSError:
        pass
    finally:
        try:
            sock.settimeout(previous)
        except OSError:
            pass


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


# -- command sets that cannot be served: A-ABORT at once ---------------------------------------------------------
class GuardedDimse(DIMSEServiceProvider):
    """pynetdicom's DIMSE provider, except that a command set it cannot decode (no Command Field, an unknown one,
    no Command Data Set Type, bytes that are not a data set) no longer raises inside the DUL thread, which left
    the association without a reader until every timeout ran out: the message is dropped and the DUL is told
    what PS3.8 9.2 calls an invalid PDU (Evt19), so the peer gets an A-ABORT at once (AA-8)."""

    def receive_primitive(self, primitive) -> None:
        try:
            super().receive_primitive(primitive)
        except Exception as exc:   # noqa: BLE001 - whatever the decoder raised, the answer is the same
            log.warning("undecodable DIMSE command set (%s: %s): A-ABORT", type(exc).__name__, exc)
            self.message = None
            self.dul.event_queue.put("Evt19")


class _ScreenedQueue(queue.Queue):
    """The decoded-message queue of a GuardedDimse. A request whose command set lacks an element its service
    requires (PS3.7 9.3, 10.3: Message ID, Affected SOP Class and Instance UIDs, Priority...) cannot be answered
    (a response names the Message ID it answers) and pynetdicom would drop it in silence, leaving the peer to
    its timeout: it is not queued, and the DUL sends an A-ABORT instead."""

    on_invalid = None

    def put(self, item, block=True, timeout=None):
        _, message = item
        is_request = getattr(message, "Status", None) is None
        if is_request and not getattr(message, "is_valid_request", True):
            log.warning("DIMSE %s request without the elements its service requires: A-ABORT",
                        getattr(message, "msg_type", "?"))
            if self.on_invalid is not None:
                self.on_invalid()
            return
        super().put(item, block, timeout)


class DeadlineSocket(AssociationSocket):
    """pynetdicom reads a PDU with recv() calls that each wait up to the socket timeout, so a peer that stops
    mid-PDU holds the connection for the network timeout, and one that sends a byte now and then holds it for
    ever. Here a PDU, once its first byte is in, must arrive whole within a deadline: ACSE_TIMEOUT before the
    association is established (the A-ASSOCIATE-RQ is small), NETWORK_TIMEOUT after. A peer that misses it
    reads as a closed connection (pynetdicom's Evt17)."""

    def recv(self, nr_bytes: int) -> bytearray:
        sock = self.socket
        if sock is None:
            return bytearray()
        assoc = getattr(self, "_assoc", None)
        allowed = NETWORK_TIMEOUT if assoc is not None and assoc.is_established else ACSE_TIMEOUT
        deadline = time.monotonic() + allowed
        before = sock.gettimeout()
        received = bytearray()
        try:
            while len(received) < nr_bytes:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{nr_bytes - len(received)} bytes of a PDU missing after {allowed:.0f} s")
                sock.settimeout(remaining if before is None else min(remaining, before))
                chunk = sock.recv(min(65536, nr_bytes - len(received)))
                if not chunk:
                    return received
                received.extend(chunk)
        finally:
            try:
                sock.settimeout(before)
            except OSError:
                pass
        return received


def guard_dimse(event) -> None:
    """EVT_CONN_OPEN: this association's DIMSE provider becomes a GuardedDimse and its socket a DeadlineSocket."""
    transport = getattr(event.assoc.dul, "socket", None)
    if type(transport) is AssociationSocket:
        transport.__class__ = DeadlineSocket
    dimse = getattr(event.assoc, "dimse", None)
    if type(dimse) is DIMSEServiceProvider:
        dimse.__class__ = GuardedDimse
        dimse.msg_queue.__class__ = _ScreenedQueue
        dimse.msg_queue.on_invalid = lambda: dimse.dul.event_queue.put("Evt19")


GUARD_HANDLERS = [(evt.EVT_CONN_OPEN, guard_dimse)]
