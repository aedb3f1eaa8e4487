"""Cheaper per-association set-up for a pynetdicom server (every server started by tls.start_server: the
simulators and the harness's own peer AE).

pynetdicom gives every accepted association `deepcopy(server.contexts)`: for the PACS simulator (every storage
SOP class, about 180 contexts with a dozen transfer syntaxes each, 2,000 UIDs) even a lean copy of each context
was about an eighth of the simulator's CPU for a short association (open, C-ECHO, release). The copy is there so
that one association's changes cannot reach the next one. Here the server's contexts are read-only instead
(`SharedContext`: setting an attribute or changing its transfer syntax list raises), so every association can be
given a new list of the same contexts: its list is its own (entries replaced or removed stay in it), and a change
to a shared context fails loudly instead of leaking. Code that changes a context of an association replaces it by
`copy.copy(context)` (a plain PresentationContext of its own) first."""

from __future__ import annotations

from pynetdicom.presentation import PresentationContext


def _refuse(*_args, **_kwargs):
    raise TypeError("a presentation context shared by every association of a server is read-only: "
                    "replace it by copy.copy(context) in the association's list to change it")


class _ReadOnlyList(list):
    """A shared context's transfer syntaxes: equal to a list of the same UIDs, refusing every change in place."""

    append = extend = insert = remove = pop = clear = sort = reverse = _refuse
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse

    def __copy__(self) -> list:
        return list(self)

    def __deepcopy__(self, memo) -> list:
        return list(self)


class SharedContext(PresentationContext):
    """One of a server's supported contexts, shared read-only by all its associations. copy.copy() and
    copy.deepcopy() give a plain, changeable PresentationContext equal to it."""

    __setattr__ = _refuse
    __delattr__ = _refuse

    @classmethod
    def of(cls, context: PresentationContext) -> SharedContext:
        shared = object.__new__(cls)
        attributes = dict(vars(context))
        attributes["_transfer_syntax"] = _ReadOnlyList(attributes["_transfer_syntax"])
        shared.__dict__.update(attributes)
        return shared

    def __copy__(self) -> PresentationContext:
        plain = object.__new__(PresentationContext)
        plain.__dict__.update(self.__dict__)
        plain._transfer_syntax = list(self._transfer_syntax)
        return plain

    def __deepcopy__(self, memo) -> PresentationContext:
        return self.__copy__()      # every other value of a context is immutable (str, int, bool, None)


class SharedContexts(list):
    """The server's supported contexts; deepcopy() (pynetdicom's, per association) gives a new list of the same
    read-only contexts."""

    def __init__(self, contexts=()):
        super().__init__(c if isinstance(c, SharedContext) else SharedContext.of(c) for c in contexts)

    def __deepcopy__(self, memo) -> list:
        return list(self)


def share_contexts(server) -> None:
    """Make a started pynetdicom AssociationServer give each association its contexts without copying them."""
    server.contexts = SharedContexts(server.contexts)
