"""The Capabilities description (PS3.18 8.9, Annex H): a WADL generated from the routes the simulator serves, so
that every resource served is described and nothing is described that is not served.

Each route's path becomes a chain of nested <resource> elements; a step that is not a resource of its own (no
method: 'bulkdata' in .../bulkdata/{tag}) is written together with its one child ('bulkdata/{tag}')."""

from __future__ import annotations

from collections.abc import Iterable
from xml.sax.saxutils import quoteattr

from starlette.routing import Route

NAMESPACE = "http://wadl.dev.java.net/2009/02"
ORDER = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")


class _Node:
    def __init__(self) -> None:
        self.methods: set[str] = set()
        self.children: dict[str, _Node] = {}


def resource_tree(routes: Iterable) -> _Node:
    """The HTTP routes (WebSocket routes and the service root itself left out) as a tree of path steps."""
    root = _Node()
    for route in routes:
        if not isinstance(route, Route) or route.path.strip("/") == "":
            continue
        node = root
        for step in route.path.strip("/").split("/"):
            node = node.children.setdefault(step, _Node())
        node.methods.update((route.methods or set()) - {"HEAD"})
    return root


SEARCH_STEPS = ("studies", "series", "instances")     # the last step of a search resource's path (GET)


def _methods(node: _Node, search_params: tuple[str, ...] = ()) -> str:
    """search_params: Query Parameters written as param elements of the GET request (a search resource)."""
    ordered = sorted(node.methods, key=lambda m: (ORDER.index(m) if m in ORDER else len(ORDER), m))
    params = "".join(f'<param name={quoteattr(p)} style="query"/>' for p in search_params)
    return "".join(f'<method name="{m}"><request>{params}</request></method>' if m == "GET" and params
                   else f'<method name="{m}"/>' for m in ordered)


def _resource(path: str, node: _Node, childless: bool = False, search_params: tuple[str, ...] = ()) -> str:
    while not node.methods and len(node.children) == 1:
        step, node = next(iter(node.children.items()))
        path = f"{path}/{step}"
    params = search_params if path.rsplit("/", 1)[-1] in SEARCH_STEPS else ()
    children = "" if childless else "".join(_resource(step, child, search_params=search_params)
                                            for step, child in node.children.items())
    return f"<resource path={quoteattr(path)}>{_methods(node, params)}{children}</resource>"


def describe(base: str, routes: Iterable, childless: Iterable[str] = (), search_params: Iterable[str] = ()) -> str:
    """The WADL of the routes under base. childless: top-level resources written without their children (a
    fault). search_params: the Query Parameters documented on the search resources (GET of studies, series,
    instances)."""
    tree = resource_tree(routes)
    flat, params = set(childless), tuple(search_params)
    resources = "".join(_resource(step, node, step in flat, params) for step, node in tree.children.items())
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<application xmlns="{NAMESPACE}">'
            f"<resources base={quoteattr(base)}>{resources}</resources></application>\n")
