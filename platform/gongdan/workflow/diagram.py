"""A workflow as a Mermaid flowchart: states grouped by owning department, coloured by category.

IO-free: takes a compiled workflow and the titles to show, returns Mermaid source that the admin
renders in the browser with the vendored ``mermaid.min.js`` (``securityLevel: strict``). Every
label is written as a quoted string with ``"`` ``<`` ``>`` ``&`` and ``#`` as Mermaid entity
codes, so a title typed by an admin can neither break the diagram nor inject markup.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from gongdan.definitions.compiled import CompiledState, CompiledWorkflow

#: Fill and stroke per state category (the workspace's badge colours).
CATEGORY_STYLES: Mapping[str, str] = {
    "open": "fill:#dbeafe,stroke:#2563eb,color:#1e3a8a",
    "paused": "fill:#fef3c7,stroke:#d97706,color:#78350f",
    "resolved": "fill:#dcfce7,stroke:#16a34a,color:#14532d",
    "closed": "fill:#e5e7eb,stroke:#4b5563,color:#111827",
}
_UNOWNED = "_unowned"


@dataclass(frozen=True)
class DiagramLabels:
    """How things are named in the diagram, in the reader's language."""

    state: Callable[[CompiledState], str]
    department: Callable[[str], str]
    transition: Callable[[str, Mapping[str, str]], str]
    role: Callable[[str], str]
    unowned: str = "—"
    start: str = "start"


def mermaid_text(text: str) -> str:
    """``text`` as a quoted Mermaid label (entity codes for what could break out of it)."""
    escaped = (
        text.replace("#", "#35;")
        .replace("&", "#38;")
        .replace('"', "#34;")
        .replace("<", "#60;")
        .replace(">", "#62;")
    )
    return '"' + " ".join(escaped.split()) + '"'


def _node_id(key: str) -> str:
    return f"s_{key}"  # keys are ^[a-z][a-z0-9_]*$; the prefix keeps clear of Mermaid keywords


def workflow_diagram(workflow: CompiledWorkflow, labels: DiagramLabels) -> str:
    """Mermaid ``flowchart`` source for ``workflow``.

    One subgraph per owning department (states without an owner in their own group), nodes
    coloured by category, final states drawn as double circles, the initial state marked by a
    start dot, every transition an edge labelled with its title and the roles that may take it.
    A transition allowed from several states draws one edge from each.
    """
    lines = ["flowchart LR"]
    for category, style in CATEGORY_STYLES.items():
        lines.append(f"  classDef {category} {style}")
    groups: dict[str, list[CompiledState]] = {}
    for state in workflow.states.values():
        groups.setdefault(state.owner or _UNOWNED, []).append(state)
    for index, (owner, states) in enumerate(groups.items()):
        title = labels.unowned if owner == _UNOWNED else labels.department(owner)
        lines.append(f"  subgraph g{index}[{mermaid_text(title)}]")
        for state in states:
            text = mermaid_text(labels.state(state))
            shape = f"((({text})))" if state.final else f"([{text}])"
            lines.append(f"    {_node_id(state.key)}{shape}:::{_category(state)}")
        lines.append("  end")
    lines.append(f"  start_dot(({mermaid_text(labels.start)})) --> {_node_id(workflow.initial)}")
    for transition in workflow.transitions:
        roles = ", ".join(labels.role(role) for role in sorted(transition.roles))
        text = labels.transition(transition.key, transition.title)
        label = mermaid_text(f"{text} · {roles}" if roles else text)
        for source in sorted(transition.sources):
            lines.append(f"  {_node_id(source)} -->|{label}| {_node_id(transition.target)}")
    return "\n".join(lines) + "\n"


def _category(state: CompiledState) -> str:
    return state.category if state.category in CATEGORY_STYLES else "open"
