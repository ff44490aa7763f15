"""The parts panel on the engineer's phone page and the agent's ticket page, its posts, the van
page and the admin views — what a user sees, in English and Chinese."""

from __future__ import annotations

import re

import sqlalchemy as sa
from gongdan_spare_parts.models import FaultyReturn, PartLine
from tests.gongdan.fieldwork.factories import dispatched_repair
from tests.plugins.spare_parts.factories import Depot, ledger_snapshot

from gongdan.accounts.models import User
from gongdan.db import db
from gongdan_spare_parts import services


def _stock(depot: Depot, part: str, warehouse: str, quantity: int, **kw: object) -> None:
    with depot.site.app.app_context():
        services.receive(
            db.session, part=depot.part(part), warehouse=depot.warehouse(warehouse),
            quantity=quantity, **kw,
        )  # fmt: skip


def _line(depot: Depot) -> PartLine:
    line = db.session.scalar(sa.select(PartLine).order_by(PartLine.id.desc()).limit(1))
    assert line is not None
    return line


def test_an_engineer_takes_a_part_from_the_van_uses_it_and_returns_the_faulty_one(
    depot: Depot,
) -> None:
    _stock(depot, "pump", "VAN-1", 1, serials=["PMP-1"])
    number = dispatched_repair(depot.site)
    phone = depot.site.client("engineer")

    page = phone.get(f"/work/{number}").get_data(as_text=True)
    assert 'id="spare-parts"' in page and 'data-part="P-PUMP-01"' in page

    answer = phone.post(
        f"/spare-parts/tickets/{number}/request",
        data={"part": "P-PUMP-01", "quantity": "1", "place": "engineer"},
        follow_redirects=True,
    )
    text = answer.get_data(as_text=True)
    assert "P-PUMP-01 requested from VAN-1." in text
    with depot.site.app.app_context():
        line_id = _line(depot).id
    assert re.search(rf'data-testid="part-line-{line_id}" data-status="reserved"', text)

    wrong = phone.post(
        f"/spare-parts/lines/{line_id}/consume",
        data={"serial": "PMP-9", "place": "engineer"}, follow_redirects=True,
    )  # fmt: skip
    assert "serial number &#39;PMP-9&#39; of P-PUMP-01 is not in stock in VAN-1" in wrong.get_data(
        as_text=True
    )

    phone.post(
        f"/spare-parts/lines/{line_id}/consume", data={"serial": "PMP-1", "place": "engineer"}
    )
    done = phone.post(
        f"/spare-parts/lines/{line_id}/return_faulty",
        data={"serial": "OLD-1", "place": "engineer"}, follow_redirects=True,
    ).get_data(as_text=True)  # fmt: skip
    assert re.search(rf'data-testid="part-line-{line_id}" data-status="consumed"', done)
    assert "Faulty part returned" in done
    with depot.site.app.app_context():
        assert db.session.scalar(sa.select(FaultyReturn.serial)) == "OLD-1"


def test_bad_input_on_the_phone_is_explained_and_changes_nothing(depot: Depot) -> None:
    _stock(depot, "filter", "VAN-1", 2)
    number = dispatched_repair(depot.site)
    phone = depot.site.client("engineer")
    with depot.site.app.app_context():
        before = ledger_snapshot()

    for quantity, message in (
        ("1.5", "P-FLT-02 is counted in whole units, not &#39;1.5&#39;"),
        ("-2", "must be more than 0"),
        ("abc", "is not a number"),
    ):
        answer = phone.post(
            f"/spare-parts/tickets/{number}/request",
            data={"part": "P-FLT-02", "quantity": quantity, "place": "engineer"},
            follow_redirects=True,
        )
        assert answer.status_code == 200
        assert message in answer.get_data(as_text=True)
    unknown = phone.post(
        f"/spare-parts/tickets/{number}/request",
        data={"part": "NOPE", "quantity": "1", "place": "engineer"}, follow_redirects=True,
    )  # fmt: skip
    assert "There is no part &#39;NOPE&#39;." in unknown.get_data(as_text=True)
    with depot.site.app.app_context():
        assert ledger_snapshot() == before
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PartLine)) == 0


