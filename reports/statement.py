"""A probe's observations rendered as a draft PS3.2-style conformance statement (Markdown) and as a target
profile with a [claims] section (TOML). Both from templates; the harness only fills in what it observed."""

from __future__ import annotations

import time

from pydicom.uid import UID

from dicom_harness.reports.render import environment


def _context(result, name: str) -> dict:
    every, some = result.storage_syntaxes()
    used = {ts for c in result.accepted for ts in c.transfer_syntaxes}
    syntaxes = [ts for ts in result.proposed_syntaxes() if ts in used]
    return {"r": result, "name": name, "every": every, "some": some, "today": time.strftime("%Y-%m-%d"),
            "syntaxes": syntaxes,
            "ts_name": lambda keyword: UID(_uid(keyword)).name, "ts_uid": _uid}


def _uid(keyword: str) -> str:
    import pydicom.uid
    return str(getattr(pydicom.uid, keyword))


def render_statement(result, name: str) -> str:
    env = environment()
    env.autoescape = False          # Markdown, not HTML
    return env.get_template("conformance-statement.md.j2").render(**_context(result, name))


def render_claims(result, name: str, web=None) -> str:
    """The draft profile: result is a DIMSE probe (or None), web a DICOMweb probe (or None)."""
    env = environment()
    env.autoescape = False
    env.filters["toml"] = lambda value: '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
    context = _context(result, name) if result is not None else {"r": None, "name": name,
                                                                   "today": time.strftime("%Y-%m-%d")}
    services = (result.claimed_services() if result is not None else []) + (web.claimed_services() if web else [])
    return env.get_template("profile.toml.j2").render(**context, web=web, services=services)

