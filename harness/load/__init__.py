"""`dicom-harness load`: load and soak tests against any target, built on Locust used as a library.

Locust monkey-patches the process with gevent when it is imported, so only the `load` command's own process (and
its Locust worker processes) import it; the target is started by a separate process (`host.py`) through the same
providers as `run`, so a pynetdicom server never shares a process with gevent."""
