"""The simulator's Selected Media Type (PS3.18 8.7.8.1, simulators/dicomweb/selection.py): most specific range
gives the q value; the accept Query Parameter's set before the header's."""

from dicom_harness.simulators.dicomweb.negotiation import Offer, parse_accept
from dicom_harness.simulators.dicomweb.selection import select

IMAGES = [Offer("image/jpeg"), Offer("image/png"), Offer("image/gif")]
DICOM = [Offer("multipart/related", "application/dicom"), Offer("application/dicom")]


def _media(sets, offers=IMAGES, use_q: bool = True):
    chosen = select([parse_accept(text, by_q=use_q) for text in sets], offers, use_q=use_q)
    return None if chosen is None else (chosen[0].media, chosen[0].part_type, chosen[1].params)


def test_the_most_specific_range_gives_the_q_value():
    assert _media(["image/*;q=0.9, image/jpeg;q=0.1"])[0] == "image/png"
    assert _media(["*/*;q=0.5, image/gif"])[0] == "image/gif"


def test_higher_q_wins_and_a_tie_goes_to_the_range_listed_first():
    assert _media(["image/jpeg;q=0.5, image/png"])[0] == "image/png"
    assert _media(["image/png, image/jpeg"])[0] == "image/png"
    assert _media(["image/jpeg;q=0.5, image/png"], use_q=False)[0] == "image/jpeg"


def test_the_query_parameter_set_comes_first():
    assert _media(["image/png", "image/jpeg"])[0] == "image/png"
    assert _media(["application/x-unknown", "image/jpeg"])[0] == "image/jpeg"
    assert _media(["application/x-unknown", "application/x-other"]) is None


def test_dicom_offers_keep_the_type_and_transfer_syntax_of_their_range():
    media, part_type, params = _media(['multipart/related; type="application/dicom"; transfer-syntax=*'], DICOM)
    assert (media, part_type, params.get("transfer-syntax")) == ("multipart/related", "application/dicom", "*")
    assert _media(["*/*"], DICOM)[:2] == ("multipart/related", "application/dicom")
    assert _media(["application/dicom"], DICOM)[:2] == ("application/dicom", None)
    assert _media(['multipart/related; type="application/dicom+xml"'], DICOM) is None
