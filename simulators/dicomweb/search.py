"""QIDO-RS search (PS3.18 10.6) over the shared Store, matched by the shared engine (dicom_harness.simulators.matching).

Works on the DICOM JSON the store keeps for each instance; query values arrive as raw query-string text and
are percent-decoded here (PS3.18 8.3.1), after splitting lists on the comma (parse_query says which)."""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote

from pydicom import dcmread
from pydicom.datadict import dictionary_VR, keyword_for_tag, tag_for_keyword
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from dicom_harness.simulators.faults import (
    CAPS_WADL_NO_FUZZYMATCHING,
    JSON_UNSORTED_ATTRIBUTES,
    QIDO_ALL_INSTANCES_WITHOUT_UPPER,
    QIDO_ALL_SERIES_WITHOUT_STUDY,
    QIDO_DROPS_MATCH_KEYS,
    QIDO_FUZZY_WHEN_FALSE,
    QIDO_INCLUDEFIELD_LAST_ONLY,
    QIDO_INCLUDEFIELD_STUDY_AT_SERIES_IGNORED,
    QIDO_INSTANCE_NUMBER_NOT_MATCHED,
    QIDO_INSTANCES_WITHOUT_ROWS,
    QIDO_JSON_LATIN1,
    QIDO_PPS_START_NOT_MATCHED,
    QIDO_PRIVATE_WITHOUT_CREATOR,
    QIDO_REQUEST_ATTRIBUTES_NOT_MATCHED,
    QIDO_RESULTS_206,
    QIDO_SERIES_NUMBER_NOT_MATCHED,
    QIDO_SERIES_WITHOUT_SERIES_NUMBER,
    QIDO_STUDY_ID_NOT_MATCHED,
    QIDO_STUDY_WITHOUT_STUDY_ID,
)
from dicom_harness.simulators.matching import MatchOptions, matches
from dicom_harness.simulators.store import InstanceGroup, Store

STUDY_KEYS = ("StudyDate", "StudyTime", "AccessionNumber", "ReferringPhysicianName", "PatientName", "PatientID",
              "PatientBirthDate", "PatientSex", "StudyInstanceUID", "StudyID", "StudyDescription")
SERIES_KEYS = ("Modality", "SeriesDescription", "SeriesInstanceUID", "SeriesNumber",
               "PerformedProcedureStepStartDate", "PerformedProcedureStepStartTime")
INSTANCE_KEYS = ("SOPClassUID", "SOPInstanceUID", "InstanceNumber", "Rows", "Columns", "BitsAllocated",
                 "NumberOfFrames")
CONTROL_PARAMETERS = {"limit", "offset", "includefield", "fuzzymatching", "accept", "charset"}
# The level each attribute lives at (PS3.4 C.6.1.1: patient and study attributes are Study Level in the Study
# Root): what an includefield may add at the study and series levels (PS3.18 10.6.3.3.1 and 10.6.3.3.2: "Series or
# Instance Level Attributes contained in includefield parameters shall not be returned"). Anything not named
# here, and outside the Patient group, is Instance Level.
STUDY_LEVEL = frozenset(STUDY_KEYS) | {
    "ModalitiesInStudy", "NumberOfStudyRelatedSeries", "NumberOfStudyRelatedInstances", "PhysiciansOfRecord",
    "NameOfPhysiciansReadingStudy", "IssuerOfAccessionNumberSequence", "ReferencedStudySequence",
    "ProcedureCodeSequence", "AdmittingDiagnosesDescription", "PatientAge", "PatientSize", "PatientWeight",
    "Occupation", "AdditionalPatientHistory", "OtherStudyNumbers"}
SERIES_LEVEL = frozenset(SERIES_KEYS) | {
    "NumberOfSeriesRelatedInstances", "SeriesDate", "SeriesTime", "Laterality", "BodyPartExamined",
    "ProtocolName", "OperatorsName", "PerformingPhysicianName", "PatientPosition", "RequestAttributesSequence",
    "FrameOfReferenceUID", "PositionReferenceIndicator", "Manufacturer", "InstitutionName", "StationName",
    "ManufacturerModelName", "DeviceSerialNumber", "SoftwareVersions", "ConversionType"}
# Returned at every level (PS3.18 Tables 10.6.3-3 to -5 and the character set of the results)
EVERY_LEVEL = frozenset({"SpecificCharacterSet", "RetrieveURL", "InstanceAvailability", "TimezoneOffsetFromUTC"})


