"""PS3.4 Annex F: mpps."""
