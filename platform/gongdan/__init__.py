"""Gongdan (工单): a low-code platform for after-sales service work orders.

The engine interprets YAML/JSON *definitions* (ticket types, workflows, routing rules, SLA
policies, surveys ...) at runtime. ``create_app`` builds the web application.
"""

from __future__ import annotations

__version__ = "0.1.0"

from gongdan.app import create_app

__all__ = ["__version__", "create_app"]
