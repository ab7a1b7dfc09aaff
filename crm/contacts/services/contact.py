"""Writes of contacts: create, update, trash, restore, purge, comment. The only code that saves them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.accounts.models import User
from crm.contacts.inputs import CompanyInput, ContactInput, contact_input_from
from crm.contacts.models import (
    BaseType,
    Comment,
    Company,
    Contact,
    ContactEmail,
    ContactMessenger,
    ContactPhone,
    ContactStatus,
    EmailKind,
    Employment,
    MessengerKind,
    PhoneKind,
    StatusChange,
    VerificationMethod,
)
from crm.contacts.services import search_index
from crm.contacts.services.common import (
    canonical,
    clean_tags,
    contact_duplicates,
    ensure_visible_contact,
    keep_locked_fields,
    locked_trashed_card,
    resolve_owner,
    tags_for,
)
from crm.contacts.standard_fields import CONTACT_INPUTS, contact_filled
from crm.core import normalize as norm
from crm.core.audit import ChangeSource, audit_record, diff
from crm.core.errors import DuplicateFound, FieldError, NotFound, ValidationFailed, too_long
from crm.core.events import system_entry
from crm.core.models import AuditAction
from crm.fields import values as custom_values
from crm.fields.schema import schema_for

MAX_TEXT = {"city": 100, "address": 255, "source": 100, "position": 150}


def _clean_phones(data: ContactInput, errors: list[FieldError]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for i, item in enumerate(data.phones):
        if not (item.value or "").strip():
            continue
        try:
            phone = norm.normalize_phone(item.value, settings.CRM_DEFAULT_PHONE_REGION)
        except norm.NormalizationError as exc:
            errors.append(FieldError(f"phones.{i}", exc.code, exc.message))
            continue
        if item.kind not in PhoneKind.values:
            errors.append(
                FieldError(f"phones.{i}", "invalid_kind", _("Choose a kind of phone from the list."))
            )
            continue
        if item.verification not in ("", *VerificationMethod.values):
            errors.append(
                FieldError(f"phones.{i}", "invalid_verification", _("Unknown way of confirmation."))
            )
            continue
        key = (phone.e164, phone.extension)
        if key in seen:  # the same number written twice is one phone
            continue
        seen.add(key)
        result.append(
            {
                "number": phone.e164,
                "extension": phone.extension,
                "kind": item.kind,
                "is_primary": item.is_primary,
                "note": phone.note[:100],
                "verification": item.verification,
            }
        )
    _one_primary(result)
    return result


def _clean_emails(data: ContactInput, errors: list[FieldError]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, item in enumerate(data.emails):
        if not (item.value or "").strip():
            continue
        try:
            address = norm.normalize_email(item.value)
        except norm.NormalizationError as exc:
            errors.append(FieldError(f"emails.{i}", exc.code, exc.message))
            continue
        if item.kind not in EmailKind.values:
            errors.append(
                FieldError(f"emails.{i}", "invalid_kind", _("Choose a kind of e-mail from the list."))
            )
            continue
        if item.verification not in ("", *VerificationMethod.values):
            errors.append(
                FieldError(f"emails.{i}", "invalid_verification", _("Unknown way of confirmation."))
            )
            continue
        if address in seen:
            continue
        seen.add(address)
        result.append(
            {
                "address": address,
                "kind": item.kind,
                "is_primary": item.is_primary,
                "verification": item.verification,
            }
        )
    _one_primary(result)
    return result


def _one_primary(rows: list[dict[str, Any]]) -> None:
    """Exactly one primary among several: the first marked one, else the first."""
    primary = next((r for r in rows if r["is_primary"]), rows[0] if rows else None)
    for row in rows:
        row["is_primary"] = row is primary


def _clean(actor: User, data: ContactInput, current: Contact | None) -> dict[str, Any]:
    """Normalise and validate everything; raise ValidationFailed naming each bad field."""
    errors: list[FieldError] = []
    schema = schema_for("contact")
    type_id = custom_values.clean_type(
        schema, data.record_type_id, current.record_type_id if current else None, errors
    )
    kept = contact_input_from(current) if current is not None else ContactInput()
    keep_locked_fields(actor, schema, type_id, CONTACT_INPUTS, data, kept)
    clean: dict[str, Any] = {
        "last_name": norm.normalize_name(data.last_name)[:100],
        "first_name": norm.normalize_name(data.first_name)[:100],
        "middle_name": norm.normalize_name(data.middle_name)[:100],
        "notes": (data.notes or "").strip(),
        "is_key": bool(data.is_key),
    }
    for name, limit in MAX_TEXT.items():
        value = " ".join((getattr(data, name) or "").split())
        if len(value) > limit:
            errors.append(too_long(name, limit))
        clean[name] = value
    clean["city"] = norm.normalize_name(clean["city"]) if clean["city"].islower() else clean["city"]
    clean["source"] = canonical(clean["source"], schema.list_labels("source"))
    clean["phones"] = _clean_phones(data, errors)
    clean["emails"] = _clean_emails(data, errors)
    messengers = []
    for i, m in enumerate(data.messengers):
        if not (m.handle or "").strip():
            continue
        if m.kind not in MessengerKind.values:
            errors.append(
                FieldError(f"messengers.{i}", "invalid_kind", _("Choose a messenger from the list."))
            )
            continue
        messengers.append({"kind": m.kind, "handle": m.handle.strip()[:255]})
    clean["messengers"] = messengers
    clean["birth_day"] = clean["birth_month"] = clean["birth_year"] = None
    if (data.birthday or "").strip():
        try:
            born = norm.parse_date(data.birthday)
        except norm.NormalizationError as exc:
            errors.append(FieldError("birthday", exc.code, exc.message))
        else:
            if born.year is not None and born.as_date() and born.as_date() > timezone.localdate():  # type: ignore[operator]
                errors.append(FieldError("birthday", "future_date", _("A birthday cannot be in the future.")))
            clean.update(birth_day=born.day, birth_month=born.month, birth_year=born.year)
    if data.base_type not in BaseType.values:
        errors.append(FieldError("base_type", "invalid_choice", _("Choose a base type from the list.")))
    clean["base_type"] = data.base_type
    clean["status"] = None
    if data.status_id is not None:
        status = ContactStatus.objects.filter(pk=data.status_id).first()
        unchanged = current is not None and current.status_id == data.status_id
        if status is None or not (status.is_active or unchanged):
            errors.append(FieldError("status_id", "invalid_choice", _("Choose a status from the list.")))
        clean["status"] = status
    clean["owner"] = resolve_owner(
        actor, data.owner_id if data.owner_id is not None else _owner_id(current, actor), errors
    )
    clean["tags"] = clean_tags(data.tags)
    clean["company"] = None
    if data.company_id is not None:
        company = (
            access.visible(Company.objects.filter(deleted_at=None), actor, "company")
            .filter(pk=data.company_id)
            .first()
        )
        if company is None:
            errors.append(FieldError("company_id", "invalid_company", _("Choose a company you can see.")))
        clean["company"] = company
    elif (data.company_name or "").strip():
        name = " ".join(data.company_name.split())
        clean["company"] = (
            access.visible(Company.objects.filter(deleted_at=None), actor, "company")
            .filter(name_key=norm.name_key(name))
            .first()
        )
        if clean["company"] is None and not access.has_perm(actor, "company", "create"):
            errors.append(
                FieldError(
                    "company_id", "cannot_create_company", _("Choose an existing company from the list.")
                )
            )
        clean["new_company_name"] = name if clean["company"] is None else ""
    if not (clean["last_name"] or clean["first_name"] or clean["phones"] or clean["emails"]) and not any(
        e.field.startswith(("phones", "emails")) for e in errors
    ):
        errors.append(
            FieldError(
                "last_name",
                "no_identity",
                _("Enter a name, a phone or an e-mail: a card needs at least one."),
            )
        )
    custom_values.clean_configured(
        schema=schema,
        actor=actor,
        type_id=type_id,
        raw=data.custom,
        current=current,
        filled=contact_filled,
        clean=clean,
        errors=errors,
    )
    if errors:
        raise ValidationFailed(errors)
    dup_errors, matches = contact_duplicates(
        actor, clean["phones"], clean["emails"], current.pk if current else None
    )
    if dup_errors:
        raise DuplicateFound(dup_errors, matches)
    return clean


def _owner_id(current: Contact | None, actor: User) -> int | None:
    return current.owner_id if current is not None else actor.pk


def snapshot(contact: Contact) -> dict[str, Any]:
    """What the journal compares: plain values, child rows and custom values as readable text."""
    employment = contact.employments.select_related("company").first()
    schema = schema_for("contact")
    names = custom_values.user_names(schema, [contact.custom])
    record_type = schema.types.get(contact.record_type_id) if contact.record_type_id else None
    return {
        "record_type": record_type.name_ru if record_type else None,
        **custom_values.journal_values(schema, contact.custom, names),
        "last_name": contact.last_name,
        "first_name": contact.first_name,
        "middle_name": contact.middle_name,
        "phones": [
            norm.format_phone(p.number, p.extension)
            + (f" [{p.kind}]" if p.kind else "")
            + (" *" if p.is_primary else "")
            + (f" ✓{p.verification_method}" if p.verified_at else "")
            for p in contact.phones.all()
        ],
        "emails": [
            e.address
            + f" [{e.kind}]"
            + (" *" if e.is_primary else "")
            + (f" ✓{e.verification_method}" if e.verified_at else "")
            for e in contact.emails.all()
        ],
        "messengers": [f"{m.kind}: {m.handle}" for m in contact.messengers.all()],
        "city": contact.city,
        "address": contact.address,
        "birthday": contact.birthday_display,
        "source": contact.source,
        "owner": str(contact.owner) if contact.owner_id else None,
        "base_type": contact.base_type,
        "status": str(contact.status) if contact.status_id else None,
        "is_key": contact.is_key,
        "tags": sorted(t.name for t in contact.tags.all()),
        "notes": contact.notes,
        "company": str(employment.company) if employment else None,
        "position": employment.position if employment else "",
    }


def _write(
    actor: User, contact: Contact, clean: dict[str, Any], data: ContactInput, source: ChangeSource
) -> None:
    """Save the card and replace its child rows; verification marks survive for unchanged values."""
    if clean.get("new_company_name"):
        # Typed a company that does not exist yet: it is created (and journaled) with the same owner.
        from crm.contacts.services.company import company_create

        owner_id = clean["owner"].pk if clean["owner"] else None
        company_data = CompanyInput(name=clean["new_company_name"], owner_id=owner_id)
        clean["company"] = company_create(actor=actor, data=company_data, source=source)
    now = timezone.now()
    previous_status_id = contact.status_id if contact.pk else None
    for name in (
        "last_name",
        "first_name",
        "middle_name",
        "city",
        "address",
        "source",
        "notes",
        "is_key",
        "birth_day",
        "birth_month",
        "birth_year",
        "base_type",
        "record_type_id",
        "custom",
        "completeness",
    ):
        setattr(contact, name, clean[name])
    contact.status = clean["status"]
    contact.owner = clean["owner"]
    contact.department_id = clean["owner"].department_id if clean["owner"] else None
    contact.name_key = norm.name_key(
        " ".join(p for p in (contact.last_name, contact.first_name, contact.middle_name) if p)
    )
    contact.updated_at = now
    status_changed = not contact.pk or previous_status_id != contact.status_id
    if status_changed and contact.status_id:
        contact.status_changed_at = now
    contact.save()

    old_phones = {(p.number, p.extension): p for p in contact.phones.all()}
    old_emails = {e.address: e for e in contact.emails.all()}
    contact.phones.all().delete()
    contact.emails.all().delete()
    contact.messengers.all().delete()
    ContactPhone.objects.bulk_create(
        ContactPhone(
            contact=contact,
            number=p["number"],
            extension=p["extension"],
            tail=norm.phone_tail(p["number"]),
            kind=p["kind"],
            is_primary=p["is_primary"],
            note=p["note"],
            position=i,
            **_verification(old_phones.get((p["number"], p["extension"])), p["verification"], actor, now),
        )
        for i, p in enumerate(clean["phones"])
    )
    ContactEmail.objects.bulk_create(
        ContactEmail(
            contact=contact,
            address=e["address"],
            kind=e["kind"],
            is_primary=e["is_primary"],
            position=i,
            **_verification(old_emails.get(e["address"]), e["verification"], actor, now),
        )
        for i, e in enumerate(clean["emails"])
    )
    ContactMessenger.objects.bulk_create(
        ContactMessenger(contact=contact, position=i, **m) for i, m in enumerate(clean["messengers"])
    )
    contact.tags.set(tags_for(clean["tags"]))
    company = clean["company"]
    contact.employments.filter(is_primary=True).exclude(company=company).delete()
    if company is not None:
        Employment.objects.update_or_create(
            contact=contact, company=company, defaults={"position": clean["position"], "is_primary": True}
        )
    if status_changed and (contact.status_id or previous_status_id):
        StatusChange.objects.create(
            contact=contact,
            from_status_id=previous_status_id,
            to_status_id=contact.status_id,
            at=now,
            by=actor,
        )
        names: dict[int | None, str] = dict(
            ContactStatus.objects.filter(pk__in=[previous_status_id, contact.status_id]).values_list(
                "pk", "name"
            )
        )
        system_entry(
            summary=_("Status: %(from)s → %(to)s")
            % {"from": names.get(previous_status_id, "—"), "to": names.get(contact.status_id, "—")},
            actor=actor,
            contact_id=contact.pk,
            about_field="contact.status",
        )
    search_index.index_contacts([contact])


def _verification(old: Any, method: str, actor: User, now: Any) -> dict[str, Any]:
    if not method:
        return {"verified_at": None, "verified_by": None, "verification_method": ""}
    if old is not None and old.verified_at and old.verification_method == method:
        return {
            "verified_at": old.verified_at,
            "verified_by_id": old.verified_by_id,
            "verification_method": method,
        }
    return {"verified_at": now, "verified_by": actor, "verification_method": method}


def contact_create(*, actor: User, data: ContactInput, source: ChangeSource) -> Contact:
    """Create a card. Refuses a phone or e-mail that already belongs to another card (R7.1)."""
    access.require(actor, "contact", "create")
    clean = _clean(actor, data, None)
    with transaction.atomic():
        contact = Contact(created_by=actor)
        _write(actor, contact, clean, data, source)
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.CREATE,
            obj=contact,
            changes=diff({}, snapshot(contact)),
        )
    return contact


def contact_update(*, actor: User, contact_id: int, data: ContactInput, source: ChangeSource) -> Contact:
    """Replace a card's values with ``data``; the journal gets only what actually changed."""
    with transaction.atomic():
        contact = _locked(contact_id)
        ensure_visible_contact(actor, contact, "edit")
        clean = _clean(actor, data, contact)
        before = snapshot(contact)
        _write(actor, contact, clean, data, source)
        changes = diff(before, snapshot(contact))
        if changes:
            audit_record(actor=actor, source=source, action=AuditAction.UPDATE, obj=contact, changes=changes)
    return contact


