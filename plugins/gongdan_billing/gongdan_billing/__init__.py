"""Gongdan's service billing (服务收费 / 报价 / 账单) plugin.

Registered through the ``gongdan.plugins`` entry point (:mod:`gongdan_billing.plugin`); the core
never imports it.
"""

from __future__ import annotations

PLUGIN_KEY = "billing"
__version__ = "0.1.0"
