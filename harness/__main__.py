"""`python -m dicom_harness`: the command line."""

import sys

from dicom_harness.cli.main import main

sys.exit(main())
