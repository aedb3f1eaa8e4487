"""`dicom-harness run` against the simulators spread over processes (harness/cli/sharded.py): the same records,
in the same order, the same report and exit code as one process; a fault still fails what it breaks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dicom_harness.cli.sharded import deal, default_jobs, lengths_in_a_shard, merged_records, suite_seconds
from tests.conftest import run_cli

# three suite folders, so that two processes each get some
SELECTION = "echo or capab or fhir"


def _results(folder: Path) -> dict:
    return json.loads((folder / "results.json").read_text())


def test_every_folder_goes_to_exactly_one_shard_and_the_load_is_balanced():
    seconds = suite_seconds()
    assert "query_retrieve" in seconds and all(cpu > 0 and wall >= 0 for cpu, wall in seconds.values())
    folders = sorted(seconds) + ["mine"]
    for jobs, cpus in ((2, 2), (3, 2), (4, 8)):
        shards = deal(folders, jobs, seconds, cpus)
        dealt = [folder for shard in shards for folder in shard]
        assert sorted(dealt) == sorted(folders)
        lengths = lengths_in_a_shard(folders, jobs, seconds, cpus)
        loads = [sum(lengths[folder] for folder in shard) for shard in shards]
        assert max(loads) - min(loads) <= max(lengths.values()), (jobs, cpus, loads)
    assert deal(["qido"], 4, seconds, 2) == [["qido"]]


def test_with_more_shards_than_cpus_a_folder_that_waits_goes_with_one_that_computes():
    """A shard with a core to itself takes its folders' wall time; with two shards on one CPU, each computes at
    half speed (a folder of 2 s of CPU takes 4 s) while a wait takes what it took: the middle folder then joins the
    one that mostly waits, not the busy one."""
    seconds = {"busy": (2.0, 2.0), "waits": (0.2, 2.2), "middle": (1.0, 1.0)}
    assert lengths_in_a_shard([*seconds, "new"], 2, seconds, cpus=1) == pytest.approx(
        {"busy": 4.0, "waits": 2.4, "middle": 2.0, "new": 2.4})        # one not measured: the median
    assert deal(list(seconds), 2, seconds, cpus=2) == [["waits"], ["busy", "middle"]]
    assert deal(list(seconds), 2, seconds, cpus=1) == [["busy"], ["middle", "waits"]]


def test_one_process_more_than_cpus_by_default(monkeypatch):
    import os
    for cpus, jobs in ((1, 1), (2, 3), (3, 4), (16, 4)):
        monkeypatch.setattr(os, "cpu_count", lambda cpus=cpus: cpus)
        assert default_jobs() == jobs


def test_records_come_back_in_the_order_one_process_writes_them():
    def record(nodeid: str) -> dict:
        return {"nodeid": nodeid}
    first = [record("wado/test_a.py::t1"), record("wado/test_a.py::t2"), record("association/test_x.py::t")]
    second = [record("qido/test_q.py::t"), record("acme/test_own.py::t")]
    merged = merged_records([first, second], ["association", "qido", "wado"])
    assert [r["nodeid"] for r in merged] == ["association/test_x.py::t", "qido/test_q.py::t", "wado/test_a.py::t1",
                                             "wado/test_a.py::t2", "acme/test_own.py::t"]


def test_two_processes_give_what_one_gives(tmp_path):
    one = run_cli("run", "--jobs", "1", "-k", SELECTION, "--report-dir", str(tmp_path / "one"))
    two = run_cli("run", "--jobs", "2", "-k", SELECTION, "--report-dir", str(tmp_path / "two"))
    assert (one.returncode, two.returncode) == (0, 0), two.stdout + two.stderr
    single, sharded = _results(tmp_path / "one"), _results(tmp_path / "two")
    assert [(r["nodeid"], r["verdict"]) for r in sharded["results"]] == \
           [(r["nodeid"], r["verdict"]) for r in single["results"]]
    assert sharded["run"]["catalogue"] == single["run"]["catalogue"]
    assert sharded["summary"] == single["summary"]
    assert "in 2 processes" in two.stdout
    # the progress characters of both shards, one per test, as one process prints them
    progress = "".join(line.split(" [")[0] for line in two.stdout.splitlines()[1:-1])
    assert progress == "." * len(single["results"]), two.stdout
    last = two.stdout.strip().splitlines()[-1]
    assert last.startswith(f"dicom-harness: {len(single['results'])} PASS on dicom-harness simulators"), last
    for name in ("index.html", "junit.xml", "results.jsonl"):
        assert (tmp_path / "two" / name).exists()
    assert not (tmp_path / "two" / ".shards").exists()


def test_a_fault_fails_its_requirement_in_a_sharded_run(tmp_path):
    proc = run_cli("run", "--jobs", "2", "--fault", "caps-wrong-base", "-k", SELECTION,
                   "--report-dir", str(tmp_path))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    failed = {q["id"] for r in _results(tmp_path)["results"] if r["verdict"] == "FAIL" for q in r["requirements"]}
    assert "CAPS-WADL" in failed
    assert "  FAIL " in proc.stdout and "index.html#" in proc.stdout     # the one-click links to each failure


def test_a_selection_that_matches_nothing_in_any_shard_says_so(tmp_path):
    proc = run_cli("run", "--jobs", "2", "-k", "matches_no_test_at_all", "--report-dir", str(tmp_path))
    assert proc.returncode == 2
    assert "no test ran" in proc.stderr


def test_a_shard_that_does_not_stop_after_its_tests_is_terminated_and_named(tmp_path, monkeypatch):
    """The report is written once every shard's records are complete (its `finished` mark); the shards are then
    waited for, and one still stopping its simulators after STOP_TIMEOUT is terminated and reported."""
    import subprocess
    import sys

    from dicom_harness.cli import sharded
    monkeypatch.setattr(sharded, "STOP_TIMEOUT", 0.5)
    folder = tmp_path / "0"
    folder.mkdir()
    sharded.mark_finished(folder)
    log = open(folder / "run.log", "w", encoding="utf-8")
    stuck = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    shards = sharded.Shards.__new__(sharded.Shards)
    shards.children = [(folder, log, stuck)]
    troubles = shards.finish()
    assert stuck.poll() is not None                 # terminated, not left behind
    assert troubles == ["dicom-harness: a shard did not stop its simulators within 0.5 s"]
