"""Portable column types of ``gongdan.db``."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gongdan.definitions.models import DefinitionRevision


def test_json_columns_keep_chinese_text_searchable(session: Session) -> None:
    # SQLAlchemy's default JSON serialiser wrote 故障 as \u6545\u969c on SQLite, so a
    # LIKE search for Chinese text inside ticket fields found nothing.
    session.add(
        DefinitionRevision(
            kind="Department",
            key="workshop",
            revision=1,
            content_hash="0" * 64,
            document={"kind": "Department", "key": "workshop", "title": {"zh": "维修车间"}},
            status="draft",
            author="test",
        )
    )
    session.commit()

    stored = session.scalar(sa.select(sa.cast(DefinitionRevision.document, sa.Text)))

    assert "维修车间" in stored
    found = session.scalar(
        sa.select(sa.func.count())
        .select_from(DefinitionRevision)
        .where(sa.cast(DefinitionRevision.document, sa.Text).like("%维修车间%"))
    )
    assert found == 1
