"""The admin's writes to definitions, each recorded in the audit trail in the same transaction.

The registry's services (:mod:`gongdan.definitions.registry`) open, validate and commit their
own transactions. :func:`audited` watches the session while one runs: the revisions it flushes
are collected, and just before its commit one audit entry per change is added, so the change
and its audit entry are written together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan.audit.services import record_change
from gongdan.definitions.documents import Definition
from gongdan.definitions.extensions import Extensions
from gongdan.definitions.models import DefinitionRevision
from gongdan.definitions.registry import publish, rollback, save_draft


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes the change and from where (for the audit entry)."""

    user: User | None
    address: str | None = None

    @property
    def name(self) -> str:
        return self.user.username if self.user is not None else "system"


def _state(revision: DefinitionRevision) -> dict[str, Any]:
    return {
        "revision": revision.revision,
        "status": revision.status,
        "content_hash": revision.content_hash,
        "document": revision.document,
    }


def _record(session: Session, actor: Actor, action: str, touched: list[DefinitionRevision]) -> None:
    drafts = [r for r in touched if r.status == "draft"]
    active = [r for r in touched if r.status == "active"]
    retired = [r for r in touched if r.status == "retired"]
    for draft in drafts:
        record_change(
            session,
            actor=actor.user,
            action=action,
            target_type=draft.kind,
            target_id=draft.key,
            after=_state(draft),
            summary=f"saved draft {draft.ref}",
            address=actor.address,
        )
    for new in active:
        old = next((r for r in retired if (r.kind, r.key) == (new.kind, new.key)), None)
        verb = "published" if action == "publish" else "rolled back to"
        summary = f"{verb} {new.ref}" + (f" (was revision {old.revision})" if old else "")
        before = _state(old) if old is not None else None
        if before is not None:
            before["status"] = "active"
        after = _state(new)
        record_change(
            session,
            actor=actor.user,
            action=action,
            target_type=new.kind,
            target_id=new.key,
            before=before,
            after=after,
            summary=summary,
            address=actor.address,
        )


@contextmanager
def audited(session: Session, actor: Actor, action: str) -> Iterator[None]:
    """Record the definition revisions written inside the block as one audit entry each.

    The entries are added in ``before_commit`` of the block's transaction; a service that
    fails rolls them back with its own writes.
    """
    target = session() if callable(session) and not isinstance(session, Session) else session
    touched: list[DefinitionRevision] = []

    def collect(flushing: Session, _context: object) -> None:
        for instance in (*flushing.new, *flushing.dirty):
            if isinstance(instance, DefinitionRevision) and instance not in touched:
                touched.append(instance)

    def write(committing: Session) -> None:
        # Revisions still pending at commit time are flushed after this hook: count them too.
        collect(committing, None)
        if touched:
            _record(committing, actor, action, list(touched))
            touched.clear()

    event.listen(target, "after_flush", collect)
    event.listen(target, "before_commit", write)
    try:
        yield
    finally:
        event.remove(target, "after_flush", collect)
        event.remove(target, "before_commit", write)


def save_audited_draft(
    session: Session, definition: Definition, *, actor: Actor, note: str | None = None
) -> DefinitionRevision:
    """:func:`~gongdan.definitions.registry.save_draft`, audited as ``save_draft``."""
    with audited(session, actor, "save_draft"):
        return save_draft(session, definition, author=actor.name, note=note)


def publish_audited(
    session: Session, revision_id: int, *, actor: Actor, extensions: Extensions | None
) -> DefinitionRevision:
    """:func:`~gongdan.definitions.registry.publish`, audited as ``publish``."""
    with audited(session, actor, "publish"):
        return publish(session, revision_id, author=actor.name, extensions=extensions)


def rollback_audited(
    session: Session,
    kind: str,
    key: str,
    revision: int,
    *,
    actor: Actor,
    extensions: Extensions | None,
) -> DefinitionRevision:
    """:func:`~gongdan.definitions.registry.rollback`, audited as ``rollback``."""
    with audited(session, actor, "rollback"):
        return rollback(session, kind, key, revision, author=actor.name, extensions=extensions)
