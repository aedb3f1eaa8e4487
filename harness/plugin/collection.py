"""Which tests are conformance tests, and what they name: suite roots, the catalogue, requirement markers."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicom_harness.catalogue import CatalogueError, Requirement, load_catalogue
from dicom_harness.catalogue.coverage import stale_message
from dicom_harness.plugin.roots import SuiteFolderError, SuiteRoots
from dicom_harness.plugin.state import RUN, RunState, run_state


def pytest_configure(config):
    config.addinivalue_line("markers", "requirement(*ids): the catalogue requirement(s) a test checks")
    try:
        roots = SuiteRoots.from_paths(config.getoption("suite"))
    except SuiteFolderError as exc:
        raise pytest.UsageError(f"dicom-harness: {exc}") from None
    recording = config.getoption("recording")
    config.stash[RUN] = RunState(roots, recording=Path(recording).resolve() if recording else None)
    _collect_user_folders(config, roots)
    # a target that stalled in an earlier session of this process (runs in one process, as the fault matrix
    # makes them) starts this one with a clean slate
    from dicom_harness.clients.exchange import forget_stalls
    forget_stalls()


def _collect_user_folders(config, roots: SuiteRoots) -> None:
    """`--suite DIR` also collects DIR, unless the command line already names DIR or a path inside it (as the
    command line does for `--test`). config.args is what the session collects, read after pytest_configure."""
    named = [Path(arg.split("::", 1)[0]).resolve() for arg in config.args]
    for folder in roots.user:
        if not any(path.is_relative_to(folder) for path in named):
            config.args.append(str(folder))


CLIENT_SUITES = "clients"       # the built-in suites' folder of client-side tests


def pytest_ignore_collect(collection_path, config):
    """A run judges one kind of product: with --recording only the client-side suites are collected, without it
    only the server-side ones."""
    state = config.stash.get(RUN, None)
    if state is None or not collection_path.is_relative_to(state.roots.builtin):
        return None
    relative = collection_path.relative_to(state.roots.builtin).parts
    if not relative:
        return None
    if relative[0] in ("__init__.py", "conftest.py"):
        return None
    if (state.role == "client") != (relative[0] == CLIENT_SUITES):
        return True
    return None


def catalogue(config) -> dict[str, Requirement]:
    try:
        return load_catalogue(run_state(config).catalogue_folders)
    except CatalogueError as exc:
        raise pytest.UsageError(f"dicom-harness: {exc}") from None


def suite_root(item) -> Path | None:
    """The suite root holding this test, or None for a test that is not a conformance test."""
    return run_state(item.config).roots.root_of(item.path)


def requirements_of(item) -> list[Requirement]:
    found = catalogue(item.config)
    return [found[rid] for mark in item.iter_markers("requirement") for rid in mark.args]


@pytest.hookimpl(tryfirst=True)          # before -k deselects: every collected test counts for coverage
def pytest_collection_modifyitems(session, config, items):
    """Each requirement a test names must be in the catalogue and not declared untested; the IDs named are kept
    for the run header's coverage."""
    known = catalogue(config)
    named = run_state(config).named
    for item in items:
        marks = list(item.iter_markers("requirement"))
        if not marks and suite_root(item) is not None:
            raise pytest.UsageError(f"{item.nodeid}: a suite test must name its requirement with @requirement(...)")
        for mark in marks:
            for rid in mark.args:
                if rid not in known:
                    raise pytest.UsageError(f"{item.nodeid}: unknown requirement ID {rid!r} (not in the catalogue)")
                if known[rid].status:
                    raise pytest.UsageError(stale_message(known[rid], item.nodeid))
                named.setdefault(rid, []).append(item.nodeid)