class BadQuery(ValueError):
    """A supported query parameter has an invalid value: 400 (PS3.18 8.3)."""


def hex_tag(keyword: str) -> str:
    return f"{tag_for_keyword(keyword):08X}"


def attribute_level(tag: int) -> str:
    """'study', 'series' or 'instance' (or 'every' for attributes every level returns)."""
    keyword = keyword_for_tag(tag)
    if keyword in EVERY_LEVEL:
        return "every"
    if keyword in STUDY_LEVEL or tag >> 16 == 0x0010:
        return "study"
    return "series" if keyword in SERIES_LEVEL else "instance"


# The levels whose attributes a search at a level returns (PS3.18 10.6.3.3.1 to 10.6.3.3.3)
LEVELS_RETURNED = {"study": {"every", "study"}, "series": {"every", "study", "series"},
                   "instance": {"every", "study", "series", "instance"}}


def resolve_attribute(name: str) -> int | None:
    """A keyword or an 8-hex-digit tag -> tag; None when it is neither."""
    if len(name) == 8 and all(c in "0123456789abcdefABCDEF" for c in name):
        return int(name, 16)
    tag = tag_for_keyword(name)
    return int(tag) if tag is not None else None


@dataclass
class Query:
    keys: list[tuple[list[int], list[str]]] = field(default_factory=list)  # (tag path, decoded values)
    includefield: list[int] = field(default_factory=list)
    include_all: bool = False
    limit: int | None = None
    offset: int = 0
    fuzzy: bool = False


ENCODED_COMMA = re.compile("%2C", re.IGNORECASE)


def _split_list(raw_value: str, encoded_too: bool) -> list[str]:
    """The items of a comma-separated list: split on the literal comma, and on %2C where encoded_too."""
    pieces = raw_value.split(",")
    return [p for piece in pieces for p in ENCODED_COMMA.split(piece)] if encoded_too else pieces


def parse_query(raw: str, percent_decode: bool = True, reject_unknown: bool = False,
                ignore_includefield: Iterable[str] = (), lenient_paging: bool = False,
                encoded_comma_uids: bool = True, encoded_comma_includefield: bool = True,
                fuzzy_when_false: bool = False, includefield_last_only: bool = False,
                non_ascii_digits: bool = False) -> Query:
    """ignore_includefield: the kinds of includefield value ('keyword', 'tag', 'all') to drop (faults);
    lenient_paging: an invalid limit or offset counts as absent (a fault); fuzzy_when_false: fuzzymatching=false
    taken as true (a fault); includefield_last_only: each includefield parameter replaces the ones before (a fault);
    non_ascii_digits: a limit or offset of other scripts' digits is read as its number (a fault).

    Commas: PS3.18 8.3.1 writes lists as 1#value (comma-separated) and 8.3.4.1 says "," "shall be percent
    encoded in any Query Parameter", so user agents send the separator either way (OHIF: includefield=
    00081030%2C00080060). A UID list (8.3.4.1 item 3) and an includefield list (8.3.4.3) are split on both,
    since neither a UID nor an attribute can hold a comma; in any other value a %2C is a comma of the value.
    encoded_comma_uids/encoded_comma_includefield False: split those on the literal comma only (faults)."""
    ignored = set(ignore_includefield)
    decode = unquote if percent_decode else (lambda text: text)
    query = Query()
    for piece in raw.split("&"):
        if not piece:
            continue
        raw_name, _, raw_value = piece.partition("=")
        name = unquote(raw_name)
        path = [resolve_attribute(p) for p in name.split(".")]
        encoded_too = ((name == "includefield" and encoded_comma_includefield)
                       or (None not in path and _vr(path[-1]) == "UI" and encoded_comma_uids))
        values = [decode(v) for v in _split_list(raw_value, encoded_too)] if raw_value else [""]
        if name in ("limit", "offset"):
            # ASCII digits only: str.isdigit() also takes other scripts' digits ('\u0663'), which int() reads
            if len(values) != 1 or not values[0].isdigit() or (not values[0].isascii() and not non_ascii_digits):
                if lenient_paging:
                    continue
                raise BadQuery(f"{name} must be an unsigned integer, not {raw_value!r}")
            setattr(query, name, int(values[0]))
        elif name == "includefield":
            if includefield_last_only:
                query.includefield, query.include_all = [], False
            for value in values:
                if value == "all":
                    query.include_all = "all" not in ignored
                    continue
                tags = [resolve_attribute(p) for p in value.split(".")]
                if None in tags or not value:
                    raise BadQuery(f"includefield names an unknown attribute {value!r}")
                kind = "keyword" if tag_for_keyword(value.split(".")[-1]) is not None else "tag"
                if kind not in ignored:
                    query.includefield.append(tags[-1])
        elif name == "fuzzymatching":
            if values[0] not in ("true", "false"):
                raise BadQuery(f"fuzzymatching must be true or false, not {raw_value!r}")
            query.fuzzy = values[0] == "true" or fuzzy_when_false
        elif name in CONTROL_PARAMETERS:
            continue
        else:
            if None in path:
                if reject_unknown:
                    raise BadQuery(f"unknown query parameter {name!r}")
                continue          # PS3.18 8.3: unsupported parameters are ignored
            query.keys.append((path, values))
    return query


