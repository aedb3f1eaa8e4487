"""The DICOMweb server simulator: QIDO-RS, WADO-RS, STOW-RS, WADO-URI and capabilities over the shared Store."""

from dicom_harness.simulators.dicomweb.app import create_app
from dicom_harness.simulators.dicomweb.server import DicomWebSimulator

__all__ = ["DicomWebSimulator", "create_app"]
