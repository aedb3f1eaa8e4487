"""Real viewers in Debian's headless Chromium against the DICOMweb simulator, and against Orthanc as the reference:
a Cornerstone3D page (core + dicom-image-loader, wadors) shows a CT, an MR, a JPEG baseline image, a frame of a
multi-frame US cine and an RGB image. Each canvas is read back (not black, not uniform) and kept as a screenshot
under artefacts/viewers/.

The page is served from its own origin, so the simulator is reached through CORS; Orthanc 1.10.1 has no CORS, so
its Chromium runs with web security off. npm packages are installed by tests/viewer_setup.py into a cache folder;
in CI (CI=true) a missing npm, Chromium or Orthanc is an error, elsewhere a skip."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from dicom_harness.simulators.dicomweb import DicomWebSimulator
from dicom_harness.simulators.store import Store
from tests.conftest import IN_CI, require_peer
from tests.viewer_data import KINDS, part10, viewer_instances

ARTEFACTS = Path(__file__).resolve().parents[1] / "artefacts" / "viewers"
FRAME = {"US": 4}               # a frame from the middle of the cine


def _require(what: str, found) -> None:
    if found:
        return
    if IN_CI:
        pytest.fail(f"{what} is missing")
    pytest.skip(f"{what} is missing")


@pytest.fixture(scope="module")
def page_url():
    from tests.viewer_setup import SetupError, StaticServer, cornerstone_page
    npm = shutil.which("npm")
    _require("npm (apt-get install nodejs npm)", npm)
    try:
        folder = cornerstone_page(npm)
    except SetupError as exc:
        if IN_CI:
            pytest.fail(str(exc))
        pytest.skip(f"the Cornerstone page could not be set up: {exc}")
    with StaticServer(folder) as server:
        yield server.url + "/index.html"


@pytest.fixture(scope="module")
def instances():
    return viewer_instances()


def _stow(base_url: str, datasets) -> None:
    boundary = uuid.uuid4().hex
    body = b"".join(b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + part10(d) + b"\r\n"
                    for d in datasets) + b"--" + boundary.encode() + b"--\r\n"
    answer = httpx.post(f"{base_url}/studies", content=body, timeout=60, headers={
        "Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}',
        "Accept": "application/dicom+json"})
    assert answer.status_code == 200, answer.text[:500]


@pytest.fixture(scope="module")
def simulator(tmp_path_factory, instances):
    store = Store(tmp_path_factory.mktemp("viewers") / "store")
    web = DicomWebSimulator(store, cors_origins="*").start()
    _stow(web.base_url, instances.values())
    yield web.base_url
    web.stop()
    store.close()


@pytest.fixture(scope="module")
def orthanc(instances):
    require_peer("/usr/sbin/Orthanc")
    from dicom_harness.targets.orthanc import OrthancProcess
    process = OrthancProcess(ae_title="ORTHANC").start()
    base = process.http_url + "/dicom-web"
    try:
        _stow(base, instances.values())
        yield base
    finally:
        process.stop()


def _show(browser, page_url: str, base: str, ds, frame: int) -> dict:
    query = urlencode({"base": base, "study": ds.StudyInstanceUID, "series": ds.SeriesInstanceUID,
                       "instance": ds.SOPInstanceUID, "frame": frame})
    browser.open(f"{page_url}?{query}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = browser.evaluate("JSON.stringify({result: window.dhResult || null, error: window.dhError || null})")
        state = json.loads(state)
        if state["result"] or state["error"]:
            return state
        time.sleep(0.1)
    return {"result": None, "error": "no image after 30 s"}


def _judge(browser, page_url, base, instances, server: str) -> dict[str, dict]:
    seen = {}
    for kind in KINDS:
        state = _show(browser, page_url, base, instances[kind], FRAME.get(kind, 1))
        shot = browser.screenshot(ARTEFACTS / f"cornerstone-{server}-{kind.lower()}.png")
        seen[kind] = {**state, "screenshot": str(shot)}
    (ARTEFACTS / f"cornerstone-{server}.json").write_text(json.dumps(seen, indent=1))
    problems = []
    for kind, state in seen.items():
        result = state["result"]
        if state["error"] or not result:
            problems.append(f"{kind}: {state['error']}")
        elif result["nonBlack"] < 0.05 or result["std"] < 5:
            problems.append(f"{kind}: the canvas is black or uniform ({result})")
    assert not problems, f"Cornerstone3D against {server}: " + "; ".join(problems)
    return seen


def test_cornerstone_shows_every_kind_from_the_simulator(page_url, simulator, instances):
    from tests.browser import Chromium
    with Chromium(require_peer("chromium"), timeout=30) as browser:
        _judge(browser, page_url, simulator, instances, "simulator")


def test_cornerstone_shows_every_kind_from_orthanc(page_url, orthanc, instances):
    from tests.browser import Chromium
    with Chromium(require_peer("chromium"), timeout=30, extra_flags=("--disable-web-security",)) as browser:
        _judge(browser, page_url, orthanc, instances, "orthanc")