def _vr(tag: int) -> str:
    try:
        return dictionary_VR(tag)
    except KeyError:
        return "UN"


def _key_dataset(keys: list[tuple[list[int], list[str]]], literal_ranges: bool) -> Dataset:
    ds = Dataset()
    for path, values in keys:
        target = ds
        for tag in path[:-1]:
            if tag not in target:
                target.add_new(tag, "SQ", Sequence([Dataset()]))
            target = target[tag].value[0]
        vr = _vr(path[-1])
        value = values if len(values) > 1 else values[0]
        if literal_ranges and vr in ("DA", "TM", "DT") and isinstance(value, str) and "-" in value:
            value = value.replace("-", "~")     # fault: no range matching, a literal that matches nothing
        target.add_new(path[-1], vr, value)
    return ds


def _private_elements(instance, tags: set[int]) -> dict:
    """DICOM JSON of the private elements of tags the instance holds, each with its Private Creator element."""
    try:
        ds = dcmread(instance.path, stop_before_pixels=True)
    except Exception:            # an unreadable file gives no private elements, never a failed search
        return {}
    found = {}
    for tag in tags:
        creator = private_creator(tag)
        if tag in ds and creator in ds:
            for t in (creator, tag):
                found[f"{t:08X}"] = ds[t].to_json_dict(None, 1024)
    return found


@dataclass
class Entity:
    """A study, series or instance as a search sees it: DICOM JSON of its attributes."""
    attributes: dict
    representative: dict            # all indexed attributes of one instance of it


def _json_entry(vr: str, value) -> dict:
    return {"vr": vr, "Value": value if isinstance(value, list) else [value]}


def group(instances, level: str, base_url: str, private: Iterable[int] = ()) -> list[Entity]:
    """Build the entities of a level from stored instances (in store order). private: private data elements named
    in includefield, which the store does not index: read from each entity's first instance, with their Private
    Creator elements."""
    buckets: OrderedDict[str, list] = OrderedDict()
    for instance in instances:
        key = {"study": instance.study_instance_uid, "series": instance.series_instance_uid,
               "instance": instance.sop_instance_uid}[level]
        buckets.setdefault(key, []).append(instance)
    summaries = []
    for members in buckets.values():
        modalities = sorted({m.attributes.get(hex_tag("Modality"), {}).get("Value", [""])[0] for m in members} - {""})
        summaries.append(InstanceGroup(members[0], len(members), len({m.series_instance_uid for m in members}),
                                       modalities))
    return entities_of(summaries, level, base_url, private)


def entities_of(groups, level: str, base_url: str, private: Iterable[int] = ()) -> list[Entity]:
    """The entities of a level from the store's groups (Store.groups, or group() above): the first instance's
    attributes and the level's computed ones (counts, ModalitiesInStudy, Retrieve URL)."""
    private = set(private)
    entities = []
    for summary in groups:
        first = summary.first
        attrs = dict(first.attributes)
        study_url = f"{base_url}/studies/{first.study_instance_uid}"
        if level == "study":
            attrs[_SERIES_COUNT] = _json_entry("IS", summary.series)
            attrs[_STUDY_COUNT] = _json_entry("IS", summary.count)
            if summary.modalities:
                attrs[_MODALITIES] = _json_entry("CS", list(summary.modalities))
            attrs[_RETRIEVE_URL] = _json_entry("UR", study_url)
        elif level == "series":
            attrs[_SERIES_INSTANCES] = _json_entry("IS", summary.count)
            attrs[_RETRIEVE_URL] = _json_entry("UR", f"{study_url}/series/{first.series_instance_uid}")
        else:
            attrs[_RETRIEVE_URL] = _json_entry(
                "UR", f"{study_url}/series/{first.series_instance_uid}/instances/{first.sop_instance_uid}")
        attrs[_AVAILABILITY] = _json_entry("CS", "ONLINE")
        if private:
            attrs.update(_private_elements(first, private))
        entities.append(Entity(attrs, first.attributes))
    return entities


