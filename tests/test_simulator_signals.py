"""A simulator started from a background job (SIGINT inherited as ignored) still stops on Ctrl-C and on SIGTERM."""

from __future__ import annotations

import signal
import subprocess

import pytest

from dicom_harness.targets.ports import free_port
from tests.conftest import CLI


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # what a shell does for `command &`


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_simulator_from_a_background_job_stops_on_signal(tmp_path, signum):
    process = subprocess.Popen([*CLI, "simulate", "pacs", "--port", str(free_port()), "--store", str(tmp_path)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=_ignore_sigint)
    try:
        assert "Ctrl-C to stop" in process.stdout.readline() + process.stdout.readline()
        process.send_signal(signum)
        process.wait(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
            pytest.fail(f"the simulator did not stop on {signal.Signals(signum).name} within 15 s")
    assert process.returncode == 0
    assert "stopped" in process.stdout.read()
