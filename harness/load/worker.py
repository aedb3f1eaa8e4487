"""A local Locust worker process of `dicom-harness load --workers N`: `python -m dicom_harness.load.worker HOST PORT`."""

import sys

if __name__ == "__main__":
    import locust  # noqa: F401  first: its gevent monkey-patching must come before ssl and sockets are imported

    from dicom_harness.load.runner import worker_main
    sys.exit(worker_main(sys.argv[1], int(sys.argv[2])))