_SERIES_COUNT, _STUDY_COUNT = hex_tag("NumberOfStudyRelatedSeries"), hex_tag("NumberOfStudyRelatedInstances")
_MODALITIES, _RETRIEVE_URL = hex_tag("ModalitiesInStudy"), hex_tag("RetrieveURL")
_SERIES_INSTANCES, _AVAILABILITY = hex_tag("NumberOfSeriesRelatedInstances"), hex_tag("InstanceAvailability")


def indexed_keys(query: Query) -> dict[str, list[str]]:
    """The matching keys the store's index can narrow a search by before it matches (Store.groups any_of): column
    -> values, for top-level keys of an indexed attribute whose values are all literal (no wild card, no list
    within a value, not empty)."""
    narrowing = {}
    for path, values in query.keys:
        column = Store.INDEXED_COLUMNS.get(keyword_for_tag(path[0])) if len(path) == 1 else None
        if column and values and all(v and not set(v) & set("*?\\") for v in values):
            narrowing[column] = list(values)
    return narrowing


def _candidate(attributes: dict, tags: set[int]) -> Dataset:
    wanted = {k: v for k, v in attributes.items() if int(k, 16) in tags}
    try:
        return Dataset.from_json(wanted)
    except Exception:           # an odd stored value must not break a search
        return Dataset()


# Fuzzy Matching of Person Names (PS3.18 8.3.4.2, fuzzymatching=true): the simulator's own, a phonetic folding of
# each name before the literal comparison. Documented in its Retrieve Capabilities response (a fuzzymatching
# parameter of every search resource).
_PHONETIC = ((re.compile("PH"), "F"), (re.compile("Y"), "I"), (re.compile("CK|C(?=[AOU])|Q"), "K"),
             (re.compile(r"([A-Z])\1+"), r"\1"))


def phonetic(name: str) -> str:
    """A name folded for fuzzy matching: upper case, PH as F, Y as I, hard C and Q as K, doubled letters single."""
    folded = name.upper()
    for pattern, replacement in _PHONETIC:
        folded = pattern.sub(replacement, folded)
    return folded


def _phonetic_names(ds: Dataset) -> Dataset:
    for element in ds:
        if element.VR == "PN" and element.value:
            values = element.value if element.VM > 1 else [element.value]
            folded = [phonetic(str(v)) for v in values]
            element.value = folded if element.VM > 1 else folded[0]
    return ds


@dataclass
class Page:
    """One response's results, and what PS3.18 8.3.4.4.1 needs to say how many matches it left out."""
    results: list[dict]
    matches: int
    offset: int

    @property
    def remaining(self) -> int:
        """The number of matches that were not yet returned (those after this page)."""
        return max(0, self.matches - self.offset - len(self.results))


def _lower_wildcard_keys(key_ds: Dataset) -> set[int]:
    """Fault (qido-wildcard-ignores-case): wild card keys of the case-sensitive VRs lowered; their tags."""
    lowered = set()
    for element in key_ds:
        if element.VR in ("AE", "CS", "LO", "LT", "SH", "ST", "UC", "UR", "UT") and isinstance(element.value, str) \
                and ("*" in element.value or "?" in element.value):
            element.value = element.value.lower()
            lowered.add(int(element.tag))
    return lowered


def _lowered(candidate: Dataset, tags: set[int]) -> Dataset:
    for tag in tags & {int(t) for t in candidate.keys()}:
        value = candidate[tag].value
        if isinstance(value, str):
            candidate[tag].value = value.lower()
        elif value:
            candidate[tag].value = [str(v).lower() for v in value]
    return candidate


