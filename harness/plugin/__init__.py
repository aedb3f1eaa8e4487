"""The pytest plugin (entry point `dicom_harness.plugin`): target options, role fixtures, requirement markers,
verdicts and result records. Each part lives in its own module; this package only gathers the hooks and
fixtures pytest looks for.

options     the run options, declared once for pytest, `dicom-harness run` and re-run commands
roots       which folders hold conformance tests (the built-in suites, --suite folders)
state       the run's state in config.stash
collection  suite roots and catalogue at configure time; requirement markers checked at collection
fixtures    target, dimse, dicomweb, ups, make_instance, ...
judging     verdicts from outcomes; records      one result record per test
output      results file, report folder, terminal summary
"""

from dicom_harness.plugin.collection import pytest_collection_modifyitems, pytest_configure, pytest_ignore_collect
from dicom_harness.plugin.fixtures import (
    _service_claimed,
    claims,
    dataset_factory,
    dicomweb,
    dimse,
    evidence,
    fhir,
    harness_peer,
    make_instance,
    recording,
    secure_dimse,
    seed_worklist,
    target,
    ups,
    web_study,
)
from dicom_harness.plugin.judging import pytest_report_teststatus, pytest_runtest_makereport
from dicom_harness.plugin.options import pytest_addoption
from dicom_harness.plugin.output import pytest_sessionfinish, pytest_terminal_summary

__all__ = [
    "pytest_addoption", "pytest_configure", "pytest_ignore_collect", "pytest_collection_modifyitems", "pytest_runtest_makereport",
    "pytest_report_teststatus", "pytest_sessionfinish", "pytest_terminal_summary",
    "target", "recording", "harness_peer", "seed_worklist", "claims", "evidence", "dimse", "dicomweb", "fhir", "ups", "web_study",
    "secure_dimse", "dataset_factory", "make_instance", "_service_claimed",
]
