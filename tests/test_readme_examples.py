"""README's examples work as pasted: the workflow simulators' lines, run by bash from an empty folder (on free
ports instead of 11112-11114, so the test never meets a simulator a user left running)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _code_block_after(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index(heading):]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def test_workflow_simulators_example_runs_as_pasted(tmp_path):
    from dicom_harness.targets.ports import free_port
    script = _code_block_after("### Workflow simulators")
    ports = {readme_port: str(free_port()) for readme_port in ("11112", "11113", "11114")}
    for readme_port, port in ports.items():
        assert readme_port in script, f"the example no longer uses port {readme_port}: update this test"
        script = script.replace(readme_port, port)
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.Popen(["bash", "-e", "-c", script], cwd=tmp_path, env=environment, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)       # only the session this test started
            proc.wait()
    assert proc.returncode == 0, output[-3000:]
    assert "acquisition done: 3 image(s) stored and committed, MPPS completed" in output, output[-3000:]
    assert "RIS simulator DH_RIS" in output and "PACS simulator DH_PACS" in output
    leftover = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert leftover == [], "the example's last line leaves the simulators running"
