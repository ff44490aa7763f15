"""Gongdan's spare parts plugin (备件管理).

Registered through the ``gongdan.plugins`` entry point (:mod:`gongdan_spare_parts.plugin`);
the core never imports it. The map:

* :mod:`.models` — parts, warehouses (central, regional, an engineer's van), serial numbers,
  the append-only move ledger and the balance per part × warehouse it keeps;
* :mod:`.ledger` — IO-free: what each kind of move does to a balance, quantity checks;
* :mod:`.services` — receipts, transfers, reservations, issues, returns, write-offs;
* :mod:`.plugin` — the hook implementations; ``migrations/versions`` the plugin's own chain.
"""

from __future__ import annotations

PLUGIN_KEY = "spare_parts"
__version__ = "0.1.0"
