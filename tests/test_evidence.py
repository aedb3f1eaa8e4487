"""Evidence of a long test keeps its start and its end: the closing notes of a differential test (what a declared
deviation explained, the seed) come last and must survive the cap."""

from dicom_harness.clients.evidence import MAX_LINES, TAIL_LINES, Evidence


def test_a_long_transcript_keeps_its_first_and_last_lines():
    evidence = Evidence()
    for number in range(1000):
        evidence.add(">", f"query {number}")
    evidence.add("#", "closing note: 3 mismatches explained by declared deviations")
    lines = evidence.transcript()
    assert len(lines) == MAX_LINES + 1
    assert lines[0].endswith("> query 0") and lines[MAX_LINES - TAIL_LINES - 1].endswith(f"query {MAX_LINES - TAIL_LINES - 1}")
    assert lines[MAX_LINES - TAIL_LINES] == f"... {1001 - MAX_LINES} lines in between not kept"
    assert lines[-1].endswith("# closing note: 3 mismatches explained by declared deviations")


def test_a_short_transcript_is_kept_whole():
    evidence = Evidence()
    for number in range(MAX_LINES):
        evidence.add("<", f"answer {number}")
    assert [line.split(" < ", 1)[1] for line in evidence.transcript()] == [f"answer {n}" for n in range(MAX_LINES)]