def search_page(entities: list[Entity], query: Query, return_keys: list[str], *, level: str = "instance",
                literal_ranges: bool = False, ignore_offset: bool = False, any_level: bool = False,
                wildcard_ignores_case: bool = False) -> Page:
    """The matching entities, paged (offset, limit) and cut to the return keys, includefield attributes and
    (includefield=all) the available attributes of the level (any_level: of every level, a fault;
    wildcard_ignores_case: '*' and '?' keys compared without case outside PN, a fault)."""
    key_ds = _key_dataset(query.keys, literal_ranges)
    matching_tags = {path[0] for path, _ in query.keys}
    folded = _lower_wildcard_keys(key_ds) if wildcard_ignores_case else set()
    # PS3.18 8.3.4.1.1: C-FIND's matching, so an unknown (zero length) value matches (PS3.4 C.2.2.1.2)
    options = MatchOptions(pn_case_insensitive=query.fuzzy, unknown_matches=True)
    prepare = _phonetic_names if query.fuzzy else (lambda ds: ds)
    key_ds = prepare(key_ds)
    found = [e for e in entities
             if matches(key_ds, prepare(_lowered(_candidate(e.attributes, matching_tags), folded)), options)]
    offset = 0 if ignore_offset else query.offset
    page = found[offset:]
    if query.limit is not None:
        page = page[:query.limit]
    keep = {hex_tag(k) for k in return_keys} | {f"{t:08X}" for t in matching_tags}
    keep |= {hex_tag(k) for k in ("RetrieveURL", "InstanceAvailability", "NumberOfStudyRelatedSeries",
                                  "NumberOfStudyRelatedInstances", "ModalitiesInStudy",
                                  "NumberOfSeriesRelatedInstances", "SpecificCharacterSet")}
    levels = LEVELS_RETURNED["instance" if any_level else level]
    keep |= {f"{t:08X}" for t in query.includefield if attribute_level(t) in levels}
    # PS3.18 10.6.3.3.x: "the Private Data Element and its corresponding Private Creator Element"
    keep |= {f"{private_creator(t):08X}" for t in query.includefield if private_creator(t) is not None}
    results = []
    for entity in page:
        source = dict(entity.representative)
        source.update(entity.attributes)
        chosen = {k: v for k, v in source.items()
                  if k in keep or (query.include_all and attribute_level(int(k, 16)) in levels)}
        results.append({k: chosen[k] for k in sorted(chosen)})
    return Page(results, len(found), offset)


def search(entities: list[Entity], query: Query, return_keys: list[str], **options) -> list[dict]:
    """The results of search_page alone."""
    return search_page(entities, query, return_keys, **options).results


def private_creator(tag: int) -> int | None:
    """The Private Creator element of a private data element (gggg,xxyy -> gggg,00xx); None for any other."""
    group, element = tag >> 16, tag & 0xFFFF
    if group % 2 == 0 or element < 0x1000:
        return None
    return (group << 16) | (element >> 8)


# The attributes Tables 10.6.3-3 to -5 list for each level: what a search returns whatever it is asked.
TABLE_KEYS = {
    "study": ("StudyDate", "StudyTime", "AccessionNumber", "InstanceAvailability", "ModalitiesInStudy",
              "ReferringPhysicianName", "TimezoneOffsetFromUTC", "RetrieveURL", "PatientName", "PatientID",
              "PatientBirthDate", "PatientSex", "StudyInstanceUID", "StudyID", "NumberOfStudyRelatedSeries",
              "NumberOfStudyRelatedInstances"),
    "series": ("Modality", "TimezoneOffsetFromUTC", "SeriesDescription", "RetrieveURL", "SeriesInstanceUID",
               "SeriesNumber", "NumberOfSeriesRelatedInstances", "PerformedProcedureStepStartDate",
               "PerformedProcedureStepStartTime", "RequestAttributesSequence"),
    "instance": ("SOPClassUID", "SOPInstanceUID", "InstanceAvailability", "TimezoneOffsetFromUTC", "RetrieveURL",
                 "InstanceNumber", "Rows", "Columns", "BitsAllocated", "NumberOfFrames"),
}


