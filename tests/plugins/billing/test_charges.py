"""Charges from the service report, the customer's sign-off, and statements: in warranty every
line free and saying why, a premium contract deciding per line, an on-site repair charged for
labour and the call-out and signed with the signature pad. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from gongdan_billing.errors import AlreadySigned, QuoteChanged
from gongdan_billing.models import ReportSignoff
from tests.gongdan.fieldwork.factories import dispatched_repair, png_bytes, step
from tests.plugins.billing.factories import Shop, ticket

from gongdan.db import db
from gongdan.tickets import services as ticket_services
from gongdan_billing import charges

D = Decimal


def _repaired_under_cover(shop: Shop, asset: str, fault: str, part: str) -> str:
    number = shop.depot_repair(asset, fault)
    shop.step(number, "engineer2", "repair_under_cover")
    shop.step(number, "engineer2", "repair_done", work_done="更换部件",
              parts_used=[{"part_no": part, "quantity": 1}])  # fmt: skip
    return number


def test_in_warranty_every_line_is_free_and_says_why(shop: Shop) -> None:
    number = _repaired_under_cover(shop, "in", "e05_brew_unit", "P-BREW-UNIT")
    with shop.app.app_context():
        current = ticket(number)
        assert (current.charge_class, current.state) == ("warranty", "testing")
        lines = charges.ticket_lines(db.session, current.id)
        # Labour at the list's standard 2 h for E05 (360.00), the brew unit at 760 + 10 %.
        assert [(x.kind, x.list_amount, x.decision, x.rule, x.amount) for x in lines] == [
            ("labour", D("360.00"), "free", "warranty", D("0.00")),
            ("part", D("836.00"), "free", "warranty", D("0.00")),
        ]
        assert charges.totals_of(lines).total == D("0.00")
    client = shop.site.client("acme_user")
    page = client.get(f"/portal/tickets/{number}").get_data(as_text=True)
    assert page.count("Free under the manufacturer&#39;s warranty") == 2
    assert 'data-testid="charges-totals-total">¥0.00' in page
    zh = shop.site.client("acme_user", language="zh_CN")
    assert (
        zh.get(f"/billing/tickets/{number}/statement").get_data(as_text=True).count("保修期内免费")
        == 2
    )

    signed = client.post(
        f"/billing/tickets/{number}/sign",
        data={"signer_name": "acme 店长", "total": "0.00", "place": "portal"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Signed by acme 店长" in signed and "for ¥0.00" in signed


def test_a_premium_contract_decides_each_line(shop: Shop) -> None:
    number = _repaired_under_cover(shop, "premium", "e06_grinder_jam", "P-BURR-64")
    with shop.app.app_context():
        current = ticket(number)
        assert current.charge_class == "contract"
        lines = charges.ticket_lines(db.session, current.id)
        assert [(x.kind, x.decision, x.rule, x.amount) for x in lines] == [
            ("labour", "free", "premium_contract_service", D("0.00")),
            ("part", "discounted", "premium_contract_parts", D("246.40")),  # 352 × 70 %
        ]
        sums = charges.totals_of(lines)
        # 246.40 × 13 % = 32.032 → 32.03
        assert (sums.subtotal, sums.tax, sums.total) == (D("246.40"), D("32.03"), D("278.43"))


def test_signing_checks_the_total_shown_and_happens_once(shop: Shop) -> None:
    number = _repaired_under_cover(shop, "premium", "e06_grinder_jam", "P-BURR-64")
    with shop.app.app_context():
        customer = shop.site.user("beta_user")
        current = ticket(number)
        with pytest.raises(QuoteChanged, match="total now 278.43"):
            charges.sign_report(
                db.session, customer, current, signer_name="beta", seen_total="200.00"
            )
        signoff = charges.sign_report(
            db.session, customer, current, signer_name="beta", seen_total="278.43"
        )
        assert (signoff.total, signoff.signed_by_id) == (D("278.43"), customer.id)
        with pytest.raises(AlreadySigned):
            charges.sign_report(db.session, customer, current, signer_name="beta")
    other = shop.site.client("acme_user")
    assert other.post(f"/billing/tickets/{number}/sign", data={"signer_name": "x"}).status_code == (
        404
    )


def test_an_on_site_report_is_charged_and_signed_with_the_pad(shop: Shop) -> None:
    number = dispatched_repair(shop.site)
    step(shop.site, number, "engineer", "check_in",
         fields={"check_in_location": {"lat": 31.2, "lng": 121.4}})  # fmt: skip
    with shop.app.app_context():
        current = ticket(number)
        ticket_services.update_fields(
            db.session, shop.site.user("engineer"), current.id,
            changes={"work_done": "更换密封圈", "labour_hours": "2"},
            expected_version=current.version,
        )  # fmt: skip
        current = ticket(number)
        ticket_services.add_attachment(
            db.session, shop.site.user("engineer"), current.id, filename="signature.png",
            content_type="image/png", data=png_bytes(), field_key="customer_signature",
        )  # fmt: skip
    engineer = shop.site.client("engineer")
    page = engineer.get(f"/work/{number}").get_data(as_text=True)
    # 2 h × 180 = 360.00 + call-out in the east 80.00 = 440.00; VAT 57.20; total 497.20,
    # shown before the signature section.
    assert 'id="billing-report" data-saved="false"' in page
    assert 'data-testid="report-total">¥497.20' in page
    assert page.index('id="billing-report"') < page.index('id="signature"')

    step(shop.site, number, "engineer", "submit_report")
    with shop.app.app_context():
        current = ticket(number)
        assert current.state == "pending_review"
        lines = charges.ticket_lines(db.session, current.id)
        assert [(x.kind, x.amount, x.engineer_id) for x in lines] == [
            ("labour", D("360.00"), shop.site.users["engineer"]),
            ("travel", D("80.00"), shop.site.users["engineer"]),
        ]
        signoff = db.session.query(ReportSignoff).one()
        assert (signoff.total, signoff.signer_name) == (D("497.20"), "acme 店长")
        assert signoff.signature_attachment_id == int(current.fields["customer_signature"])


def test_a_customer_statement_sums_the_period(shop: Shop) -> None:
    first = _repaired_under_cover(shop, "in", "e05_brew_unit", "P-BREW-UNIT")
    number, quote_id = _approved(shop)
    client = shop.site.client("acme_user")
    today = date.today()
    with shop.app.app_context():
        acme = shop.site.customers["acme"]
    page = client.get(
        f"/billing/customers/{acme}/statement?start={today - timedelta(days=1)}&end={today}"
    ).get_data(as_text=True)
    portal = client.get(f"/portal/tickets/{number}").get_data(as_text=True)
    assert f'href="/billing/customers/{acme}/statement"' in portal
    assert f'data-ticket="{first}"' in page and f'data-ticket="{number}"' in page
    assert 'data-testid="period-total">¥777.44' in page  # 0.00 + 777.44
    earlier = client.get(
        f"/billing/customers/{acme}/statement?start={today - timedelta(days=9)}"
        f"&end={today - timedelta(days=8)}"
    ).get_data(as_text=True)
    assert 'data-testid="period-total">¥0.00' in earlier and "data-ticket=" not in earlier
    beta = shop.site.client("beta_user")
    assert beta.get(f"/billing/customers/{acme}/statement").status_code == 403
    assert client.get(f"/billing/customers/{acme}/statement?start=soon").status_code == 400


def _approved(shop: Shop) -> tuple[str, int]:
    from gongdan_billing import quotes

    number = shop.depot_repair("out")
    shop.step(number, "engineer2", "quote")
    with shop.app.app_context():
        engineer = shop.site.user("engineer2")
        quote = quotes.prepare_quote(db.session, engineer, ticket(number))
        quotes.send_quote(db.session, engineer, quote.id)
        quotes.decide_quote(
            db.session, shop.site.user("acme_user"), quote.id, approve=True,
            seen_hash=quote.content_hash,
        )  # fmt: skip
        return number, quote.id


def test_the_report_cannot_be_signed_before_the_repair_is_reported(shop: Shop) -> None:
    from gongdan_billing.errors import NotAllowed

    number, _ = _approved(shop)
    client = shop.site.client("acme_user")
    assert 'id="sign-form"' not in client.get(f"/portal/tickets/{number}").get_data(as_text=True)
    with shop.app.app_context():
        with pytest.raises(NotAllowed, match="not reported yet"):
            charges.sign_report(
                db.session, shop.site.user("acme_user"), ticket(number), signer_name="acme"
            )
    shop.step(number, "engineer2", "repair_done", work_done="换刀")
    page = client.get(f"/portal/tickets/{number}").get_data(as_text=True)
    assert 'id="sign-form"' in page and "¥777.44" in page


def test_a_remote_fix_charges_no_standard_labour(shop: Shop) -> None:
    from tests.gongdan.fieldwork.factories import create_repair

    number = create_repair(shop.site)
    step(shop.site, number, "agent", "accept")
    with shop.app.app_context():
        current = ticket(number)
        ticket_services.assign_ticket(
            db.session, shop.site.user("dispatcher"), current.id,
            assignee_id=shop.site.users["engineer"], reason="remote",
            expected_version=current.version,
        )  # fmt: skip
    fields = {"fault_code": "e06_grinder_jam", "resolution_code": "remote_guidance"}
    step(shop.site, number, "engineer", "resolve_remotely", comment="远程指导", fields=fields)
    with shop.app.app_context():
        current = ticket(number)
        assert current.state == "resolved"
        assert charges.ticket_lines(db.session, current.id) == []


def test_an_unknown_part_on_the_report_is_refused_and_nothing_changes(shop: Shop) -> None:
    from gongdan.errors import GongdanError

    number = shop.depot_repair("in", "e05_brew_unit")
    shop.step(number, "engineer2", "repair_under_cover")
    with pytest.raises(GongdanError, match="P-NOPE: not in the parts catalogue"):
        shop.step(number, "engineer2", "repair_done", work_done="x",
                  parts_used=[{"part_no": "P-NOPE", "quantity": 1}])  # fmt: skip
    with shop.app.app_context():
        current = ticket(number)
        assert current.state == "repairing"
        assert charges.ticket_lines(db.session, current.id) == []


def test_consumed_part_lines_are_charged_once_at_the_engineers_rate(shop: Shop) -> None:
    from gongdan_spare_parts.models import Part, PartLine, Warehouse

    number = dispatched_repair(shop.site)
    step(shop.site, number, "engineer", "check_in",
         fields={"check_in_location": {"lat": 31.2, "lng": 121.4}})  # fmt: skip
    with shop.app.app_context():
        engineer = shop.site.user("engineer")
        engineer.skills = ["espresso", "junior"]  # rated at the junior rate: 120 / h
        depot = Warehouse(code="WH-T", name="test", kind="central")
        db.session.add(depot)
        db.session.flush()
        burr = db.session.query(Part).filter_by(number="P-BURR-64").one()
        current = ticket(number)
        db.session.add(
            PartLine(ticket_id=current.id, part_id=burr.id, warehouse_id=depot.id,
                     quantity=D("2"), status="consumed")
        )  # fmt: skip
        db.session.commit()
        current = ticket(number)
        # The report's own parts table names the same burr: the part line wins, not both.
        ticket_services.update_fields(
            db.session, engineer, current.id, expected_version=current.version,
            changes={"work_done": "换刀", "labour_hours": "1.5",
                     "parts_used": [{"part_no": "P-BURR-64", "quantity": 2, "charged": True}]},
        )  # fmt: skip
        current = ticket(number)
        ticket_services.add_attachment(
            db.session, engineer, current.id, filename="s.png", content_type="image/png",
            data=png_bytes(), field_key="customer_signature",
        )  # fmt: skip
    step(shop.site, number, "engineer", "submit_report")
    with shop.app.app_context():
        lines = charges.ticket_lines(db.session, ticket(number).id)
        # 1.5 × 120 = 180.00; east call-out 80.00; 2 × (320 + 10 %) = 704.00, cost 2 × 180.
        assert [(x.kind, x.description, x.amount, x.cost) for x in lines] == [
            ("labour", "junior", D("180.00"), D("0.00")),
            ("travel", "east", D("80.00"), D("0.00")),
            ("part", "P-BURR-64", D("704.00"), D("360.00")),
        ]
        assert lines[2].source.startswith("part_line:")
        sums = charges.totals_of(lines)
        # 964.00 × 13 % = 125.32
        assert (sums.subtotal, sums.tax, sums.total) == (D("964.00"), D("125.32"), D("1089.32"))
