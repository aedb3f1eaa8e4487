"""PS3.4 B.4.1.3: an SCP may convert code sequences from one coding scheme into another (a deprecated SNOMED
designator SRT to SCT, say), and then answers the C-STORE with a Warning. Judged on a stored instance read back."""

from dicom_harness.testing import NotVerified, code_item, describe, requirement, status_class

from .conftest import assert_kept

SENT = ("T-D3000", "SRT")           # Chest, with the deprecated SNOMED RT designator (SCT: 51185008)


@requirement("STORE-CODE-COERCION-WARNING")
def test_code_conversion_is_answered_with_a_warning(dimse, make_instance):
    """C-STORE a CT image whose Anatomic Region Sequence holds T-D3000 (SRT), then read it back; PS3.4 B.4.1.3: if
    the SCP changed the code (another value or coding scheme), its C-STORE response was a Warning."""
    instance = make_instance("CT")
    instance.AnatomicRegionSequence = [code_item(*SENT, "Chest")]
    response = dimse.store(instance)
    assert_kept(response.status)
    items = dimse.read_back(instance).get("AnatomicRegionSequence") or []
    if not items:
        raise NotVerified("the read-back has no Anatomic Region Sequence (a Type 3 attribute an SCP below level 2 "
                          "may discard, B.4.1.1), so no conversion to judge")
    kept = (str(items[0].get("CodeValue", "")), str(items[0].get("CodingSchemeDesignator", "")))
    if kept == SENT:
        dimse.evidence.add("#", f"the code came back as sent: {kept}")
        return
    assert status_class(response.status) == "Warning", (
        f"the code {SENT} came back as {kept}, a conversion, but the C-STORE answered {describe(response.status)}: "
        "expected a Warning (PS3.4 B.4.1.3)")
