"""The DICOMweb server simulator: QIDO-RS, WADO-RS, STOW-RS, WADO-URI and capabilities over the shared Store."""

from simulators.dicomweb.app import create_app
from simulators.dicomweb.server import DicomWebSimulator

__all__ = ["DicomWebSimulator", "create_app"]
