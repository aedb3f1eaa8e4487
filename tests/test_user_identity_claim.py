"""[claims] user_identity (PS3.7 D.3.3.7): read from a profile, off unless claimed; the shipped simulators claim it
and the PACS simulator then answers a username with a User Identity sub-item and refuses a username and passcode
as rejected-permanent, source 2 (D.3.3.7.3), read from the bytes."""

from pathlib import Path

import dicom_harness.targets as targets
from dicom_harness.shared import associate_rq, ul_state_model
from dicom_harness.targets.profile import load_profile, profile_from_dict

BASE = {"name": "PACS", "dimse": {"ae_title": "PACS", "host": "10.0.0.1", "port": 104}}


def test_the_claim_is_off_unless_a_profile_makes_it():
    assert profile_from_dict(BASE).claims.user_identity is False
    assert profile_from_dict({**BASE, "claims": {"user_identity": True}}).claims.user_identity is True


def test_the_shipped_simulators_claim_it():
    profiles = Path(targets.__file__).parent / "profiles"
    assert load_profile(profiles / "simulators.toml").claims.user_identity is True
    assert load_profile(profiles / "generic.toml").claims.user_identity is False


def _first_answer(port: int, item) -> bytes:
    import socket
    request = associate_rq.encode(associate_rq.verification_request("DH_TEST", "DH_PACS", extra_user_items=(item,)))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        connection = ul_state_model.PduConnection(sock)
        connection.send(request)
        kind, pdu = connection.read(5.0)
        connection.send(bytes([0x07, 0, 0, 0, 0, 4, 0, 0, 0, 0]))
    return pdu


def test_the_pacs_simulator_answers_identities(tmp_path):
    from dicom_harness.simulators.pacs import PacsSimulator
    from dicom_harness.simulators.store import Store
    pacs = PacsSimulator(Store(tmp_path), ae_title="DH_PACS", port=0).start()
    try:
        ac = _first_answer(pacs.port, associate_rq.user_identity_item(1, b"someone", positive=True))
        items = associate_rq.parse(ac, 0x02).user_sub_items(associate_rq.USER_IDENTITY_AC)
        assert [associate_rq.read_user_identity_response(i) for i in items] == [b""]
        rj = _first_answer(pacs.port, associate_rq.user_identity_item(2, b"someone", b"secret", positive=False))
        assert rj[0] == 0x03 and (rj[7], rj[8]) == (1, 2), rj.hex(" ")
    finally:
        pacs.stop()
