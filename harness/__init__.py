"""dicom-harness: DICOM conformance suites, target providers and the pytest plugin that ties them."""

__version__ = "0.1.0"