def return_keys(level: str, study: str | None, series: str | None, faults=frozenset()) -> list[str]:
    """The keys a search at a level returns (PS3.18 10.6.3.3.1 to 10.6.3.3.3): the level's own and, for All
    Series, All Instances and a Study's Instances, those of the levels above (faults: without them)."""
    keys = list({"study": STUDY_KEYS, "series": SERIES_KEYS, "instance": INSTANCE_KEYS}[level])
    if level == "series" and study is None and QIDO_ALL_SERIES_WITHOUT_STUDY not in faults:
        keys += STUDY_KEYS
    if level == "instance":
        keys += ["StudyInstanceUID", "SeriesInstanceUID"]
        upper = QIDO_ALL_INSTANCES_WITHOUT_UPPER not in faults
        if upper and study is None:
            keys += STUDY_KEYS
        if upper and (study is None or series is None):
            keys += SERIES_KEYS
    return keys


def query_faults(faults, level: str, query: Query) -> None:
    """Faults of matching: the matching keys they make the search ignore."""
    ignored = set()
    if QIDO_STUDY_ID_NOT_MATCHED in faults and level == "study":
        ignored.add(tag_for_keyword("StudyID"))
    if QIDO_SERIES_NUMBER_NOT_MATCHED in faults and level == "series":
        ignored.add(tag_for_keyword("SeriesNumber"))
    if QIDO_INSTANCE_NUMBER_NOT_MATCHED in faults and level == "instance":
        ignored.add(tag_for_keyword("InstanceNumber"))
    if QIDO_PPS_START_NOT_MATCHED in faults and level == "series":
        ignored |= {tag_for_keyword("PerformedProcedureStepStartDate"),
                    tag_for_keyword("PerformedProcedureStepStartTime")}
    if QIDO_REQUEST_ATTRIBUTES_NOT_MATCHED in faults and level == "series":
        ignored.add(tag_for_keyword("RequestAttributesSequence"))
    query.keys = [(path, values) for path, values in query.keys if path[0] not in ignored]


def result_faults(faults, level: str, query: Query, results: list[dict]) -> None:
    """Faults of the search results (in place): attributes left out, keys out of order."""
    drop = set()
    if QIDO_STUDY_WITHOUT_STUDY_ID in faults and level == "study":
        drop.add(hex_tag("StudyID"))
    if QIDO_SERIES_WITHOUT_SERIES_NUMBER in faults and level == "series":
        drop.add(hex_tag("SeriesNumber"))
    if QIDO_INSTANCES_WITHOUT_ROWS in faults and level == "instance":
        drop.add(hex_tag("Rows"))
    if QIDO_DROPS_MATCH_KEYS in faults:
        listed = {hex_tag(k) for k in TABLE_KEYS[level]}
        drop |= {f"{path[0]:08X}" for path, _ in query.keys} - listed
    if QIDO_INCLUDEFIELD_STUDY_AT_SERIES_IGNORED in faults and level == "series":
        matched = {path[0] for path, _ in query.keys}
        drop |= {f"{t:08X}" for t in query.includefield if attribute_level(t) == "study" and t not in matched}
    if QIDO_PRIVATE_WITHOUT_CREATOR in faults:
        named = set(query.includefield)
        drop |= {f"{c:08X}" for t in named if (c := private_creator(t)) is not None and c not in named}
    for item in results:
        for tag in drop:
            item.pop(tag, None)
        if JSON_UNSORTED_ATTRIBUTES in faults:
            entries = list(item.items())
            item.clear()
            item.update(reversed(entries))


def success_status(faults, page: Page) -> int:
    """PS3.18 8.3.4.4.1: "a 200 (OK) response shall be returned with a payload containing the results" (a fault:
    206 for a middle page)."""
    return 206 if QIDO_RESULTS_206 in faults and page.offset and page.remaining else 200


def fuzzy_when_false(faults) -> bool:
    return QIDO_FUZZY_WHEN_FALSE in faults


def includefield_last_only(faults) -> bool:
    return QIDO_INCLUDEFIELD_LAST_ONLY in faults


def documented_parameters(faults) -> list[str]:
    """The Query Parameters the WADL documents on the search resources: fuzzymatching, since the simulator
    performs Fuzzy Matching (PS3.18 8.3.4.2: "shall be documented in ... the Retrieve Capabilities response")."""
    return [] if CAPS_WADL_NO_FUZZYMATCHING in faults else ["fuzzymatching"]


def json_body(faults, results: list[dict]) -> bytes:
    """The DICOM JSON of the results, UTF-8 (PS3.18 F.2; a fault: ISO-8859-1)."""
    if QIDO_JSON_LATIN1 in faults:
        return json.dumps(results, ensure_ascii=False).encode("latin-1", "replace")
    return json.dumps(results, ensure_ascii=False).encode("utf-8")
