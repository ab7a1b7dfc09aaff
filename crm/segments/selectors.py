"""Every read of segments: the user's list, one segment, its members, its count, its report."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from crm.accounts import access
from crm.accounts.models import User
from crm.activities.models import INTERACTIONS, Entry
from crm.contacts import selectors as contacts
from crm.contacts.models import BaseType, Company, Contact, ContactStatus
from crm.core.errors import NotFound
from crm.core.pagination import Page
from crm.deals import selectors as deal_selectors
from crm.deals.models import Deal, Order, OrderStatus, Stage, StageKind
from crm.segments import rules
from crm.segments.models import BulkAction, BulkVerb, Segment, SegmentSize
from crm.tasks import selectors as task_selectors
from crm.tasks.models import Task, TaskStatus

MODELS: dict[str, Any] = {"contact": Contact, "company": Company, "deal": Deal, "task": Task}


def segment_list(*, user: User, kind: str | None = None) -> list[Segment]:
    """The user's own segments and the shared ones, by name."""
    qs = Segment.objects.visible_to(user).select_related("owner")
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("name", "id"))


def segment_get(*, user: User, pk: int, trash: bool = False) -> Segment:
    segment = Segment.objects.visible_to(user, trash=trash).select_related("owner").filter(pk=pk).first()
    if segment is None:
        raise NotFound
    return segment


def trashed_segments(*, user: User) -> list[Segment]:
    return list(Segment.objects.visible_to(user, trash=True).order_by("-deleted_at"))


def members(*, user: User, kind: str, definition: Any) -> QuerySet[Any]:
    """The cards the user sees that meet the definition (checked again for this user: a field hidden
    from them, or an option since removed, raises ``ValidationFailed`` naming the rule)."""
    ctx = rules.context(user, kind)
    checked = rules.check(definition, ctx)
    return MODELS[kind].objects.visible_to(user).filter(rules.to_q(checked, ctx))


def where(*, user: User, kind: str, definition: Any) -> Q:
    """The definition as one condition for the cards' lists (checked for this user as ``members`` does)."""
    ctx = rules.context(user, kind)
    return rules.to_q(rules.check(definition, ctx), ctx)


def member_count(*, user: User, kind: str, definition: Any) -> int:
    """How many cards the user sees meet the definition, counted in disjoint parts where that lets each
    part be one index range (``rules.count_parts``)."""
    ctx = rules.context(user, kind)
    checked = rules.check(definition, ctx)
    seen = MODELS[kind].objects.visible_to(user)
    return sum(seen.filter(part).count() for part in rules.count_parts(checked, ctx))


def member_page(
    *, user: User, segment: Segment, sort: str = "", cursor: str | None = None, limit: int = 50
) -> Page[Any]:
    """A page of the segment's members as the cards' list shows them (its columns, sorts and cursor)."""
    condition = where(user=user, kind=segment.kind, definition=segment.definition)
    if segment.kind == "task":
        tasks_found = task_selectors.TaskFilters(status=task_selectors.STATUS_ANY, where=condition)
        return task_selectors.task_page(
            user=user, filters=tasks_found, sort=sort or segment.sort or "due", cursor=cursor, limit=limit
        )
    if segment.kind == "deal":
        found = deal_selectors.Filters(where=condition)
        return deal_selectors.deal_list(
            user=user, filters=found, sort=sort or segment.sort or "new", cursor=cursor, limit=limit
        )
    sort = sort or segment.sort or "name"
    if segment.kind == "company":
        company_filters = contacts.CompanyFilters(where=condition)
        return contacts.company_list(
            user=user, filters=company_filters, sort=sort, cursor=cursor, limit=limit
        )
    contact_filters = contacts.ContactFilters(where=condition)
    return contacts.contact_list(user=user, filters=contact_filters, sort=sort, cursor=cursor, limit=limit)


def catalogue(*, user: User, kind: str) -> list[dict[str, Any]]:
    """What the builder offers this user: each criterion with its group, kind of value, comparisons and
    options, as JSON for the page's script and the API."""
    ctx = rules.context(user, kind)
    return [
        {
            "key": c.key,
            "label": str(c.label),
            "group": str(c.group),
            "value": c.value,
            "ops": [{"op": op, "label": rules.op_label(c.value, op)} for op in rules.OPS[c.value]],
            "period": c.period,
            "options": [{"value": v, "label": label} for v, label in (c.options(ctx) if c.options else [])],
        }
        for c in rules.catalogue(ctx)
    ]


