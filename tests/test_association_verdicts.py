"""Association verdicts against small stand-in SCPs whose answers the standard allows although the simulators
never give them: A-ASSOCIATE-RJ with reason 1 (no-reason-given) and result 2 (transient), presentation
contexts rejected with result 1 (user-rejection). Each once made the suites FAIL a conforming target.
And a target that does not check AE titles although its profile says so gets WARN (the check is a MAY)."""

from __future__ import annotations

import json

from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE, evt
from pynetdicom.sop_class import Verification

from dicom_harness.shared import verdicts
from tests.conftest import run_cli

STUB_AE = "DH_STUB"
HARNESS_AE = "DICOM_HARNESS"
PROFILE = """
name = "stand-in SCP"
harness_ae_title = "{harness}"
[dimse]
ae_title = "{stub}"
host = "127.0.0.1"
port = {port}
[claims]
services = ["verification"]
called_ae_check = true
calling_ae_check = true
"""
USER_REJECTION = 1


class StubScp:
    """A Verification SCP. checks_titles: reject a wrong called or unknown calling AE title with
    A-ASSOCIATE-RJ result 2 (transient), source 1, reason 1 (no-reason-given); every presentation context it
    rejects gets result 1 (user-rejection)."""

    def __init__(self, checks_titles: bool = True):
        self.checks_titles = checks_titles
        self.server = None
        self.port = 0

    def _on_requested(self, event) -> None:
        assoc = event.assoc
        primitive = assoc.requestor.primitive
        if self.checks_titles and (primitive.called_ae_title.strip() != STUB_AE
                                   or primitive.calling_ae_title.strip() != HARNESS_AE):
            assoc.acse.send_reject(2, 1, 1)
            assoc.kill()
            return
        original = assoc.acse.send_accept

        def send_accept():
            for context in assoc.rejected_contexts:
                context.result = USER_REJECTION
            original()
        assoc.acse.send_accept = send_accept

    def __enter__(self) -> StubScp:
        ae = AE(ae_title=STUB_AE)
        ae.add_supported_context(Verification, [ImplicitVRLittleEndian, ExplicitVRLittleEndian])
        self.server = ae.start_server(("127.0.0.1", 0), block=False,
                                      evt_handlers=[(evt.EVT_REQUESTED, self._on_requested)])
        self.port = self.server.server_address[1]
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()


def _run(tmp_path, stub: StubScp):
    profile = tmp_path / "stub.toml"
    profile.write_text(PROFILE.format(harness=HARNESS_AE, stub=STUB_AE, port=stub.port))
    report = tmp_path / "report"
    proc = run_cli("run", "--target", str(profile), "--report-dir", str(report),
                   "--test", "association/test_negotiation.py")
    records = json.loads((report / "results.json").read_text())["results"]
    return proc, {r["test"].rsplit("::", 1)[-1]: r for r in records}


def test_every_legal_rejection_passes(tmp_path):
    """Reason 1 with result 2 for the AE title checks and result 1 for the unknown contexts are all legal
    (PS3.8 9.3.4, 9.3.3.2): every negotiation test passes."""
    with StubScp() as stub:
        proc, by_test = _run(tmp_path, stub)
    wrong = {name: (r["verdict"], r["message"]) for name, r in by_test.items() if r["verdict"] != verdicts.PASS}
    assert not wrong, wrong
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    evidence = "\n".join(by_test["test_wrong_called_ae_title_is_rejected"]["evidence"])
    assert "A-ASSOCIATE-RJ result=2 source=1 reason/diag=1" in evidence, evidence
    evidence = "\n".join(by_test["test_unknown_abstract_syntax_is_rejected_and_association_survives"]["evidence"])
    assert "(result 1)" in evidence, evidence


def test_a_target_that_does_not_check_ae_titles_gets_warn(tmp_path):
    """The profile claims both checks, the target checks neither: WARN (MAY), not FAIL, and exit code 0."""
    with StubScp(checks_titles=False) as stub:
        proc, by_test = _run(tmp_path, stub)
    assert by_test["test_wrong_called_ae_title_is_rejected"]["verdict"] == verdicts.WARN
    assert by_test["test_unknown_calling_ae_title_is_rejected"]["verdict"] == verdicts.WARN
    assert "observed the association accepted" in by_test["test_wrong_called_ae_title_is_rejected"]["message"]
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
