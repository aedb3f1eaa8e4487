"""PS3.4 Annex J: commitment."""
