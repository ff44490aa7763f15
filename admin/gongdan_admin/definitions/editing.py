"""What the definition editor does with the text an admin typed: parse, validate, diff.

Nothing here writes: the text is read as the YAML file the pack would hold
(``ticket_types/repair.yaml``), so every :class:`~gongdan.definitions.problems.Problem` carries
the line and column the editor shows, exactly as ``gongdan pack validate`` would print them.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from gongdan.definitions.documents import Definition
from gongdan.definitions.export import definition_file
from gongdan.definitions.extensions import Extensions
from gongdan.definitions.loader import dump_yaml, load_text
from gongdan.definitions.models import DefinitionRevision
from gongdan.definitions.problems import Problem
from gongdan.definitions.registry import active_definitions, revision_history
from gongdan.definitions.validate import active_set, sort_problems, validate_definitions


@dataclass(frozen=True, slots=True)
class EditorText:
    """The editor's text read as one definition of ``kind``, or the problems that stop it."""

    file: str
    definition: Definition | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.definition is not None and not any(p.severity == "error" for p in self.problems)


def editor_file(kind: str, key: str | None) -> str:
    """The file name problems carry: the one ``gongdan pack export`` would write."""
    return definition_file(kind, key or "new").as_posix()


def yaml_of(document: Mapping[str, Any]) -> str:
    """A stored document as the editor shows it (and ``gongdan pack export`` writes it)."""
    return dump_yaml([document])


def read_editor_text(session: Session, text: str, *, kind: str, key: str | None) -> EditorText:
    """Parse ``text`` as the one definition this page edits.

    :param key: the definition being edited, or ``None`` on the new-definition page (then the
        key must not be taken yet).
    """
    file = editor_file(kind, key)
    definitions, problems = load_text(text, file)
    problems = list(problems)
    if problems:
        return EditorText(file, None, problems)
    if not definitions:
        empty = Problem("editor.empty", "the text holds no definition", file=file, line=1, column=1)
        return EditorText(file, None, [empty])
    definition = definitions[0]
    for extra in definitions[1:]:
        problems.append(
            extra.problem(
                "editor.several_documents",
                "this page edits one definition; remove the other documents",
                hint="add other definitions on their own pages",
            )
        )
    if definition.kind != kind:
        problems.append(
            definition.problem(
                "editor.wrong_kind",
                f"this page edits {kind} definitions, not {definition.kind!r}",
                ("kind",),
                hint=f"write kind: {kind}",
            )
        )
    if key is not None and definition.key != key:
        problems.append(
            definition.problem(
                "editor.key_changed",
                f"this page edits {kind} {key!r}; the key cannot change to {definition.key!r}",
                ("key",),
                hint="create a new definition for another key",
            )
        )
    if key is None and definition.key and revision_history(session, kind, definition.key):
        problems.append(
            definition.problem(
                "editor.key_taken",
                f"{kind} {definition.key!r} exists already",
                ("key",),
                hint="open it from the list to edit it, or choose another key",
            )
        )
    return EditorText(file, definition, sort_problems(problems))


def validate_in_active_set(
    session: Session, draft: Definition, *, extensions: Extensions | None
) -> list[Problem]:
    """Validate the active set with ``draft`` in place of its kind and key (as publish does).

    Problems in the draft carry its editor lines; a problem in another definition (a reference
    the draft breaks) names that definition's stored revision.
    """
    candidate = active_set(active_definitions(session), [draft])
    return validate_definitions(candidate, extensions=extensions)


def errors_of(problems: Sequence[Problem]) -> list[Problem]:
    """Only the errors (warnings do not stop a publish)."""
    return [p for p in problems if p.severity == "error"]


def ordered_like(value: Any, model: Any) -> Any:
    """``value`` with its mappings' keys in ``model``'s order (new keys last), recursively.

    The form editor returns keys in the schema's order; putting them back in the order of the
    text it was made from keeps the YAML (and a diff) showing only what really changed.
    """
    if isinstance(value, Mapping):
        known = model if isinstance(model, Mapping) else {}
        keys = [k for k in known if k in value] + [k for k in value if k not in known]
        return {k: ordered_like(value[k], known.get(k)) for k in keys}
    if isinstance(value, list):
        items = model if isinstance(model, list) else []
        # Rows with a key (fields, states ...) are matched by key: a new row moves the others.
        keyed = {
            item["key"]: item
            for item in items
            if isinstance(item, Mapping) and isinstance(item.get("key"), str)
        }
        return [
            ordered_like(
                item,
                keyed.get(item.get("key"))
                if isinstance(item, Mapping)
                and isinstance(item.get("key"), str)
                and item["key"] in keyed
                else (items[index] if index < len(items) else None),
            )
            for index, item in enumerate(value)
        ]
    return value


@dataclass(frozen=True, slots=True)
class DiffLine:
    """One line of a unified diff; ``kind``: ``add``, ``remove``, ``hunk``, ``file``, ``same``."""

    kind: str
    text: str


def unified_diff(
    before: Mapping[str, Any] | None, after: Mapping[str, Any], *, before_name: str, after_name: str
) -> list[DiffLine]:
    """The YAML of ``before`` (the active revision, if any) against ``after``, line by line.

    Both sides are written the same way (:func:`yaml_of`), so formatting and comments never
    show up as changes: only content does. Empty when they are the same.
    """
    old = yaml_of(before).splitlines() if before is not None else []
    new = yaml_of(ordered_like(after, before)).splitlines()
    lines: list[DiffLine] = []
    for text in difflib.unified_diff(old, new, before_name, after_name, lineterm="", n=3):
        if text.startswith(("---", "+++")):
            kind = "file"
        elif text.startswith("@@"):
            kind = "hunk"
        elif text.startswith("+"):
            kind = "add"
        elif text.startswith("-"):
            kind = "remove"
        else:
            kind = "same"
        lines.append(DiffLine(kind, text))
    return lines


def latest_draft(history: Sequence[DefinitionRevision]) -> DefinitionRevision | None:
    """The draft waiting to be published: the newest revision, when it is a draft."""
    return history[0] if history and history[0].status == "draft" else None


def active_of(history: Sequence[DefinitionRevision]) -> DefinitionRevision | None:
    """The active revision in ``history``, if any."""
    return next((r for r in history if r.status == "active"), None)
