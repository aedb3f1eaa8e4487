"""`dicom-harness run` with the target's profile also claiming "robustness" (the opt-in the shipped Orthanc,
dcmqrscp and container profiles do not make, since the suite disturbs a product): the robustness suite against a
peer the harness starts itself. `python -m tests.robustness_run --target orthanc --test robustness ...`"""

from __future__ import annotations

import dataclasses
import sys

from dicom_harness.cli.main import main
from dicom_harness.targets import providers

SILENCE_WAIT = 3.0


def _claiming_robustness(make_provider):
    def make(*args, **kwargs):
        provider = make_provider(*args, **kwargs)
        claims = provider.profile.claims
        provider.profile = dataclasses.replace(provider.profile, claims=dataclasses.replace(
            claims, services=claims.services | {"robustness"}))
        if provider.profile.dimse is not None:
            # a peer that stays silent costs one network wait per input: 3 s keeps the project test short, and
            # loopback peers answer what they answer within milliseconds
            provider.profile = dataclasses.replace(provider.profile, dimse=dataclasses.replace(
                provider.profile.dimse, timeout=min(provider.profile.dimse.timeout, SILENCE_WAIT)))
        return provider
    return make


if __name__ == "__main__":
    providers.make_provider = _claiming_robustness(providers.make_provider)
    sys.exit(main(["run", *sys.argv[1:]]))
