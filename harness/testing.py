from dicom_harness.plugin.markers import requirement

__all__ = ["requirement"]
