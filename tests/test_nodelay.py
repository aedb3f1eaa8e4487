"""The DICOMweb simulator's connections send small writes at once (TCP_NODELAY): without it each answer's body
waited for the client's delayed ACK of the headers (about 40 ms a request on Linux), which was most of a full
run's time against the simulators. Checked on the accepted socket itself, not by timing."""

import socket

import httpx

from dicom_harness.simulators.dicomweb.server import DicomWebSimulator
from dicom_harness.simulators.store import Store


def test_accepted_dicomweb_connections_have_nodelay(tmp_path):
    simulator = DicomWebSimulator(Store(tmp_path)).start()
    try:
        with httpx.Client() as client:
            assert client.get(f"{simulator.base_url}/studies").status_code in (200, 204)
            connections = list(simulator._server.server_state.connections)
            assert connections, "uvicorn keeps the keep-alive connection"
            for protocol in connections:
                sock = protocol.transport.get_extra_info("socket")
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), "Nagle left on"
    finally:
        simulator.stop()
