"""Reports from result records: HTML, JUnit XML and a JSON summary. Never imports pytest, so old runs can
be re-rendered and compared."""
