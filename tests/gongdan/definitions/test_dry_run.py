"""Dry run: the pack's samples under the active set and under the set with drafts in place."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.gongdan.tickets import conftest as ticket_fixtures
from tests.gongdan.tickets.conftest import World, after_sales_pack

from gongdan.db import Base
from gongdan.definitions.documents import Definition
from gongdan.definitions.dry_run import dry_run
from gongdan.definitions.models import DefinitionRevision
from gongdan.definitions.registry import active_revision, save_draft
from gongdan.errors import ValidationFailed
from gongdan.tickets.models import Ticket
from gongdan.tickets.services import run_transition

# The ticket tests' world: the default pack installed, people and customers.
world = ticket_fixtures.world
new_repair = ticket_fixtures.new_repair

#: Monday 23 November 2026, 10:00 in Shanghai: a working day.
MONDAY = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


def draft_of(world: World, kind: str, key: str, edit: Callable[[str], str]) -> int:
    current = active_revision(world.session, kind, key)
    assert current is not None
    text = edit(json.dumps(copy.deepcopy(current.document), ensure_ascii=False))
    definition = Definition(kind=kind, key=key, document=json.loads(text))
    return save_draft(world.session, definition, author="t").id


def row_counts(session: Session) -> dict[str, int]:
    session.rollback()
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


def tighten_standard(text: str) -> str:
    document = json.loads(text)
    targets = document["spec"]["targets"]["normal"]
    assert targets["first_response"] == "PT4H"
    targets["first_response"] = "PT2H"
    return json.dumps(document, ensure_ascii=False)


def test_a_tightened_sla_target_shows_new_deadlines_and_writes_nothing(
    world: World, new_repair: Callable[..., object]
) -> None:
    session = world.session
    new_repair()
    draft = draft_of(world, "SlaPolicy", "standard", tighten_standard)
    before = row_counts(session)
    report = dry_run(session, [draft], after_sales_pack().samples, at=MONDAY)
    assert row_counts(session) == before
    assert report.problems == [] and report.in_flight == []
    assert [d.ref for d in report.drafts] == ["SlaPolicy/standard@2"]
    by_name = {s.name: s for s in report.samples}
    install = next(s for name, s in by_name.items() if "installation" in name)
    assert install.changed == ("deadlines",)
    assert install.active.sla_policy == install.candidate.sla_policy == "standard"
    # 10:00 + 4 business hours is 15:00 after the lunch hour; + 2 hours is 12:00.
    assert install.active.deadlines["first_response"] == MONDAY + dt.timedelta(hours=5)
    assert install.candidate.deadlines["first_response"] == MONDAY + dt.timedelta(hours=2)
    assert install.candidate.deadlines["resolution"] == install.active.deadlines["resolution"]
    assert install.active.problems == install.candidate.problems == ()
    # Samples under another policy, or at another priority, are not affected.
    vip = next(s for name, s in by_name.items() if name.startswith("VIP"))
    assert vip.changed == ()
    assert report.changed_samples == sum(1 for s in report.samples if s.changed) >= 1


def test_a_workflow_draft_counts_the_open_tickets_it_would_strand(
    world: World, new_repair: Callable[..., Ticket]
) -> None:
    session = world.session
    new_repair()
    waiting = new_repair()
    run_transition(
        session, world.user("agent"), waiting.id, "ask_customer",
        expected_version=1, comment="请补充照片",
    )  # fmt: skip
    draft = draft_of(
        world,
        "Workflow",
        "repair_flow",
        lambda text: text.replace('"waiting_customer"', '"awaiting_reply"'),
    )
    before = row_counts(session)
    report = dry_run(session, [draft], after_sales_pack().samples, at=MONDAY)
    assert row_counts(session) == before
    [in_flight] = report.in_flight
    active = active_revision(session, "Workflow", "repair_flow")
    assert (in_flight.revision_id, in_flight.ref) == (active.id, "Workflow/repair_flow@1")
    assert (in_flight.open_tickets, in_flight.by_state) == (2, {"new": 1, "waiting_customer": 1})
    assert [(c.code, c.subject) for c in in_flight.breaking] == [
        ("state_removed", "waiting_customer")
    ]
    repair_samples = [
        s for s in report.samples if s.active and "ask_customer" in s.active.transitions
    ]
    assert repair_samples and all(s.changed == () for s in repair_samples)


def test_an_invalid_draft_reports_its_problems_and_changes_nothing(world: World) -> None:
    draft = draft_of(
        world, "SlaPolicy", "standard", lambda text: text.replace('"cn_workdays"', '"no_such"')
    )
    report = dry_run(world.session, [draft], after_sales_pack().samples, at=MONDAY)
    assert report.problems and "no_such" in report.problems[0].message
    assert all(s.candidate is None and s.changed == () for s in report.samples)


def test_only_drafts_can_be_dry_run(world: World) -> None:
    active = world.session.scalars(select(DefinitionRevision).limit(1)).one()
    with pytest.raises(ValidationFailed, match="is active; a dry run replays drafts"):
        dry_run(world.session, [active.id], ())
