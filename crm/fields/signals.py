"""Sent after a committed change of a kind's definitions, so the apps that own records can recount them."""

from django.dispatch import Signal

# kwargs: kind (str) — "contact", "company", …
schema_changed = Signal()
