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


class HarnessError(Exception):
    """The harness itself could not do its part (no read-back path, bad fixture): verdict ERROR."""
