"""Roles, creating a type and Role permissions."""

from __future__ import annotations

import functools
from pathlib import Path

from gongdan.accounts.models import User
from gongdan.accounts.policy import actor_roles, has_permission, is_staff, may_create_type
from gongdan.definitions.compile import CompiledSet, compile_definitions
from gongdan.definitions.packs import load_pack

PACK = Path(__file__).resolve().parents[3] / "definitions" / "after_sales"


@functools.cache
def compiled() -> CompiledSet:
    return compile_definitions(load_pack(PACK).definitions)


def user(role: str, active: bool = True) -> User:
    return User(username=role, display_name=role, role=role, active=active)


def test_actor_roles() -> None:
    assert actor_roles(None) == frozenset({"system"})
    assert actor_roles(user("engineer")) == frozenset({"engineer"})
    assert actor_roles(user("agent", active=False)) == frozenset()
    assert is_staff(None) and is_staff(user("agent")) and not is_staff(user("customer"))
    assert not is_staff(user("visitor"))


def test_may_create_type_follows_permissions_create() -> None:
    repair = compiled().ticket_types["repair"]
    installation = compiled().ticket_types["installation"]
    assert may_create_type(user("customer"), repair)
    assert not may_create_type(user("customer"), installation)
    assert not may_create_type(user("engineer"), repair)
    assert may_create_type(None, installation)
    assert may_create_type(user("admin"), installation)


def test_has_permission_reads_role_definitions() -> None:
    assert has_permission(user("dispatcher"), "ticket.dispatch", compiled())
    assert not has_permission(user("agent"), "ticket.dispatch", compiled())
    assert has_permission(user("customer"), "ticket.create", compiled())
    assert not has_permission(user("customer"), "ticket.comment_internal", compiled())
    assert not has_permission(user("visitor"), "ticket.create", compiled())
    assert has_permission(None, "anything", compiled())
