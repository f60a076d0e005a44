"""Shared checks of a state declaration (``<app>/states.py``), used by tests/<app>/test_states.py."""

import pytest
from viewflow import fsm

from core.states import transitions_of


def declared(flow_class) -> list[tuple[str, str, str]]:
    """Return (method, source, target) of every declared transition."""
    return [(method, source, target) for method, source, target, _doc in transitions_of(flow_class)]


def undeclared(flow_class) -> list[tuple[str, str]]:
    """Return every (method, status) pair with no transition declared from that status."""
    statuses = [value for value, _label in flow_class.model._meta.get_field("status").choices]
    methods = sorted({method for method, _s, _t in declared(flow_class)})
    allowed = {(method, source) for method, source, _t in declared(flow_class)}
    return [(m, s) for m in methods for s in statuses if (m, s) not in allowed]


def check_declared(flow_class, method, source, target) -> None:
    """Assert the transition moves an instance from source to target."""
    instance = flow_class.model(status=source)
    getattr(flow_class(instance), method)()
    assert instance.status == target


def check_undeclared(flow_class, method, status) -> None:
    """Assert the transition refuses from status and leaves the instance as it was."""
    instance = flow_class.model(status=status)
    with pytest.raises(fsm.TransitionNotAllowed):
        getattr(flow_class(instance), method)()
    assert instance.status == status


def cases(flow_classes, pairs):
    """Return pytest params (flow_class, *pair) with readable ids."""
    return [pytest.param(cls, *pair, id=f"{cls.__name__}.{pair[0]}:{'->'.join(pair[1:])}")
            for cls in flow_classes for pair in pairs(cls)]
