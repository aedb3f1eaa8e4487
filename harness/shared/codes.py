"""Code Sequence items (PS3.3 8.8, Table 8.8-1): the Basic Code Sequence Macro both sides build."""

from __future__ import annotations

from pydicom.dataset import Dataset


def code_item(value: str, scheme: str = "DCM", meaning: str | None = None) -> Dataset:
    """Code Value, Coding Scheme Designator and, when given, Code Meaning (a matching key may leave it out)."""
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = scheme
    if meaning is not None:
        item.CodeMeaning = meaning
    return item
