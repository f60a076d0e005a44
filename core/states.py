"""The base of every app's state machine (``<app>/states.py``) and its documentation.

Each domain model with a ``status`` field has one ``<Model>States`` class in its own app's
``states.py`` that declares, with viewflow's ``fsm``, which transitions exist. Services change a
status only by calling one of them (``ServiceProjectStates(project).approve()``); a transition
that is not declared from the current status raises ``fsm.TransitionNotAllowed`` (viewflow's
``NoTransition``) and leaves the status as it was. The services still check the state first and
refuse with their own Chinese message: the declaration is the single list of what may happen,
the error a guard against a service that forgets.
"""

from django.utils import translation
from viewflow import fsm
from viewflow.fsm.chart import get_state_name

__all__ = ["StatusFlow", "initial_status", "mermaid", "status_state", "transition_table",
           "transitions_of"]


def _get_status(flow):
    return flow.instance.status


def _set_status(flow, value) -> None:
    # The one assignment of a domain status in the code base (tests/core/test_states.py holds it).
    flow.instance.status = value


def status_state(choices) -> fsm.State:
    """Return an fsm.State kept in the wrapped instance's ``status`` field."""
    state = fsm.State(choices)
    state.getter()(_get_status)
    state.setter()(_set_status)
    return state


class StatusFlow:
    """Wrap one model instance; subclasses declare ``status = status_state(Model.Status)``."""

    model = None  # the wrapped model class, for the docs and the tests
    created_as = None  # the status rows are created in, when it is not the field's default

    def __init__(self, instance):
        self.instance = instance


def _choices(flow_class) -> list[tuple[str, str]]:
    with translation.override("zh-hans"):
        return [(value, str(label))
                for value, label in flow_class.model._meta.get_field("status").choices]


def transitions_of(flow_class: type[StatusFlow]) -> list[tuple[str, str, str, str]]:
    """Return (method, source, target, docstring) per declared transition, in lifecycle order."""
    order = {value: index for index, (value, _label) in enumerate(_choices(flow_class))}
    rows = []
    for method, transitions in flow_class.status.get_transitions().items():
        doc = (method.__doc__ or "").strip().splitlines()[0] if method.__doc__ else ""
        for transition in transitions:
            for target in transition.declared_targets():
                rows.append((method.slug, get_state_name(transition.source),
                             get_state_name(target), doc))
    return sorted(rows, key=lambda row: (order[row[1]], order[row[2]], row[0]))


def initial_status(flow_class: type[StatusFlow]) -> str:
    """Return the status a new row starts in (created_as, else the model field's default)."""
    return str(flow_class.created_as or flow_class.model._meta.get_field("status").default)


def mermaid(flow_class: type[StatusFlow]) -> str:
    """Return the flow's declared transitions as a mermaid state diagram."""
    lines = ["stateDiagram-v2", f"    [*] --> {initial_status(flow_class)}"]
    lines += [f"    {source} --> {target}: {method}"
              for method, source, target, _doc in transitions_of(flow_class)]
    return "\n".join(lines)


def transition_table(flow_class: type[StatusFlow]) -> str:
    """Return the flow's states and declared transitions as markdown tables."""
    rows = transitions_of(flow_class)
    reached = {initial_status(flow_class)} | {target for _m, _s, target, _d in rows}
    lines = ["| status | label | reached by |", "|---|---|---|"]
    for value, label in _choices(flow_class):
        by = sorted({method for method, _s, target, _d in rows if target == value})
        if value == initial_status(flow_class):
            by.insert(0, "(created)")
        lines.append(f"| `{value}` | {label} | {', '.join(by) if value in reached else '— (unused)'} |")
    lines += ["", "| transition | from | to | what it means |", "|---|---|---|---|"]
    lines += [f"| `{method}` | {source} | {target} | {doc} |" for method, source, target, doc in rows]
    return "\n".join(lines)
