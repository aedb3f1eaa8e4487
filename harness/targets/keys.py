"""Strict tables: a profile's misspelled key (`servcies`, `timeot`) is an error naming the closest valid key,
never a setting silently left at its default."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from dicom_harness.errors import ProfileError


def check_keys(table: dict, allowed: Iterable[str], where: str) -> None:
    """ProfileError for the first key not in `allowed`, with the closest valid key."""
    allowed = tuple(allowed)
    for key in sorted(set(table) - set(allowed)):
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(allowed)}"
        raise ProfileError(f"{where}: unknown key {key!r}; {hint}")