def contact_delete(*, actor: User, contact_id: int, source: ChangeSource) -> Contact:
    """Move a card to the trash with everything attached to it; nothing is removed yet."""
    with transaction.atomic():
        contact = _locked(contact_id)
        ensure_visible_contact(actor, contact, "delete")
        contact.deleted_at = timezone.now()
        contact.deleted_by = actor
        contact.save(update_fields=["deleted_at", "deleted_by"])
        audit_record(actor=actor, source=source, action=AuditAction.DELETE, obj=contact)
    return contact


def contact_restore(*, actor: User, contact_id: int, source: ChangeSource) -> Contact:
    """Bring a trashed card back whole: its phones, e-mails, tags and links never left."""
    with transaction.atomic():
        contact = locked_trashed_card(Contact, actor, contact_id)
        contact.deleted_at = None
        contact.deleted_by = None
        contact.save(update_fields=["deleted_at", "deleted_by"])
        audit_record(actor=actor, source=source, action=AuditAction.RESTORE, obj=contact)
    return contact


def contact_purge(*, contact_id: int, source: ChangeSource, actor: User | None = None) -> None:
    """Delete a trashed card for good, leaving its last state in the journal."""
    with transaction.atomic():
        contact = _locked(contact_id)
        if contact.deleted_at is None:
            raise NotFound
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.PURGE,
            obj=contact,
            changes=diff(snapshot(contact), {}),
        )
        search_index.unindex_contacts([contact.pk])
        contact.delete()


def contact_comment(*, actor: User, contact_id: int, text: str, source: ChangeSource) -> Comment:
    """Add a comment to a card (anyone who may see the card may comment)."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed([FieldError("text", "required", _("Write the comment first."))])
    with transaction.atomic():
        contact = _locked(contact_id)
        ensure_visible_contact(actor, contact, "view")
        comment = Comment.objects.create(contact=contact, author=actor, text=text)
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.UPDATE,
            obj=contact,
            changes={"comment": [None, text]},
        )
    return comment


def _locked(contact_id: int) -> Contact:
    contact = Contact.objects.select_for_update().filter(pk=contact_id).first()
    if contact is None:
        raise NotFound
    return contact
