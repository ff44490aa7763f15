"""Moving open tickets to a newer revision with a mapping; the rest stay on the old one."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conftest import MigratedDatabase
from tests.gongdan.tickets.conftest import World

from gongdan.accounts.models import User
from gongdan.audit.models import AuditEntry
from gongdan.definitions.documents import Definition
from gongdan.definitions.registry import active_revision, publish, save_draft
from gongdan.errors import ValidationFailed
from gongdan.jobs import job_runner
from gongdan.tickets import migration as migration_service
from gongdan.tickets.migration import (
    plan_migration,
    preview_migration,
    run_migration,
    start_migration,
)
from gongdan.tickets.models import Ticket, TicketEvent, TicketMigration
from gongdan.tickets.services import available_transitions, run_transition, update_fields
from gongdan.workflow.remap import RevisionMapping


def publish_edited(
    world: World, kind: str, key: str, edit: Callable[[str], str]
) -> tuple[int, int]:
    """Publish a copy of the active ``kind``/``key`` whose JSON text went through ``edit``."""
    session = world.session
    current = active_revision(session, kind, key)
    assert current is not None
    old_id = current.id
    document = json.loads(edit(json.dumps(copy.deepcopy(current.document), ensure_ascii=False)))
    draft = save_draft(session, Definition(kind=kind, key=key, document=document), author="t")
    return old_id, publish(session, draft.id, author="t").id


def rename_waiting_customer(text: str) -> str:
    return text.replace('"waiting_customer"', '"awaiting_reply"')


def migrated_events(session: Session, ticket_id: int) -> list[TicketEvent]:
    session.expire_all()
    query = select(TicketEvent).where(
        TicketEvent.ticket_id == ticket_id, TicketEvent.kind == "migrated"
    )
    return list(session.scalars(query))


@pytest.fixture
def two_tickets(world: World, new_repair: Callable[..., Ticket]) -> tuple[int, int]:
    """A new ticket, and one waiting for the customer (both on the current repair_flow)."""
    fresh = new_repair()
    waiting = new_repair()
    waiting = run_transition(
        world.session, world.user("agent"), waiting.id, "ask_customer",
        expected_version=waiting.version, comment="请补充照片",
    )  # fmt: skip
    assert waiting.state == "waiting_customer"
    return fresh.id, waiting.id


def test_a_renamed_state_is_breaking_and_counted(
    world: World, two_tickets: tuple[int, int]
) -> None:
    old, new = publish_edited(world, "Workflow", "repair_flow", rename_waiting_customer)
    plan = plan_migration(world.session, old, new)
    assert [(c.code, c.subject, c.suggestion) for c in plan.changes] == [
        ("state_removed", "waiting_customer", "awaiting_reply")
    ]
    assert plan.open_tickets == 2
    assert plan.by_state == {"new": 1, "waiting_customer": 1}
    assert "awaiting_reply" in plan.new_states
    preview = preview_migration(world.session, plan, RevisionMapping())
    assert preview.moves == 1
    assert [(row["state"], row["reason"]) for row in preview.left_behind] == [
        (
            "waiting_customer",
            "state 'waiting_customer' is not in the new workflow and is not mapped",
        )
    ]
    mapped = RevisionMapping(states={"waiting_customer": "awaiting_reply"})
    assert preview_migration(world.session, plan, mapped).moves == 2


def test_mapped_tickets_move_with_an_event_each_and_a_second_run_does_nothing(
    app: Flask, world: World, two_tickets: tuple[int, int]
) -> None:
    session = world.session
    old, new = publish_edited(world, "Workflow", "repair_flow", rename_waiting_customer)
    plan = plan_migration(session, old, new)
    mapping = RevisionMapping(states={"waiting_customer": "awaiting_reply"})
    migration = start_migration(session, world.user("admin"), plan, mapping, address="127.0.0.1")
    audit = session.scalars(select(AuditEntry)).one()
    assert (audit.action, audit.target_type, audit.target_id) == (
        "migrate_tickets", "TicketMigration", str(migration.id),
    )  # fmt: skip
    assert audit.after["mapping"] == mapping.as_data()
    runner = job_runner(app)
    assert ("tickets.migrate", (migration.id,)) in [job[1:] for job in runner.waiting_jobs()]
    runner.run_pending()  # the job, in a fresh application context

    session.expire_all()
    done = session.get(TicketMigration, migration.id)
    assert (done.status, done.moved, done.left_behind) == ("done", 2, [])
    fresh_id, waiting_id = two_tickets
    waiting = session.get(Ticket, waiting_id)
    assert (waiting.workflow_revision_id, waiting.state, waiting.state_category) == (
        new, "awaiting_reply", "paused",
    )  # fmt: skip
    assert waiting.version == 3  # created 1, ask_customer 2, migrated 3
    [event] = migrated_events(session, waiting_id)
    assert event.data["from"]["workflow_revision"] == old
    assert event.data["to"] == {
        "ticket_type_revision": waiting.ticket_type_revision_id,
        "workflow_revision": new,
        "state": "awaiting_reply",
    }
    assert event.data["applied"] == {"state": {"from": "waiting_customer", "to": "awaiting_reply"}}
    assert event.data["mapping"] == mapping.as_data()
    assert len(migrated_events(session, fresh_id)) == 1

    # Twice: once finished (a no-op), once as if the status had not been written.
    assert run_migration(session, migration.id)["moved"] == 2
    session.execute(
        TicketMigration.__table__.update().values(status="running")  # type: ignore[attr-defined]
    )
    session.commit()
    assert run_migration(session, migration.id)["moved"] == 2
    assert len(migrated_events(session, waiting_id)) == 1
    # The moved ticket works on its new revision.
    keys = [t.key for t in available_transitions(session, world.user("agent"), waiting)]
    assert "customer_replied" in keys
    replied = run_transition(
        session, world.user("agent"), waiting_id, "customer_replied", expected_version=3
    )
    assert replied.state != "awaiting_reply"


def test_unmappable_tickets_stay_on_the_old_revision_and_keep_working(
    world: World, two_tickets: tuple[int, int]
) -> None:
    session = world.session
    old, new = publish_edited(world, "Workflow", "repair_flow", rename_waiting_customer)
    migration = start_migration(
        session, world.user("admin"), plan_migration(session, old, new), RevisionMapping()
    )
    summary = run_migration(session, migration.id)
    assert summary == {"migration": migration.id, "status": "done", "moved": 1, "left_behind": 1}
    fresh_id, waiting_id = two_tickets
    session.expire_all()
    done = session.get(TicketMigration, migration.id)
    assert done.left_behind == [
        {
            "ticket_id": waiting_id,
            "number": session.get(Ticket, waiting_id).number,
            "state": "waiting_customer",
            "reason": "state 'waiting_customer' is not in the new workflow and is not mapped",
        }
    ]
    assert session.get(Ticket, fresh_id).workflow_revision_id == new
    waiting = session.get(Ticket, waiting_id)
    assert (waiting.workflow_revision_id, waiting.version) == (old, 2)
    assert migrated_events(session, waiting_id) == []
    replied = run_transition(
        session, world.user("agent"), waiting_id, "customer_replied", expected_version=2
    )
    assert replied.workflow_revision_id == old and replied.state != "waiting_customer"


def test_a_renamed_field_keeps_its_value(world: World, new_repair: Callable[..., Ticket]) -> None:
    session = world.session
    from tests.gongdan.tickets.conftest import repair_fields

    ticket = new_repair(fields=repair_fields(world, purchase_date="2025-05-01"))
    old, new = publish_edited(
        world, "TicketType", "repair", lambda text: text.replace('"purchase_date"', '"bought_on"')
    )
    plan = plan_migration(session, old, new)
    assert [(c.code, c.subject, c.suggestion) for c in plan.changes] == [
        ("field_removed", "purchase_date", "bought_on")
    ]
    assert plan.by_field == {"purchase_date": 1}
    migration = start_migration(
        session, None, plan, RevisionMapping(fields={"purchase_date": "bought_on"})
    )
    assert run_migration(session, migration.id)["moved"] == 1
    session.expire_all()
    moved = session.get(Ticket, ticket.id)
    assert moved.ticket_type_revision_id == new
    assert moved.fields["bought_on"] == "2025-05-01" and "purchase_date" not in moved.fields


def test_a_concurrent_edit_is_not_lost(
    world: World,
    two_tickets: tuple[int, int],
    database: MigratedDatabase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session = world.session
    fresh_id, _ = two_tickets
    old, new = publish_edited(world, "Workflow", "repair_flow", rename_waiting_customer)
    mapping = RevisionMapping(states={"waiting_customer": "awaiting_reply"})
    migration = start_migration(session, None, plan_migration(session, old, new), mapping)
    engine = database.new_engine()
    original = migration_service._remap
    edited: list[int] = []

    def remap_while_someone_edits(session: Session, kind: str, ticket: Ticket, *args: Any) -> Any:
        if ticket.id == fresh_id and not edited:
            edited.append(ticket.version)  # after this read, before the migration writes
            with Session(engine) as other:
                agent = other.get(User, world.user("agent").id)
                update_fields(
                    other, agent, fresh_id, changes={"symptom": "还是不出水"},
                    expected_version=ticket.version,
                )  # fmt: skip
        return original(session, kind, ticket, *args)

    monkeypatch.setattr(migration_service, "_remap", remap_while_someone_edits)
    try:
        summary = run_migration(session, migration.id)
    finally:
        engine.dispose()
    assert summary["moved"] == 2 and edited == [1]
    session.expire_all()
    fresh = session.get(Ticket, fresh_id)
    assert fresh.workflow_revision_id == new
    assert fresh.fields["symptom"] == "还是不出水"
    assert fresh.version == 3  # created, edited concurrently, migrated once
    assert len(migrated_events(session, fresh_id)) == 1


def test_only_revisions_of_one_ticket_type_or_workflow_can_be_migrated(world: World) -> None:
    session = world.session
    repair = active_revision(session, "TicketType", "repair")
    flow = active_revision(session, "Workflow", "repair_flow")
    with pytest.raises(ValidationFailed, match="TicketType/repair@1 to Workflow/repair_flow@1"):
        plan_migration(session, repair.id, flow.id)
    with pytest.raises(ValidationFailed, match="another published revision"):
        plan_migration(session, repair.id, repair.id)
