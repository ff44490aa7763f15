"""Users, departments and the login-attempt log used for throttling."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from gongdan.db import Base, JSONType, UTCDateTime, utcnow

if TYPE_CHECKING:
    from gongdan.customers.models import Customer

#: The built-in roles, most privileged first. Packs may define more (``Role`` definitions, e.g.
#: ``service_manager``), so the database does not restrict the column to these.
ROLES: tuple[str, ...] = ("admin", "manager", "dispatcher", "agent", "engineer", "customer")

#: How passwords are hashed (werkzeug's method string). Tests lower the cost for speed; every
#: stored hash names its own method, so changing this never locks anyone out.
PASSWORD_HASH_METHOD = "scrypt"

#: Whether an engineer can take new work right now.
AVAILABILITIES: tuple[str, ...] = ("available", "busy", "off")


def _in_list(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


class Department(Base):
    """A department (部门) tickets are owned by and transferred between.

    ``key`` matches the pack's ``Department`` definitions (``customer_service``, ...).
    """

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", use_alter=True, ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    lead: Mapped[User | None] = relationship(foreign_keys=[lead_id], post_update=True)

    def title(self, locale: str) -> str:
        """The department's name in ``locale`` (falls back to Chinese)."""
        if locale.startswith("en") and self.title_en:
            return self.title_en
        return self.title_zh

    def __repr__(self) -> str:
        return f"<Department {self.key!r}>"


class User(UserMixin, Base):
    """Anyone who logs in: staff of every role, and customers' own users.

    A customer user carries ``customer_id``: it sees only that organisation's tickets.
    Engineers carry availability, capacity, skills and their last known location for routing.
    """

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_in_list("availability", AVAILABILITIES), name="availability"),
        Index("ix_users_role_department", "role", "department_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(256), default="")
    role: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL"), index=True
    )
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    locale: Mapped[str | None] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    availability: Mapped[str] = mapped_column(String(20), default="available")
    capacity: Mapped[int] = mapped_column(Integer, default=10)
    last_lat: Mapped[float | None]
    last_lng: Mapped[float | None]
    #: When ``last_lat``/``last_lng`` were recorded (routing ignores stale positions).
    last_located_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    skills: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    #: The organisation a customer's user belongs to (the admin's customer picker needs it).
    customer: Mapped[Customer | None] = relationship(foreign_keys=[customer_id])

    def set_password(self, password: str) -> None:
        """Store a salted hash of ``password`` (never the password itself)."""
        self.password_hash = generate_password_hash(password, method=PASSWORD_HASH_METHOD)

    def check_password(self, password: str) -> bool:
        """Whether ``password`` matches the stored hash; an empty hash never matches."""
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot log in
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.username!r} ({self.role})>"


class LoginAttempt(Base):
    """One failed login, kept to throttle guessing by username and by client address."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "attempted_at"),
        Index("ix_login_attempts_address_at", "address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApiToken(Base):
    """A bearer token for the REST API, acting as its user.

    Only the SHA-256 of the token is stored: the secret is shown once, when it is created.
    ``prefix`` (the token's public part) identifies it in lists and revocations.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    def usable_at(self, now: datetime) -> bool:
        """Whether the token is neither revoked nor expired at ``now``."""
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or now < self.expires_at

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix!r} of user {self.user_id}>"
