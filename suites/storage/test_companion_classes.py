"""PS3.4 B.5.1: Storage SOP Classes that bring another along. An SCP of the first "shall also support" the second;
what the network shows of that support is the second class accepted in negotiation. One association proposes both
(dimse.play_pdus with our own A-ASSOCIATE-RQ, each class its own presentation context); the results per context are
read from the A-ASSOCIATE-AC. A target that does not accept the first class does not offer it: NOT CLAIMED."""

from __future__ import annotations

from dicom_harness.testing import NotClaimed, associate_rq, requirement, ul_state_model

M = ul_state_model
IMPLICIT, EXPLICIT = "1.2.840.10008.1.2", "1.2.840.10008.1.2.1"
NAMES = {
    "1.2.840.10008.5.1.4.1.1.1.1": "Digital X-Ray Image Storage - For Presentation",
    "1.2.840.10008.5.1.4.1.1.1.1.1": "Digital X-Ray Image Storage - For Processing",
    "1.2.840.10008.5.1.4.1.1.1.2": "Digital Mammography X-Ray Image Storage - For Presentation",
    "1.2.840.10008.5.1.4.1.1.1.2.1": "Digital Mammography X-Ray Image Storage - For Processing",
    "1.2.840.10008.5.1.4.1.1.1.3": "Digital Intra-Oral X-Ray Image Storage - For Presentation",
    "1.2.840.10008.5.1.4.1.1.1.3.1": "Digital Intra-Oral X-Ray Image Storage - For Processing",
    "1.2.840.10008.5.1.4.1.1.14.1": "Intravascular OCT Image Storage - For Presentation",
    "1.2.840.10008.5.1.4.1.1.14.2": "Intravascular OCT Image Storage - For Processing",
    "1.2.840.10008.5.1.4.1.1.4.1": "Enhanced MR Image Storage",
    "1.2.840.10008.5.1.4.1.1.4.4": "Legacy Converted Enhanced MR Image Storage",
    "1.2.840.10008.5.1.4.1.1.2.1": "Enhanced CT Image Storage",
    "1.2.840.10008.5.1.4.1.1.2.2": "Legacy Converted Enhanced CT Image Storage",
    "1.2.840.10008.5.1.4.1.1.4.3": "Enhanced MR Color Image Storage",
    "1.2.840.10008.5.1.4.1.1.11.1": "Grayscale Softcopy Presentation State Storage",
    "1.2.840.10008.5.1.4.1.1.11.2": "Color Softcopy Presentation State Storage",
}
GSPS, CSPS = "1.2.840.10008.5.1.4.1.1.11.1", "1.2.840.10008.5.1.4.1.1.11.2"


def _results(dimse, classes: list[str]) -> dict[str, int]:
    """Propose each class in its own presentation context (IDs 1, 3, ...); {class: result} from the AC."""
    def build(calling: str, called: str) -> bytes:
        request = associate_rq.verification_request(calling, called, abstract_syntax=classes[0],
                                                    transfer_syntaxes=(EXPLICIT, IMPLICIT))
        template = request.presentation_contexts[0]
        for n, uid in enumerate(classes[1:], start=1):
            request.items.insert(-1, associate_rq.Item(
                associate_rq.PRESENTATION_CONTEXT, bytes([2 * n + 1, 0, 0, 0]),
                [associate_rq.Item(associate_rq.ABSTRACT_SYNTAX, uid.encode()), *template.children[1:]]))
        return associate_rq.encode(request)
    judgement = dimse.play_pdus([M.RQ, M.RELRQ], request=build)
    first = judgement.steps[0] if judgement.steps else None
    if first is None or first.observed != M.AC:
        raise NotClaimed(f"an association proposing {', '.join(NAMES[c] for c in classes)} is not accepted "
                         f"({first.observed if first else 'nothing came'}): the target offers none of them")
    ac = associate_rq.parse(first.pdu, 0x02)
    by_id = {associate_rq.context_id(i): (i.value[2] if len(i.value) > 2 else -1)
             for i in ac.items_of(associate_rq.PRESENTATION_CONTEXT_AC)}
    return {uid: by_id.get(2 * n + 1, -1) for n, uid in enumerate(classes)}


