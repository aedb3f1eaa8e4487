"""The STOW-RS partial-failure judges (suites/stow/checks.py) fed every answer PS3.18 10.5.3 and Annex I allow
and the ones they forbid."""

import pytest

from dicom_harness.suites.stow.checks import (
    judge_failed_items,
    judge_failure_reasons,
    judge_partial_referenced,
    judge_partial_status,
)

CT = "1.2.840.10008.5.1.4.1.1.2"


def _item(uid=None, cls=CT, reason=None, url=None):
    item = {}
    if uid:
        item["00081155"] = {"vr": "UI", "Value": [uid]}
    if cls and uid:
        item["00081150"] = {"vr": "UI", "Value": [cls]}
    if reason is not None:
        item["00081197"] = {"vr": "US", "Value": [reason]}
    if url is not None:
        item["00081190"] = {"vr": "UR", "Value": [url]} if url else {"vr": "UR"}
    return item


def _module(failed=(), referenced=(), others=()):
    data = {"00081190": {"vr": "UR"}}
    for tag, seq in (("00081198", failed), ("00081199", referenced), ("0008119A", others)):
        if seq is not None:
            data[tag] = {"vr": "SQ", "Value": list(seq)} if seq else {"vr": "SQ"}
    return data


@pytest.mark.parametrize("status,kept", [(200, 3), (202, 3), (202, 1), (400, 0), (409, 0)])
def test_partial_status_allowed(status, kept):
    judge_partial_status(status, kept, 3)


@pytest.mark.parametrize("status,kept", [(200, 1), (400, 2), (409, 1), (202, 0), (400, 3), (500, 1)])
def test_partial_status_refused(status, kept):
    with pytest.raises(AssertionError):
        judge_partial_status(status, kept, 3)


def test_failed_items_named_with_class_and_reason():
    judge_failed_items(_module([_item("1.1", reason=0xA900), _item("1.2", reason=0xC000)]), {"1.1": CT, "1.2": CT})


def test_failed_item_of_an_unreadable_instance_may_be_an_other_failure():
    data = _module([_item("1.1", reason=0xA900)], others=[_item(reason=0xC000)])
    judge_failed_items(data, {"1.1": CT, "1.2": CT}, not_understood=("1.2",))
    with pytest.raises(AssertionError):     # only the instance that may be unreadable
        judge_failed_items(data, {"1.1": CT, "1.2": CT}, not_understood=("1.1",))


@pytest.mark.parametrize("data", [
    _module(None), _module(()),                                         # Orthanc 1.10.1: present and empty
    _module([_item("1.1", cls=None, reason=0xA900)]),                   # no Referenced SOP Class UID
    _module([_item("1.1", cls="1.2.3", reason=0xA900)]),                # another class
    _module([_item("1.1")]),                                            # no Failure Reason
    _module([_item("9.9", reason=0xA900)]),                             # names another instance
])
def test_failed_items_refused(data):
    with pytest.raises(AssertionError):
        judge_failed_items(data, {"1.1": CT})


@pytest.mark.parametrize("code", [0xA900, 0xA9FF, 0xC000, 0xC210, 0x0110, 0xFF01, 0x0122])
def test_failure_reasons_that_fit(code):
    judge_failure_reasons(_module([_item("1.1", reason=code)]), ["1.1"], stored_alike=code == 0xA900)


@pytest.mark.parametrize("code,alike", [(0x0122, True), (0xC122, True), (0x0000, False), (0xB000, False),
                                        (0xB007, True)])
def test_failure_reasons_that_do_not(code, alike):
    with pytest.raises(AssertionError):
        judge_failure_reasons(_module([_item("1.1", reason=code)]), ["1.1"], stored_alike=alike)


def test_partial_referenced_lists_exactly_the_stored():
    judge_partial_referenced(_module(referenced=[_item("1.1", url="http://x/instances/1.1")]), {"1.1": CT}, ["1.2"])
    judge_partial_referenced(_module(referenced=[_item("1.1", url="")]), {"1.1": CT}, ["1.2"])     # Type 2


@pytest.mark.parametrize("referenced", [
    [_item("1.1"), _item("1.2")],                     # a refused instance listed
    [],                                               # the stored one missing
    [_item("1.1", cls="1.2.3")],                      # wrong class
    [_item("1.1", url="http://x/instances/7.7")],     # Retrieve URL of another instance
])
def test_partial_referenced_refused(referenced):
    with pytest.raises(AssertionError):
        judge_partial_referenced(_module(referenced=referenced), {"1.1": CT}, ["1.2"])
