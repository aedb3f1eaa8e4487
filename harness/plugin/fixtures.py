"""The fixtures suites and users' own tests are written with: roles (target, dimse, dicomweb, ups, ...), never
addresses."""

from __future__ import annotations

import pytest

from dicom_harness.clients.evidence import Evidence
from dicom_harness.errors import HarnessUserError, NotClaimed
from dicom_harness.plugin.collection import catalogue, requirements_of, suite_root
from dicom_harness.plugin.state import EVIDENCE, HANDED_OVER, run_state


@pytest.fixture(scope="session")
def target(request):
    """The running target (frozen), started once per session by its provider."""
    from dicom_harness.targets.profile import check_deviations
    from dicom_harness.targets.providers import make_provider
    config = request.config
    state = run_state(config)
    if state.recording is not None:    # judging a client: the product the recording is of
        from dicom_harness.targets.scenarios import subject_target
        subject = request.getfixturevalue("recording").subject
        found = subject_target(subject)
        state.target_name = found.name
        yield found
        return
    handed = config.stash.get(HANDED_OVER, None)
    if handed is not None:             # the command line started it and will stop it
        state.target_name, state.provider = handed.target.name, handed.provider
        yield handed.target
        return
    try:
        provider = make_provider(config.getoption("target"), config.getoption("dimse"),
                                 tuple(config.getoption("fault")), config.getoption("dicomweb"),
                                 tls=bool(config.getoption("tls")))
        check_deviations(provider.profile, catalogue(config))
        running = provider.start()
    except HarnessUserError as exc:
        pytest.exit(f"dicom-harness: {exc}", returncode=exc.exit_code)
    state.target_name, state.provider = running.name, provider
    yield running
    provider.stop()


@pytest.fixture(scope="session")
def recording(request):
    """What a client product sent while `dicom-harness listen` listened (NOT CLAIMED when judging a server)."""
    from dicom_harness.shared.recording import Recording, RecordingError
    folder = run_state(request.config).recording
    if folder is None:
        raise NotClaimed("this run tests a server; client-side tests judge a recording (`dicom-harness listen`)")
    try:
        return Recording.read(folder)
    except RecordingError as exc:
        pytest.exit(f"dicom-harness: {exc}", returncode=2)


@pytest.fixture(scope="session")
def harness_peer(target):
    """The harness's own listening AE (C-MOVE destination, N-EVENT-REPORT receiver), on target.peer."""
    from dicom_harness.clients.peer import HarnessPeer
    try:
        peer = HarnessPeer(target.peer, target.peer_tls_context()).start()
    except OSError as exc:
        pytest.exit(f"dicom-harness: cannot listen as {target.peer.ae_title} on port {target.peer.port}: "
                    f"{exc.strerror}; set [peer] port in the profile", returncode=3)
    yield peer
    peer.stop()


@pytest.fixture
def seed_worklist(request, target):
    """seed_worklist([items]): put worklist items on the target through its provider; NOT CLAIMED when the
    harness has no way to (no worklist folder known)."""
    provider = run_state(request.config).provider
    if provider is None:
        raise NotClaimed("the harness has no way to put worklist items on this target")
    return provider.seed_worklist


@pytest.fixture
def claims(target):
    return target.claims


@pytest.fixture
def evidence(request):
    found = Evidence()
    request.node.stash[EVIDENCE] = found
    return found


@pytest.fixture
def dimse(request, target, evidence):
    """A DIMSE client for this test, recording evidence; with the harness peer when reads go back by C-MOVE."""
    from dicom_harness.clients.dimse import DimseClient
    if target.dimse is None:
        raise NotClaimed("the target has no DIMSE endpoint")
    peer = request.getfixturevalue("harness_peer") if target.claims.retrieve == "C-MOVE" else None
    return DimseClient(target, evidence, peer)


@pytest.fixture
def secure_dimse(target, evidence):
    """The target's DIMSE TLS port (PS3.15 B.9-B.11): TLS handshakes and a plain A-ASSOCIATE-RQ, as evidence."""
    from dicom_harness.clients.secure import SecureTransport
    if target.dimse_tls is None:
        raise NotClaimed("the target has no DIMSE TLS port ([dimse] tls = true, or tls_port)")
    return SecureTransport(target, evidence)


@pytest.fixture
def dicomweb(target, evidence):
    """A DICOMweb client for this test, recording evidence."""
    from dicom_harness.clients.web import DicomWebClient
    if target.dicomweb is None:
        raise NotClaimed("the target has no DICOMweb endpoint")
    client = DicomWebClient(target.dicomweb, evidence)
    yield client
    client.close()


@pytest.fixture
def fhir(target, evidence):
    """A FHIR R4 client for the target's [fhir] server, recording evidence; NOT CLAIMED without one."""
    from dicom_harness.clients.fhir import FhirClient
    if target.fhir is None:
        raise NotClaimed("the profile names no [fhir] server")
    client = FhirClient(target.fhir, evidence)
    yield client
    client.close()


@pytest.fixture
def ups(dicomweb, evidence, dataset_factory):
    """A UPS-RS user agent (PS3.18 11) with its notification channels, closed after the test."""
    from dicom_harness.clients.ups import UpsClient
    client = UpsClient(dicomweb, evidence, dataset_factory)
    yield client
    client.close()


@pytest.fixture(scope="session")
def web_study(target, dataset_factory):
    """One small study (two series, three instances) put in the target once for the DICOMweb suites."""
    from dicom_harness.clients.web import WebStudy
    return WebStudy(dataset_factory).put_into(target, Evidence())


@pytest.fixture(scope="session")
def dataset_factory(request):
    """The synthetic dataset factory, or with --data DIR a factory of copies of the user's corpus."""
    from dicom_harness.data.datasets import DatasetFactory
    folder = request.config.getoption("data")
    if folder:
        from dicom_harness.data.corpus import CorpusFactory
        try:
            return CorpusFactory(seed=request.config.getoption("seed"), folder=folder)
        except HarnessUserError as exc:
            pytest.exit(f"dicom-harness: {exc}", returncode=exc.exit_code)
    return DatasetFactory(seed=request.config.getoption("seed"))


@pytest.fixture
def make_instance(dataset_factory):
    """make_instance('CT', transfer_syntax=..., study=...) -> a fresh instance with unique UIDs."""
    return dataset_factory.make


@pytest.fixture(autouse=True)
def _service_claimed(request):
    """A test whose requirement belongs to a service the target does not claim is NOT CLAIMED."""
    if suite_root(request.node) is None:
        return
    services = {r.service for r in requirements_of(request.node)} - {"association"}
    target = request.getfixturevalue("target")
    missing = sorted(s for s in services if not target.claims.offers(s))
    if missing:
        raise NotClaimed(f"the target does not claim {', '.join(missing)}")
