"""Every write of deals and pipelines: create, change, move to a stage, tick a checklist item, trash,
restore; an administrator's pipelines and stages.

Each write checks the actor's right and scope, validates, keeps the stage history, journals and tells the
client's timeline, in one transaction.
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.accounts.models import User
from crm.contacts.services.common import resolve_owner, tags_for_many, visible_cards
from crm.core.audit import ChangeSource, audit_record, diff
from crm.core.errors import (
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    date_range_error,
    holds_nul,
    too_long,
    unstorable,
)
from crm.core.events import system_entry
from crm.core.models import AuditAction
from crm.deals import standard_fields
from crm.deals.models import (
    DEFAULT_CURRENCY,
    LOSS_REASON_LIST,
    SOURCE_LIST,
    Deal,
    DealItem,
    Pipeline,
    Stage,
    StageChange,
    StageKind,
)
from crm.deals.money import CURRENCIES, money, parse_amount
from crm.deals.services.lines import LineInput, clean_lines, lines_text
from crm.deals.visibility import KIND, may
from crm.fields import values as custom_values
from crm.fields.schema import schema_for


@dataclass
class DealInput:
    title: str = ""
    pipeline_id: int | None = None  # default: the first pipeline in use
    stage_id: int | None = None  # default: the pipeline's first stage
    contact_id: int | None = None
    company_id: int | None = None
    amount: decimal.Decimal | int | str | None = None
    currency: str = DEFAULT_CURRENCY
    expected_close: datetime.date | None = None
    owner_id: int | None = None  # default: the actor
    source_id: int | None = None
    loss_reason_id: int | None = None
    loss_comment: str = ""
    tags: list[str] | None = None  # None: a change keeps the deal's tags
    custom: dict[str, Any] | None = None  # custom fields by key; those not given keep their value


def deal_create(*, actor: User, data: DealInput, source: ChangeSource) -> Deal:
    access.require(actor, KIND, "create")
    with transaction.atomic():
        contact, company = visible_cards(actor, data.contact_id, data.company_id)
        clean = _clean(actor, data, current=None)
        stage: Stage = clean.pop("stage")
        tags = clean.pop("tags") or []
        deal = Deal(**clean, contact=contact, company=company, stage=stage, pipeline_id=stage.pipeline_id)
        deal.department_id = deal.owner.department_id
        now = timezone.now()
        deal.created_at = deal.updated_at = now
        _enter(deal, stage, now)
        deal.save()
        _set_tags(deal, tags)
        StageChange.objects.create(deal=deal, from_stage=None, to_stage=stage, at=now, by=_who(actor))
        audit_record(
            actor=actor, source=source, action=AuditAction.CREATE, obj=deal, changes=diff({}, _values(deal))
        )
        words = _words(deal)
        text = gettext("New deal «%(title)s»: %(amount)s, stage «%(stage)s».") % words
        _tell_timeline(deal, actor, text, about_field="deal.amount")
        _stage_task(deal, stage, actor, source)
    return deal


def deal_update(*, actor: User, deal_id: int, data: DealInput, source: ChangeSource) -> Deal:
    """Change a deal's content; a new stage here is a move like a drag on the board."""
    with transaction.atomic():
        deal = _locked(actor, deal_id, "edit")
        before = _values(deal)
        # A client the deal already has stays, seen or not; a new one must be one the actor sees.
        contact, company = visible_cards(
            actor,
            None if data.contact_id == deal.contact_id else data.contact_id,
            None if data.company_id == deal.company_id else data.company_id,
        )
        contact = deal.contact if data.contact_id == deal.contact_id and data.contact_id else contact
        company = deal.company if data.company_id == deal.company_id and data.company_id else company
        clean = _clean(actor, data, current=deal)
        stage: Stage = clean.pop("stage")
        tags = clean.pop("tags")
        if tags is not None:
            _set_tags(deal, tags)
        for key, value in clean.items():
            setattr(deal, key, value)
        deal.contact, deal.company = contact, company
        deal.department_id = deal.owner.department_id
        moved = stage.pk != deal.stage_id
        previous = deal.stage
        now = timezone.now()
        if moved:
            _record_move(deal, previous, stage, actor, now)
            deal.pipeline_id = stage.pipeline_id  # a stage of another pipeline takes the deal there
        deal.updated_at = now
        deal.save()
        changes = diff(before, _values(deal))
        if changes:
            audit_record(actor=actor, source=source, action=AuditAction.UPDATE, obj=deal, changes=changes)
        if moved:
            _tell_move(deal, previous, stage, actor)
            _stage_task(deal, stage, actor, source)
    return deal


