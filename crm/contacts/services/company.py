"""Writes of companies: create, update, trash, restore, purge, comment."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.accounts.models import User
from crm.contacts.declarations import filled, input_attrs, stored_values
from crm.contacts.inputs import CompanyInput, company_input_from
from crm.contacts.models import Comment, Company, CompanyEmail, CompanyPhone
from crm.contacts.services import search_index
from crm.contacts.services.card_values import assign_columns, clean_row
from crm.contacts.services.card_values import snapshot as card_snapshot
from crm.contacts.services.common import (
    keep_locked_fields,
    locked_card,
    locked_trashed_card,
    resolve_owner,
    tags_for,
    trash_many,
)
from crm.contacts.services.lines import write_lines
from crm.contacts.services.uniqueness import guard_company
from crm.core import bulk
from crm.core import normalize as norm
from crm.core.audit import ChangeSource, audit_record, audit_records, diff
from crm.core.errors import FieldError, NotFound, ValidationFailed
from crm.core.models import AuditAction
from crm.fields import values as custom_values
from crm.fields.schema import Schema, schema_for


def _clean(actor: User, data: CompanyInput, current: Company | None) -> dict[str, Any]:
    errors: list[FieldError] = []
    clean = _clean_values(actor, schema_for("company"), data, current, errors)
    if errors:
        raise ValidationFailed(errors)
    return clean


SOLE_TRADER_FORMS = frozenset({"ип", "индивидуальный предприниматель"})


def _sole_trader_type(schema: Schema, data: CompanyInput, current: Company | None) -> int | None:
    """A new company of legal form ИП takes the sole trader type (no KPP), when the installation has an
    active one keyed "sole" and no type was chosen; any other company the first active type, as before."""
    if current is not None or (data.legal_form or "").strip().casefold() not in SOLE_TRADER_FORMS:
        return None
    sole = next((t for t in schema.active_types() if t.key == "sole"), None)
    return sole.pk if sole is not None else None


def _clean_values(
    actor: User,
    schema: Schema,
    data: CompanyInput,
    current: Company | None,
    errors: list[FieldError],
    owner_checked: User | None = None,
) -> dict[str, Any]:
    type_id = custom_values.clean_type(
        schema,
        data.record_type_id or _sole_trader_type(schema, data, current),
        current.record_type_id if current else None,
        errors,
    )
    kept = company_input_from(current) if current is not None else CompanyInput()
    keep_locked_fields(actor, schema, type_id, input_attrs("company"), data, kept)
    clean = clean_row("company", data, schema, errors)
    if not clean["name"]:
        errors.append(FieldError("name", "required", _("Enter the company's name.")))
    if owner_checked is not None:
        clean["owner"] = owner_checked
    else:
        owner_id = clean["owner_id"]
        if owner_id is None:
            owner_id = current.owner_id if current else actor.pk
        clean["owner"] = resolve_owner(actor, owner_id, errors)
    custom_values.clean_configured(
        schema=schema,
        actor=actor,
        type_id=type_id,
        raw=data.custom,
        current=current,
        filled=lambda values, keys: filled("company", values, keys),
        clean=clean,
        errors=errors,
    )
    return clean


def companies_named(
    *, actor: User, names: list[tuple[str, User | None]], source: ChangeSource, batch: uuid.UUID | None
) -> list[Company]:
    """New companies known only by their name and owner (typed on a person's card or in an import row),
    created in one insert per table with their journal entries. The owners were checked by the caller;
    a name alone carries no INN, so there is no duplicate to guard."""
    access.require(actor, "company", "create")
    schema = schema_for("company")
    now = timezone.now()
    cleaned = []
    for name, owner in names:
        errors: list[FieldError] = []
        data = CompanyInput(name=name, owner_id=owner.pk if owner else None)
        values = _clean_values(actor, schema, data, None, errors, owner_checked=owner)
        if errors:
            raise ValidationFailed(errors)
        cleaned.append(values)
    companies = []
    for pk, values in zip(bulk.allocate_ids(Company, len(cleaned)), cleaned, strict=True):
        company = Company(pk=pk, created_by=actor, created_at=now, updated_at=now)
        assign_columns("company", company, values)
        company.record_type_id, company.custom = values["record_type_id"], values["custom"]
        company.completeness = values["completeness"]
        company.owner = values["owner"]
        company.department_id = values["owner"].department_id if values["owner"] else None
        company.name_key = norm.name_key(company.name)
        companies.append(company)
    bulk.insert_objects(Company, companies)
    search_index.index_companies(companies, new=True)
    audit_records(
        actor=actor,
        source=source,
        action=AuditAction.CREATE,
        batch=batch,
        items=[(c, diff({}, _snapshot_of_write(v, schema))) for c, v in zip(companies, cleaned, strict=True)],
    )
    return companies


def snapshot(company: Company) -> dict[str, Any]:
    """What the journal compares for a saved company."""
    values = stored_values("company", company)
    return card_snapshot(
        "company",
        schema_for("company"),
        values,
        {"owner": company.owner},
        company.record_type_id,
        company.custom,
    )


def _snapshot_of_write(clean: dict[str, Any], schema: Schema | None = None) -> dict[str, Any]:
    return card_snapshot(
        "company",
        schema or schema_for("company"),
        clean,
        {"owner": clean["owner"]},
        clean["record_type_id"],
        clean["custom"],
    )


def _write(actor: User, company: Company, clean: dict[str, Any]) -> None:
    creating = company.pk is None
    assign_columns("company", company, clean)
    for name in ("record_type_id", "custom", "completeness"):
        setattr(company, name, clean[name])
    company.owner = clean["owner"]
    company.department_id = clean["owner"].department_id if clean["owner"] else None
    company.name_key = norm.name_key(company.name)
    now = timezone.now()
    company.updated_at = now
    company.save()
    write_lines(actor, company, CompanyPhone, CompanyEmail, clean, now, creating)
    if creating:
        company.tags.add(*tags_for(clean["tags"]))
    else:
        company.tags.set(tags_for(clean["tags"]))
    search_index.index_companies([company])


def company_create(
    *, actor: User, data: CompanyInput, source: ChangeSource, batch: uuid.UUID | None = None
) -> Company:
    """Create a company card; one card per INN (and KPP for branches)."""
    access.require(actor, "company", "create")
    clean = _clean(actor, data, None)
    with transaction.atomic():
        guard_company(actor, clean, None)
        company = Company(created_by=actor)
        _write(actor, company, clean)
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.CREATE,
            obj=company,
            changes=diff({}, _snapshot_of_write(clean)),
            batch=batch,
        )
    return company


def company_update(
    *, actor: User, company_id: int, data: CompanyInput, source: ChangeSource, batch: uuid.UUID | None = None
) -> Company:
    with transaction.atomic():
        company = _locked(actor, company_id, "edit")
        clean = _clean(actor, data, company)
        guard_company(actor, clean, company.pk)
        before = snapshot(company)
        _write(actor, company, clean)
        changes = diff(before, _snapshot_of_write(clean))
        if changes:
            update = AuditAction.UPDATE
            audit_record(actor=actor, source=source, action=update, obj=company, changes=changes, batch=batch)
    return company


def company_delete(
    *, actor: User, company_id: int, source: ChangeSource, batch: uuid.UUID | None = None
) -> Company:
    """Move a company to the trash; its people keep their link and come back with it."""
    with transaction.atomic():
        company = _locked(actor, company_id, "delete")
        company.deleted_at = timezone.now()
        company.deleted_by = actor
        company.save(update_fields=["deleted_at", "deleted_by"])
        audit_record(actor=actor, source=source, action=AuditAction.DELETE, obj=company, batch=batch)
    return company


def companies_delete(
    *, actor: User, company_ids: list[int], source: ChangeSource, batch: uuid.UUID | None = None
) -> int:
    """Move many companies to the trash at once (an import's undo): those the actor sees and may delete.
    Their people keep their link and come back with them. Returns how many went."""
    return trash_many(Company, actor, company_ids, ("name",), source, batch)


def company_restore(*, actor: User, company_id: int, source: ChangeSource) -> Company:
    with transaction.atomic():
        company = locked_trashed_card(Company, actor, company_id)
        company.deleted_at = None
        company.deleted_by = None
        company.save(update_fields=["deleted_at", "deleted_by"])
        audit_record(actor=actor, source=source, action=AuditAction.RESTORE, obj=company)
    return company


def company_purge(*, company_id: int, source: ChangeSource, actor: User | None = None) -> None:
    with transaction.atomic():
        company = Company.objects.select_for_update().filter(pk=company_id).first()
        if company is None or company.deleted_at is None:
            raise NotFound
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.PURGE,
            obj=company,
            changes=diff(snapshot(company), {}),
        )
        search_index.unindex_companies([company.pk])
        company.delete()


def company_comment(*, actor: User, company_id: int, text: str, source: ChangeSource) -> Comment:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed([FieldError("text", "required", _("Write the comment first."))])
    with transaction.atomic():
        company = _locked(actor, company_id, "view")
        comment = Comment.objects.create(company=company, author=actor, text=text)
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.UPDATE,
            obj=company,
            changes={"comment": [None, text]},
        )
    return comment


def _locked(actor: User, company_id: int, action: str) -> Company:
    return locked_card(Company, actor, company_id, action)
