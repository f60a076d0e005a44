import dataclasses

import pytest

from core.permissions import Decision, allow, deny


def test_allow_is_truthy_without_reason():
    d = allow()
    assert d
    assert d.allowed is True
    assert d.reason == ""


def test_deny_is_falsy_and_keeps_reason():
    d = deny("招标已截止")
    assert not d
    assert d.allowed is False
    assert d.reason == "招标已截止"


def test_decision_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        allow().allowed = False  # type: ignore[misc]


def test_decision_equality():
    assert Decision(False, "x") == deny("x")
