"""Gongdan's preventive maintenance (预防性维护) plugin.

Registered through the ``gongdan.plugins`` entry point (:mod:`gongdan_pm.plugin`); the core
never imports it.
"""

from __future__ import annotations

PLUGIN_KEY = "pm"
__version__ = "0.1.0"
