"""Orthanc 1.10.1 and 1.12.7 in containers built on this machine from Debian packages (`--target docker:...`),
run side by side through `run --targets`, compared version to version; and the one-line errors of a missing
engine or an unknown image."""

import os

import pytest

from tests.conftest import IN_CI, run_cli

ENTRIES = """concurrency = 2
[[entry]]
name = "Orthanc 1.10.1"
target = "docker:orthanc"
[[entry]]
name = "Orthanc 1.12.7"
target = "docker:orthanc-1.12"
"""


def _engine_or_skip():
    """A Docker engine with the images (built here when missing: needs root); in CI a missing engine is an error."""
    from dicom_harness.errors import HarnessUserError
    from dicom_harness.targets import docker_images
    try:
        client = docker_images.engine()
        for recipe in docker_images.RECIPES.values():
            docker_images.ensure_image(client, recipe)
    except HarnessUserError as exc:
        if IN_CI:
            pytest.fail(f"Docker peer: {exc}")
        pytest.skip(f"Docker peer: {exc}")
    return client


def _containers_of_ours(client) -> list:
    return client.containers.list(all=True, filters={"label": "dicom-harness.run"})


def test_both_orthanc_versions_in_containers_compared(tmp_path):
    client = _engine_or_skip()
    before = {c.id for c in _containers_of_ours(client)}
    entries = tmp_path / "orthancs.toml"
    entries.write_text(ENTRIES)
    out = tmp_path / "out"
    proc = run_cli("run", "--targets", str(entries), "--report-dir", str(out), timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]

    from dicom_harness.reports.compare import diff_runs, load_run
    old, new = load_run(out / "Orthanc-1.10.1", label="1.10.1"), load_run(out / "Orthanc-1.12.7", label="1.12.7")
    for run in (old, new):
        unexpected = [(r["test"], r["verdict"], r["message"][:200]) for r in run.results
                      if r["verdict"] not in ("PASS", "DEVIATION", "NOT CLAIMED", "NOT VERIFIED", "FIXED")]
        assert not unexpected, (run.label, unexpected)
        assert sum(r["verdict"] == "PASS" for r in run.results) >= 100, run.label
    assert {r["target"] for r in old.results} == {"Orthanc 1.10.1 (container dicom-harness/orthanc:bookworm)"}
    assert {r["target"] for r in new.results} == {"Orthanc 1.12.7 (container dicom-harness/orthanc-1.12:trixie)"}

    # What changed from 1.10.1 to 1.12.7, as the comparison lists it: half of a content-negotiation deviation is
    # fixed (FIXED: still declared for its other test), another is gone, compressed bulk data is served but not
    # decoded (declared in the 1.12 profile), and thumbnails are served.
    changes = diff_runs(old, new)
    moved = {(c["test"], c["before"], c["after"]) for c in changes.changed + changes.fixed + changes.new_failures}
    assert ("test_unsupported_type_beside_wildcard_gets_default", "DEVIATION", "FIXED") in moved, moved
    assert ("test_unknown_accept_parameter_and_invalid_value_are_ignored", "DEVIATION", "PASS") in moved, moved
    assert ("test_pixel_data_bulkdata_of_a_compressed_instance", "NOT VERIFIED", "DEVIATION") in moved, moved
    assert ("test_each_thumbnail_is_one_image", "NOT CLAIMED", "PASS") in moved, moved     # thumbnails are new
    page = (out / "index.html").read_text()
    assert "test_pixel_data_bulkdata_of_a_compressed_instance" in page

    # Each container's log is kept in its report folder; no container of ours is left behind.
    for folder in ("Orthanc-1.10.1", "Orthanc-1.12.7"):
        logs = list((out / folder).glob("dh-orthanc-*.log"))
        assert logs and b"Orthanc has started" in logs[0].read_bytes(), folder
    assert {c.id for c in _containers_of_ours(client)} <= before


def test_no_engine_is_one_line_and_exit_3(tmp_path):
    env = dict(os.environ, DOCKER_HOST=f"unix://{tmp_path}/no-such.sock")
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-m", "dicom_harness", "run", "--target", "docker:orthanc",
                           "--report-dir", str(tmp_path / "r")], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 3, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "no Docker engine answers" in lines[0] and "dockerd" in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_image_recipe_is_a_usage_error(tmp_path):
    proc = run_cli("run", "--target", "docker:orthanc-9", "--report-dir", str(tmp_path / "r"))
    assert proc.returncode == 2, proc.stderr
    assert "docker:orthanc-9: no such image recipe" in proc.stderr and "orthanc-1.12" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_images_list_names_every_recipe():
    _engine_or_skip()
    proc = run_cli("images", "list")
    assert proc.returncode == 0, proc.stderr
    rows = proc.stdout.strip().splitlines()
    assert [row.split()[0] for row in rows] == ["orthanc", "orthanc-1.12"]
    assert all("MiB" in row for row in rows), rows      # both built by _engine_or_skip