def deal_move(
    *,
    actor: User,
    deal_id: int,
    stage_id: int,
    source: ChangeSource,
    loss_reason_id: int | None = None,
    loss_comment: str = "",
    batch: Any = None,
) -> Deal:
    """Move a deal to a stage of its pipeline (a drop on the board). A move to a lost stage needs the
    reason; nothing is stored without it. ``batch``: the bulk action it is part of (its journal's)."""
    with transaction.atomic():
        deal = _locked(actor, deal_id, "edit")
        stage = Stage.objects.filter(pk=stage_id, pipeline_id=deal.pipeline_id).first()
        if stage is None:
            raise ValidationFailed(
                [FieldError("stage_id", "invalid", _("Choose a stage of the deal's pipeline."))]
            )
        if stage.pk == deal.stage_id:
            return deal
        before = _values(deal)
        errors: list[FieldError] = []
        if stage.kind == StageKind.LOST:
            deal.loss_reason_id = _loss_reason(loss_reason_id, deal.loss_reason_id, errors)
            comment = (loss_comment or "").strip()
            if holds_nul(comment):
                errors.append(unstorable("loss_comment"))
            deal.loss_comment = comment
        if errors:
            raise ValidationFailed(errors)
        previous = deal.stage
        now = timezone.now()
        _record_move(deal, previous, stage, actor, now)
        deal.updated_at = now
        deal.save()
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.UPDATE,
            obj=deal,
            changes=diff(before, _values(deal)),
            batch=batch,
        )
        _tell_move(deal, previous, stage, actor)
        _stage_task(deal, stage, actor, source)
    return deal


def deals_to_stage_clean(*, stage_id: Any, loss_reason_id: Any) -> dict[str, Any]:
    """Check a move of many deals before it is queued (a bulk action's params): a stage of a pipeline in
    use, with the reason when it is a lost one."""
    stage = Stage.objects.filter(pk=stage_id, pipeline__is_active=True).first() if stage_id else None
    if stage is None:
        raise ValidationFailed([FieldError("stage_id", "invalid", _("Choose a stage from the list."))])
    errors: list[FieldError] = []
    reason = _loss_reason(loss_reason_id, None, errors) if stage.kind == StageKind.LOST else None
    if errors:
        raise ValidationFailed(errors)
    return {"value": stage.pk, "loss_reason_id": reason}


def deals_to_stage(
    *,
    actor: User,
    ids: list[int],
    stage_id: int,
    source: ChangeSource,
    batch: Any,
    loss_reason_id: int | None = None,
    expect: int | None = None,
) -> dict[tuple[int, int | None], list[int]]:
    """Move the deals of ``ids`` in the stage's pipeline the actor may edit to the stage, each as a drop
    on the board moves it (its stage history, journal under ``batch``, timeline, the stage's task), in its
    own transaction: a bulk action's run in the worker. With ``expect``, only deals still at that stage.
    Returns the deals moved by the stage (and loss reason) each left: what an undo puts back."""
    from crm.core.ids import with_ids

    stage = Stage.objects.get(pk=stage_id)
    rows = with_ids(Deal.objects.visible_to(actor), "id", ids).filter(pipeline_id=stage.pipeline_id)
    rows = rows.exclude(stage_id=stage_id)
    if expect is not None:
        rows = rows.filter(stage_id=expect)
    moved: dict[tuple[int, int | None], list[int]] = {}
    for pk, left, reason in rows.order_by("pk").values_list("pk", "stage_id", "loss_reason_id"):
        try:
            deal_move(
                actor=actor,
                deal_id=pk,
                stage_id=stage_id,
                source=source,
                loss_reason_id=loss_reason_id,
                batch=batch,
            )
        except (NotFound, PermissionDenied, ValidationFailed):
            continue  # not theirs to move, or moved elsewhere meanwhile: left as it is
        moved.setdefault((left, reason), []).append(pk)
    return moved


