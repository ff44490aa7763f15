"""The active ``pm.MaintenancePlan`` definitions, as the schedules and generation need them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from gongdan import i18n
from gongdan.definitions.models import DefinitionRevision
from gongdan.definitions.registry import active_revision, active_revisions, definition_from_revision
from gongdan_pm.definitions import DEFAULT_LEAD_DAYS, MAINTENANCE_PLAN
from gongdan_pm.schedule import Recurrence


@dataclass(frozen=True)
class Plan:
    """An active MaintenancePlan revision."""

    key: str
    revision_id: int
    title: dict[str, str]
    when: Any
    recurrence: Recurrence
    lead_days: int
    follows_completion: bool
    start: str
    ticket_type: str
    priority: str | None
    route_rule: str | None
    route_department: str | None

    @property
    def local_title(self) -> str:
        """The title in the current language (the key when it has none)."""
        return i18n.local_text(self.title, self.key)


def plan_from_revision(revision: DefinitionRevision) -> Plan:
    """The :class:`Plan` a stored revision describes (its spec passed validation)."""
    definition = definition_from_revision(revision)
    spec = definition.spec
    route = spec.get("route") or {}
    title = revision.document.get("title") or {}
    return Plan(
        key=revision.key,
        revision_id=revision.id,
        title=dict(title) if isinstance(title, dict) else {"zh": str(title)},
        when=spec.get("assets"),
        recurrence=Recurrence.from_spec(spec),
        lead_days=int(spec.get("lead_days", DEFAULT_LEAD_DAYS)),
        follows_completion=spec.get("anchor", "fixed") == "completion",
        start=str(spec.get("start", "install_date")),
        ticket_type=str(spec["ticket_type"]),
        priority=spec.get("priority"),
        route_rule=route.get("rule"),
        route_department=route.get("department"),
    )


def active_plans(session: Session) -> list[Plan]:
    """Every active MaintenancePlan, by key."""
    return [plan_from_revision(r) for r in active_revisions(session, MAINTENANCE_PLAN)]


def active_plan(session: Session, key: str) -> Plan | None:
    """The active plan ``key``, or ``None`` (retired or never installed)."""
    revision = active_revision(session, MAINTENANCE_PLAN, key)
    return plan_from_revision(revision) if revision is not None else None
