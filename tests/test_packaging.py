"""The package as a user installs it: every folder of ours in the distribution, its data files with it, and
import names of our own, so a user's `harness`, `reports`, `suites` or `simulators` package cannot shadow
ours (before, a foreign `harness` package broke every pytest run: "Error while loading plugin pytest11")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {"harness": "dicom_harness", "simulators": "dicom_harness.simulators",
           "suites": "dicom_harness.suites", "reports": "dicom_harness.reports"}
FOREIGN = ("harness", "reports", "suites", "simulators")


def test_the_package_list_names_every_package_folder():
    configured = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = set()
    for folder, name in FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder)
            found.add(".".join([name, *relative.parts]))
    assert set(configured["packages"]) == found
    assert configured["package-dir"] == {name: folder for folder, name in FOLDERS.items()}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A regular (not editable) install of this checkout into a folder of its own."""
    site = tmp_path_factory.mktemp("site")
    built = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                            "--disable-pip-version-check", "--target", str(site), str(ROOT)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    return site


@pytest.fixture(scope="module")
def foreign(tmp_path_factory) -> Path:
    """A user's own packages with our repository's folder names, first on the path."""
    folder = tmp_path_factory.mktemp("foreign")
    for name in FOREIGN:
        (folder / name).mkdir()
        (folder / name / "__init__.py").write_text(f"WHO = 'the user\\'s own {name}'\n")
    return folder


def _environment(*path: Path) -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in path)}


def test_installed_package_carries_its_data(installed):
    package = installed / "dicom_harness"
    assert sorted(p.name for p in (package / "catalogue" / "requirements").glob("*.toml"))
    assert (package / "targets" / "profiles" / "simulators.toml").is_file()
    assert (package / "reports" / "templates" / "index.html.j2").is_file()
    assert (package / "reports" / "results.schema.json").is_file(), "results.json's published schema"
    assert (package / "reports" / "prerequisites.toml").is_file()
    assert (package / "suites" / "verification" / "test_c_echo.py").is_file()


def test_cli_runs_beside_a_users_own_harness_package(installed, foreign, tmp_path):
    run = subprocess.run([sys.executable, "-m", "dicom_harness", "run", "--test", "verification/test_c_echo.py",
                          "--report-dir", str(tmp_path / "report")],
                         cwd=tmp_path, env=_environment(foreign, installed), capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    results = json.loads((tmp_path / "report" / "results.json").read_text())
    verdicts = {r["verdict"] for r in results["results"]}
    assert verdicts == {"PASS"}, verdicts


def test_pytest_plugin_loads_beside_a_users_own_packages(installed, foreign, tmp_path):
    """The user's test imports its own `harness` in the same session as our suites, after them."""
    (tmp_path / "test_users_own.py").write_text(
        "import harness, reports\n\n"
        "def test_my_harness_is_mine():\n"
        "    assert harness.WHO == \"the user's own harness\"\n"
        "    assert reports.WHO == \"the user's own reports\"\n")
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--rootdir", str(tmp_path),
                          "--pyargs", "dicom_harness.suites.verification", "test_users_own.py"],
                         cwd=tmp_path, env=_environment(foreign, installed), capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "Error while loading plugin" not in run.stdout + run.stderr
    assert "dicom-harness:" in run.stdout and "PASS" in run.stdout     # the plugin judged the suite tests
