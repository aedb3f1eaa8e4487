"""A-ASSOCIATE-RJ words (PS3.8 Table 9-21): what a rejection's result, source and reason mean."""

RESULTS = {1: "rejected-permanent", 2: "rejected-transient"}
SOURCES = {1: "service-user", 2: "service-provider (ACSE)", 3: "service-provider (presentation)"}
REASONS = {  # (source, reason) -> meaning
    (1, 1): "no-reason-given", (1, 2): "application-context-name-not-supported",
    (1, 3): "calling-AE-title-not-recognized", (1, 7): "called-AE-title-not-recognized",
    (2, 1): "no-reason-given", (2, 2): "protocol-version-not-supported",
    (3, 1): "temporary-congestion", (3, 2): "local-limit-exceeded",
}


def describe_rejection(result: int, source: int, reason: int) -> str:
    return (f"{RESULTS.get(result, f'result {result}')}, source {SOURCES.get(source, source)}, "
            f"reason {REASONS.get((source, reason), reason)}")
