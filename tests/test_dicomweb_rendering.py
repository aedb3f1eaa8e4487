"""Units of the DICOMweb simulator's rendering parameters (PS3.18 8.3.5.1) and Accept prioritization (8.7.8.1)."""

import pytest
from starlette.datastructures import QueryParams

from dicom_harness.simulators.dicomweb import rendering
from dicom_harness.simulators.dicomweb.negotiation import Offer, choose, parse_accept


@pytest.mark.parametrize("query", ["quality=0", "quality=101", "quality=abc", "quality=", "viewport=abc,def",
                                   "viewport=100", "viewport=10,10,1,2,3", "window=1,2", "window=1,2,cubic",
                                   "window=a,2,linear", "annotation=", "annotation=patient,"])
def test_ill_formed_rendering_parameters_are_refused(query):
    with pytest.raises(rendering.BadParameter):
        rendering.parse(QueryParams(query))


def test_rendering_parameters_parsed():
    spec = rendering.parse(QueryParams("viewport=512,512,,,256,128&window=40,400,linear&quality=80"
                                       "&annotation=patient,dhother"))
    assert spec.viewport == (512, 512, None, None, 256.0, 128.0)
    assert spec.window == (40.0, 400.0, "linear") and spec.quality == 80
    assert spec.annotations == ["patient"] and spec.unsupported_annotations == ["dhother"]
    with pytest.raises(rendering.BadParameter):           # a Thumbnail takes vw,vh only
        rendering.parse(QueryParams("viewport=64,64,0,0,10,10"), thumbnail=True)


def test_accept_query_parameter_then_header_each_by_q():
    offers = [Offer("image/jpeg"), Offer("image/png")]
    assert choose(parse_accept("image/jpeg;q=0.5, image/png"), offers)[0].media == "image/png"
    # 8.7.8.1 steps 2 and 3: an unsupported accept Query Parameter falls back to the header
    assert choose(parse_accept("image/png", ["application/x-none"]), offers)[0].media == "image/png"
    assert choose(parse_accept("image/png", ["image/jpeg"]), offers)[0].media == "image/jpeg"
