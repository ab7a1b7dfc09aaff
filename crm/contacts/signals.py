"""Sent after a committed write of cards, so apps above contacts can react (the duplicate finder checks
new and changed people) without contacts knowing them."""

from django.dispatch import Signal

# kwargs: kind (str) — "contact"; ids (list[int]) — the cards created or changed
cards_written = Signal()
