"""Reads of lead scoring: the settings, the rules, a person's score and what made it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from crm.accounts.models import User
from crm.contacts.models import Contact
from crm.core.errors import NotFound
from crm.scoring.fading import decayed
from crm.scoring.models import Action, Band, Rule, Score, Settings, Signal


def settings() -> Settings:
    """The settings row (made by the migration); the defaults if it is missing."""
    return Settings.objects.filter(pk=1).first() or Settings(pk=1)


def rules(*, active_only: bool = False) -> list[Rule]:
    """The rules in the order of their actions (a mailing first, an order last), then by address."""
    rows = Rule.objects.all()
    order = {action: n for n, action in enumerate(Action.values)}
    found = list(rows.filter(active=True) if active_only else rows)
    return sorted(found, key=lambda r: (order.get(r.action, len(order)), r.address_contains, r.pk))


def active_rules() -> list[Rule]:
    return rules(active_only=True)


@dataclass
class SignalNow:
    """A signal as the card shows it: its points then, and what they are worth today."""

    action: str
    action_label: str
    occurred_at: datetime.datetime
    address: str
    points: int
    worth: int


@dataclass
class ContactScore:
    points: int
    band: str
    band_label: str
    signals: list[SignalNow]  # the latest, newest first


def contact_score(*, user: User, contact_id: int, limit: int = 10) -> ContactScore:
    """A person's score and the latest signals behind it, for one who sees the card."""
    if not Contact.objects.visible_to(user).filter(pk=contact_id).exists():
        raise NotFound
    return score_of(contact_id, limit=limit)


def score_of(contact_id: int, *, limit: int = 10) -> ContactScore:
    """The score of a card the caller has already read (its section on the card)."""
    score = Score.objects.filter(contact_id=contact_id).first()
    if score is None:  # nothing counts now (no signals, or all faded): one query for most cards
        return ContactScore(points=0, band=Band.COLD, band_label=str(Band.COLD.label), signals=[])
    points, band = score.points, score.band
    conf = settings()
    today = timezone.localdate()
    latest = [
        SignalNow(
            action=s.action,
            action_label=s.get_action_display(),
            occurred_at=s.occurred_at,
            address=s.address,
            points=s.points,
            worth=round(decayed(s.points, s.day, conf, today)),
        )
        for s in Signal.objects.filter(contact_id=contact_id).order_by("-occurred_at", "-id")[:limit]
    ]
    return ContactScore(points=points, band=band, band_label=str(Band(band).label), signals=latest)


def bands(contact_ids: list[int]) -> dict[int, tuple[int, str]]:
    """Points and band of each scored person of a page (one query); the others are cold at zero."""
    return {
        pk: (points, band)
        for pk, points, band in Score.objects.filter(contact_id__in=contact_ids).values_list(
            "contact_id", "points", "band"
        )
    }


def band_counts() -> dict[str, int]:
    from django.db.models import Count

    counted = dict(Score.objects.exclude(band=Band.COLD).values_list("band").annotate(n=Count("pk")))
    return {Band.HOT: counted.get(Band.HOT, 0), Band.WARM: counted.get(Band.WARM, 0)}
