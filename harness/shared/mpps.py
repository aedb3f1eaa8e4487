"""Modality Performed Procedure Step words both sides use (PS3.4 Annex F.7)."""

# Performed Procedure Step Status (0040,0252), PS3.4 F.7.2.1
IN_PROGRESS, COMPLETED, DISCONTINUED = "IN PROGRESS", "COMPLETED", "DISCONTINUED"
FINAL_STATES = (COMPLETED, DISCONTINUED)

# PS3.4 Table F.7.2-2: the Error ID sent with Processing failure when the step is already final
ERROR_ID_NO_LONGER_UPDATABLE = 0xA710
