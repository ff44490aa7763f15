"""A ticket keeps running on the revisions it was created under."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
from tests.gongdan.tickets.conftest import World

from gongdan.definitions.documents import Definition
from gongdan.definitions.models import DefinitionRevision
from gongdan.definitions.registry import active_revision, publish, save_draft
from gongdan.errors import TransitionNotAllowed, ValidationFailed
from gongdan.tickets import pinning
from gongdan.tickets.models import Ticket
from gongdan.tickets.services import (
    available_transitions,
    pinned_definitions,
    run_transition,
    update_fields,
)


def _publish_changed(world: World, kind: str, key: str, change: Callable[[dict], None]) -> int:
    session = world.session
    current = active_revision(session, kind, key)
    assert current is not None
    document = copy.deepcopy(dict(current.document))
    change(document["spec"])
    draft = save_draft(session, Definition(kind=kind, key=key, document=document), author="t")
    return publish(session, draft.id, author="t").id


def test_a_ticket_pinned_to_a_retired_revision_keeps_working(
    world: World, new_repair: Callable[..., Ticket]
) -> None:
    session = world.session
    old = new_repair()
    old_type, old_flow = old.ticket_type_revision_id, old.workflow_revision_id

    def drop_purchase_date(spec: dict) -> None:
        spec["fields"] = [f for f in spec["fields"] if f["key"] != "purchase_date"]

    def drop_cancel(spec: dict) -> None:  # agents may no longer cancel
        for transition in spec["transitions"]:
            if transition["key"] == "cancel":
                transition["roles"] = ["dispatcher", "customer"]

    new_type = _publish_changed(world, "TicketType", "repair", drop_purchase_date)
    new_flow = _publish_changed(world, "Workflow", "repair_flow", drop_cancel)
    assert session.get(DefinitionRevision, old_type).status == "retired"
    assert session.get(DefinitionRevision, old_flow).status == "retired"

    new = new_repair()
    assert (new.ticket_type_revision_id, new.workflow_revision_id) == (new_type, new_flow)
    assert pinned_definitions(session, old).ticket_type.field("purchase_date") is not None
    assert pinned_definitions(session, new).ticket_type.field("purchase_date") is None

    old = update_fields(
        session,
        world.user("agent"),
        old.id,
        changes={"purchase_date": "2025-05-01"},
        expected_version=1,
    )
    assert old.fields["purchase_date"] == "2025-05-01"
    with pytest.raises(ValidationFailed) as raised:
        update_fields(
            session,
            world.user("agent"),
            new.id,
            changes={"purchase_date": "2025-05-01"},
            expected_version=1,
        )
    assert raised.value.fields == {
        "purchase_date": "unknown field 'purchase_date' for ticket type 'repair'"
    }
    assert "cancel" in [t.key for t in available_transitions(session, world.user("agent"), old)]
    assert "cancel" not in [t.key for t in available_transitions(session, world.user("agent"), new)]
    with pytest.raises(TransitionNotAllowed, match="role 'agent' may not 'cancel'"):
        run_transition(
            session, world.user("agent"), new.id, "cancel", expected_version=1, comment="不修了"
        )
    pinning.clear_pinned_cache()  # compiled again from the retired revision, not from memory
    old = run_transition(
        session,
        world.user("agent"),
        old.id,
        "cancel",
        expected_version=old.version,
        comment="不修了",
    )
    assert old.state == "cancelled" and old.state_category == "closed"
    assert old.closed_at is not None


def test_pinned_definitions_are_cached_per_revision(
    world: World, new_repair: Callable[..., Ticket]
) -> None:
    ticket = new_repair()
    first = pinned_definitions(world.session, ticket)
    assert pinned_definitions(world.session, new_repair()) is first
    assert first.ticket_type.revision_id == ticket.ticket_type_revision_id
    assert first.workflow.revision_id == ticket.workflow_revision_id
    assert first.ticket_type.field("product_model").options[:2] == ("es_pro_2", "es_pro_3")
