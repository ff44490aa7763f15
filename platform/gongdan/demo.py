"""Demo data: departments, users of every role, two customers and tickets in several states.

Idempotent: everything is found by its natural key (department key, username, customer code,
ticket subject) before it is created, so running it twice creates nothing new. Tickets are
pinned to the active TicketType and Workflow revisions, so install a pack first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongdan.accounts.models import Department, User
from gongdan.customers.demo import load_installed_base
from gongdan.customers.models import Customer
from gongdan.db import utcnow
from gongdan.definitions.models import DefinitionRevision
from gongdan.knowledge.demo import load_articles
from gongdan.reports.demo_history import load_demo_history
from gongdan.surveys.demo import send_demo_surveys
from gongdan.tickets.models import Ticket
from gongdan.tickets.seeding import seed_ticket

#: The password of every demo user. Change or delete these users before going live.
DEMO_PASSWORD = "demo1234"

#: Departments created when the installed pack defines none (keys match the default pack).
BASE_DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("service_management", "服务管理部", "Service management"),
    ("customer_service", "客服中心", "Customer service"),
    ("callback", "回访组", "Callback desk"),
    ("tech_support", "技术支持部", "Technical support"),
    ("field_service", "现场服务部", "Field service"),
    ("repair_center", "维修中心", "Repair centre"),
    ("quality", "质检部", "Quality assurance"),
)

CUSTOMERS: tuple[dict[str, Any], ...] = (
    {"code": "C-RUIKA", "name": "瑞咖连锁（上海）有限公司", "tier": "vip", "region": "east",
     "phone": "02155550101", "email": "service@ruika.example.cn"},
    {"code": "C-SHUWEI", "name": "蜀味茶饮成都店", "tier": "normal", "region": "southwest",
     "phone": "02855550202", "email": "owner@shuwei.example.cn"},
    # Matches the demo_fast SlaPolicy (channel api + this code): its ticket climbs the ladder
    # within minutes of ``make run``.
    {"code": "DEMO-FAST", "name": "演示快速升级客户", "tier": "normal", "region": "east",
     "phone": "02155550303", "email": "ladder@demo-fast.example.cn"},
)  # fmt: skip

USERS: tuple[dict[str, Any], ...] = (
    {"username": "admin", "display_name": "系统管理员", "role": "admin",
     "department": "service_management"},
    {"username": "manager", "display_name": "周经理", "role": "manager",
     "department": "service_management"},
    # Receives the demo ladder's last rung ("role:service_manager" in demo_fast).
    {"username": "director", "display_name": "黄总监", "role": "service_manager",
     "department": "service_management"},
    {"username": "dispatcher", "display_name": "陈调度", "role": "dispatcher",
     "department": "customer_service"},
    {"username": "agent1", "display_name": "李客服", "role": "agent",
     "department": "customer_service"},
    {"username": "agent2", "display_name": "王客服", "role": "agent",
     "department": "customer_service"},
    {"username": "inspector", "display_name": "钱质检", "role": "quality_inspector",
     "department": "quality"},
    {"username": "engineer1", "display_name": "张工", "role": "engineer",
     "department": "field_service", "skills": ["espresso", "grinder"], "capacity": 8,
     "last_lat": 31.2304, "last_lng": 121.4737},
    {"username": "engineer2", "display_name": "刘工", "role": "engineer",
     "department": "field_service", "skills": ["bean_to_cup", "water"], "capacity": 6,
     "last_lat": 30.5728, "last_lng": 104.0668},
    {"username": "engineer3", "display_name": "赵工", "role": "engineer",
     "department": "repair_center", "skills": ["espresso", "bean_to_cup", "ice"],
     "capacity": 12, "last_lat": 30.2741, "last_lng": 120.1551},
    {"username": "engineer4", "display_name": "周工", "role": "engineer",
     "department": "tech_support", "skills": ["espresso", "grinder", "bean_to_cup"],
     "capacity": 15, "last_lat": 31.2244, "last_lng": 121.4692},
    {"username": "engineer5", "display_name": "吴工", "role": "engineer",
     "department": "key_accounts", "skills": ["espresso", "bean_to_cup", "water", "ice"],
     "capacity": 10, "last_lat": 39.9042, "last_lng": 116.4074},
    {"username": "ruika", "display_name": "瑞咖 · 孙店长", "role": "customer",
     "customer": "C-RUIKA"},
    {"username": "shuwei", "display_name": "蜀味 · 何老板", "role": "customer",
     "customer": "C-SHUWEI"},
)  # fmt: skip

#: (username, password, role) of every demo login, for ``gongdan init --demo`` to print.
DEMO_LOGINS: tuple[tuple[str, str, str], ...] = tuple(
    (user["username"], DEMO_PASSWORD, user["role"]) for user in USERS
)

#: Demo tickets: preferred type, target state, customer, assignee; missing ones fall back.
TICKETS: tuple[dict[str, Any], ...] = (
    {"type": "repair", "state": "new", "customer": "C-RUIKA", "priority": "high",
     "channel": "phone", "subject": "ES-Pro 双头咖啡机不出水", "age_hours": 1},
    {"type": "repair", "state": "on_site", "customer": "C-RUIKA", "priority": "urgent",
     "channel": "phone", "assignee": "engineer1", "subject": "门店咖啡机蒸汽棒漏水",
     "age_hours": 5},
    {"type": "repair", "state": "waiting_parts", "customer": "C-SHUWEI", "priority": "normal",
     "channel": "wechat", "assignee": "engineer2", "subject": "净水器滤芯报警无法复位",
     "fields": {"product_model": "wt_ro_400"},
     "age_hours": 30},
    {"type": "consultation", "state": "new", "customer": "C-SHUWEI", "priority": "low",
     "channel": "portal", "subject": "全自动咖啡机清洗周期咨询", "age_hours": 3},
    {"type": "complaint", "state": "new", "customer": "C-SHUWEI", "priority": "high",
     "channel": "phone", "subject": "上门维修超时未到", "age_hours": 2},
    {"type": "installation", "state": "scheduled", "customer": "C-RUIKA", "priority": "normal",
     "channel": "email", "assignee": "engineer1", "subject": "新店三台设备安装", "age_hours": 48},
    {"type": "repair", "state": "closed", "customer": "C-SHUWEI", "priority": "normal",
     "channel": "web", "assignee": "engineer3", "subject": "磨豆机异响（已寄修）",
     "fields": {"product_model": "gr_64"},
     "age_hours": 240},
    # Created at load time through the API channel: demo_fast escalates it within ~6 minutes.
    {"type": "repair", "state": "new", "customer": "DEMO-FAST", "priority": "high",
     "channel": "api", "subject": "演示：无人处理的报修（观察升级）", "age_hours": 0},
)  # fmt: skip


@dataclass
class DemoSummary:
    """How many rows :func:`load_demo` created and how many it found already there."""

    created: int = 0
    existing: int = 0

    def count(self, created: bool) -> None:
        if created:
            self.created += 1
        else:
            self.existing += 1


def load_demo(session: Session) -> DemoSummary:
    """Create the demo data that is not there yet and commit."""
    summary = DemoSummary()
    departments = _departments(session, summary)
    customers = {spec["code"]: _customer(session, spec, summary) for spec in CUSTOMERS}
    load_installed_base(session, customers, summary.count)
    users = {spec["username"]: _user(session, spec, departments, customers, summary)
             for spec in USERS}  # fmt: skip
    lead = users["manager"]
    # The manager leads every department of the demo, so escalations "to the department lead"
    # reach someone wherever routing sent the ticket.
    for department in departments.values():
        if department.lead_id is None:
            department.lead = lead
    session.flush()
    for spec in TICKETS:
        _ticket(session, spec, customers, users, summary)
    load_articles(session)  # the knowledge base's demo articles (gongdan.knowledge.demo)
    load_demo_history(session)  # six months of finished tickets for /reports (commits)
    session.commit()
    send_demo_surveys(session, [c.id for c in customers.values()])  # a survey link works at once
    return summary


def _departments(session: Session, summary: DemoSummary) -> dict[str, Department]:
    """Departments of the active pack (or the base list), found or created by key."""
    wanted = {key: (zh, en) for key, zh, en in BASE_DEPARTMENTS}
    for revision in _active(session, "Department"):
        title = revision.document.get("title") or {}
        wanted[revision.key] = (title.get("zh") or revision.key, title.get("en") or "")
    existing = {d.key: d for d in session.scalars(select(Department))}
    for key, (zh, en) in wanted.items():
        summary.count(key not in existing)
        if key not in existing:
            existing[key] = Department(key=key, title_zh=zh, title_en=en)
            session.add(existing[key])
    session.flush()
    return existing


def _customer(session: Session, spec: dict[str, Any], summary: DemoSummary) -> Customer:
    customer = session.scalar(select(Customer).where(Customer.code == spec["code"]))
    summary.count(customer is None)
    if customer is None:
        customer = Customer(**spec)
        session.add(customer)
        session.flush()
    return customer


def _user(
    session: Session,
    spec: dict[str, Any],
    departments: dict[str, Department],
    customers: dict[str, Customer],
    summary: DemoSummary,
) -> User:
    user = session.scalar(select(User).where(User.username == spec["username"]))
    summary.count(user is None)
    if user is not None:
        return user
    attributes = {k: v for k, v in spec.items() if k not in ("department", "customer")}
    user = User(email=f"{spec['username']}@demo.gongdan.example", **attributes)
    if "department" in spec:
        user.department = departments.get(spec["department"])
    if "customer" in spec:
        user.customer_id = customers[spec["customer"]].id
    user.set_password(DEMO_PASSWORD)
    session.add(user)
    session.flush()
    return user


def _active(session: Session, kind: str) -> list[DefinitionRevision]:
    return list(
        session.scalars(
            select(DefinitionRevision)
            .where(DefinitionRevision.kind == kind, DefinitionRevision.status == "active")
            .order_by(DefinitionRevision.key)
        )
    )


def _ticket(
    session: Session,
    spec: dict[str, Any],
    customers: dict[str, Customer],
    users: dict[str, User],
    summary: DemoSummary,
) -> Ticket | None:
    customer = customers[spec["customer"]]
    ticket = session.scalar(
        select(Ticket).where(Ticket.subject == spec["subject"], Ticket.customer_id == customer.id)
    )
    if ticket is not None:
        summary.count(False)
        return ticket
    types = {revision.key: revision for revision in _active(session, "TicketType")}
    if not types:
        return None  # no pack installed: users and customers only
    type_key = spec["type"] if spec["type"] in types else next(iter(types))
    assignee = users.get(spec.get("assignee", ""))
    # The real service numbers, pins and records the ticket; see gongdan.tickets.seeding.
    ticket = seed_ticket(
        session, type_key=type_key, state=spec["state"], customer=customer,
        creator=users["agent1"], assignee=assignee, priority=spec["priority"],
        channel=spec["channel"], subject=spec["subject"], fields=spec.get("fields", {}),
        created_at=utcnow() - timedelta(hours=spec["age_hours"]),
    )  # fmt: skip
    summary.count(True)
    return ticket
