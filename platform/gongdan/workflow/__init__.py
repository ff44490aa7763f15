"""The IO-free workflow engine: field types, form validation, transitions, guards and transfers.

Nothing here talks to the database, Flask or Redis: it takes compiled definitions and ticket
data and returns decisions, so the API, the admin, jobs and the CLI share one behaviour.
"""