def describe(*, user: User, kind: str, definition: Any) -> str:
    """The conditions in words, as a list's header shows them: «Статус — один из: Ожидает предложение
    и Теги — любой из: Запрос_прайса»."""
    ctx = rules.context(user, kind)
    known = {c.key: c for c in rules.catalogue(ctx)}

    def shown(value: Any, labels: dict[str, str]) -> str:
        if isinstance(value, list):
            return ", ".join(shown(v, labels) for v in value)
        if isinstance(value, bool):
            return gettext("yes") if value else gettext("no")
        return labels.get(str(value), str(value))

    def rule_text(rule: dict[str, Any]) -> str:
        criterion = known.get(rule.get("field", ""))
        if criterion is None:
            return gettext("a condition on a field hidden from you")
        op = rule.get("op", "")
        labels = {str(v): label for v, label in criterion.options(ctx)} if criterion.options else {}
        dash = "" if criterion.value == "number" else " —"
        text = f"{criterion.label}{dash} {rules.op_label(criterion.value, op)}"
        if "value" in rule:
            value = rule["value"]
            if criterion.value == "date" and op in rules.DAYS_OPS:
                text = text.replace("N", str(value))
            elif op == "between" and isinstance(value, list) and len(value) == 2:
                text += f" {shown(value[0], labels)} – {shown(value[1], labels)}"
            elif labels:
                text += f": {shown(value, labels)}"
            elif criterion.value == "text":
                text += f" «{value}»"
            else:
                text += f" {shown(value, labels)}"
        if "days" in rule:
            if criterion.value == "bought":
                text = text.replace("N", str(rule["days"]))
            else:
                text += " " + gettext("(last %(days)d days)") % {"days": rule["days"]}
        return text

    def group_text(group: dict[str, Any], nested: bool) -> str:
        parts = [group_text(r, True) if "rules" in r else rule_text(r) for r in group.get("rules", [])]
        if not parts:
            return gettext("every card") if not nested else ""
        word = gettext("or") if group.get("match") == "any" else gettext("and")
        joiner = f" {word} "
        text = joiner.join(p for p in parts if p)
        return f"({text})" if nested and len(parts) > 1 else text

    return group_text(definition if isinstance(definition, dict) else rules.empty(), False)


def sizes(*, segment: Segment, days: int = 90) -> list[SegmentSize]:
    since = timezone.localdate() - datetime.timedelta(days=days)
    return list(SegmentSize.objects.filter(segment=segment, day__gte=since).order_by("day"))


@dataclass
class Report:
    """What was done with a segment's members in a period, and what came of it."""

    days: int
    members: int
    contacted: int  # members with at least one call, e-mail, meeting or message in the period
    interactions: int
    orders: int
    orders_total: Decimal
    deals_won: int
    deals_won_total: Decimal
    deals_lost: int
    tasks_done: int = 0  # a segment of tasks: those of them done in the period
    tasks_overdue: int = 0  # and those open past their due moment now


