"""Moving in-flight tickets from one TicketType or Workflow revision to a newer one.

A publish that removes or renames a state, changes a field's type or makes a field required
(:func:`gongdan.workflow.breaking.breaking_changes`) leaves open tickets on the old revision
until an admin supplies a :class:`~gongdan.workflow.remap.RevisionMapping`. Then:

* :func:`plan_migration` reads both revisions, the breaking changes and how many open tickets
  are in each affected state or hold a value in each affected field;
* :func:`preview_migration` applies a mapping to every open ticket in memory (nothing written);
* :func:`start_migration` records the migration and its audit entry, and queues the job;
* :func:`run_migration` (the job, :mod:`gongdan.tickets.tasks`) moves each ticket in its own
  transaction, with a ``migrated`` event, and lists those it cannot map, which stay on the old
  revision (retired revisions stay loadable: :mod:`gongdan.tickets.pinning`).

"Open" here means every ticket not closed: a resolved ticket may still be reopened.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan.audit.services import record_change
from gongdan.db import utcnow
from gongdan.definitions.compile import compile_definitions
from gongdan.definitions.compiled import CompiledTicketType, CompiledWorkflow
from gongdan.definitions.models import DefinitionRevision
from gongdan.definitions.registry import load_revision
from gongdan.errors import DefinitionNotFound, StaleTicket, ValidationFailed
from gongdan.jobs.runner import enqueue_after_commit
from gongdan.tickets.events import record_event
from gongdan.tickets.models import Ticket, TicketMigration
from gongdan.tickets.pinning import compile_pinned
from gongdan.tickets.transaction import ticket_transaction
from gongdan.workflow import remap as remapping
from gongdan.workflow.breaking import BreakingChange, breaking_changes
from gongdan.workflow.engine import is_empty
from gongdan.workflow.remap import Remapped, RevisionMapping, Revisions

#: Kinds whose revisions tickets pin.
MIGRATABLE_KINDS = ("TicketType", "Workflow")
#: The name of the background job.
JOB_NAME = "tickets.migrate"
#: How often a ticket changed concurrently is re-read and tried again.
ATTEMPTS = 3


@dataclass(frozen=True)
class MigrationPlan:
    """What moving the open tickets of ``old`` to ``new`` involves, before any mapping."""

    old: DefinitionRevision
    new: DefinitionRevision
    old_compiled: CompiledTicketType | CompiledWorkflow
    new_compiled: CompiledTicketType | CompiledWorkflow
    changes: list[BreakingChange]
    open_tickets: int
    #: Open tickets per state (of the workflow when ``kind`` is Workflow).
    by_state: dict[str, int] = field(default_factory=dict)
    #: Open tickets holding a value, per field a breaking change concerns.
    by_field: dict[str, int] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """``TicketType`` or ``Workflow``."""
        return self.old.kind

    @property
    def new_states(self) -> list[str]:
        """The states a removed state can be mapped to."""
        compiled = self.new_compiled
        return list(compiled.states) if isinstance(compiled, CompiledWorkflow) else []

    @property
    def new_fields(self) -> list[str]:
        """The fields a removed or changed field can be mapped to."""
        compiled = self.new_compiled
        return [f.key for f in compiled.fields] if isinstance(compiled, CompiledTicketType) else []

    @property
    def blocked(self) -> str | None:
        """Why no ticket can move whatever the mapping, or ``None``."""
        for change in self.changes:
            if change.code == "workflow_changed":
                return change.message + "; moving tickets to another workflow is not supported"
        return None


@dataclass(frozen=True)
class MigrationPreview:
    """What a mapping would do: tickets moved, and those left behind with the reason."""

    moves: int
    left_behind: list[dict[str, Any]]


def _pinned_column(kind: str) -> Any:
    return Ticket.ticket_type_revision_id if kind == "TicketType" else Ticket.workflow_revision_id


def _pinned_id(kind: str, ticket: Ticket) -> int:
    return ticket.ticket_type_revision_id if kind == "TicketType" else ticket.workflow_revision_id


def _open_on(kind: str, revision_id: int) -> Any:
    return select(Ticket).where(
        _pinned_column(kind) == revision_id, Ticket.state_category != "closed"
    )


def compile_revision(session: Session, revision_id: int) -> CompiledTicketType | CompiledWorkflow:
    """The TicketType or Workflow stored in revision ``revision_id``, compiled on its own.

    Select fields' options are not resolved (no OptionList is compiled with it).
    """
    definition = load_revision(session, revision_id)
    compiled = compile_definitions([definition], validate=False)
    if definition.kind == "TicketType":
        return compiled.ticket_types[definition.key]
    return compiled.workflows[definition.key]


def open_tickets_by_state(session: Session, kind: str, revision_id: int) -> dict[str, int]:
    """Open tickets pinned to TicketType/Workflow revision ``revision_id``, counted by state."""
    query = (
        select(Ticket.state, func.count())
        .where(_pinned_column(kind) == revision_id, Ticket.state_category != "closed")
        .group_by(Ticket.state)
    )
    return {state: count for state, count in session.execute(query)}


def plan_migration(session: Session, old_revision_id: int, new_revision_id: int) -> MigrationPlan:
    """The breaking changes from one revision to another and the open tickets they concern.

    :raises DefinitionNotFound: a revision id does not exist.
    :raises ValidationFailed: the revisions are not two revisions of one TicketType or
        Workflow, or the new one is a draft.
    """
    old = session.get(DefinitionRevision, old_revision_id)
    new = session.get(DefinitionRevision, new_revision_id)
    if old is None or new is None:
        missing = old_revision_id if old is None else new_revision_id
        raise DefinitionNotFound(f"no definition revision with id {missing!r}")
    if old.kind not in MIGRATABLE_KINDS or (old.kind, old.key) != (new.kind, new.key):
        raise ValidationFailed(
            f"tickets move between two revisions of one TicketType or Workflow, not from "
            f"{old.ref} to {new.ref}"
        )
    if old.id == new.id or new.status == "draft":
        raise ValidationFailed(
            f"tickets can only move to another published revision, not {new.ref}"
        )
    old_compiled = compile_revision(session, old.id)
    new_compiled = compile_revision(session, new.id)
    changes = breaking_changes(old_compiled, new_compiled)
    tickets = list(session.scalars(_open_on(old.kind, old.id)))
    field_keys = {c.subject for c in changes if c.maps_field}
    by_field = {
        key: sum(1 for t in tickets if not is_empty((t.fields or {}).get(key)))
        for key in sorted(field_keys)
    }
    return MigrationPlan(
        old=old,
        new=new,
        old_compiled=old_compiled,
        new_compiled=new_compiled,
        changes=changes,
        open_tickets=len(tickets),
        by_state=dict(Counter(t.state for t in tickets)),
        by_field=by_field,
    )


def _target_ids(kind: str, ticket: Ticket, new_revision_id: int) -> tuple[int, int]:
    if kind == "TicketType":
        return new_revision_id, ticket.workflow_revision_id
    return ticket.ticket_type_revision_id, new_revision_id


def _remap(
    session: Session, kind: str, ticket: Ticket, new_revision_id: int, mapping: RevisionMapping
) -> Remapped | remapping.Unmappable:
    old = compile_pinned(session, ticket.ticket_type_revision_id, ticket.workflow_revision_id)
    new = compile_pinned(session, *_target_ids(kind, ticket, new_revision_id))
    return remapping.remap_ticket(
        ticket.state,
        dict(ticket.fields or {}),
        Revisions(old.ticket_type, old.workflow),
        Revisions(new.ticket_type, new.workflow),
        mapping,
    )


def _left(ticket: Ticket, reason: str) -> dict[str, Any]:
    return {
        "ticket_id": ticket.id,
        "number": ticket.number,
        "state": ticket.state,
        "reason": reason,
    }


def preview_migration(
    session: Session, plan: MigrationPlan, mapping: RevisionMapping
) -> MigrationPreview:
    """Apply ``mapping`` to every open ticket of ``plan`` in memory; nothing is written."""
    if plan.blocked:
        tickets = list(session.scalars(_open_on(plan.kind, plan.old.id)))
        return MigrationPreview(0, [_left(t, plan.blocked) for t in tickets])
    moves = 0
    left: list[dict[str, Any]] = []
    for ticket in session.scalars(_open_on(plan.kind, plan.old.id)):
        result = _remap(session, plan.kind, ticket, plan.new.id, mapping)
        if isinstance(result, Remapped):
            moves += 1
        else:
            left.append(_left(ticket, result.reason))
    return MigrationPreview(moves, left)


def start_migration(
    session: Session,
    actor: User | None,
    plan: MigrationPlan,
    mapping: RevisionMapping,
    *,
    address: str | None = None,
) -> TicketMigration:
    """Record the migration and its audit entry in one transaction, then queue the job.

    :raises ValidationFailed: the plan cannot move any ticket (another workflow).
    """
    if plan.blocked:
        raise ValidationFailed(plan.blocked)
    migration = TicketMigration(
        kind=plan.kind,
        old_revision_id=plan.old.id,
        new_revision_id=plan.new.id,
        mapping=mapping.as_data(),
        status="queued",
        planned=plan.open_tickets,
        moved=0,
        left_behind=[],
        started_by_id=actor.id if actor is not None else None,
        created_at=utcnow(),
    )
    session.add(migration)
    session.flush()
    record_change(
        session, actor=actor, action="migrate_tickets", target_type="TicketMigration",
        target_id=migration.id, after={"from": plan.old.ref, "to": plan.new.ref,
        "mapping": mapping.as_data(), "open_tickets": plan.open_tickets},
        summary=f"move open tickets from {plan.old.ref} to {plan.new.ref}", address=address,
    )  # fmt: skip
    enqueue_after_commit(session, JOB_NAME, migration.id, job_id=f"migrate-tickets-{migration.id}")
    session.commit()
    return migration


#: What :func:`_move_one` returns for a ticket that no longer needs moving.
_NOTHING_TO_DO = "nothing to do"


def _move_one(
    session: Session, migration: TicketMigration, ticket_id: int, mapping: RevisionMapping
) -> str | None:
    """Move one ticket in its own transaction: ``None`` when moved, else why not."""
    kind, old_id, new_id = migration.kind, migration.old_revision_id, migration.new_revision_id
    hint: dict[str, object] = {}
    with ticket_transaction(session, hint):
        ticket = session.get(Ticket, ticket_id, populate_existing=True)
        if ticket is None or ticket.state_category == "closed":
            return _NOTHING_TO_DO
        if _pinned_id(kind, ticket) != old_id:
            return _NOTHING_TO_DO  # moved already (by an earlier or a concurrent run)
        hint.update(id=ticket.id, number=ticket.number, version=ticket.version)
        result = _remap(session, kind, ticket, new_id, mapping)
        if not isinstance(result, Remapped):
            return result.reason
        before = {
            "ticket_type_revision": ticket.ticket_type_revision_id,
            "workflow_revision": ticket.workflow_revision_id,
            "state": ticket.state,
        }
        type_id, workflow_id = _target_ids(kind, ticket, new_id)
        ticket.ticket_type_revision_id, ticket.workflow_revision_id = type_id, workflow_id
        ticket.state, ticket.state_category = result.state, result.state_category
        if result.fields != (ticket.fields or {}):
            ticket.fields = result.fields
        ticket.updated_at = utcnow()
        record_event(
            session, ticket, "migrated", None,
            {"migration": migration.id, "kind": kind, "from": before,
             "to": {"ticket_type_revision": type_id, "workflow_revision": workflow_id,
                    "state": result.state},
             "mapping": mapping.as_data(), "applied": result.applied},
            public=False,
        )  # fmt: skip
    return None


def run_migration(session: Session, migration_id: int) -> dict[str, Any]:
    """Move every open ticket of migration ``migration_id`` that its mapping can move.

    Idempotent: a ticket already on the new revision is skipped, a finished migration does
    nothing. A ticket changed concurrently is re-read and tried again (:data:`ATTEMPTS`
    times), then left behind with the reason.
    """
    migration = session.get(TicketMigration, migration_id, populate_existing=True)
    if migration is None:
        raise DefinitionNotFound(f"no ticket migration with id {migration_id!r}")
    if migration.status == "done":
        session.rollback()
        return _summary(migration)
    migration.status = "running"
    session.commit()
    mapping = RevisionMapping.from_data(migration.mapping)
    ticket_ids = list(
        session.scalars(
            select(Ticket.id)
            .where(
                _pinned_column(migration.kind) == migration.old_revision_id,
                Ticket.state_category != "closed",
            )
            .order_by(Ticket.id)
        )
    )
    session.rollback()
    moved = 0
    left: list[dict[str, Any]] = []
    for ticket_id in ticket_ids:
        outcome = _move_with_retries(session, migration, ticket_id, mapping)
        if outcome is None:
            moved += 1
        elif outcome != _NOTHING_TO_DO:
            ticket = session.get(Ticket, ticket_id)
            assert ticket is not None
            left.append(_left(ticket, outcome))
            session.rollback()
    session.execute(
        update(TicketMigration)
        .where(TicketMigration.id == migration_id)
        .values(
            moved=TicketMigration.moved + moved,
            left_behind=left,
            status="done",
            finished_at=utcnow(),
        )
    )
    session.commit()
    migration = session.get(TicketMigration, migration_id, populate_existing=True)
    assert migration is not None
    return _summary(migration)


def _move_with_retries(
    session: Session, migration: TicketMigration, ticket_id: int, mapping: RevisionMapping
) -> str | None:
    for _ in range(ATTEMPTS):
        try:
            return _move_one(session, migration, ticket_id, mapping)
        except StaleTicket:
            continue
    return f"changed by someone else {ATTEMPTS} times while it was being moved; start again"


def _summary(migration: TicketMigration) -> dict[str, Any]:
    return {
        "migration": migration.id,
        "status": migration.status,
        "moved": migration.moved,
        "left_behind": len(migration.left_behind or []),
    }


def migrations_of(session: Session, revision_ids: Sequence[int]) -> list[TicketMigration]:
    """Migrations from or to any of ``revision_ids``, newest first."""
    query = (
        select(TicketMigration)
        .where(
            TicketMigration.old_revision_id.in_(revision_ids)
            | TicketMigration.new_revision_id.in_(revision_ids)
        )
        .order_by(TicketMigration.id.desc())
    )
    return list(session.scalars(query))
