"""Workflow diagrams as Mermaid text: groups, colours, labels, nothing escaping a label."""

from __future__ import annotations

from collections.abc import Mapping

from gongdan.definitions.compile import compile_definitions
from gongdan.definitions.documents import Definition
from gongdan.workflow.diagram import DiagramLabels, mermaid_text, workflow_diagram

FLOW = {
    "kind": "Workflow",
    "key": "repair_flow",
    "title": {"en": "Repair"},
    "spec": {
        "initial": "new",
        "states": [
            {"key": "new", "category": "open", "owner": "customer_service",
             "title": {"en": 'New <script>alert("x")</script>'}},
            {"key": "diagnosing", "category": "open", "owner": "workshop"},
            {"key": "waiting_parts", "category": "paused", "owner": "workshop"},
            {"key": "resolved", "category": "resolved"},
            {"key": "closed", "category": "closed", "final": True},
        ],
        "transitions": [
            {"key": "triage", "from": "new", "to": "diagnosing", "roles": ["agent", "dispatcher"],
             "title": {"en": "Triage"}},
            {"key": "need_parts", "from": "diagnosing", "to": "waiting_parts",
             "roles": ["engineer"]},
            {"key": "fix", "from": ["diagnosing", "waiting_parts"], "to": "resolved"},
            {"key": "close", "from": "resolved", "to": "closed", "roles": ["agent"]},
        ],
    },
}  # fmt: skip


def labels() -> DiagramLabels:
    def transition(key: str, title: Mapping[str, str]) -> str:
        return title.get("en") or key

    return DiagramLabels(
        state=lambda state: state.title.get("en") or state.key,
        department=lambda key: {"workshop": "Workshop & Lab"}.get(key, key),
        transition=transition,
        role=lambda role: role.title(),
        unowned="No department",
    )


def diagram() -> str:
    definition = Definition(kind="Workflow", key="repair_flow", document=FLOW)
    compiled = compile_definitions([definition], validate=False)
    return workflow_diagram(compiled.workflows["repair_flow"], labels())


def test_states_are_grouped_by_owner_and_coloured_by_category() -> None:
    text = diagram()
    assert text.startswith("flowchart LR\n")
    assert 'subgraph g0["customer_service"]' in text
    assert 'subgraph g1["Workshop #38; Lab"]' in text  # & as an entity code
    assert 'subgraph g2["No department"]' in text
    workshop = text.split('subgraph g1["Workshop #38; Lab"]')[1].split("  end")[0]
    assert "s_diagnosing" in workshop and "s_waiting_parts" in workshop
    assert 's_waiting_parts(["waiting_parts"]):::paused' in text
    assert 's_closed((("closed"))):::closed' in text  # a final state: a double circle
    assert "classDef paused fill:#fef3c7" in text
    assert "--> s_new" in text.split("start_dot")[1]  # the start dot points at the initial state


def test_every_transition_is_an_edge_with_its_roles() -> None:
    text = diagram()
    assert 's_new -->|"Triage · Agent, Dispatcher"| s_diagnosing' in text
    assert 's_diagnosing -->|"fix"| s_resolved' in text  # no roles listed: anyone
    assert 's_waiting_parts -->|"fix"| s_resolved' in text  # one edge per source state


def test_labels_cannot_break_out_or_carry_markup() -> None:
    text = diagram()
    assert "<script>" not in text and '"x"' not in text
    assert "New #60;script#62;alert(#34;x#34;)#60;/script#62;" in text
    assert mermaid_text('a "b" # c\n d') == '"a #34;b#34; #35; c d"'
