"""What suites import: the requirement marker."""

import pytest


def requirement(*ids: str):
    """Name the requirement(s) a test checks; an ID missing from the catalogue is a collection error."""
    return pytest.mark.requirement(*ids)
