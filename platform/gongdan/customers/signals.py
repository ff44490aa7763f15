"""Blinker signals the customer services send; plugins (PM schedules) connect to them."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent after a customer service committed a new or changed asset or service contract: sender
#: is the row (an ``Asset`` or a ``ServiceContract``); keyword arguments ``session`` and
#: ``created`` (``True`` for a new row). The change is already committed: a receiver works in
#: its own transaction, and its failure does not undo the change.
installed_base_saved = _signals.signal("installed-base-saved")
