"""Two approvals of one quote at once (a double click, the customer and an agent): exactly one
goes through, the quote's lines are charged once. SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa
from gongdan_billing.errors import QuoteNotOpen
from gongdan_billing.models import ChargeLine, Quote
from tests.plugins.billing.factories import Shop, ticket

from gongdan.db import db, utcnow
from gongdan_billing import quotes


def test_two_approvals_at_once_exactly_one_goes_through(shop: Shop) -> None:
    app = shop.app
    number = shop.depot_repair("out")
    shop.step(number, "engineer2", "quote")
    with app.app_context():
        engineer = shop.site.user("engineer2")
        quote = quotes.prepare_quote(db.session, engineer, ticket(number))
        quotes.send_quote(db.session, engineer, quote.id)
        quote_id, seen = quote.id, quote.content_hash

    first_holds_its_lock = threading.Event()
    outcome: dict[str, object] = {}

    def agent_for_the_customer() -> None:
        # The first approval, in flight: quote marked and lines written, not yet committed.
        with app.app_context():
            found = db.session.get(Quote, quote_id)
            assert found is not None
            quotes._decide(
                db.session, shop.site.user("agent"), found, ticket(number), approve=True,
                moment=utcnow(),
            )  # fmt: skip
            first_holds_its_lock.set()
            time.sleep(0.6)
            db.session.commit()

    def customer() -> None:
        first_holds_its_lock.wait(5)
        with app.app_context():
            try:
                quotes.decide_quote(
                    db.session, shop.site.user("acme_user"), quote_id, approve=True,
                    seen_hash=seen,
                )  # fmt: skip
                outcome["second"] = "approved"
            except QuoteNotOpen as error:
                outcome["second"] = error.message

    threads = [threading.Thread(target=agent_for_the_customer), threading.Thread(target=customer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert "decided already" in str(outcome["second"]) or "approved already" in str(
        outcome["second"]
    )
    with app.app_context():
        assert db.session.scalar(sa.select(Quote.status).where(Quote.id == quote_id)) == "approved"
        count = sa.select(sa.func.count()).select_from(ChargeLine)
        assert db.session.scalar(count) == 3
