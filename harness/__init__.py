"""dicom-harness: DICOM conformance suites, target providers and the pytest plugin that ties them."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dicom-harness")        # one version: pyproject.toml's
except PackageNotFoundError:                       # running from a checkout that was never installed
    __version__ = "0+unknown"
