"""Writes of companies: create, update, trash, restore, purge, comment."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.accounts.models import User
from crm.contacts.inputs import CompanyInput, company_input_from
from crm.contacts.models import Comment, Company
from crm.contacts.services import search_index
from crm.contacts.services.common import (
    canonical,
    clean_tags,
    company_duplicates,
    keep_locked_fields,
    locked_card,
    locked_trashed_card,
    resolve_owner,
    tags_for,
)
from crm.contacts.standard_fields import COMPANY_INPUTS, company_filled
from crm.core import normalize as norm
from crm.core.audit import ChangeSource, audit_record, diff
from crm.core.errors import DuplicateFound, FieldError, NotFound, ValidationFailed, too_long
from crm.core.models import AuditAction
from crm.fields import values as custom_values
from crm.fields.schema import schema_for

TEXT_FIELDS = {"legal_form": 32, "industry": 100, "size": 32, "city": 100, "address": 255, "source": 100}


def _clean(actor: User, data: CompanyInput, current: Company | None) -> dict[str, Any]:
    errors: list[FieldError] = []
    schema = schema_for("company")
    type_id = custom_values.clean_type(
        schema, data.record_type_id, current.record_type_id if current else None, errors
    )
    kept = company_input_from(current) if current is not None else CompanyInput()
    keep_locked_fields(actor, schema, type_id, COMPANY_INPUTS, data, kept)
    clean: dict[str, Any] = {"name": " ".join((data.name or "").split()), "notes": (data.notes or "").strip()}
    if not clean["name"]:
        errors.append(FieldError("name", "required", _("Enter the company's name.")))
    elif len(clean["name"]) > 255:
        errors.append(too_long("name", 255))
    for name, limit in TEXT_FIELDS.items():
        clean[name] = " ".join((getattr(data, name) or "").split())
        if len(clean[name]) > limit:
            errors.append(too_long(name, limit))
    clean["source"] = canonical(clean["source"], schema.list_labels("source"))
    clean["industry"] = canonical(clean["industry"], schema.list_labels("industry"))
    for name, check in (
        ("inn", norm.normalize_inn),
        ("kpp", norm.normalize_kpp),
        ("ogrn", norm.normalize_ogrn),
    ):
        raw = (getattr(data, name) or "").strip()
        clean[name] = ""
        if raw:
            try:
                clean[name] = check(raw)
            except norm.NormalizationError as exc:
                errors.append(FieldError(name, exc.code, exc.message))
    clean["website"] = (data.website or "").strip()
    if clean["website"]:
        if "://" not in clean["website"]:
            clean["website"] = "https://" + clean["website"]
        try:
            URLValidator(schemes=["http", "https"])(clean["website"])
        except ValidationError:
            errors.append(
                FieldError("website", "invalid_url", _("Enter a website address such as example.ru."))
            )
    clean["phone"] = clean["phone_ext"] = ""
    if (data.phone or "").strip():
        try:
            phone = norm.normalize_phone(data.phone, settings.CRM_DEFAULT_PHONE_REGION)
            clean["phone"], clean["phone_ext"] = phone.e164, phone.extension
        except norm.NormalizationError as exc:
            errors.append(FieldError("phone", exc.code, exc.message))
    clean["email"] = ""
    if (data.email or "").strip():
        try:
            clean["email"] = norm.normalize_email(data.email)
        except norm.NormalizationError as exc:
            errors.append(FieldError("email", exc.code, exc.message))
    clean["owner"] = resolve_owner(
        actor,
        data.owner_id if data.owner_id is not None else (current.owner_id if current else actor.pk),
        errors,
    )
    clean["tags"] = clean_tags(data.tags)
    clean["is_key"] = bool(data.is_key)
    custom_values.clean_configured(
        schema=schema,
        actor=actor,
        type_id=type_id,
        raw=data.custom,
        current=current,
        filled=company_filled,
        clean=clean,
        errors=errors,
    )
    if errors:
        raise ValidationFailed(errors)
    dup_errors, matches = company_duplicates(
        actor, clean["inn"], clean["kpp"], current.pk if current else None
    )
    if dup_errors:
        raise DuplicateFound(dup_errors, matches)
    return clean


def snapshot(company: Company) -> dict[str, Any]:
    values = {
        name: getattr(company, name)
        for name in (
            "name",
            "legal_form",
            "inn",
            "kpp",
            "ogrn",
            "industry",
            "website",
            "size",
            "phone",
            "phone_ext",
            "email",
            "city",
            "address",
            "source",
            "notes",
            "is_key",
        )
    }
    values["owner"] = str(company.owner) if company.owner_id else None
    values["tags"] = sorted(t.name for t in company.tags.all())
    schema = schema_for("company")
    record_type = schema.types.get(company.record_type_id) if company.record_type_id else None
    values["record_type"] = record_type.name_ru if record_type else None
    names = custom_values.user_names(schema, [company.custom])
    return values | custom_values.journal_values(schema, company.custom, names)


def _write(company: Company, clean: dict[str, Any]) -> None:
    for name, value in clean.items():
        if name not in ("tags", "owner"):
            setattr(company, name, value)
    company.owner = clean["owner"]
    company.department_id = clean["owner"].department_id if clean["owner"] else None
    company.name_key = norm.name_key(company.name)
    company.updated_at = timezone.now()
    company.save()
    company.tags.set(tags_for(clean["tags"]))
    search_index.index_companies([company])


def company_create(*, actor: User, data: CompanyInput, source: ChangeSource) -> Company:
    """Create a company card; one card per INN (and KPP for branches)."""
    access.require(actor, "company", "create")
    clean = _clean(actor, data, None)
    with transaction.atomic():
        company = Company(created_by=actor)
        _write(company, clean)
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.CREATE,
            obj=company,
            changes=diff({}, snapshot(company)),
        )
    return company


def company_update(*, actor: User, company_id: int, data: CompanyInput, source: ChangeSource) -> Company:
    with transaction.atomic():
        company = _locked(actor, company_id, "edit")
        clean = _clean(actor, data, company)
        before = snapshot(company)
        _write(company, clean)
        changes = diff(before, snapshot(company))
        if changes:
            audit_record(actor=actor, source=source, action=AuditAction.UPDATE, obj=company, changes=changes)
    return company


def company_delete(*, actor: User, company_id: int, source: ChangeSource) -> Company:
    """Move a company to the trash; its people keep their link and come back with it."""
    with transaction.atomic():
        company = _locked(actor, company_id, "delete")
        company.deleted_at = timezone.now()
        company.deleted_by = actor
        company.save(update_fields=["deleted_at", "deleted_by"])
        audit_record(actor=actor, source=source, action=AuditAction.DELETE, obj=company)
    return company


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
