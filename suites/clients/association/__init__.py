"""PS3.8: what a client puts in its A-ASSOCIATE-RQ and how it fragments what it sends."""
