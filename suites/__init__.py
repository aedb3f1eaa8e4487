"""The conformance suites: one folder per service, one file per clause area. Tests use roles (dimse,
make_instance, claims), never addresses, and name their requirements with @requirement."""
