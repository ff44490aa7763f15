"""Where conditions sit in a definition, which ones the builder can show, and writing one back.

IO-free. :func:`condition_places` lists every condition of a document and every empty slot
where one may be added (a ticket-type field's ``visible_if``/``required_if``, a transition's
``when`` ...), each with the scope its variables come from (see
:func:`gongdan_admin.condition_vocabulary.vocabulary_for`). :func:`write_condition` puts a
condition at one of those places in the YAML text, keeping everything else as it was.
"""

from __future__ import annotations

import difflib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from gongdan.conditions.operators import LEAF_KEYS, node_type
from gongdan.conditions.scope import Scope
from gongdan.conditions.typecheck import check_condition
from gongdan.definitions.loader import load_text
from gongdan.definitions.problems import JsonPath, format_json_path
from gongdan.errors import GongdanError

#: Why the builder shows a condition read-only.
Unrepresentable = Literal["function", "malformed"]

_MAX_DEPTH = 32
_SCALARS = (str, int, float, bool)


class ConditionEditError(GongdanError):
    """A condition cannot be written where it was asked to go; the message says why."""

    code = "condition_edit"
    status = 422


@dataclass(frozen=True, slots=True)
class ConditionPlace:
    """One place a condition is, or may be added.

    :param owner: what the condition belongs to (``visit_address``, ``triage``, ``spec``).
    :param owner_kind: ``field``, ``derive``, ``transition``, ``rule``, ``question`` or
        ``result``.
    :param member: the key the condition sits under (``visible_if``, ``when``).
    :param scope: the vocabulary scope of its variables (``ticket``, ``answers``, ``result``).
    :param condition: the condition, or ``None`` for an empty slot.
    """

    path: JsonPath
    owner: str
    owner_kind: str
    member: str
    scope: str
    condition: Any = None

    @property
    def present(self) -> bool:
        return self.condition is not None

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape the builder reads."""
        return {
            "path": format_json_path(self.path),
            "parts": list(self.path),
            "owner": self.owner,
            "owner_kind": self.owner_kind,
            "member": self.member,
            "scope": self.scope,
            "condition": self.condition,
            "present": self.present,
            "unrepresentable": unrepresentable(self.condition) if self.present else None,
        }


def _listed(spec: Mapping[str, Any], member: str) -> list[tuple[int, Mapping[str, Any]]]:
    value = spec.get(member)
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, Mapping)]


def _slots(
    spec: Mapping[str, Any],
    member: str,
    keys: tuple[str, ...],
    owner_kind: str,
    scope: str,
    *,
    empty_slots: bool = True,
) -> list[ConditionPlace]:
    found = []
    for index, item in _listed(spec, member):
        owner = item.get("key")
        name = str(owner) if isinstance(owner, str | int) else f"#{index + 1}"
        for key in keys:
            if key in item or empty_slots:
                path = ("spec", member, index, key)
                found.append(ConditionPlace(path, name, owner_kind, key, scope, item.get(key)))
    return found


def condition_places(kind: str, document: Mapping[str, Any]) -> list[ConditionPlace]:
    """Every condition of a ``kind`` document, and the empty places where one may be added."""
    spec = document.get("spec")
    if not isinstance(spec, Mapping):
        return []
    if kind == "TicketType":
        found = _slots(spec, "fields", ("visible_if", "required_if"), "field", "ticket")
        derive = spec.get("derive")
        if isinstance(derive, Mapping):
            for name, rules in derive.items():
                for index, rule in enumerate(rules if isinstance(rules, list) else []):
                    if isinstance(rule, Mapping) and "when" in rule:
                        path = ("spec", "derive", str(name), index, "when")
                        owner = f"{name} #{index + 1}"
                        place = ConditionPlace(
                            path, owner, "derive", "when", "ticket", rule["when"]
                        )
                        found.append(place)
        return found
    if kind == "Workflow":
        return _slots(spec, "transitions", ("when",), "transition", "ticket")
    if kind in ("RoutingRule", "SlaPolicy", "Automation"):
        return [
            ConditionPlace(
                ("spec", "when"),
                str(document.get("key") or ""),
                "rule",
                "when",
                "ticket",
                spec.get("when"),
            )
        ]
    if kind == "SurveyTemplate":
        found = _slots(spec, "questions", ("visible_if",), "question", "answers")
        found += _slots(spec, "on_result", ("when",), "result", "result", empty_slots=False)
        return found
    return []


def unrepresentable(node: Any, depth: int = 0) -> Unrepresentable | None:
    """Why the builder cannot edit ``node`` (a function call, an odd shape), else ``None``."""
    if depth > _MAX_DEPTH or not isinstance(node, Mapping):
        return "malformed"
    kind = node_type(node)
    if kind == "fn":
        return "function"
    if kind in ("all", "any"):
        items = node[kind]
        if len(node) != 1 or not isinstance(items, list) or not items:
            return "malformed"
        reasons = [unrepresentable(item, depth + 1) for item in items]
        return "function" if "function" in reasons else next((r for r in reasons if r), None)
    if kind == "not":
        return "malformed" if len(node) != 1 else unrepresentable(node["not"], depth + 1)
    if kind == "field":
        if set(node) - LEAF_KEYS or not isinstance(node["field"], str):
            return "malformed"
        if not isinstance(node.get("op"), str):
            return "malformed"
        value = node.get("value")
        values = value if isinstance(value, list) else [value]
        if not all(v is None or isinstance(v, _SCALARS) for v in values):
            return "malformed"
        return None
    return "malformed"


def check_shape(condition: Any) -> str | None:
    """The first reason ``condition`` is not a condition at all (wrong keys, empty groups).

    Unknown fields and values are not checked here: Validate reports them at their line.
    """
    for issue in check_condition(condition, Scope()):
        if issue.code in ("condition.malformed", "condition.unknown_operator"):
            return f"{format_json_path(issue.path)}: {issue.message}"
    if unrepresentable(condition) == "malformed":
        return "a group (all, any) needs at least one condition, a value plain values"
    return None


def _yaml() -> YAML:
    # The layout ``gongdan pack export`` writes, so exported text comes back unchanged.
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.allow_unicode = True
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _node(condition: Any, flow: bool) -> Any:
    """A condition as YAML nodes: groups as blocks, leaves on one line (``{field, op, value}``)."""
    if isinstance(condition, Mapping):
        leaf = "field" in condition or "fn" in condition
        out = CommentedMap((k, _node(v, flow or leaf)) for k, v in condition.items())
        if flow or leaf:
            out.fa.set_flow_style()
        else:
            out.fa.set_block_style()
        return out
    if isinstance(condition, list):
        items = CommentedSeq(_node(item, flow) for item in condition)
        if flow:
            items.fa.set_flow_style()
        return items
    return condition


def _set_at(data: Any, path: JsonPath, value: Any) -> None:
    """Set (or with ``None`` remove) ``path`` in plain or ruamel data; the parent must exist."""
    parent = data
    for part in path[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            raise ConditionEditError(
                f"{format_json_path(path)}: {part!r} is not in the document"
            ) from None
    last = path[-1]
    if not isinstance(parent, Mapping) or not isinstance(last, str):
        raise ConditionEditError(f"{format_json_path(path)}: the parent is not a mapping")
    if value is None:
        parent.pop(last, None)  # type: ignore[attr-defined]
    else:
        parent[last] = value  # type: ignore[index]


def write_condition(text: str, path: JsonPath, condition: Any) -> str:
    """``text`` (one YAML definition) with ``condition`` at ``path``; ``None`` removes it.

    Comments and the layout of everything else are kept. The result is read back and compared
    with the expected document, so an edit can never change anything but the condition.

    :raises ConditionEditError: the text is not one YAML document, the place does not exist,
        or the result would not read back as expected.
    """
    definitions, problems = load_text(text, "editor.yaml")
    if problems or len(definitions) != 1:
        reason = problems[0].format() if problems else "the text must hold exactly one definition"
        raise ConditionEditError(reason)
    expected = definitions[0].document
    _set_at(expected, path, condition)
    yaml = _yaml()
    try:
        data = yaml.load(text)
    except YAMLError as error:  # read above, so unlikely: a construct only the rt loader refuses
        raise ConditionEditError(f"the YAML cannot be edited: {error}") from None
    identity = _dump(yaml, data)
    parent = _parent(data, path)
    flow = isinstance(parent, CommentedMap) and bool(parent.fa.flow_style())
    if flow and isinstance(condition, Mapping) and node_type(condition) in ("all", "any", "not"):
        # A group reads badly squeezed onto the line of a one-line field: unfold that field.
        parent.fa.set_block_style()
        flow = False
    _set_at(data, path, None if condition is None else _node(condition, flow))
    written = _dump(yaml, data)
    spliced = _splice(text, identity, written)
    for candidate in (spliced, written):
        if candidate is not None and _reads_as(candidate, expected):
            return candidate
    raise ConditionEditError("the condition could not be written without changing the rest")


def _dump(yaml: YAML, data: Any) -> str:
    stream = io.StringIO()
    yaml.dump(data, stream)
    return stream.getvalue()


def _reads_as(text: str, expected: Mapping[str, Any]) -> bool:
    definitions, problems = load_text(text, "editor.yaml")
    return not problems and len(definitions) == 1 and definitions[0].document == expected


def _splice(original: str, identity: str, changed: str) -> str | None:
    """The lines that changed between ``identity`` and ``changed`` applied to ``original``.

    ``identity`` is ``original`` re-written by the YAML library without any change: where the
    library re-flowed lines the admin typed (long flow mappings), those lines cannot be
    matched, and ``None`` says the caller should use ``changed`` whole.
    """
    if identity == original:
        return changed
    old, same, new = (t.splitlines(keepends=True) for t in (original, identity, changed))
    to_old: dict[int, int] = {}
    for block in difflib.SequenceMatcher(None, same, old, autojunk=False).get_matching_blocks():
        for offset in range(block.size):
            to_old[block.a + offset] = block.b + offset
    hunks = difflib.SequenceMatcher(None, same, new, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in reversed(hunks):
        if tag == "equal":
            continue
        if i1 < i2:
            start = to_old.get(i1)
            if start is None or any(to_old.get(i) != start + i - i1 for i in range(i1, i2)):
                return None
        elif i1 > 0 and i1 - 1 in to_old:
            start = to_old[i1 - 1] + 1
        elif i1 in to_old:
            start = to_old[i1]
        else:
            return None
        old[start : start + (i2 - i1)] = new[j1:j2]
    return "".join(old)


def _parent(data: Any, path: JsonPath) -> Any:
    parent = data
    for part in path[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return None
    return parent
