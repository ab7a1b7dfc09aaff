"""Lead scoring (R5.4): what a person does earns points, the points fade with time, and the sum makes the
person hot, warm or cold.

A ``Signal`` is one thing a person did (opened a mailing, visited a page, filled a form, replied, called,
met, ordered), recorded by the service that saw it or sent through the API by a mailing tool or the
website. Each counts once a day per kind and page. ``Rule`` rows, which an administrator edits, give each
kind its points (a page rule only to the pages whose address holds its text); a signal's points are the
sum of the rules it matches. ``Score`` keeps each scored person's sum as of today and its band; a person
without one is cold at zero. Points halve every ``Settings.half_life_days`` days, counted in whole days,
so the nightly recount is what moves a score that nothing new happened to.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Action(models.TextChoices):
    EMAIL_OPENED = "email_opened", _("Opened a mailing")
    LINK_CLICKED = "link_clicked", _("Clicked a link in a mailing")
    PAGE_VISITED = "page_visited", _("Visited a page of the website")
    FORM_FILLED = "form_filled", _("Filled in a form")
    REPLIED = "replied", _("Replied (an incoming e-mail or message)")
    CALLED = "called", _("Called us")
    MET = "met", _("Had a meeting")
    ORDERED = "ordered", _("Placed an order")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed from the mailings")


# Actions whose rules may name a part of an address (the page, the link).
WITH_ADDRESS = frozenset({Action.PAGE_VISITED, Action.LINK_CLICKED})


class Band(models.TextChoices):
    HOT = "hot", pgettext_lazy("lead", "Hot")
    WARM = "warm", pgettext_lazy("lead", "Warm")
    COLD = "cold", pgettext_lazy("lead", "Cold")


class Settings(models.Model):
    """The one row of the scoring's settings (id 1)."""

    half_life_days = models.PositiveSmallIntegerField(_("points halve every, days"), default=30)
    hot_from = models.IntegerField(_("hot from, points"), default=60)
    warm_from = models.IntegerField(_("warm from, points"), default=25)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lead scoring settings")

    def __str__(self) -> str:
        return str(_("Lead scoring"))

    def band(self, points: int) -> str:
        if points >= self.hot_from:
            return Band.HOT
        if points >= self.warm_from:
            return Band.WARM
        return Band.COLD


class Rule(models.Model):
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    address_contains = models.CharField(_("address contains"), max_length=200, blank=True)
    points = models.SmallIntegerField(_("points"))
    active = models.BooleanField(_("on"), default=True)  # a rule is switched off, never deleted
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["action", "address_contains", "id"]
        verbose_name = _("scoring rule")
        verbose_name_plural = _("scoring rules")
        constraints = [
            models.UniqueConstraint(fields=["action", "address_contains"], name="scoring_rule_once"),
        ]

    def __str__(self) -> str:
        where = f" ({self.address_contains})" if self.address_contains else ""
        return f"{self.get_action_display()}{where}: {self.points:+d}"


class Signal(models.Model):
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    occurred_at = models.DateTimeField(_("when"))
    day = models.DateField()  # the local day of ``occurred_at``: a kind of signal counts once a day
    address = models.CharField(_("address"), max_length=500, blank=True)
    points = models.SmallIntegerField(default=0)  # from the rules, set again when they change
    channel = models.CharField(max_length=16, default="system")  # who told us: ui, api, import, system
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("lead signal")
        verbose_name_plural = _("lead signals")
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "day", "action", "address"], name="scoring_signal_once_a_day"
            ),
        ]
        indexes = [
            # The nightly recount: the people with signals since the horizon, in one index range.
            models.Index(fields=["day", "contact"], name="scoring_signal_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.action} {self.day}"


class Score(models.Model):
    """A person's points as of ``day`` and their band; kept by the services, only for people with some."""

    contact = models.OneToOneField(
        "contacts.Contact", primary_key=True, on_delete=models.CASCADE, related_name="lead_score"
    )
    points = models.IntegerField(default=0)
    band = models.CharField(max_length=8, choices=Band.choices, default=Band.COLD)
    day = models.DateField()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lead score")
        indexes = [
            models.Index(fields=["band"], name="scoring_band_idx", condition=~Q(band="cold")),
            models.Index(fields=["points"], name="scoring_points_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.points} ({self.band})"
