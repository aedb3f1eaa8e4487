"""FHIR R4 ImagingStudy against DICOMweb: the hands-on flow from a Patient to the instances WADO-RS returns."""
