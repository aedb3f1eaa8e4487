"""The [fhir] profile table (the FHIR R4 server the fhir suite asks) and the fhir service claim: strict keys like
[dicomweb], no secrets in the file; the simulators' profile names one, Orthanc's and dcmqrscp's do not."""

import pytest

from dicom_harness.errors import ProfileError
from dicom_harness.targets.profile import BUILT_IN, load_profile, profile_from_dict

BASE = {"name": "PACS", "dicomweb": {"base_url": "http://pacs/dicom-web"}, "claims": {"services": ["qido", "fhir"]}}


def test_fhir_table_gives_an_endpoint_with_its_credentials():
    target = profile_from_dict({**BASE, "fhir": {"base_url": "https://pacs/fhir/", "auth": "bearer",
                                                 "token_env": "FHIR_TOKEN", "timeout": 5}})
    assert target.fhir.base_url == "https://pacs/fhir" and target.fhir.auth == "bearer"
    assert target.fhir.token_env == "FHIR_TOKEN" and target.fhir.timeout == 5.0
    assert target.claims.offers("fhir")
    assert profile_from_dict(BASE).fhir is None


@pytest.mark.parametrize("table, words", [
    ({"base_ur": "http://x/fhir"}, "base_url"),
    ({"base_url": "http://x/fhir", "wado_uri": "http://x/wado"}, "unknown key 'wado_uri'"),
    ({"base_url": "http://x/fhir", "bas_url": "http://x"}, "did you mean 'base_url'"),
    ({"base_url": "http://x/fhir", "password": "secret"}, r"\[fhir\] must not hold a password"),
    ({"base_url": "http://x/fhir", "auth": "magic"}, r"\[fhir\] auth must be"),
])
def test_bad_fhir_tables_say_what_is_wrong(table, words):
    with pytest.raises(ProfileError, match=words):
        profile_from_dict({**BASE, "fhir": table})


def test_shipped_profiles_claim_fhir_only_where_there_is_a_fhir_server():
    from importlib.resources import files
    profiles = files("dicom_harness.targets") / "profiles"
    for name in BUILT_IN:
        target = load_profile(profiles / f"{name}.toml")
        assert target.claims.offers("fhir") == (target.fhir is not None) == (name == "simulators"), name
