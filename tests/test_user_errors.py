"""What a CI engineer and a new user trip over, each answered with one line and the documented exit code:
a misspelled profile key or deviation ID (2), a selection that runs nothing (2), a rejected association (3)."""

from __future__ import annotations

import pytest

from dicom_harness.errors import ProfileError
from dicom_harness.targets.profile import check_deviations, profile_from_dict
from tests.conftest import run_cli

GOOD = {"name": "P", "dimse": {"ae_title": "PACS", "host": "127.0.0.1", "port": 104},
        "claims": {"services": ["verification"]}}


@pytest.mark.parametrize("change, words", [
    ({"claims": {"servcies": ["verification"]}}, "unknown key 'servcies'; did you mean 'services'?"),
    ({"dimse": {**GOOD["dimse"], "timeot": 5}}, "[dimse]: unknown key 'timeot'; did you mean 'timeout'?"),
    ({"nmae": "x"}, "unknown key 'nmae'; did you mean 'name'?"),
    ({"claims": {"query_retrieve": {"relatonal": True}}}, "did you mean 'relational'?"),
    ({"deviations": [{"requirement": "VERIFY-ECHO-SUCCESS", "reson": "x"}]}, "did you mean 'reason'?"),
])
def test_a_misspelled_profile_key_names_the_closest_valid_one(change, words):
    with pytest.raises(ProfileError, match=None) as raised:
        profile_from_dict({**GOOD, **change})
    assert words in str(raised.value)


def test_a_deviation_must_name_a_catalogued_requirement():
    target = profile_from_dict({**GOOD, "deviations": [{"requirement": "VERIFY-ECHO-SUCESS", "reason": "x"}]})
    with pytest.raises(ProfileError) as raised:
        check_deviations(target, ["VERIFY-ECHO-SUCCESS", "STORE-RETAINS-INSTANCE"])
    assert "'VERIFY-ECHO-SUCESS'" in str(raised.value) and "did you mean 'VERIFY-ECHO-SUCCESS'?" in str(raised.value)


def test_run_with_a_misspelled_deviation_is_a_usage_error(tmp_path):
    profile = tmp_path / "p.toml"
    profile.write_text('name = "P"\n[dimse]\nae_title = "PACS"\nhost = "127.0.0.1"\nport = 9\n'
                       '[[deviations]]\nrequirement = "VERIFY-ECHO-SUCESS"\nreason = "typo"\n')
    done = run_cli("run", "--target", str(profile), "--report-dir", str(tmp_path / "out"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "did you mean 'VERIFY-ECHO-SUCCESS'?" in done.stderr
    assert "Traceback" not in done.stderr


def test_run_that_selects_nothing_is_not_a_pass(tmp_path):
    done = run_cli("run", "-k", "no_such_test_name", "--report-dir", str(tmp_path))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "no test ran: -k 'no_such_test_name' selected none" in done.stderr


def test_rejected_association_is_one_line_and_exit_3(pacs, tmp_path):
    done = run_cli("run", "--dimse", f"WRONG@127.0.0.1:{pacs.port}", "--report-dir", str(tmp_path))
    assert done.returncode == 3, done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "rejected the association" in lines[0], done.stderr
    assert "called-AE-title-not-recognized" in lines[0] and "'WRONG'" in lines[0]


def test_version_is_the_installed_distributions():
    from importlib.metadata import version
    done = run_cli("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"dicom-harness {version('dicom-harness')}"


@pytest.mark.parametrize("args, words", [
    (("--fault", "store-discard"), "unknown fault 'store-discard'; did you mean 'store-discards'? "
                                   "`dicom-harness faults` lists all"),
    (("--target", "orthanx"), "did you mean 'orthanc'? give a built-in target (simulators, orthanc, dcmqrscp, pixelmed, "
                                "wlmscpfs)"),
    (("--target", "missing.toml"), "not found; give a profile .toml file or a built-in target: simulators, orthanc, "
                                   "dcmqrscp"),
])
def test_a_wrong_name_gets_the_closest_and_where_to_look(args, words, tmp_path):
    done = run_cli("run", *args, "--report-dir", str(tmp_path))
    assert done.returncode == 2 and words in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
