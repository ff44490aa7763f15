"""Demo data (the ``gongdan_demo`` hook): warehouses, vans, parts, stock, and one repair that
waits for a part, gets it, uses it and sends the faulty one back.

Idempotent: warehouses and parts are found by code and number; stock is received only into a
warehouse that was just created; the story runs only on a ticket without part lines.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from gongdan.accounts.models import User
from gongdan.jobs import job_runner
from gongdan.tickets.models import Ticket
from gongdan_spare_parts import requests, services
from gongdan_spare_parts.models import Part, PartLine, Warehouse

WAREHOUSES: tuple[dict[str, Any], ...] = (
    {"code": "WH-SH", "name": "上海中心库", "kind": "central", "region": "east"},
    {"code": "WH-CD", "name": "成都区域库", "kind": "regional", "region": "southwest"},
    {"code": "VAN-ENG1", "name": "张工车载库", "kind": "van", "owner": "engineer1"},
    {"code": "VAN-ENG2", "name": "刘工车载库", "kind": "van", "owner": "engineer2"},
)

PARTS: tuple[dict[str, Any], ...] = (
    {"number": "P-RO-MEM-400", "name": "RO 反渗透膜组件 400G", "serial_tracked": True,
     "compatible_models": ["wt_ro_400"], "unit_cost": "260", "unit_price": "480"},
    {"number": "P-FLT-PP10", "name": "PP 棉前置滤芯 10 寸", "compatible_models": ["wt_ro_400"],
     "unit_cost": "12", "unit_price": "35"},
    {"number": "P-STEAM-VLV", "name": "蒸汽阀总成", "serial_tracked": True,
     "compatible_models": ["es_pro_2"], "unit_cost": "150", "unit_price": "290"},
    {"number": "P-GASKET-58", "name": "冲煮头密封圈 58mm", "compatible_models": ["es_pro_2"],
     "unit_cost": "4", "unit_price": "15"},
    {"number": "P-TUBE-SIL", "name": "食品级硅胶管（米）", "unit": "m", "whole_units": False,
     "unit_cost": "6", "unit_price": "18"},
)  # fmt: skip

#: Stock received into each warehouse when it is created: part → (quantity, serials).
OPENING_STOCK: dict[str, dict[str, tuple[int | str, list[str]]]] = {
    "WH-SH": {"P-FLT-PP10": (40, []), "P-GASKET-58": (60, []), "P-TUBE-SIL": ("25.5", []),
              "P-STEAM-VLV": (2, ["SV-24-0101", "SV-24-0102"])},
    "WH-CD": {"P-FLT-PP10": (3, [])},
    "VAN-ENG1": {"P-STEAM-VLV": (1, ["SV-24-0007"]), "P-GASKET-58": (6, [])},
    "VAN-ENG2": {"P-FLT-PP10": (4, [])},
}  # fmt: skip

#: The demo repair that waits for an RO membrane (a core demo ticket, in waiting_parts).
STORY_SUBJECT = "净水器滤芯报警无法复位"


def load_spare_parts_demo(session: Session) -> str:
    """Create what is missing; returns a summary line."""
    users = {u.username: u for u in session.scalars(sa.select(User))}
    created = 0
    new_warehouses: list[Warehouse] = []
    for spec in WAREHOUSES:
        if session.scalar(sa.select(Warehouse).where(Warehouse.code == spec["code"])):
            continue
        owner = users.get(spec.get("owner", ""))
        if spec["kind"] == "van" and owner is None:
            continue  # the core demo's engineer is missing: no van for them
        warehouse = Warehouse(
            code=spec["code"], name=spec["name"], kind=spec["kind"],
            region=spec.get("region"), owner_id=owner.id if owner else None,
        )  # fmt: skip
        session.add(warehouse)
        new_warehouses.append(warehouse)
    for spec in PARTS:
        if session.scalar(sa.select(Part.id).where(Part.number == spec["number"])):
            continue
        values = dict(spec)
        for money in ("unit_cost", "unit_price"):
            values[money] = Decimal(values[money])
        session.add(Part(**values))
        created += 1
    session.commit()
    created += len(new_warehouses)
    parts = {p.number: p for p in session.scalars(sa.select(Part))}
    for warehouse in new_warehouses:
        for number, (quantity, serials) in OPENING_STOCK.get(warehouse.code, {}).items():
            services.receive(
                session, part=parts[number], warehouse=warehouse, quantity=quantity,
                serials=serials, note="demo opening stock",
            )  # fmt: skip
    story = _waiting_repair_story(session, users, parts)
    return f"Spare parts demo: {created} rows created{story}."


def _waiting_repair_story(session: Session, users: dict[str, User], parts: dict[str, Part]) -> str:
    ticket = session.scalar(sa.select(Ticket).where(Ticket.subject == STORY_SUBJECT))
    engineer, dispatcher = users.get("engineer2"), users.get("dispatcher")
    if ticket is None or engineer is None or dispatcher is None:
        return ""
    if session.scalar(sa.select(PartLine.id).where(PartLine.ticket_id == ticket.id)):
        return ""  # told already
    membrane = parts["P-RO-MEM-400"]
    central = session.scalar(sa.select(Warehouse).where(Warehouse.code == "WH-SH"))
    assert central is not None
    # Nothing in the van or any warehouse: the request waits at the central warehouse.
    line = requests.request_part(
        session, ticket=ticket, part=membrane, quantity=1, engineer=engineer
    )
    requests.approve(session, line, approver=dispatcher)
    # The purchase arrives: the line is reserved and the ticket told spare_parts.arrived,
    # whose automation sends the repair back out (run now where the runner allows it).
    services.receive(
        session, part=membrane, warehouse=central, quantity=1, serials=["RO-400-2611-0031"],
        note="demo purchase",
    )  # fmt: skip
    run_pending = getattr(job_runner(current_app), "run_pending", None)
    if run_pending is not None:
        run_pending()
    line = session.get(PartLine, line.id, populate_existing=True)
    assert line is not None
    requests.consume(session, line, engineer=engineer, serial="RO-400-2611-0031")
    requests.return_faulty(session, line, serial="RO-400-2302-0877", engineer=engineer)
    return f"; {ticket.number} waited for, got, used and returned an RO membrane"
