"""The admin GUI (Flask-Admin) at ``/admin``: definitions, reference data and operations.

Only admins get in. Every view derives from the secured bases in :mod:`gongdan_admin.security`;
plugins add their own views through the ``gongdan_admin_views`` hook.
"""

from __future__ import annotations

from gongdan_admin.setup import init_app

__all__ = ["init_app"]
