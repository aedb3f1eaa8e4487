"""Coverage: which catalogued requirements have a test, derived, so the catalogue never claims more than the
tests check.

- An entry with no `status` is meant to be tested; it counts as tested only when a test names it, else it is
  "not yet tested" with the reason NO_TEST.
- An entry declared "not yet tested" or "not testable" that a test names is stale: an error for the run.

Which tests name which requirements comes from the run's collected tests, or, outside a run, from reading the
suite files' `@requirement(...)` calls (ast only: nothing is imported, so listing the catalogue stays cheap)."""

from __future__ import annotations

import ast
import json
import os
from dataclasses import dataclass
from pathlib import Path

from dicom_harness.catalogue import NOT_YET_TESTED, TESTED, Requirement

NO_TEST = "no test names it"


@dataclass(frozen=True)
class Coverage:
    """A requirement's derived status, and why it has no test (empty when tested)."""
    status: str
    reason: str = ""


def derive(catalogue: dict[str, Requirement], named: set[str] | dict) -> dict[str, Coverage]:
    """Each requirement's status, given the IDs some test names. Stale declarations are left to stale()."""
    found = {}
    for rid, req in catalogue.items():
        if req.status:
            found[rid] = Coverage(req.status, req.reason)
        elif rid in named:
            found[rid] = Coverage(TESTED)
        else:
            found[rid] = Coverage(NOT_YET_TESTED, NO_TEST)
    return found


def stale_message(req: Requirement, where: str) -> str:
    """One line for a requirement declared untested that a test (at `where`) names."""
    return (f"{where}: names {req.id}, which {req.source or 'the catalogue'} declares {req.status!r} "
            f"({req.reason}); a test checks it now, so remove its status and reason")


def stale(catalogue: dict[str, Requirement], named: dict[str, list[str]]) -> list[str]:
    """Messages for requirements declared untested that a test names; `named` maps an ID to where it is named."""
    return [stale_message(catalogue[rid], places[0]) for rid, places in named.items()
            if rid in catalogue and catalogue[rid].status]


def as_header(catalogue: dict[str, Requirement], named: set[str] | dict) -> list[dict]:
    """The catalogue as the run header carries it: each requirement with its derived status and reason."""
    coverage = derive(catalogue, named)
    return [{**req.as_dict(), "status": coverage[rid].status, "reason": coverage[rid].reason}
            for rid, req in catalogue.items()]


def _requirement_ids(call: ast.Call) -> list[str]:
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    if name != "requirement":
        return []
    return [arg.value for arg in call.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]


def named_in_sources(folders) -> dict[str, list[str]]:
    """IDs named by `@requirement("ID", ...)` (or `pytest.mark.requirement(...)`) in the .py files under the
    folders, each with the files naming it. Read with ast, never imported; a file that does not parse is skipped
    (the run reports it). IDs passed through variables are not seen: a run's collection sees those."""
    named: dict[str, list[str]] = {}
    parsed = _parsed()
    known = len(parsed)
    for folder in folders:
        for path in sorted(Path(folder).rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            for rid in _ids_in_file(path, parsed):
                named.setdefault(rid, []).append(str(path))
    if len(parsed) != known:
        _keep(parsed)
    return named


# (path, mtime, size) -> the IDs the file names. Parsing every suite file costs about half a second of CPU, at each
# run's end: what was parsed is kept in the user's cache folder, and a file changed since is parsed again.
_PARSED: dict[tuple[str, int, int], list[str]] = {}
CACHE_NAME = "requirement-ids.json"


def _cache_file() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dicom-harness" / CACHE_NAME


def _parsed() -> dict[tuple[str, int, int], list[str]]:
    if not _PARSED:
        try:
            entries = json.loads(_cache_file().read_text(encoding="utf-8"))
            _PARSED.update({(path, mtime, size): [str(rid) for rid in ids] for path, mtime, size, ids in entries})
        except (OSError, ValueError, TypeError):
            pass        # none yet, or unreadable: parsed anew
    return _PARSED


def _keep(parsed: dict[tuple[str, int, int], list[str]]) -> None:
    """The cache written whole (another process may write it too: the last whole file wins), entries of files that
    no longer exist or changed since left out."""
    current = {}
    for (path, mtime, size), ids in parsed.items():
        try:
            stat = os.stat(path)
        except OSError:
            continue
        if (stat.st_mtime_ns, stat.st_size) == (mtime, size):
            current[path] = [path, mtime, size, ids]
    target = _cache_file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f"{target.name}.{os.getpid()}")
        temporary.write_text(json.dumps(list(current.values())), encoding="utf-8")
        os.replace(temporary, target)
    except OSError:
        pass            # a read-only home: parsed again next time, nothing else changes


def _ids_in_file(path: Path, parsed: dict[tuple[str, int, int], list[str]]) -> list[str]:
    try:
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        if key not in parsed:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            parsed[key] = [rid for node in ast.walk(tree) if isinstance(node, ast.Call)
                           for rid in _requirement_ids(node)]
        return parsed[key]
    except (SyntaxError, UnicodeDecodeError, OSError):
        return []
