"""Cheaper per-association set-up for a pynetdicom server (every server started by tls.start_server: the
simulators and the harness's own peer AE).

pynetdicom gives every accepted association `deepcopy(server.contexts)`: for the PACS simulator (every storage
SOP class times a dozen transfer syntaxes, about 2,000 UIDs) that copy costs more than a whole C-ECHO and was
the largest single item of a full run against the simulators. The copy is there so that one association's
changes cannot reach the next one. A presentation context holds immutable values (UIDs are str, IDs and roles
int / bool / None) and one list of transfer syntaxes, so a copy of each context with its own list keeps that
promise exactly, at a fraction of the cost."""

from __future__ import annotations

import copy


class SharedContexts(list):
    """The server's supported contexts; deepcopy() gives fresh contexts sharing only immutable values."""

    def __deepcopy__(self, memo) -> list:
        copies = []
        new = object.__new__
        for context in self:
            if not hasattr(context, "__dict__"):
                fresh = copy.copy(context)
                fresh._transfer_syntax = list(context._transfer_syntax)
            else:
                # what copy.copy does for a plain object (a new instance given a copy of the attributes),
                # without its reduce protocol: about a fifth of the cost
                attributes = context.__dict__.copy()
                attributes["_transfer_syntax"] = list(attributes["_transfer_syntax"])
                fresh = new(type(context))
                fresh.__dict__ = attributes
            copies.append(fresh)
        return copies


def share_contexts(server) -> None:
    """Make a started pynetdicom AssociationServer copy its contexts cheaply for each association."""
    server.contexts = SharedContexts(server.contexts)
