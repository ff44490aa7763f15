"""Definition revisions in the database and the generation counter of the active set.

Every installed, published or edited definition is an immutable :class:`DefinitionRevision`;
at most one revision per ``(kind, key)`` is ``active``. :class:`DefinitionSetState` holds one
number, bumped whenever the active set changes, which every process compares to know when its
compiled definitions are stale.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import CheckConstraint, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from gongdan.db import Base, JSONType, UTCDateTime, utcnow

RevisionStatus = Literal["draft", "active", "retired"]
REVISION_STATUSES: tuple[str, ...] = ("draft", "active", "retired")

#: The id of the single :class:`DefinitionSetState` row.
SET_STATE_ID = 1


class DefinitionRevision(Base):
    """One immutable revision of one definition (kind, key).

    ``document`` is the whole envelope (kind, key, title, spec, ...) as stored; tickets pin
    revisions by ``id``, so a retired revision is never deleted.
    """

    __tablename__ = "definition_revisions"
    __table_args__ = (
        UniqueConstraint("kind", "key", "revision"),
        CheckConstraint("status IN ('draft', 'active', 'retired')", name="status"),
        CheckConstraint("revision >= 1", name="revision_positive"),
        # At most one active revision per (kind, key): the database, not the code, guarantees
        # it when two installs race.
        Index(
            "uq_definition_revisions_one_active",
            "kind",
            "key",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_definition_revisions_kind_key_hash", "kind", "key", "content_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(100))
    revision: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    pack_key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    pack_version: Mapped[str | None] = mapped_column(String(50), nullable=True)
    source_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)

    @property
    def ref(self) -> str:
        """``Kind/key@revision``, the name used in messages."""
        return f"{self.kind}/{self.key}@{self.revision}"

    @property
    def origin(self) -> str:
        """The ``file`` name problems about this revision carry: ``<db:Kind/key@rev>``."""
        return f"<db:{self.ref}>"

    def __repr__(self) -> str:
        return f"<DefinitionRevision {self.id} {self.ref} {self.status}>"


class DefinitionSetState(Base):
    """The single row whose ``generation`` changes with every change of the active set."""

    __tablename__ = "definition_set_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<DefinitionSetState generation={self.generation}>"
