"""Page through API lists: ``page`` and ``per_page`` (at most 100), total and links."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import request, url_for
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from gongdan.api.errors import ApiError

T = TypeVar("T")

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
#: Far beyond any real list; it keeps the SQL offset inside a 64-bit integer.
MAX_PAGE = 1_000_000


@dataclass(frozen=True)
class PageRequest:
    """The page asked for: 1-based ``page`` and its size."""

    page: int
    per_page: int

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> PageRequest:
        """Read ``page``/``per_page``; a non-number or out-of-range value is a 400."""
        problems: dict[str, str] = {}
        values: dict[str, int] = {}
        bounds: tuple[tuple[str, int, int, int], ...] = (
            ("page", 1, 1, MAX_PAGE),
            ("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
        )
        for name, default, low, high in bounds:
            raw = args.get(name)
            try:
                value = default if raw in (None, "") else int(str(raw))
            except ValueError:
                problems[name] = f"{raw!r} is not a whole number"
                continue
            if not low <= value <= high:
                problems[name] = f"{name} must be between {low} and {high}, not {value}"
                continue
            values[name] = value
        if problems:
            raise ApiError(400, "bad_request", "invalid pagination parameters", problems)
        return cls(values["page"], values["per_page"])


def paginate(
    session: Session,
    query: Select[Any],
    page: PageRequest,
    serialize: Callable[[Any], Mapping[str, Any]],
) -> dict[str, Any]:
    """One page of ``query`` (already sorted) with ``total``, ``pages`` and navigation links."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.scalars(query.limit(page.per_page).offset((page.page - 1) * page.per_page)).all()
    pages = max(1, -(-total // page.per_page))
    return {
        "items": [serialize(row) for row in rows],
        "page": page.page,
        "per_page": page.per_page,
        "total": total,
        "pages": pages,
        "links": _links(page, pages),
    }


def _links(page: PageRequest, pages: int) -> dict[str, str | None]:
    def link(number: int) -> str:
        args = {k: v for k, v in request.args.items() if k not in ("page", "per_page")}
        return url_for(
            request.endpoint or "",
            **(request.view_args or {}),
            **args,
            page=number,
            per_page=page.per_page,
        )

    return {
        "self": link(page.page),
        "first": link(1),
        "prev": link(page.page - 1) if page.page > 1 else None,
        "next": link(page.page + 1) if page.page < pages else None,
        "last": link(pages),
    }