def deal_check(*, actor: User, deal_id: int, item: str, done: bool, source: ChangeSource) -> Deal:
    """Tick (or untick) an item of the current stage's checklist."""
    with transaction.atomic():
        deal = _locked(actor, deal_id, "edit")
        if item not in deal.stage.checklist:
            raise ValidationFailed(
                [FieldError("item", "invalid", _("This stage's checklist has no such item."))]
            )
        checked = [i for i in deal.checked if i != item] + ([item] if done else [])
        if checked == deal.checked:
            return deal
        deal.checked = checked
        deal.updated_at = timezone.now()
        deal.save(update_fields=["checked", "updated_at"])
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.UPDATE,
            obj=deal,
            changes={"checked": [None if done else item, item if done else None]},
        )
    return deal


def deal_delete(*, actor: User, deal_id: int, source: ChangeSource) -> Deal:
    with transaction.atomic():
        deal = _locked(actor, deal_id, "delete")
        deal.deleted_at = timezone.now()
        deal.deleted_by = actor
        deal.save(update_fields=["deleted_at", "deleted_by"])
        audit_record(actor=actor, source=source, action=AuditAction.DELETE, obj=deal)
    return deal


def deal_restore(*, actor: User, deal_id: int, source: ChangeSource) -> Deal:
    with transaction.atomic():
        deal = _locked(actor, deal_id, "delete", trash=True)
        deal.deleted_at = None
        deal.deleted_by = None
        deal.save(update_fields=["deleted_at", "deleted_by"])
        audit_record(actor=actor, source=source, action=AuditAction.RESTORE, obj=deal)
    return deal


def deals_move(*, from_contact_id: int, to_contact_id: int, deal_ids: list[int] | None = None) -> list[int]:
    """A person's deals go to another card (a merge, or its undo: ``deal_ids`` names those to take back).
    The caller checks the rights and journals the merge."""
    deals = Deal.objects.filter(contact_id=from_contact_id)
    if deal_ids is not None:
        deals = deals.filter(pk__in=deal_ids)
    moved = list(deals.values_list("pk", flat=True))
    Deal.objects.filter(pk__in=moved).update(contact_id=to_contact_id)
    return moved


# Helpers


def _who(actor: User) -> User | None:
    return actor if getattr(actor, "pk", None) else None


def _locked(actor: User, deal_id: int, action: str, *, trash: bool = False) -> Deal:
    """The deal for a write, locked, if the actor sees it; PermissionDenied if they see it but their role
    does not allow ``action`` on deals.

    The locking query reads the deal's own row only. Joined to its stage, a move that waited for another
    move's lock found nothing on PostgreSQL: after the wait the deal's new row is checked again against
    the join's old stage row, whose id no longer matches (a 404 for a deal that is there)."""
    deal = Deal.objects.select_for_update().visible_to(actor, trash=trash).filter(pk=deal_id).first()
    if deal is None:
        raise NotFound
    deal.stage = Stage.objects.get(pk=deal.stage_id)
    if not may(actor, deal, action):
        raise PermissionDenied(f"{action} deal")
    return deal


