"""Customers: organisations that receive service (more — contacts, assets, contracts — later)."""
