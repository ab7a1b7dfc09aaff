"""Pieces the contact and company services share: owner checks, tags, locked fields, visibility."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.accounts.models import Scope, User
from crm.contacts.models import Company, Contact, Tag
from crm.core.errors import FieldError
from crm.fields.models import Requirement
from crm.fields.schema import Schema


def keep_locked_fields(
    actor: User, schema: Schema, type_id: int | None, inputs: dict[str, tuple[str, ...]], data: Any, kept: Any
) -> None:
    """Standard fields the actor may not change (read-only or hidden for their role, switched off, or not on
    the card's type) keep the card's values (``kept``: the current values, or the defaults of a new card)
    whatever the request carried: a form that does not show a field must not blank it."""
    for key, attributes in inputs.items():
        spec = schema.fields.get(key)
        if spec is None:
            continue
        if schema.can_edit(actor, key) and schema.requirement(spec, type_id) != Requirement.HIDDEN:
            continue
        for attribute in attributes:
            setattr(data, attribute, getattr(kept, attribute))


def resolve_owner(actor: User, owner_id: int | None, errors: list[FieldError]) -> User | None:
    """The responsible manager: the actor by default; others only within the actor's scope."""
    if owner_id is None or owner_id == actor.pk:
        return actor
    owner = User.objects.filter(pk=owner_id, is_active=True).first()
    if owner is None:
        errors.append(FieldError("owner_id", "invalid_owner", _("Choose an active user as the manager.")))
        return None
    scope = access.scope_of(actor)
    if scope == Scope.ALL:
        return owner
    if scope == Scope.DEPARTMENT and actor.department_id and owner.department_id == actor.department_id:
        return owner
    errors.append(
        FieldError("owner_id", "owner_out_of_scope", _("You can only assign a manager from your own scope."))
    )
    return None


def tags_for(names: list[str]) -> list[Tag]:
    """Existing tags are reused whatever their case ("VIP" and "vip" are one tag); new ones are created."""
    if not names:
        return []
    existing = {t.key: t for t in Tag.objects.filter(key__in=[n.casefold() for n in names])}
    result = []
    for name in names:
        tag = existing.get(name.casefold())
        if tag is None:
            tag = existing[name.casefold()] = Tag.objects.create(name=name, key=name.casefold())
        result.append(tag)
    return result


def ensure_visible_contact(actor: User, contact: Contact, action: str) -> None:
    from crm.core.errors import NotFound, PermissionDenied

    if not access.may_touch(actor, contact, "contact", "view") or contact.deleted_at is not None:
        raise NotFound
    if not access.may_touch(actor, contact, "contact", action):
        raise PermissionDenied(action)


def canonical(value: str, labels: list[str]) -> str:
    """A typed value that matches an option of the central list (any case) takes the option's spelling."""
    folded = value.casefold()
    return next((label for label in labels if label.casefold() == folded), value)


def visible_cards(
    actor: User, contact_id: int | None, company_id: int | None
) -> tuple[Contact | None, Company | None]:
    """The live person and/or company a timeline entry or a task goes on, each visible to the actor; a
    missing or hidden one raises NotFound (the same answer, so existence never leaks)."""
    from crm.core.errors import NotFound

    contact = company = None
    if contact_id is not None:
        contact = Contact.objects.filter(pk=contact_id, deleted_at=None).first()
        if contact is None or not access.may_touch(actor, contact, "contact", "view"):
            raise NotFound
    if company_id is not None:
        company = Company.objects.filter(pk=company_id, deleted_at=None).first()
        if company is None or not access.may_touch(actor, company, "company", "view"):
            raise NotFound
    return contact, company
