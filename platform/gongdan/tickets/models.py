"""Tickets (工单) and their event log.

A ticket records the TicketType and Workflow revisions it was created under (and the SLA policy
revision once attached) and keeps running on them until a migration moves it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gongdan.accounts.models import User
from gongdan.customers.models import Customer
from gongdan.db import Base, JSONType, UTCDateTime, utcnow

#: Ticket priorities, lowest first.
PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")

#: Channels a ticket can arrive through.
CHANNELS: tuple[str, ...] = ("phone", "web", "portal", "email", "wechat", "sms", "api")


class Ticket(Base):
    """A work order: core attributes as columns, the type's form fields in ``fields``.

    ``version`` is SQLAlchemy's optimistic lock: a concurrent update raises ``StaleDataError``,
    which the services turn into :class:`gongdan.errors.StaleTicket`.
    """

    __tablename__ = "tickets"
    __table_args__ = (
        # The agent queues, newest first: a state, department and priority filter reads its
        # page straight off this index (bench/README.md explains each index).
        Index("ix_tickets_queue", "state", "department_key", "priority", "created_at"),
        # The queue counts: every column they test, so PostgreSQL counts the open tickets
        # from the index alone (an index-only scan) without visiting the table.
        Index(
            "ix_tickets_category_department",
            "state_category",
            "department_key",
            "assignee_id",
            postgresql_include=["id"],
        ),
        # "Mine" and routing's open-ticket count per engineer (and the users foreign key).
        Index(
            "ix_tickets_assignee_category",
            "assignee_id",
            "state_category",
            postgresql_include=["id"],
        ),
        # "All open": open tickets only, newest first.
        Index("ix_tickets_category_created", "state_category", "created_at"),
        # The /reports KPIs: the tickets created in a period with what they aggregate, read
        # by an index-only scan (migration 0008; INCLUDE is PostgreSQL's).
        Index(
            "ix_tickets_created_report",
            "created_at",
            postgresql_include=[
                "state_category",
                "first_response_at",
                "resolved_at",
                "checked_in_at",
                "reopen_count",
                "department_key",
                "assignee_id",
                "customer_id",
                "channel",
                "type_key",
            ],
        ),  # fmt: skip
        # Text search on PostgreSQL: trigram indexes on number and subject (migration 0006;
        # listed in gongdan.migrations.TRIGRAM_INDEXES, not here: SQLite has no such index).
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    type_key: Mapped[str] = mapped_column(String(64), index=True)
    ticket_type_revision_id: Mapped[int] = mapped_column(
        ForeignKey("definition_revisions.id", ondelete="RESTRICT")
    )
    workflow_revision_id: Mapped[int] = mapped_column(
        ForeignKey("definition_revisions.id", ondelete="RESTRICT")
    )
    sla_policy_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("definition_revisions.id", ondelete="RESTRICT")
    )
    state: Mapped[str] = mapped_column(String(64))
    state_category: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    channel: Mapped[str] = mapped_column(String(16), default="web")
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="RESTRICT"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    address_id: Mapped[int | None] = mapped_column(ForeignKey("addresses.id", ondelete="SET NULL"))
    asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("assets.id", ondelete="SET NULL"), index=True
    )
    charge_class: Mapped[str | None] = mapped_column(String(32))
    department_key: Mapped[str | None] = mapped_column(String(64))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(300))
    fields: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    #: The ticket this one follows up (a survey's ``create_ticket`` with ``link: parent``).
    parent_ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )

    customer: Mapped[Customer | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Ticket {self.number!r} {self.state}>"


class TicketEvent(Base):
    """Something that happened to a ticket: created, transitioned, assigned, commented ...

    ``data`` explains the event (the rule that fired and why, the fields that changed).
    """

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: Shown on the customer's timeline (status changes, public comments), else staff only.
    public: Mapped[bool] = mapped_column(Boolean, default=False)

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class TicketComment(Base):
    """A comment on a ticket; ``internal`` ones are never shown to the customer."""

    __tablename__ = "ticket_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship()


class TicketAttachment(Base):
    """An uploaded file; the bytes live under the instance folder, named by their SHA-256.

    ``field_key`` names the form field (photos, signature) it belongs to, if any.
    """

    __tablename__ = "ticket_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    field_key: Mapped[str | None] = mapped_column(String(64))
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()


class TicketSequence(Base):
    """The next number of one numbering scope (``RP-20261124``), incremented atomically."""

    __tablename__ = "ticket_sequences"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_value: Mapped[int] = mapped_column(Integer, default=1)


class TicketMigration(Base):
    """Moving the open tickets of one TicketType or Workflow revision to a newer revision.

    Created when an admin starts it with a ``mapping`` (old state → new state, old field → new
    field or ``null`` for a drop); the background job moves each ticket it can map and lists
    the others in ``left_behind`` (``[{ticket_id, number, state, reason}]``), which stay on
    ``old_revision_id``. ``status`` is ``queued``, ``running`` or ``done``.
    """

    __tablename__ = "ticket_migrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))
    old_revision_id: Mapped[int] = mapped_column(
        ForeignKey("definition_revisions.id", ondelete="RESTRICT"), index=True
    )
    new_revision_id: Mapped[int] = mapped_column(
        ForeignKey("definition_revisions.id", ondelete="RESTRICT")
    )
    mapping: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    #: Open tickets on the old revision when the migration was started.
    planned: Mapped[int] = mapped_column(Integer, default=0)
    moved: Mapped[int] = mapped_column(Integer, default=0)
    left_behind: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    started_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        revisions = f"{self.old_revision_id}->{self.new_revision_id}"
        return f"<TicketMigration {self.id} {self.kind} {revisions} {self.status}>"
