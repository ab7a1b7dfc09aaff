"""Writes of contacts: create, update, trash, restore, purge, comment. The only code that saves them."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.accounts.models import User
from crm.contacts.declarations import filled, input_attrs, stored_values
from crm.contacts.inputs import CompanyInput, ContactInput, contact_input_from
from crm.contacts.models import (
    Comment,
    Company,
    Contact,
    ContactEmail,
    ContactMessenger,
    ContactPhone,
    ContactStatus,
    Employment,
    StatusChange,
)
from crm.contacts.services import search_index
from crm.contacts.services.card_values import assign_columns, clean_row
from crm.contacts.services.card_values import snapshot as card_snapshot
from crm.contacts.services.common import (
    ensure_visible_contact,
    keep_locked_fields,
    locked_trashed_card,
    resolve_owner,
    tags_for,
)
from crm.contacts.services.uniqueness import guard_contact
from crm.core import normalize as norm
from crm.core.audit import ChangeSource, audit_record, diff
from crm.core.errors import FieldError, NotFound, ValidationFailed
from crm.core.events import system_entry
from crm.core.models import AuditAction
from crm.fields import values as custom_values
from crm.fields.schema import schema_for


def _clean(actor: User, data: ContactInput, current: Contact | None) -> dict[str, Any]:
    """Normalise and validate everything; raise ValidationFailed naming each bad field. The duplicate
    check is not here: it belongs inside the write's transaction (``uniqueness.guard_contact``)."""
    errors: list[FieldError] = []
    schema = schema_for("contact")
    type_id = custom_values.clean_type(
        schema, data.record_type_id, current.record_type_id if current else None, errors
    )
    kept = contact_input_from(current) if current is not None else ContactInput()
    keep_locked_fields(actor, schema, type_id, input_attrs("contact"), data, kept)
    clean = clean_row("contact", data, schema, errors)
    clean["status"] = None
    if clean["status_id"] is not None:
        status = ContactStatus.objects.filter(pk=clean["status_id"]).first()
        unchanged = current is not None and current.status_id == clean["status_id"]
        if status is None or not (status.is_active or unchanged):
            errors.append(FieldError("status_id", "invalid_choice", _("Choose a status from the list.")))
        clean["status"] = status
    owner_id = clean["owner_id"] if clean["owner_id"] is not None else _owner_id(current, actor)
    clean["owner"] = resolve_owner(actor, owner_id, errors)
    clean["company"] = None
    clean["new_company_name"] = ""
    visible_companies = Company.objects.visible_to(actor)
    if clean["company_id"] is not None:
        clean["company"] = visible_companies.filter(pk=clean["company_id"]).first()
        if clean["company"] is None:
            errors.append(FieldError("company_id", "invalid_company", _("Choose a company you can see.")))
    elif clean["company_name"]:
        clean["company"] = visible_companies.filter(name_key=norm.name_key(clean["company_name"])).first()
        if clean["company"] is None and not access.has_perm(actor, "company", "create"):
            errors.append(
                FieldError(
                    "company_id", "cannot_create_company", _("Choose an existing company from the list.")
                )
            )
        clean["new_company_name"] = clean["company_name"] if clean["company"] is None else ""
    if clean["company"] is None and not clean["new_company_name"]:
        clean["position"] = ""  # a position is held at a company
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
        filled=lambda values: filled("contact", values),
        clean=clean,
        errors=errors,
    )
    if errors:
        raise ValidationFailed(errors)
    return clean


def _owner_id(current: Contact | None, actor: User) -> int | None:
    return current.owner_id if current is not None else actor.pk


def _refs(owner: Any, status: Any, company: Any) -> dict[str, Any]:
    return {"owner": owner, "status": status, "company": company}


def snapshot(contact: Contact) -> dict[str, Any]:
    """What the journal compares for a saved card."""
    employment = contact.employments.select_related("company").filter(is_primary=True).first()
    refs = _refs(contact.owner, contact.status, employment.company if employment else None)
    values = stored_values("contact", contact)
    return card_snapshot(
        "contact", schema_for("contact"), values, refs, contact.record_type_id, contact.custom
    )


def _snapshot_of_write(clean: dict[str, Any]) -> dict[str, Any]:
    """The same for what a write stores, from its cleaned values (nothing is read back)."""
    refs = _refs(clean["owner"], clean["status"], clean["company"])
    return card_snapshot(
        "contact", schema_for("contact"), clean, refs, clean["record_type_id"], clean["custom"]
    )


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
    creating = contact.pk is None
    previous_status_id = None if creating else contact.status_id
    assign_columns("contact", contact, clean)
    for name in ("record_type_id", "custom", "completeness"):
        setattr(contact, name, clean[name])
    contact.status = clean["status"]
    contact.owner = clean["owner"]
    contact.department_id = clean["owner"].department_id if clean["owner"] else None
    contact.name_key = norm.name_key(
        " ".join(p for p in (contact.last_name, contact.first_name, contact.middle_name) if p)
    )
    contact.updated_at = now
    status_changed = creating or previous_status_id != contact.status_id
    if status_changed and contact.status_id:
        contact.status_changed_at = now
    contact.save()

    old_phones: dict[tuple[str, str], ContactPhone] = {}
    old_emails: dict[str, ContactEmail] = {}
    if not creating:  # a new card has no rows to keep marks from or to replace
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
    company = clean["company"]
    if creating:
        contact.tags.add(*tags_for(clean["tags"]))
        if company is not None:
            Employment.objects.create(contact=contact, company=company, position=clean["position"])
    else:
        contact.tags.set(tags_for(clean["tags"]))
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
        guard_contact(actor, clean["phones"], clean["emails"], None)
        contact = Contact(created_by=actor)
        _write(actor, contact, clean, data, source)
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.CREATE,
            obj=contact,
            changes=diff({}, _snapshot_of_write(clean)),
        )
    return contact


def contact_update(*, actor: User, contact_id: int, data: ContactInput, source: ChangeSource) -> Contact:
    """Replace a card's values with ``data``; the journal gets only what actually changed."""
    with transaction.atomic():
        contact = _locked(contact_id)
        ensure_visible_contact(actor, contact, "edit")
        clean = _clean(actor, data, contact)
        guard_contact(actor, clean["phones"], clean["emails"], contact.pk)
        before = snapshot(contact)
        _write(actor, contact, clean, data, source)
        changes = diff(before, _snapshot_of_write(clean))
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