def report(*, user: User, segment: Segment, days: int = 30) -> Report:
    """The segment's members now, and the contacts made with them, their orders and their closed deals in
    the last ``days`` days: a handful of aggregate queries over the members' ids as a subquery."""
    now = timezone.now()
    since = now - datetime.timedelta(days=days)
    if segment.kind == "task":
        tasks = members(user=user, kind="task", definition=segment.definition).aggregate(
            n=Count("id"),
            done=Count("id", filter=Q(status=TaskStatus.DONE, completed_at__gte=since)),
            overdue=Count("id", filter=Q(status=TaskStatus.OPEN, due_at__lt=now)),
        )
        return Report(
            days=days,
            members=tasks["n"],
            contacted=0,
            interactions=0,
            orders=0,
            orders_total=Decimal(0),
            deals_won=0,
            deals_won_total=Decimal(0),
            deals_lost=0,
            tasks_done=tasks["done"],
            tasks_overdue=tasks["overdue"],
        )
    if segment.kind == "deal":  # a segment of deals: how many, and those of them closed in the period
        found = members(user=user, kind="deal", definition=segment.definition)
        closed = found.filter(closed_at__gte=since)
        closed_won = closed.filter(status=StageKind.WON).aggregate(
            n=Count("id"), total=Sum("amount", filter=Q(currency=rules.TOTAL_CURRENCY))
        )
        return Report(
            days=days,
            members=found.count(),
            contacted=0,
            interactions=0,
            orders=0,
            orders_total=Decimal(0),
            deals_won=closed_won["n"],
            deals_won_total=closed_won["total"] or Decimal(0),
            deals_lost=closed.filter(status=StageKind.LOST).count(),
        )
    column = "contact_id" if segment.kind == "contact" else "company_id"
    ids = members(user=user, kind=segment.kind, definition=segment.definition).values("pk")
    entries = Entry.objects.filter(
        deleted_at__isnull=True, kind__in=list(INTERACTIONS), occurred_at__gte=since, **{f"{column}__in": ids}
    )
    touched = entries.aggregate(n=Count("id"), cards=Count(column, distinct=True))
    orders: dict[str, Any] = {"n": 0, "total": None}
    won: dict[str, Any] = {"n": 0, "total": None}
    lost = 0
    if access.has_perm(user, "deal", "view"):
        orders = (
            Order.objects.filter(deleted_at__isnull=True, ordered_at__gte=since, **{f"{column}__in": ids})
            .exclude(status=OrderStatus.CANCELLED)
            .aggregate(n=Count("id"), total=Sum("amount", filter=Q(currency=rules.TOTAL_CURRENCY)))
        )
        deals = Deal.objects.visible_to(user).filter(closed_at__gte=since, **{f"{column}__in": ids})
        won = deals.filter(status=StageKind.WON).aggregate(
            n=Count("id"), total=Sum("amount", filter=Q(currency=rules.TOTAL_CURRENCY))
        )
        lost = deals.filter(status=StageKind.LOST).count()
    return Report(
        days=days,
        members=ids.count(),
        contacted=touched["cards"],
        interactions=touched["n"],
        orders=orders["n"],
        orders_total=orders["total"] or Decimal(0),
        deals_won=won["n"],
        deals_won_total=won["total"] or Decimal(0),
        deals_lost=lost,
    )


def bulk_list(*, user: User, limit: int = 50) -> list[BulkAction]:
    """The user's bulk actions, newest first (an administrator's: everyone's)."""
    qs = BulkAction.objects.select_related("created_by", "segment", "undone_by")
    if not access.can_administer(user):
        qs = qs.filter(created_by=user)
    return list(qs.order_by("-created_at")[:limit])


def bulk_get(*, user: User, pk: Any) -> BulkAction:
    action = BulkAction.objects.select_related("created_by", "segment", "undone_by").filter(pk=pk).first()
    if action is None or not (action.created_by_id == user.pk or access.can_administer(user)):
        raise NotFound
    return action


def bulk_value_labels(actions: list[BulkAction]) -> dict[Any, str]:
    """What each action sets, in words (the tag, the manager's or the status's name, the base type), by
    the action's id: the managers and statuses of a whole list read in one query each."""

    def value(action: BulkAction) -> Any:
        return (action.params or {}).get("value")

    owners = {value(a) for a in actions if a.verb == BulkVerb.ASSIGN} - {None}
    statuses = {value(a) for a in actions if a.verb == BulkVerb.STATUS and a.kind != "task"} - {None}
    names: dict[str, dict[Any, str]] = {
        BulkVerb.ASSIGN: {u.pk: str(u) for u in User.objects.filter(pk__in=owners)} if owners else {},
        BulkVerb.STATUS: dict(ContactStatus.objects.filter(pk__in=statuses).values_list("pk", "name"))
        if statuses
        else {},
        BulkVerb.BASE_TYPE: {k: str(v) for k, v in BaseType.choices},
    }
    moved_to = {value(a) for a in actions if a.verb == BulkVerb.STAGE} - {None}
    found = Stage.objects.filter(pk__in=moved_to).select_related("pipeline") if moved_to else []
    stages = {s.pk: f"{s.pipeline.name} → {s.name}" for s in found}
    labels = {}
    for action in actions:
        params = action.params or {}
        if "tag" in params:
            labels[action.pk] = str(params["tag"])
        elif action.verb == BulkVerb.TASK:
            labels[action.pk] = str(params.get("title", "—"))
        elif action.kind == "task" and action.verb == BulkVerb.STATUS:
            labels[action.pk] = str(dict(TaskStatus.choices).get(value(action), "—"))
        elif action.verb == BulkVerb.STAGE:
            labels[action.pk] = stages.get(value(action), "—")
        elif action.verb == BulkVerb.DUE:
            labels[action.pk] = date_format(datetime.date.fromisoformat(value(action)), "d.m.Y")
        else:
            labels[action.pk] = names.get(action.verb, {}).get(value(action), "—")
    return labels
