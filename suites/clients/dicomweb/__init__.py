"""PS3.18 8, 10 and 11: the DICOMweb user agent (QIDO-RS, WADO-RS, STOW-RS requests it sends)."""
