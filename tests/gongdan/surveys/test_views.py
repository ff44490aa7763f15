"""The answer page behind the link, the staff panel and the agent's callback form."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from tests.gongdan.fieldwork.factories import Site
from tests.gongdan.surveys.factories import answers_of, close_repair, invitations, sent_link

from gongdan.db import db, utcnow
from gongdan.surveys.models import SurveyInvitation
from gongdan.tickets.models import Ticket


def test_the_link_shows_the_questions_on_a_phone_page(site: Site) -> None:
    number = close_repair(site)
    _, path = sent_link(site, number)
    page = site.app.test_client().get(path, headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="viewport"' in html
    assert "您对本次服务的总体满意度" in html
    assert 'id="q-overall-5"' in html and 'id="q-fixed_first_time-yes"' in html
    # Shown only for a low overall rating, decided in the browser and again on the server.
    assert (
        'data-question="comment"' in html
        and "hidden" in html.split('data-question="comment"')[1][:200]
    )


def test_bad_answers_come_back_beside_their_questions(site: Site) -> None:
    number = close_repair(site)
    invitation_id, path = sent_link(site, number)
    client = site.app.test_client()
    client.get("/language/en")  # the page's own language links
    page = client.post(path, data={"overall": "7", "fixed_first_time": "perhaps"})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert 'data-testid="error-overall"' in html and 'data-testid="error-fixed_first_time"' in html
    assert "Choose a number from 1 to 5." in html and "Choose yes or no." in html
    assert answers_of(site, invitation_id) == []
    client.get("/language/zh_CN")
    chinese = client.post(path, data={})
    assert chinese.status_code == 422 and "请回答此题。" in chinese.get_data(as_text=True)


def test_answer_then_reuse_the_link(site: Site) -> None:
    number = close_repair(site)
    invitation_id, path = sent_link(site, number)
    client = site.app.test_client()
    done = client.post(path, data={"overall": "5", "engineer": "4", "fixed_first_time": "yes"})
    assert done.status_code == 200 and 'id="survey-thanks"' in done.get_data(as_text=True)
    (answer,) = answers_of(site, invitation_id)
    assert answer.answers == {"overall": 5, "engineer": 4, "fixed_first_time": True}
    again = client.get(path)
    assert again.status_code == 409
    assert 'data-code="survey_answered"' in again.get_data(as_text=True)
    assert client.post(path, data={"overall": "1"}).status_code == 409
    assert len(answers_of(site, invitation_id)) == 1


def test_forged_tampered_and_expired_links(site: Site) -> None:
    number = close_repair(site)
    invitation_id, path = sent_link(site, number)
    client = site.app.test_client()
    for bad in ("/s/nonsense", path[:-3] + "xyz", "/s/" + "A" * 500, path + "%00"):
        page = client.get(bad)
        assert page.status_code == 404, bad
        assert 'data-code="survey_link_invalid"' in page.get_data(as_text=True)
    with site.app.app_context():
        invitation = db.session.get(SurveyInvitation, invitation_id)
        invitation.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    expired = client.get(path, headers={"Accept-Language": "zh-CN"})
    assert expired.status_code == 410
    assert 'data-code="survey_expired"' in expired.get_data(as_text=True)


def test_the_staff_page_shows_status_link_answers_and_the_followup(site: Site) -> None:
    number = close_repair(site)
    invitation_id, path = sent_link(site, number)
    agent = site.client("agent")
    page = agent.get(f"/tickets/{number}").get_data(as_text=True)
    assert 'data-survey="repair_callback" data-status="sent"' in page
    assert path in page  # the copyable link
    site.app.test_client().post(
        path, data={"overall": "1", "response": "1", "engineer": "1", "fixed_first_time": "no",
                    "low_reason": "attitude", "comment": "态度差"},
    )  # fmt: skip
    page = agent.get(f"/tickets/{number}").get_data(as_text=True)
    assert 'data-status="answered"' in page and "Score 1.0" in page
    assert "态度差" in page
    with site.app.app_context():
        child = db.session.scalar(sa.select(Ticket).where(Ticket.parent_ticket_id.is_not(None)))
        assert child is not None
        child_number = child.number
    assert f'href="/tickets/{child_number}"' in page  # the follow-up, from the original
    child_page = agent.get(f"/tickets/{child_number}").get_data(as_text=True)
    assert 'id="ticket-parent"' in child_page and f'href="/tickets/{number}"' in child_page


def test_an_agent_records_a_callback_call(site: Site) -> None:
    number = close_repair(site)
    agent = site.client("agent")
    form = agent.get(f"/tickets/{number}/surveys/repair_callback/record")
    assert form.status_code == 200
    bad = agent.post(f"/tickets/{number}/surveys/repair_callback/record", data={"overall": "9"})
    assert bad.status_code == 422
    good = agent.post(
        f"/tickets/{number}/surveys/repair_callback/record",
        data={"overall": "4", "fixed_first_time": "yes", "note": "电话回访"},
    )
    assert good.status_code == 302
    with site.app.app_context():
        (invitation,) = invitations(site, number)
        assert invitation.status == "answered"
        assert invitation.answer is not None and invitation.answer.source == "phone"
    page = agent.get(f"/tickets/{number}").get_data(as_text=True)
    assert "Recorded by phone" in page and "电话回访" in page
    again = agent.get(f"/tickets/{number}/surveys/repair_callback/record")
    assert again.status_code == 409


def test_recording_needs_the_permission(site: Site) -> None:
    number = close_repair(site)
    engineer = site.client("dispatcher")  # dispatchers have no survey.record
    assert engineer.get(f"/tickets/{number}/surveys/repair_callback/record").status_code == 403
    agent = site.client("agent")
    assert agent.get(f"/tickets/{number}/surveys/nonexistent/record").status_code == 404


def test_the_customer_finds_the_survey_in_the_portal(site: Site) -> None:
    number = close_repair(site)
    customer = site.client("acme_user")
    assert 'id="portal-survey-link"' not in customer.get(f"/portal/tickets/{number}").text
    _, path = sent_link(site, number)
    page = customer.get(f"/portal/tickets/{number}").get_data(as_text=True)
    assert f'id="portal-survey-link" href="{path}"' in page
    other = site.client("beta_user").get(f"/portal/tickets/{number}")
    assert other.status_code == 404 and path not in other.get_data(as_text=True)