def _also_supported(dimse, claims, evidence, firsts: list[str], companion: str) -> None:
    if not claims.offers("storage"):
        raise NotClaimed("needs the Storage service")
    results = _results(dimse, [*firsts, companion])
    evidence.add("#", "results: " + "; ".join(f"{NAMES[u]} {r}" for u, r in results.items()))
    accepted = [u for u in firsts if results[u] == 0]
    if not accepted:
        raise NotClaimed(f"the target does not accept {' or '.join(NAMES[u] for u in firsts)}")
    assert results[companion] == 0, (
        f"expected {NAMES[companion]} accepted beside {NAMES[accepted[0]]} (PS3.4 B.5.1: 'shall also support'), "
        f"observed result {results[companion]}")


@requirement("STORE-DX-PROCESSING-WITH-PRESENTATION")
def test_dx_for_processing_brings_for_presentation(dimse, claims, evidence):
    """Propose Digital X-Ray For Processing and For Presentation; PS3.4 B.5.1.1: an SCP of For Processing also
    supports For Presentation, so both are accepted when the first is."""
    _also_supported(dimse, claims, evidence, ["1.2.840.10008.5.1.4.1.1.1.1.1"], "1.2.840.10008.5.1.4.1.1.1.1")


@requirement("STORE-MG-PROCESSING-WITH-PRESENTATION")
def test_mg_for_processing_brings_for_presentation(dimse, claims, evidence):
    """Propose Digital Mammography For Processing and For Presentation; PS3.4 B.5.1.2: an SCP of For Processing
    also supports For Presentation."""
    _also_supported(dimse, claims, evidence, ["1.2.840.10008.5.1.4.1.1.1.2.1"], "1.2.840.10008.5.1.4.1.1.1.2")


@requirement("STORE-IO-PROCESSING-WITH-PRESENTATION")
def test_io_for_processing_brings_for_presentation(dimse, claims, evidence):
    """Propose Digital Intra-Oral X-Ray For Processing and For Presentation; PS3.4 B.5.1.3: an SCP of For
    Processing also supports For Presentation."""
    _also_supported(dimse, claims, evidence, ["1.2.840.10008.5.1.4.1.1.1.3.1"], "1.2.840.10008.5.1.4.1.1.1.3")


@requirement("STORE-IVOCT-PROCESSING-WITH-PRESENTATION")
def test_ivoct_for_processing_brings_for_presentation(dimse, claims, evidence):
    """Propose Intravascular OCT For Processing and For Presentation; PS3.4 B.5.1.13: an SCP of For Processing
    also supports For Presentation."""
    _also_supported(dimse, claims, evidence, ["1.2.840.10008.5.1.4.1.1.14.2"], "1.2.840.10008.5.1.4.1.1.14.1")


@requirement("STORE-ENHANCED-MR-WITH-GSPS")
def test_enhanced_mr_brings_gsps(dimse, claims, evidence):
    """Propose Enhanced MR, Legacy Converted Enhanced MR and Grayscale Softcopy Presentation State; PS3.4 B.5.1.6:
    an SCP of either MR class also supports GSPS."""
    _also_supported(dimse, claims, evidence, ["1.2.840.10008.5.1.4.1.1.4.1", "1.2.840.10008.5.1.4.1.1.4.4"], GSPS)


@requirement("STORE-ENHANCED-CT-WITH-GSPS")
def test_enhanced_ct_brings_gsps(dimse, claims, evidence):
    """Propose Enhanced CT, Legacy Converted Enhanced CT and Grayscale Softcopy Presentation State; PS3.4 B.5.1.7:
    an SCP of either CT class also supports GSPS."""
    _also_supported(dimse, claims, evidence, ["1.2.840.10008.5.1.4.1.1.2.1", "1.2.840.10008.5.1.4.1.1.2.2"], GSPS)


@requirement("STORE-ENHANCED-MR-COLOR-WITH-CSPS")
def test_enhanced_mr_color_brings_csps(dimse, claims, evidence):
    """Propose Enhanced MR Color and Color Softcopy Presentation State; PS3.4 B.5.1.8: an SCP of Enhanced MR Color
    Image Storage also supports CSPS."""
    _also_supported(dimse, claims, evidence, ["1.2.840.10008.5.1.4.1.1.4.3"], CSPS)
