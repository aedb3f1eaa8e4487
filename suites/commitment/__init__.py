"""PS3.4 Annex J: Storage Commitment Push Model (SCP side)."""
