"""PS3.4 Annex K: Basic Worklist Management, Modality Worklist Information Model - FIND (SCP side)."""
