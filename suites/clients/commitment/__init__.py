"""PS3.4 J.3: the Storage Commitment Push Model SCU."""
