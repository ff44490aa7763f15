"""Customers (客户) and their installed base: contacts, addresses, assets, service contracts.

Warranty and contract cover are two separate facts, because the definitions tell them apart
(``derive.charge_class``: ``asset.in_warranty`` → ``warranty``, else ``contract.active`` →
``contract``, else ``billable``):

* :attr:`Asset.in_warranty` is the manufacturer's warranty only: ``warranty_end`` is today or
  later. A service contract does not extend it.
* :attr:`ServiceContract.active` is today falling within ``starts_on`` .. ``ends_on``.

"Today" is the date in :data:`SERVICE_TIME_ZONE`. Both are hybrids: the same rule in Python
(``asset.in_warranty``) and in SQL (``select(Asset).where(Asset.in_warranty)``), the SQL form
comparing with today's date bound as a parameter, so both agree on every database.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    String,
    Text,
    and_,
    literal,
)
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gongdan.db import Base, UTCDateTime, utcnow

#: The time zone whose calendar date decides warranty and contract periods.
SERVICE_TIME_ZONE = ZoneInfo("Asia/Shanghai")

#: Service contract levels, least cover first.
CONTRACT_LEVELS: tuple[str, ...] = ("basic", "standard", "premium")


def service_today() -> date:
    """Today's date in :data:`SERVICE_TIME_ZONE`."""
    return utcnow().astimezone(SERVICE_TIME_ZONE).date()


class Customer(Base):
    """A customer organisation; its ``tier`` (vip, gold, normal ...) drives routing and SLA."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(20), default="normal", index=True)
    region: Mapped[str | None] = mapped_column(String(80), index=True)
    phone: Mapped[str | None] = mapped_column(String(40), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    contacts: Mapped[list[Contact]] = relationship(
        back_populates="customer",
        order_by="(Contact.is_primary.desc(), Contact.id)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    addresses: Mapped[list[Address]] = relationship(
        back_populates="customer",
        order_by="(Address.is_default.desc(), Address.id)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    assets: Mapped[list[Asset]] = relationship(
        back_populates="customer",
        order_by="Asset.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    contracts: Mapped[list[ServiceContract]] = relationship(
        back_populates="customer",
        order_by="ServiceContract.starts_on.desc()",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"<Customer {self.code!r}>"


class Contact(Base):
    """A person at a customer who calls in or is called back (联系人)."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40), index=True)
    mobile: Mapped[str | None] = mapped_column(String(40), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    wechat: Mapped[str | None] = mapped_column(String(80))
    position: Mapped[str | None] = mapped_column(String(120))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="contacts")

    def __repr__(self) -> str:
        return f"<Contact {self.name!r} of customer {self.customer_id}>"


class Address(Base):
    """A site of a customer: where engineers go and which region serves it (地址)."""

    __tablename__ = "addresses"
    __table_args__ = (
        CheckConstraint("lat IS NULL OR (lat >= -90 AND lat <= 90)", name="lat_range"),
        CheckConstraint("lng IS NULL OR (lng >= -180 AND lng <= 180)", name="lng_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(120), default="")
    region: Mapped[str | None] = mapped_column(String(40), index=True)
    province: Mapped[str | None] = mapped_column(String(60))
    city: Mapped[str | None] = mapped_column(String(60))
    district: Mapped[str | None] = mapped_column(String(60))
    line: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str | None] = mapped_column(String(12))
    lat: Mapped[float | None]
    lng: Mapped[float | None]
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="addresses")

    @property
    def one_line(self) -> str:
        """Province, city, district and street as one line (Chinese order, no separators)."""
        parts = (self.province, self.city, self.district, self.line)
        unique: list[str] = []
        for part in parts:
            if part and part not in unique:
                unique.append(part)
        return "".join(unique)

    def __repr__(self) -> str:
        return f"<Address {self.label!r} of customer {self.customer_id}>"


class ServiceContract(Base):
    """A service contract (服务合同): a cover ``level`` for a period, dates inclusive."""

    __tablename__ = "service_contracts"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str] = mapped_column(String(64), unique=True)
    level: Mapped[str] = mapped_column(String(20), default="standard")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="contracts")
    assets: Mapped[list[Asset]] = relationship(back_populates="contract", order_by="Asset.id")

    @hybrid_method
    def active_on(self, day: date) -> bool:
        """Whether ``day`` falls within the contract's period."""
        return self.starts_on <= day <= self.ends_on

    @active_on.inplace.expression
    @classmethod
    def _active_on_expression(cls, day: date) -> ColumnElement[bool]:
        bound = literal(day, Date)
        return and_(cls.starts_on <= bound, cls.ends_on >= bound)

    @hybrid_property
    def active(self) -> bool:
        """Whether the contract is in force today (see :func:`service_today`)."""
        return self.active_on(service_today())

    @active.inplace.expression
    @classmethod
    def _active_expression(cls) -> ColumnElement[bool]:
        return cls.active_on(service_today())

    def __repr__(self) -> str:
        return f"<ServiceContract {self.number!r} {self.level}>"


class Asset(Base):
    """An installed product (设备) identified by its serial number: the installed base."""

    __tablename__ = "assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    address_id: Mapped[int | None] = mapped_column(
        ForeignKey("addresses.id", ondelete="SET NULL"), index=True
    )
    contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_contracts.id", ondelete="SET NULL"), index=True
    )
    product_model: Mapped[str] = mapped_column(String(64), index=True)
    serial_number: Mapped[str] = mapped_column(String(80), unique=True)
    install_date: Mapped[date | None] = mapped_column(Date)
    purchase_date: Mapped[date | None] = mapped_column(Date)
    warranty_end: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="assets")
    address: Mapped[Address | None] = relationship()
    contract: Mapped[ServiceContract | None] = relationship(back_populates="assets")

    @hybrid_method
    def in_warranty_on(self, day: date) -> bool:
        """Whether the manufacturer's warranty still runs on ``day`` (its end day included)."""
        return self.warranty_end is not None and self.warranty_end >= day

    @in_warranty_on.inplace.expression
    @classmethod
    def _in_warranty_on_expression(cls, day: date) -> ColumnElement[bool]:
        return and_(cls.warranty_end.is_not(None), cls.warranty_end >= literal(day, Date))

    @hybrid_property
    def in_warranty(self) -> bool:
        """Whether the warranty runs today; a service contract does not extend it."""
        return self.in_warranty_on(service_today())

    @in_warranty.inplace.expression
    @classmethod
    def _in_warranty_expression(cls) -> ColumnElement[bool]:
        return cls.in_warranty_on(service_today())

    def __repr__(self) -> str:
        return f"<Asset {self.serial_number!r} {self.product_model}>"
