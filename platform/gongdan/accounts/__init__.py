"""Accounts: users, roles, departments, login and login throttling."""
