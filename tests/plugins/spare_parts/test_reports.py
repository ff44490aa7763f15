"""Parts reports against a hand-computed data set, on SQLite and PostgreSQL, and their page."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from gongdan_spare_parts.models import FaultyReturn
from tests.gongdan.fieldwork.factories import create_repair
from tests.plugins.spare_parts.factories import Depot

from gongdan.accounts.models import User
from gongdan.db import db
from gongdan.tickets.models import Ticket
from gongdan_spare_parts import reports, requests, services

NOV, DEC = datetime(2026, 11, 10, 8, tzinfo=UTC), datetime(2026, 12, 2, 8, tzinfo=UTC)
PERIOD = {"start": datetime(2026, 11, 1, tzinfo=UTC), "end": datetime(2027, 1, 1, tzinfo=UTC)}


def _use(depot: Depot, engineer: str, part: str, quantity: int, model: str, when: datetime,
         faulty: str | None = None) -> None:  # fmt: skip
    number = create_repair(depot.site, product_model=model)
    ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == number))
    assert ticket is not None
    van = "VAN-1" if engineer == "engineer" else "VAN-2"
    line = requests.request_part(
        db.session, ticket=ticket, part=depot.part(part), quantity=quantity,
        engineer=depot.site.user(engineer),
    )  # fmt: skip
    assert line.warehouse.code == van
    requests.consume(db.session, line, engineer=depot.site.user(engineer))
    line.consumed_at = when
    if faulty:
        returned = requests.return_faulty(
            db.session, line, serial=faulty, engineer=depot.site.user(engineer)
        )
        returned.created_at = when
    db.session.commit()


def _data_set(depot: Depot) -> None:
    for van in ("VAN-1", "VAN-2"):
        services.receive(
            db.session, part=depot.part("filter"), warehouse=depot.warehouse(van), quantity=10
        )
        services.receive(
            db.session, part=depot.part("tubing"), warehouse=depot.warehouse(van), quantity=10
        )
    # filter: unit cost 20, price 45; tubing: cost 3, price 8. No assets: every line charged.
    _use(depot, "engineer", "filter", 2, "es_pro_2", NOV, faulty="F-1")
    _use(depot, "engineer", "filter", 1, "es_pro_2", DEC)
    _use(depot, "engineer2", "filter", 3, "wt_ro_400", DEC, faulty="F-2")
    _use(depot, "engineer2", "tubing", 4, "wt_ro_400", DEC)


def test_consumption_by_each_grouping_and_failure_rate(depot: Depot) -> None:
    with depot.site.app.app_context():
        _data_set(depot)

        def table(by: str) -> dict[str, tuple[int, Decimal, Decimal, Decimal]]:
            return {
                r.key: (r.lines, r.quantity, r.cost, r.charged)
                for r in reports.consumption(db.session, by=by, **PERIOD)
            }

        assert table("part") == {"P-FLT-02": (3, 6, 120, 270), "P-TUBE-03": (1, 4, 12, 32)}
        assert table("product") == {"es_pro_2": (2, 3, 60, 135), "wt_ro_400": (2, 7, 72, 167)}
        assert table("engineer") == {
            "engineer 名": (2, 3, 60, 135),
            "engineer2 名": (2, 7, 72, 167),
        }
        assert table("month") == {"2026-11": (1, 2, 40, 90), "2026-12": (3, 8, 92, 212)}
        december = reports.consumption(
            db.session, by="part", start=datetime(2026, 12, 1, tzinfo=UTC), end=PERIOD["end"]
        )
        assert [(r.key, r.quantity) for r in december] == [("P-FLT-02", 4), ("P-TUBE-03", 4)]

        rates = {
            f.part: (f.consumed, f.faulty, f.rate)
            for f in reports.failure_rate(db.session, **PERIOD)
        }
        assert rates == {
            "P-FLT-02": (6, 2, Decimal("0.333")),
            "P-TUBE-03": (4, 0, Decimal("0.000")),
        }
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FaultyReturn)) == 2


def test_the_report_page_is_for_managers_and_explains_bad_input(depot: Depot) -> None:
    with depot.site.app.app_context():
        boss = User(username="boss", display_name="经理", role="manager")
        boss.set_password("correct horse")
        db.session.add(boss)
        db.session.commit()
    manager = depot.site.client("boss", language="zh_CN")

    page = manager.get("/spare-parts/reports?by=engineer")
    assert page.status_code == 200 and "备件消耗" in page.get_data(as_text=True)
    bad = manager.get("/spare-parts/reports?by=colour")
    assert bad.status_code == 400
    assert "group by one of part, product, engineer, month, not &#39;colour&#39;" in bad.get_data(
        as_text=True
    )
    assert manager.get("/spare-parts/reports?start=2026-13-01").status_code == 400
    assert depot.site.client("engineer").get("/spare-parts/reports").status_code == 403
