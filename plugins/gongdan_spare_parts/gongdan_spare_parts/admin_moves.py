"""The admin's stock moves page: receive, transfer, confirm arrival, write off.

Each form goes through :mod:`gongdan_spare_parts.services` (the ledger's only writer); a
refused move flashes its reason and changes nothing.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext
from flask_login import current_user

from gongdan.db import db
from gongdan.errors import GongdanError
from gongdan_admin.security import SecuredView
from gongdan_spare_parts import services
from gongdan_spare_parts.errors import StockError
from gongdan_spare_parts.models import Part, StockMove, Warehouse

#: The forms this page posts, and what each does.
ACTIONS = ("receive", "transfer", "arrive", "write_off")


def _serials(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").replace("\n", ",").split(",") if part.strip()]


def _part(number: str | None) -> Part:
    part = db.session.scalar(sa.select(Part).where(Part.number == (number or "").strip()))
    if part is None:
        raise StockError(gettext("There is no part %(number)s.", number=repr(number or "")))
    return part


def _warehouse(code: str | None) -> Warehouse:
    found = db.session.scalar(sa.select(Warehouse).where(Warehouse.code == (code or "").strip()))
    if found is None:
        raise StockError(gettext("There is no warehouse %(code)s.", code=repr(code or "")))
    return found


class StockMovesView(SecuredView):
    """Record stock moves by hand (goods in, transfers, arrivals, write-offs)."""

    @expose("/")
    def index(self) -> Any:
        arrived = StockMove.__table__.alias("arrived")
        in_transit = db.session.scalars(
            sa.select(StockMove)
            .where(
                StockMove.kind == "transfer_in",
                ~sa.exists().where(
                    arrived.c.transfer_id == StockMove.transfer_id, arrived.c.kind == "arrival"
                ),
            )
            .order_by(StockMove.id)
            .limit(200)
        ).all()
        return self.render(
            "spare_parts/admin_moves.html",
            parts=db.session.scalars(sa.select(Part).order_by(Part.number).limit(500)).all(),
            warehouses=db.session.scalars(sa.select(Warehouse).order_by(Warehouse.code)).all(),
            in_transit=in_transit,
        )

    @expose("/<action>", methods=("POST",))
    def move(self, action: str) -> Any:
        if action not in ACTIONS:
            flash(gettext("Unknown stock move."), "error")
            return redirect(url_for(".index"))
        form, actor = request.form, current_user._get_current_object()
        try:
            if action == "receive":
                services.receive(
                    db.session, part=_part(form.get("part")),
                    warehouse=_warehouse(form.get("warehouse")), quantity=form.get("quantity", ""),
                    serials=_serials(form.get("serials")), actor=actor,
                    note=form.get("note", ""),
                )  # fmt: skip
            elif action == "transfer":
                services.transfer(
                    db.session, part=_part(form.get("part")), source=_warehouse(form.get("source")),
                    destination=_warehouse(form.get("destination")),
                    quantity=form.get("quantity", ""), serials=_serials(form.get("serials")),
                    actor=actor,
                )  # fmt: skip
            elif action == "arrive":
                services.arrive(db.session, transfer_id=form.get("transfer_id", ""), actor=actor)
            else:
                services.write_off(
                    db.session, part=_part(form.get("part")),
                    warehouse=_warehouse(form.get("warehouse")), quantity=form.get("quantity", ""),
                    serials=_serials(form.get("serials")), actor=actor,
                    reason=form.get("reason", ""),
                )  # fmt: skip
        except GongdanError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for(".index"))
        flash(gettext("Stock move recorded."), "success")
        return redirect(url_for(".index"))
