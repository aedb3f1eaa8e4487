"""PS3.4 Annex K: worklist."""
