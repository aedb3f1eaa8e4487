"""Several services on one AE: each service bundle (RIS, storage commitment) adds its presentation contexts
and handlers; a DIMSE event two bundles both handle (C-FIND for query/retrieve and worklist, say) goes to the
bundle that owns the request's SOP Class, else to the AE's own handler."""

from __future__ import annotations

from collections.abc import Iterable


def _sop_class(event) -> str:
    request = event.request
    return str(getattr(request, "AffectedSOPClassUID", None) or getattr(request, "RequestedSOPClassUID", None) or "")


def combine_handlers(base: list, services: Iterable) -> list:
    """base: the AE's (event, handler) list; services: objects with sop_classes and handlers()."""
    combined = {}
    order = []
    for event, handler in base:
        if event not in combined:
            order.append(event)
        combined[event] = handler
    for service in services:
        for event, handler in service.handlers():
            if event not in combined:
                order.append(event)
                combined[event] = handler
                continue
            combined[event] = _dispatch(tuple(str(u) for u in service.sop_classes), handler, combined[event])
    return [(event, combined[event]) for event in order]


def _dispatch(owned: tuple[str, ...], own_handler, other_handler):
    def handler(event):
        return (own_handler if _sop_class(event) in owned else other_handler)(event)
    return handler
