"""Solved by an article: the ticket resolves through its workflow, counts as first contact;
articles written from resolved tickets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.gongdan.fieldwork.factories import Site, create_repair, step, version_of
from tests.gongdan.knowledge.factories import make_articles

from gongdan.db import db, utcnow
from gongdan.knowledge.models import KbArticle, KbFeedback
from gongdan.reports.params import ReportParams
from gongdan.reports.services import kpi_table
from gongdan.tickets.models import TicketEvent


@pytest.fixture
def articles(site: Site) -> dict[str, int]:
    return make_articles(site.app)


def _first_contact(site: Site) -> dict[str, int]:
    today = utcnow().date()
    params = ReportParams(today - timedelta(days=1), today + timedelta(days=1))
    with site.app.app_context():
        (row,) = kpi_table(db.session, "first_contact", params).rows
    return {"resolved": row["resolved"], "first_contact": row["first_contact"]}


def test_solved_by_article_resolves_at_first_contact(site: Site, articles: dict[str, int]) -> None:
    number = create_repair(site)
    response = site.client("agent").post(
        f"/kb/{articles['no_water']}/solve",
        data={"ticket": number, "version": version_of(site, number)},
    )
    assert response.status_code == 302
    with site.app.app_context():
        ticket = site.ticket(number)
        assert (ticket.state, ticket.state_category) == ("resolved", "resolved")
        assert ticket.fields["resolution_code"] == "remote_guidance"
        event = db.session.scalar(
            select(TicketEvent).where(
                TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "solved_by_article"
            )
        )
        assert event is not None and event.data["article_id"] == articles["no_water"]
        article = db.session.get(KbArticle, articles["no_water"])
        assert article is not None and article.solved_count == 1
    assert _first_contact(site) == {"resolved": 1, "first_contact": 1}
    page = site.client("agent").get(f"/tickets/{number}").get_data(as_text=True)
    assert "Solved by a knowledge-base article" in page
    assert f"#{articles['no_water']} 咖啡机不出水：检查水箱和进水阀" in page


def test_a_stale_or_unsolvable_ticket_is_left_alone(site: Site, articles: dict[str, int]) -> None:
    number = create_repair(site)
    client = site.client("agent")
    stale = client.post(
        f"/kb/{articles['no_water']}/solve",
        data={"ticket": number, "version": version_of(site, number) + 5},
    )
    assert stale.status_code == 302
    step(site, number, "agent", "accept")  # diagnosing: only engineers resolve from here
    client.post(
        f"/kb/{articles['no_water']}/solve",
        data={"ticket": number, "version": version_of(site, number)},
    )
    page = client.get(f"/tickets/{number}").get_data(as_text=True)
    assert "The ticket was not solved" in page and "resolved state" in page
    with site.app.app_context():
        assert site.ticket(number).state == "diagnosing"
        assert db.session.query(KbFeedback).count() == 0
    assert (
        client.post(f"/kb/{articles['no_water']}/solve", data={"ticket": number}).status_code == 422
    )


def test_solving_from_the_new_ticket_form(site: Site, articles: dict[str, int]) -> None:
    client = site.client("agent")
    form = {
        "type": "repair", "channel": "phone", "subject": "不出水",
        "f.customer": site.customers["acme"], "f.contact": site.contacts["acme"],
        "f.service_mode": "remote", "f.serial_no": "SN-9", "f.product_model": "es_pro_2",
        "f.symptom": "咖啡机不出水", "f.impact": "degraded",
        "solved_by_article": str(articles["no_water"]),
    }  # fmt: skip
    response = client.post("/tickets/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    number = response.headers["Location"].rsplit("/", 1)[-1]
    with site.app.app_context():
        assert site.ticket(number).state == "resolved"


def test_an_open_ticket_page_offers_matching_articles(site: Site, articles: dict[str, int]) -> None:
    number = create_repair(site)  # symptom 不出水
    page = site.client("agent").get(f"/tickets/{number}").get_data(as_text=True)
    assert 'id="kb-panel"' in page and "<mark>" in page and "kb-solve-ticket" in page


def test_an_article_from_a_resolved_ticket_in_one_click(
    site: Site, articles: dict[str, int]
) -> None:
    number = create_repair(site)
    client = site.client("agent")
    refused = client.post(f"/kb/from-ticket/{number}")
    assert refused.status_code == 302 and f"/tickets/{number}" in refused.headers["Location"]
    step(site, number, "agent", "solve_at_first_contact",
         fields={"resolution_code": "adjusted"}, comment="调整进水阀后恢复出水")  # fmt: skip
    page = client.get(f"/tickets/{number}").get_data(as_text=True)
    assert 'id="kb-write-article"' in page
    response = client.post(f"/kb/from-ticket/{number}")
    assert response.status_code == 302 and "/edit" in response.headers["Location"]
    with site.app.app_context():
        article = db.session.scalar(
            select(KbArticle).where(KbArticle.source_ticket_id.is_not(None))
        )
        assert article is not None
        assert (article.status, article.visibility) == ("draft", "internal")
        assert article.title == site.ticket(number).subject
        assert "不出水" in article.body and "调整进水阀后恢复出水" in article.body
        assert article.product_models == ["es_pro_2"]
    assert client.get(response.headers["Location"]).status_code == 200
