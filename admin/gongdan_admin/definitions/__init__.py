"""Definitions in the admin GUI: a page per kind, the editor, and safe publishing."""