def _enter(deal: Deal, stage: Stage, now: datetime.datetime) -> None:
    """The deal's fields that follow from standing at ``stage`` since ``now``."""
    deal.stage = stage
    deal.status = stage.kind
    deal.stage_entered_at = now
    deal.stage_due_at = now + datetime.timedelta(days=stage.days_limit) if stage.days_limit else None
    deal.checked = []
    deal.closed_at = now if stage.kind != StageKind.OPEN else None
    if stage.kind != StageKind.LOST:
        deal.loss_reason_id, deal.loss_comment = None, ""


def _record_move(deal: Deal, previous: Stage, stage: Stage, actor: User, now: datetime.datetime) -> None:
    seconds = max(0, int((now - deal.stage_entered_at).total_seconds()))
    if stage.kind == StageKind.LOST and deal.loss_reason_id is None:
        raise ValidationFailed([FieldError("loss_reason_id", "required", _("Say why the deal was lost."))])
    _enter(deal, stage, now)
    StageChange.objects.create(
        deal=deal, from_stage=previous, to_stage=stage, at=now, by=_who(actor), seconds_before=seconds
    )


def _tell_timeline(deal: Deal, actor: User, summary: str, about_field: str = "") -> None:
    """An automatic entry on the client's timeline; one that tells the amount is about "deal.amount", so a
    role the deals' amount is hidden from does not see it."""
    if deal.contact_id or deal.company_id:
        system_entry(
            summary=summary,
            actor=actor,
            contact_id=deal.contact_id,
            company_id=deal.company_id,
            about_field=about_field,
        )


def _tell_move(deal: Deal, previous: Stage, stage: Stage, actor: User) -> None:
    words = _words(deal) | {"from": previous.name}
    if stage.kind == StageKind.WON:
        text = gettext("Deal «%(title)s» won: %(amount)s.") % words
    elif stage.kind == StageKind.LOST:
        option = schema_for("contact").option(deal.loss_reason_id)
        words["reason"] = str(option) if option else ""
        text = gettext("Deal «%(title)s» lost: %(reason)s.") % words
    else:
        text = gettext("Deal «%(title)s»: %(from)s → %(stage)s.") % words
    _tell_timeline(deal, actor, text, about_field="deal.amount" if stage.kind == StageKind.WON else "")


def _words(deal: Deal) -> dict[str, str]:
    return {"title": deal.title, "amount": money(deal.amount, deal.currency), "stage": deal.stage.name}


def _stage_task(deal: Deal, stage: Stage, actor: User, source: ChangeSource) -> None:
    """A stage with a responsible person gives them a task for the deal, due by the stage's deadline."""
    if stage.responsible_id is None or stage.kind != StageKind.OPEN:
        return
    from crm.tasks.services import TaskInput, task_create

    due = deal.stage_due_at or timezone.now() + datetime.timedelta(days=1)
    task_create(
        actor=actor,
        data=TaskInput(
            title=gettext("Deal «%(title)s»: stage «%(stage)s»") % _words(deal),
            due_at=due,
            assignee_id=stage.responsible_id,
            contact_id=deal.contact_id,
            company_id=deal.company_id,
        ),
        source=source,
    )


def _loss_reason(value: Any, keep: int | None, errors: list[FieldError]) -> int | None:
    if value in (None, ""):
        errors.append(FieldError("loss_reason_id", "required", _("Say why the deal was lost.")))
        return None
    option = schema_for("contact").offered_option(LOSS_REASON_LIST, value, keep=keep)
    if option is None:
        errors.append(FieldError("loss_reason_id", "invalid", _("Choose a reason from the list.")))
        return None
    return option.pk


