"""PS3.4 Annex B, PS3.7 9.1.1 and 9.3.1: the Storage SCU."""
