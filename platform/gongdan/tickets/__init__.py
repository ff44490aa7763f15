"""Tickets: the work orders, pinned to the definition revisions they were created under."""
