"""Demo installed base: contacts, sites, assets and a contract for the demo customers.

Called by :func:`gongdan.demo.load_demo`. Idempotent: contacts are found by (customer, name),
addresses by (customer, label), assets by serial number and contracts by number. Dates are
relative to the day the demo is loaded, so each customer has one asset in warranty and one out
of it: the VIP customer's expired machine is covered by its service contract, the other
customer's is billable — the three charge classes of the default pack.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongdan.customers.models import (
    Address,
    Asset,
    Contact,
    Customer,
    ServiceContract,
    service_today,
)

#: Customer code → its contacts.
CONTACTS: dict[str, tuple[dict[str, Any], ...]] = {
    "C-RUIKA": (
        {"name": "孙丽", "position": "上海旗舰店店长", "mobile": "13800138001",
         "email": "sunli@ruika.example.cn", "wechat": "ruika_sunli", "is_primary": True},
        {"name": "王敏", "position": "设备采购", "phone": "02155550102",
         "email": "wangmin@ruika.example.cn"},
    ),
    "C-SHUWEI": (
        {"name": "何建国", "position": "老板", "mobile": "13900139002", "wechat": "shuwei_he",
         "is_primary": True},
        {"name": "陈晓", "position": "广州分店店长", "mobile": "13700137003",
         "email": "chenxiao@shuwei.example.cn"},
    ),
    "DEMO-FAST": (
        {"name": "林演示", "position": "店长", "mobile": "13600136004",
         "email": "lin@demo-fast.example.cn", "is_primary": True},
    ),
}  # fmt: skip

#: Customer code → its sites (``label`` is the natural key).
ADDRESSES: dict[str, tuple[dict[str, Any], ...]] = {
    "C-RUIKA": (
        {"label": "南京西路旗舰店", "region": "east", "province": "上海市", "city": "上海市",
         "district": "静安区", "line": "南京西路 1266 号 恒隆广场 B1", "postcode": "200040",
         "lat": 31.2289, "lng": 121.4523, "is_default": True},
        {"label": "三里屯店", "region": "north", "province": "北京市", "city": "北京市",
         "district": "朝阳区", "line": "三里屯路 19 号 太古里南区 S8", "postcode": "100027",
         "lat": 39.9334, "lng": 116.4546},
    ),
    "C-SHUWEI": (
        {"label": "春熙路总店", "region": "southwest", "province": "四川省", "city": "成都市",
         "district": "锦江区", "line": "春熙路 88 号", "postcode": "610021",
         "lat": 30.6570, "lng": 104.0800, "is_default": True},
        {"label": "天河分店", "region": "south", "province": "广东省", "city": "广州市",
         "district": "天河区", "line": "天河路 208 号 天河城 3F", "postcode": "510620",
         "lat": 23.1322, "lng": 113.3270},
    ),
}  # fmt: skip

#: Service contracts; ``days`` are the period relative to today.
CONTRACTS: dict[str, tuple[dict[str, Any], ...]] = {
    "C-RUIKA": (
        {"number": "SC-RUIKA-2026", "level": "premium", "days": (-120, 245),
         "notes": "全国门店设备全保，4 小时响应"},
    ),
}  # fmt: skip

#: Assets; ``site`` names an address label, ``contract`` a contract number, ``installed`` and
#: ``warranty`` are days relative to today (negative: in the past).
ASSETS: dict[str, tuple[dict[str, Any], ...]] = {
    "C-RUIKA": (
        {"serial_number": "ESP2-2409-00317", "product_model": "es_pro_2", "site": "南京西路旗舰店",
         "installed": -200, "warranty": 530, "contract": "SC-RUIKA-2026"},
        {"serial_number": "BC9-2203-00518", "product_model": "bc_900_milk", "site": "三里屯店",
         "installed": -980, "warranty": -250, "contract": "SC-RUIKA-2026",
         "notes": "保修已过，由服务合同覆盖"},
        {"serial_number": "GR64-2406-01022", "product_model": "gr_64", "site": "南京西路旗舰店",
         "installed": -160, "warranty": 570},
    ),
    "C-SHUWEI": (
        {"serial_number": "BC6-2501-00042", "product_model": "bc_600", "site": "春熙路总店",
         "installed": -300, "warranty": 65},
        {"serial_number": "WT400-2104-00881", "product_model": "wt_ro_400", "site": "春熙路总店",
         "installed": -1300, "warranty": -570},
        {"serial_number": "GR64-2203-01120", "product_model": "gr_64", "site": "天河分店",
         "installed": -990, "warranty": -260},
    ),
}  # fmt: skip


def load_installed_base(
    session: Session, customers: Mapping[str, Customer], count: Callable[[bool], None]
) -> dict[str, Asset]:
    """Create the demo contacts, sites, contracts and assets that are missing (not committed).

    :param customers: the demo customers by code (missing codes are skipped).
    :param count: called with ``True`` for each row created, ``False`` for each found.
    :returns: every demo asset by serial number (for tickets to reference).
    """
    today = service_today()
    assets: dict[str, Asset] = {}
    for code, customer in customers.items():
        for spec in CONTACTS.get(code, ()):
            _get_or_create(session, Contact, count, customer_id=customer.id, name=spec["name"],
                           defaults=spec)  # fmt: skip
        sites = {
            spec["label"]: _get_or_create(
                session, Address, count, customer_id=customer.id, label=spec["label"], defaults=spec
            )  # fmt: skip
            for spec in ADDRESSES.get(code, ())
        }
        contracts: dict[str, ServiceContract] = {}
        for spec in CONTRACTS.get(code, ()):
            start, end = spec["days"]
            values = {"level": spec["level"], "notes": spec.get("notes", ""),
                      "starts_on": today + timedelta(days=start),
                      "ends_on": today + timedelta(days=end)}  # fmt: skip
            contracts[spec["number"]] = _get_or_create(
                session, ServiceContract, count, number=spec["number"],
                defaults={"customer_id": customer.id, **values},
            )  # fmt: skip
        for spec in ASSETS.get(code, ()):
            site = sites.get(spec.get("site", ""))
            contract = contracts.get(spec.get("contract", ""))
            installed = today + timedelta(days=spec["installed"])
            values = {
                "customer_id": customer.id,
                "product_model": spec["product_model"],
                "address_id": site.id if site else None,
                "contract_id": contract.id if contract else None,
                "purchase_date": installed - timedelta(days=14),
                "install_date": installed,
                "warranty_end": today + timedelta(days=spec["warranty"]),
                "notes": spec.get("notes", ""),
            }
            assets[spec["serial_number"]] = _get_or_create(
                session, Asset, count, serial_number=spec["serial_number"], defaults=values
            )
    return assets


def _get_or_create(
    session: Session,
    model: type[Any],
    count: Callable[[bool], None],
    *,
    defaults: Mapping[str, Any],
    **key: Any,
) -> Any:
    row = session.scalar(select(model).filter_by(**key))
    count(row is None)
    if row is None:
        columns = set(model.__table__.columns.keys())
        row = model(**{k: v for k, v in {**defaults, **key}.items() if k in columns})
        session.add(row)
        session.flush()
    return row
