"""PS3.8 9.3.5: the P-DATA-TF PDUs the target sends, read byte by byte."""

from dicom_harness.testing import requirement, ul_state_model

M = ul_state_model


@requirement("ASSOC-PDATA-HAS-PDV")
def test_every_p_data_tf_holds_a_pdv_item(dimse):
    """Open an association over a bare connection, send two C-ECHO-RQs and release; PS3.8 9.3.5: the variable
    field of every P-DATA-TF PDU the target sends holds one or more Presentation-Data-Value Items."""
    judgement = dimse.play_pdus([M.RQ, M.ECHO, M.ECHO, M.RELRQ])
    pdata = [step.pdu for step in judgement.steps if step.observed == M.PDATA]
    assert pdata, f"expected the C-ECHO-RSPs in P-DATA-TF PDUs, observed {'; '.join(map(str, judgement.steps))}"
    empty = [p[:6].hex(" ") for p in pdata if not M.pdv_items(p)]
    assert not empty, f"expected one or more PDV items in each of {len(pdata)} P-DATA-TF PDU(s); {len(empty)} " \
                      f"had none (headers: {', '.join(empty)})"
