"""PS3.4 Annex K: the Modality Worklist SCU."""
