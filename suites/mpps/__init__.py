"""PS3.4 Annex F.7: Modality Performed Procedure Step (SCP side)."""