def _clean(actor: User, data: DealInput, current: Deal | None) -> dict[str, Any]:
    errors: list[FieldError] = []
    errors += [
        unstorable(name) for name in ("title", "loss_comment", "currency") if holds_nul(getattr(data, name))
    ]
    title = " ".join((data.title or "").split())
    if not title:
        errors.append(FieldError("title", "required", _("Name the deal.")))
    elif len(title) > 255:
        errors.append(too_long("title", 255))
    stage = _stage(data, current, errors)
    # The deal's type is its pipeline's: the fields it carries and those required (a candidate's vacancy).
    type_id = (
        stage.pipeline.record_type_id if stage is not None else (current.record_type_id if current else None)
    )
    # A standard field the type does not carry, or the actor's role may not change, keeps its value.
    may = standard_fields.editable(actor, type_id)
    if may["amount"]:
        amount = parse_amount(data.amount, "amount", errors)
        currency = (data.currency or DEFAULT_CURRENCY).strip().upper()
        if currency not in CURRENCIES:
            errors.append(FieldError("currency", "invalid", _("Choose a currency from the list.")))
    else:
        amount = current.amount if current else decimal.Decimal(0)
        currency = current.currency if current else DEFAULT_CURRENCY
    if current is not None and current.items.exists():  # a deal with lines is worth their sum
        amount = current.amount
    expected = data.expected_close if may["expected_close"] else (current.expected_close if current else None)
    if expected is not None and (wrong := date_range_error("expected_close", expected)) is not None:
        errors.append(wrong)
    keep_owner = current.owner_id if current else None
    owner = (
        current.owner
        if current and data.owner_id in (None, keep_owner)
        else resolve_owner(actor, data.owner_id, errors)
    )
    schema = schema_for("contact")
    source_id = None
    if not may["source"]:
        source_id = current.source_id if current else None
    elif data.source_id not in (None, ""):
        option = schema.offered_option(
            SOURCE_LIST, data.source_id, keep=current.source_id if current else None
        )
        if option is None:
            errors.append(FieldError("source_id", "invalid", _("Choose a source from the list.")))
        else:
            source_id = option.pk
    loss_reason_id, loss_comment = None, ""
    if stage is not None and stage.kind == StageKind.LOST:
        keep = current.loss_reason_id if current else None
        loss_reason_id = _loss_reason(data.loss_reason_id or keep, keep, errors)
        loss_comment = (data.loss_comment or "").strip()
    tags = _tags(data.tags, errors) if may["tags"] else None
    custom = custom_values.clean_custom(
        schema=schema_for(KIND),
        actor=actor,
        type_id=type_id,
        raw=data.custom,
        current=current.custom if current else None,
        creating=current is None,
        errors=errors,
    )
    filled = {
        "amount": bool(amount),
        "expected_close": expected is not None,
        "source": source_id is not None,
        "tags": bool(tags) if tags is not None else bool(current and current.tags.exists()),
    }
    custom_values.required_standard_errors(
        schema=schema_for(KIND), actor=actor, type_id=type_id, filled=filled, errors=errors
    )
    if errors:
        raise ValidationFailed(errors)
    return {
        "record_type_id": type_id,
        "custom": custom,
        "title": title,
        "tags": tags,
        "stage": stage,
        "amount": amount,
        "currency": currency,
        "expected_close": expected,
        "owner": owner,
        "source_id": source_id,
        "loss_reason_id": loss_reason_id,
        "loss_comment": loss_comment,
    }


def _stage(data: DealInput, current: Deal | None, errors: list[FieldError]) -> Stage | None:
    if data.stage_id not in (None, ""):
        stage = Stage.objects.select_related("pipeline").filter(pk=data.stage_id).first()
        if stage is None or (data.pipeline_id not in (None, "") and stage.pipeline_id != data.pipeline_id):
            errors.append(FieldError("stage_id", "invalid", _("Choose a stage of the deal's pipeline.")))
            return None
        if not stage.pipeline.is_active and (current is None or current.pipeline_id != stage.pipeline_id):
            errors.append(FieldError("stage_id", "invalid", _("This pipeline is no longer in use.")))
            return None
        return stage
    if current is not None and data.pipeline_id in (None, "", current.pipeline_id):
        return current.stage
    pipelines = Pipeline.objects.filter(is_active=True)
    if data.pipeline_id not in (None, ""):
        pipelines = pipelines.filter(pk=data.pipeline_id)
    stage = (
        Stage.objects.filter(pipeline__in=pipelines, kind=StageKind.OPEN)
        .order_by("pipeline__order", "pipeline_id", "order", "id")
        .first()
    )
    if stage is None:
        field_name = "pipeline_id" if data.pipeline_id not in (None, "") else "stage_id"
        errors.append(FieldError(field_name, "invalid", _("Choose a pipeline in use.")))
    return stage


