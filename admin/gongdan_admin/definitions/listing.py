"""The rows of a kind's list page: each definition with its active revision and waiting draft."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from gongdan.db import db
from gongdan.definitions.models import DefinitionRevision


@dataclass(frozen=True, slots=True)
class DefinitionSummary:
    """One definition on its kind's list page."""

    key: str
    title: dict[str, str]
    active: DefinitionRevision | None
    draft: DefinitionRevision | None
    revisions: int

    @property
    def latest(self) -> DefinitionRevision:
        """The revision whose pack, author and time the list shows: the active one if any."""
        found = self.active or self.draft
        assert found is not None
        return found

    @property
    def changed_at(self) -> datetime | None:
        latest = self.latest
        return latest.activated_at or latest.created_at


def _title(revision: DefinitionRevision) -> dict[str, str]:
    title: Any = revision.document.get("title") if isinstance(revision.document, dict) else None
    return dict(title) if isinstance(title, dict) else {}


def kind_summaries(kind: str) -> list[DefinitionSummary]:
    """Every definition of ``kind`` (active or only drafted so far), ordered by key.

    A draft "waits" when it is the definition's newest revision: one saved before the last
    publish or roll back is history, not pending work.
    """
    query = (
        select(DefinitionRevision)
        .where(DefinitionRevision.kind == kind)
        .order_by(DefinitionRevision.key, DefinitionRevision.revision.desc())
    )
    by_key: dict[str, list[DefinitionRevision]] = {}
    for revision in db.session.scalars(query):
        by_key.setdefault(revision.key, []).append(revision)
    rows: list[DefinitionSummary] = []
    for key, history in by_key.items():
        active = next((r for r in history if r.status == "active"), None)
        draft = history[0] if history[0].status == "draft" else None
        if active is None and draft is None:
            continue  # only retired revisions: nothing to list
        shown = active or draft
        assert shown is not None
        rows.append(DefinitionSummary(key, _title(shown), active, draft, len(history)))
    return rows
