"""PS3.4 F.7: the Modality Performed Procedure Step SCU."""
