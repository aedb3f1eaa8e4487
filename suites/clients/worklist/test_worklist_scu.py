"""PS3.4 K.4.1.1 and K.6.1.3.1, C.2.2.2.6: the worklist queries a Modality Worklist SCU sent, their command and
their Identifier (matching and return keys as the SCU built them)."""

import pydicom
import pydicom.datadict

from dicom_harness.testing import NotVerified, expected_of, requirement

MWL_FIND = "1.2.840.10008.5.1.4.31"       # Modality Worklist Information Model - FIND
TEXT_VRS = {"AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UT"}


def _queries(recording, evidence):
    """Every worklist C-FIND: on a Modality Worklist context, or naming its SOP Class."""
    found = [m for m in recording.messages_of("C-FIND-RQ")
             if MWL_FIND in (m.abstract_syntax, m.fields.get("AffectedSOPClassUID"))]
    if not found:
        raise NotVerified("no Modality Worklist C-FIND arrived while listening, so there is nothing to judge")
    for message in found:
        evidence.add("<", message.describe())
    return found


def _identifier(recording, message):
    if not message.dataset_file:
        raise AssertionError(f"message {message.number}: the worklist C-FIND-RQ carried no readable Identifier "
                             f"({message.dataset_error or 'none arrived'}) (PS3.4 K.4.1.1.3.1)")
    return pydicom.dcmread(recording.path(message))


@requirement("MWL-SCU-QUERIES-CLAIMED")
def test_the_claimed_worklist_query_happened(recording, evidence):
    """Count the worklist C-FIND requests that arrived; the product's scenario claims it queries the worklist as
    a Modality Worklist SCU (PS3.2 7.3.1), so at least one must come."""
    finds = recording.messages_of("C-FIND-RQ")
    queries = [m for m in finds if MWL_FIND in (m.abstract_syntax, m.fields.get("AffectedSOPClassUID"))]
    evidence.add("#", f"{len(queries)} worklist C-FIND-RQ ({len(finds)} C-FIND-RQ in all)")
    expected = expected_of(recording, "worklist-scu")
    assert queries, f"expected {expected}; none arrived while listening"


@requirement("MWL-SCU-SOP-CLASS")
def test_query_names_the_worklist_sop_class(recording, evidence):
    """Compare each worklist C-FIND-RQ's Affected SOP Class UID with the Modality Worklist FIND SOP Class and its
    presentation context; PS3.4 K.4.1.1.1 ties the SOP Class to the context the C-FIND uses."""
    for message in _queries(recording, evidence):
        affected = message.fields.get("AffectedSOPClassUID", "")
        assert affected == MWL_FIND == message.abstract_syntax, (
            f"message {message.number}: Affected SOP Class UID {affected or '(absent)'} on presentation context "
            f"{message.context_id} for {message.abstract_syntax or '(unknown)'}; expected {MWL_FIND} (Modality "
            "Worklist Information Model - FIND) for both (PS3.4 K.4.1.1.1, PS3.7 9.1.2.1)")


def _sequences(ds, path=""):
    for element in ds:
        if element.VR == "SQ":
            yield f"{path}{element.keyword or element.tag}", element.value
            for number, item in enumerate(element.value):
                yield from _sequences(item, f"{path}{element.keyword or element.tag}[{number}]>")


@requirement("MWL-SCU-SEQUENCE-ONE-ITEM")
def test_sequence_keys_hold_one_item(recording, evidence):
    """Read every sequence key of each worklist query; PS3.4 C.2.2.2.6 (sequence matching, K.2.2.2) says such a
    key is a sequence with a single item (an empty sequence asks for the whole sequence)."""
    for message in _queries(recording, evidence):
        for path, items in _sequences(_identifier(recording, message)):
            evidence.add("#", f"message {message.number}: {path} with {len(items)} item(s)")
            assert len(items) <= 1, (f"message {message.number}: sequence key {path} holds {len(items)} items; "
                                     "expected a single item (PS3.4 C.2.2.2.6)")


def _raw_text(ds, path=""):
    """(path, raw bytes) of every text element, sequences included, as they arrived (before any decoding)."""
    for tag in ds.keys():
        element = ds.get_item(tag)
        vr = element.VR or _dictionary_vr(tag)
        if vr == "SQ":
            for number, item in enumerate(ds[tag].value):
                yield from _raw_text(item, f"{path}{ds[tag].keyword or tag}[{number}]>")
        elif vr in TEXT_VRS and isinstance(element.value, bytes):
            yield f"{path}{pydicom.datadict.keyword_for_tag(tag) or tag}", element.value


def _dictionary_vr(tag) -> str:
    try:
        return pydicom.datadict.dictionary_VR(tag)
    except KeyError:
        return ""


@requirement("MWL-SCU-CHARSET")
def test_extended_characters_come_with_their_character_set(recording, evidence):
    """Look for bytes above 7FH or an ESC in the text keys of each worklist query; PS3.4 K.4.1.1.3.1 says the
    Identifier then includes Specific Character Set (0008,0005)."""
    for message in _queries(recording, evidence):
        ds = _identifier(recording, message)
        value = ds.get("SpecificCharacterSet") or []
        charset = [value] if isinstance(value, str) else list(value)
        extended = [(path, raw) for path, raw in _raw_text(ds)
                    if path != "SpecificCharacterSet" and any(b > 0x7F or b == 0x1B for b in raw)]
        for path, raw in extended:
            evidence.add("#", f"message {message.number}: {path} = {raw!r}; Specific Character Set "
                              f"{charset or '(absent)'}")
        if extended:
            path, raw = extended[0]
            assert [term for term in charset if term and term.strip() != "ISO_IR 6"], (
                f"message {message.number}: {path} = {raw!r} uses characters beyond the default repertoire, but "
                f"the Identifier's Specific Character Set is {charset or 'absent'}; expected it to name the "
                "expanded or replacement character set (PS3.4 K.4.1.1.3.1)")


@requirement("MWL-SCU-TIMEZONE-NOT-EMPTY")
def test_timezone_offset_is_never_empty(recording, evidence):
    """Read Timezone Offset From UTC in each worklist query; PS3.4 K.4.1.1.3.1 says it is present only to have
    times read in that offset, and never zero-length."""
    for message in _queries(recording, evidence):
        ds = _identifier(recording, message)
        if "TimezoneOffsetFromUTC" in ds:
            value = ds["TimezoneOffsetFromUTC"].value
            evidence.add("#", f"message {message.number}: TimezoneOffsetFromUTC {value!r}")
            assert value not in (None, ""), (f"message {message.number}: Timezone Offset From UTC (0008,0201) sent "
                                             "with a zero-length value; expected a value or no such attribute "
                                             "(PS3.4 K.4.1.1.3.1)")


@requirement("MWL-SCU-NO-QR-LEVEL")
def test_no_query_retrieve_level(recording, evidence):
    """Look for Query/Retrieve Level in each worklist query; PS3.4 K.4.1.1.3.1 says its keys are those of the
    Modality Worklist Information Model (Table K.6-1), which has no Query/Retrieve Level."""
    for message in _queries(recording, evidence):
        ds = _identifier(recording, message)
        if "QueryRetrieveLevel" in ds:
            evidence.add("#", f"message {message.number}: QueryRetrieveLevel {ds.QueryRetrieveLevel!r}")
        assert "QueryRetrieveLevel" not in ds, (
            f"message {message.number}: the Identifier carries Query/Retrieve Level (0008,0052) "
            f"{ds.QueryRetrieveLevel!r}; the Modality Worklist Information Model defines no such key "
            "(PS3.4 K.4.1.1.3.1, Table K.6-1)")
