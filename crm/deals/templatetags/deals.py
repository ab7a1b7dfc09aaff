"""Money as a deal shows it: ``{{ deal.amount|money:deal.currency }}``, ``{{ column.totals|sums }}``."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from crm.deals.money import money as format_money

register = template.Library()


@register.filter
def money(amount: Any, currency: str = "RUB") -> str:
    return format_money(amount or 0, currency or "RUB")


@register.filter
def sums(totals: list[tuple[str, Any]]) -> str:
    """A column's or a client's sums, one per currency: "1 200 000 ₽ + 5 000 $"; "0 ₽" when empty."""
    return " + ".join(format_money(total, currency) for currency, total in totals) or format_money(0, "RUB")


@register.filter
def duration(seconds: int | None) -> str:
    """How long a deal stayed at a stage: "3 days 4 hours", "25 minutes"."""
    from django.utils.translation import ngettext

    seconds = int(seconds or 0)
    if seconds < 60:
        return str(_("less than a minute"))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours and days < 10:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if not days and (minutes or not hours):
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes})
    return " ".join(parts)


@register.filter
def lines(items: list[str] | None) -> str:
    """A checklist as the textarea edits it: one item a line."""
    return "\n".join(items or [])
