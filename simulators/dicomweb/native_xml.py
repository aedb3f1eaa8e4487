"""The Native DICOM Model (PS3.19 A.1), the XML form PS3.18 F.3.1 maps the DICOM JSON model to: one
NativeDicomModel document per data set, made here from the DICOM JSON the simulator already builds."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from pydicom.datadict import keyword_for_tag

PN_GROUPS = ("Alphabetic", "Ideographic", "Phonetic")
PN_COMPONENTS = ("FamilyName", "GivenName", "MiddleName", "NamePrefix", "NameSuffix")


def _person_name(text: str) -> str:
    parts = text.split("^")
    return "".join(f"<{name}>{escape(value)}</{name}>" for name, value in zip(PN_COMPONENTS, parts) if value)


def _attribute(tag: str, entry: dict) -> str:
    vr = entry.get("vr", "UN")
    keyword = keyword_for_tag(int(tag, 16)) or ""
    head = f"<DicomAttribute tag={quoteattr(tag)} vr={quoteattr(vr)}"
    head += f" keyword={quoteattr(keyword)}>" if keyword else ">"
    body = []
    if "BulkDataURI" in entry:
        body.append(f"<BulkData uri={quoteattr(entry['BulkDataURI'])}/>")
    elif "InlineBinary" in entry:
        body.append(f"<InlineBinary>{escape(entry['InlineBinary'])}</InlineBinary>")
    for number, value in enumerate(entry.get("Value", []), 1):
        if vr == "SQ":
            body.append(f'<Item number="{number}">{_items(value)}</Item>')
        elif vr == "PN":
            groups = "".join(f"<{g}>{_person_name(value[g])}</{g}>" for g in PN_GROUPS if isinstance(value, dict)
                             and value.get(g))
            body.append(f'<PersonName number="{number}">{groups}</PersonName>')
        else:
            body.append(f'<Value number="{number}">{escape(str(value))}</Value>')
    return head + "".join(body) + "</DicomAttribute>"


def _items(data: dict) -> str:
    return "".join(_attribute(tag, data[tag]) for tag in sorted(data))


def to_native_xml(data: dict) -> bytes:
    """DICOM JSON of one data set -> a NativeDicomModel document."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<NativeDicomModel xmlns="http://dicom.nema.org/PS3.19/models/NativeDICOM" xml:space="preserve">{_items(data)}</NativeDicomModel>\n').encode("utf-8")
