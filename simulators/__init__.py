"""Stand-in DICOM products (PACS, DICOMweb server, modality, RIS) over one shared store.

Simulators depend on pydicom, pynetdicom and the standard library only, never on harness or suites."""
