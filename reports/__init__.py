"""Reports from result records: HTML, JUnit XML and a JSON summary. Never imports pytest, so old runs can
be re-rendered and compared."""

# results.json's (and results.jsonl's) format, described by results.schema.json in this folder. Raise it when a
# key is renamed or removed or changes meaning; a new optional key keeps it.
SCHEMA_VERSION = 1
