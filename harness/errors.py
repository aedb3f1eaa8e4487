"""Errors the user can act on. Each carries the exit code the command line returns for it."""


class HarnessUserError(Exception):
    """A problem the user can fix; shown as one line, never as a traceback."""

    exit_code = 2


class ProfileError(HarnessUserError):
    """The target profile is malformed or incomplete."""

    exit_code = 2


class TargetUnreachable(HarnessUserError):
    """The target did not answer on the network."""

    exit_code = 3


class ProviderError(HarnessUserError):
    """A local target (Orthanc, a simulator) could not be started."""

    exit_code = 3


class NotClaimed(Exception):
    """The target does not claim the service or SOP class a test needs."""


class NotVerified(Exception):
    """What could be judged held, but the rest of the requirement cannot be checked on this target, for a stated
    reason that is neither the harness's fault nor a missing claim (a storage SCP without C-GET or C-MOVE to read
    back from, PS3.4 B.1.2 note 1): verdict NOT VERIFIED, never counted against the target."""


class NotApplicable(Exception):
    """The test data lacks what the test needs (a user's corpus, given with --data, has no multi-frame image, no
    second series, no instance of a SOP class): verdict NOT APPLICABLE with the reason, never counted against the
    target."""


class HarnessError(Exception):
    """The harness itself could not do its part (no read-back path, bad fixture): verdict ERROR."""


class TargetStalled(HarnessError):
    """The target stopped answering in the middle of a run: the harness's own timeout ran out and a fresh check
    (a new association and C-ECHO, or a GET of the base URL) got no answer either. Verdict ERROR, never FAIL: the
    harness gave up, the target said nothing that could be judged."""
