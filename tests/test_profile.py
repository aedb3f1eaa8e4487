import pytest

from dicom_harness.errors import ProfileError
from dicom_harness.targets.profile import load_profile, parse_dimse_address, profile_from_dict

GOOD = {"name": "PACS", "dimse": {"ae_title": "PACS", "host": "10.0.0.1", "port": 104},
        "claims": {"services": ["verification", "storage"], "storage_sop_classes": ["CTImageStorage"]},
        "deviations": [{"requirement": "STORE-LEVEL2-KEEPS-ALL", "reason": "level 1 only"}]}


def test_good_profile_is_frozen_target():
    target = profile_from_dict(GOOD)
    assert target.dimse.port == 104
    assert target.claims.storage_sop_classes == ("1.2.840.10008.5.1.4.1.1.2",)
    assert "STORE-LEVEL2-KEEPS-ALL" in target.deviations
    with pytest.raises(AttributeError):
        target.name = "other"


@pytest.mark.parametrize("change, words", [
    ({"name": None}, "name"),
    ({"dimse": {"ae_title": "PACS", "host": "h"}}, "port"),
    ({"dimse": {"ae_title": "A" * 17, "host": "h", "port": 1}}, "ae_title"),
    ({"claims": {"services": ["teleportation"]}}, "unknown services"),
    ({"claims": {"storage_sop_classes": ["NoSuchStorage"]}}, "UID"),
    ({"dicomweb": {"base_url": "http://x", "token": "secret"}}, "environment variable"),
])
def test_bad_profiles_say_what_is_wrong(change, words):
    data = {**GOOD, **change}
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(ProfileError, match=words):
        profile_from_dict(data)


def test_profile_file_errors(tmp_path):
    with pytest.raises(ProfileError, match="not found"):
        load_profile(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("name = \n")
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_profile(broken)


def test_quick_dimse_form():
    endpoint = parse_dimse_address("ORTHANC@127.0.0.1:4242")
    assert (endpoint.ae_title, endpoint.host, endpoint.port) == ("ORTHANC", "127.0.0.1", 4242)
    with pytest.raises(ProfileError, match="AET@host:port"):
        parse_dimse_address("127.0.0.1:4242")
