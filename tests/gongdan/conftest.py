"""Fixtures shared by the engine's tests: a site with the default pack, people and customers.

Used by the field-work, portal and security tests (``tests/gongdan/fieldwork/factories.py``
builds it).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from tests.gongdan.fieldwork.factories import Site, build_site

from gongdan.tickets.pinning import clear_pinned_cache


@pytest.fixture
def site(app: Flask) -> Iterator[Site]:
    clear_pinned_cache()
    yield build_site(app)
    clear_pinned_cache()


@pytest.fixture
def csrf_site(csrf_app: Flask) -> Iterator[Site]:
    clear_pinned_cache()
    yield build_site(csrf_app)
    clear_pinned_cache()