def _values(deal: Deal) -> dict[str, Any]:
    schema = schema_for("contact")
    source, reason = schema.option(deal.source_id), schema.option(deal.loss_reason_id)
    return {
        "title": deal.title,
        "pipeline": str(deal.stage.pipeline) if deal.stage_id else None,
        "stage": deal.stage.name if deal.stage_id else None,
        "status": deal.status,
        "contact": str(deal.contact) if deal.contact_id else None,
        "company": str(deal.company) if deal.company_id else None,
        "amount": deal.amount,
        "currency": deal.currency,
        "expected_close": deal.expected_close,
        "owner": str(deal.owner) if deal.owner_id else None,
        "source": source.label if source else None,
        "loss_reason": reason.label if reason else None,
        "loss_comment": deal.loss_comment,
        "tags": sorted(t.name for t in deal.tags.all()) if deal.pk else [],
    } | custom_values.journal_values(
        schema_for(KIND), deal.custom or {}, custom_values.user_names(schema_for(KIND), [deal.custom or {}])
    )


MAX_TAGS = 20


def _tags(names: list[str] | None, errors: list[FieldError]) -> list[str] | None:
    """Tag names as typed, each once whatever its case; None when the input leaves the tags alone."""
    if names is None:
        return None
    if holds_nul(names):
        errors.append(unstorable("tags"))
        return None
    found: dict[str, str] = {}
    for name in names:
        clean = " ".join(str(name).split())
        if not clean:
            continue
        if len(clean) > 64:
            errors.append(too_long("tags", 64))
            return None
        found.setdefault(clean.casefold(), clean)
    if len(found) > MAX_TAGS:
        errors.append(FieldError("tags", "too_many", _("At most 20 tags.")))
        return None
    return list(found.values())


def _set_tags(deal: Deal, names: list[str]) -> None:
    tags = tags_for_many([names])
    deal.tags.set([tags[name.casefold()] for name in names])


def deal_lines_save(*, actor: User, deal_id: int, lines: list[LineInput], source: ChangeSource) -> Deal:
    """Replace a deal's lines (products, quantities, prices, discounts); a deal with lines is worth their
    sum. Without lines, the deal keeps the amount it had."""
    with transaction.atomic():
        deal = _locked(actor, deal_id, "edit")
        if not standard_fields.editable(actor, deal.record_type_id)["amount"]:  # the lines make the amount
            message = _("The amount of this deal is not yours to change, nor its lines.")
            raise ValidationFailed([FieldError("lines", "read_only", message)])
        current = list(deal.items.all())
        errors: list[FieldError] = []
        cleaned = clean_lines(lines, errors, keep={i.product_id for i in current if i.product_id})
        if errors:
            raise ValidationFailed(errors)
        before = {"lines": lines_text([_line_values(i) for i in current]), "amount": deal.amount}
        deal.items.all().delete()
        DealItem.objects.bulk_create(DealItem(deal=deal, **line) for line in cleaned)
        if cleaned:
            deal.amount = sum((line["amount"] for line in cleaned), decimal.Decimal(0))
        deal.updated_at = timezone.now()
        deal.save(update_fields=["amount", "updated_at"])
        changes = diff(before, {"lines": lines_text(cleaned), "amount": deal.amount})
        if changes:
            audit_record(actor=actor, source=source, action=AuditAction.UPDATE, obj=deal, changes=changes)
    return deal


def _line_values(item: DealItem) -> dict[str, Any]:
    return {"name": item.name, "quantity": item.quantity, "price": item.price, "discount": item.discount}