def test_the_dispatcher_approves_on_the_ticket_page_and_an_engineer_cannot(depot: Depot) -> None:
    number = dispatched_repair(depot.site)
    phone = depot.site.client("engineer")
    phone.post(
        f"/spare-parts/tickets/{number}/request",
        data={"part": "P-FLT-02", "quantity": "2", "place": "engineer"},
    )
    with depot.site.app.app_context():
        line_id = _line(depot).id

    refused = phone.post(
        f"/spare-parts/lines/{line_id}/approve", data={"place": "engineer"}, follow_redirects=True
    )
    assert "may not approve part line" in refused.get_data(as_text=True)

    desk = depot.site.client("dispatcher", language="zh_CN")
    page = desk.get(f"/tickets/{number}").get_data(as_text=True)
    assert "备件" in page and f'data-testid="approve-{line_id}"' in page
    approved = desk.post(
        f"/spare-parts/lines/{line_id}/approve", data={"place": "agent"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "已批准，等待到货" in approved  # approved; the central warehouse has none yet
    # The timeline names the plugin's events in the reader's language, not by their kind.
    assert "已申请备件" in approved and "备件申请已批准" in approved
    assert ">spare_parts.requested<" not in approved


def test_the_van_page_lists_my_stock_only(depot: Depot) -> None:
    _stock(depot, "filter", "VAN-1", 3)
    _stock(depot, "tubing", "VAN-2", 5)

    mine = depot.site.client("engineer").get("/spare-parts/van").get_data(as_text=True)

    assert 'data-part="P-FLT-02"' in mine and "P-TUBE-03" not in mine
    assert depot.site.client("dispatcher").get("/spare-parts/van").status_code == 403
    # The navigation bar offers the van to engineers, not to a dispatcher (who has none).
    assert 'href="/spare-parts/van"' in mine
    tickets = depot.site.client("dispatcher").get("/tickets").get_data(as_text=True)
    assert 'href="/spare-parts/van"' not in tickets


def test_admin_views_list_stock_and_the_ledger_read_only(depot: Depot) -> None:
    _stock(depot, "filter", "WH-SH", 4)
    with depot.site.app.app_context():
        boss = User(username="root", display_name="root", role="admin")
        boss.set_password("correct horse")
        db.session.add(boss)
        db.session.commit()
    admin = depot.site.client("root")

    for endpoint in ("sp_parts", "sp_warehouses", "sp_stock", "sp_ledger", "sp_orders"):
        assert admin.get(f"/admin/{endpoint}/").status_code == 200, endpoint
    ledger = admin.get("/admin/sp_ledger/").get_data(as_text=True)
    assert "receipt" in ledger and "P-FLT-02" in ledger
    assert admin.get("/admin/sp_ledger/new/").status_code in (302, 403, 404)
    assert depot.site.client("engineer").get("/admin/sp_ledger/").status_code in (302, 403)


def test_the_admin_records_receipts_transfers_and_arrivals(depot: Depot) -> None:
    with depot.site.app.app_context():
        boss = User(username="root", display_name="root", role="admin")
        boss.set_password("correct horse")
        db.session.add(boss)
        db.session.commit()
    admin = depot.site.client("root")

    received = admin.post(
        "/admin/sp_moves/receive",
        data={"part": "P-PUMP-01", "warehouse": "WH-SH", "quantity": "2", "serials": "A1, A2"},
        follow_redirects=True,
    )
    assert "Stock move recorded." in received.get_data(as_text=True)
    refused = admin.post(
        "/admin/sp_moves/transfer",
        data={"part": "P-PUMP-01", "source": "WH-SH", "destination": "WH-EAST", "quantity": "1",
              "serials": "ZZ"},
        follow_redirects=True,
    ).get_data(as_text=True)  # fmt: skip
    assert "&#39;ZZ&#39; of P-PUMP-01 is not in stock in WH-SH" in refused
    sent = admin.post(
        "/admin/sp_moves/transfer",
        data={"part": "P-PUMP-01", "source": "WH-SH", "destination": "WH-EAST", "quantity": "1",
              "serials": "A2"},
        follow_redirects=True,
    ).get_data(as_text=True)  # fmt: skip
    transfer_id = re.search(r'data-transfer="([^"]+)"', sent)
    assert transfer_id is not None
    arrived = admin.post(
        "/admin/sp_moves/arrive", data={"transfer_id": transfer_id.group(1)}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Nothing in transit." in arrived
    with depot.site.app.app_context():
        assert depot.level("pump", "WH-EAST").on_hand == 1
        assert depot.level("pump", "WH-SH").on_hand == 1
        assert services.balance_mismatches(db.session) == []
    assert depot.site.client("engineer").post("/admin/sp_moves/receive").status_code in (302, 403)
