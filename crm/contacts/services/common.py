"""Pieces the contact and company services share: owner checks, tags, duplicate lookups."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.accounts.models import Scope, User
from crm.contacts.models import Company, Contact, ContactEmail, ContactPhone, Tag
from crm.core.errors import DuplicateMatch, FieldError, NotFound, PermissionDenied
from crm.fields.models import Requirement
from crm.fields.schema import Schema

C = TypeVar("C", bound=models.Model)


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


def clean_tags(names: Iterable[str]) -> list[str]:
    """One spelling per tag: trimmed, inner spaces collapsed, duplicates (case-insensitive) dropped."""
    seen: dict[str, str] = {}
    for name in names:
        clean = " ".join((name or "").split())[:64]
        if clean and clean.casefold() not in seen:
            seen[clean.casefold()] = clean
    return list(seen.values())


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


def _match(actor: User, record: Any, kind: str, field: str, value: str) -> DuplicateMatch:
    return DuplicateMatch(
        kind=kind,
        pk=record.pk,
        label=str(record),
        field=field,
        value=value,
        visible=access.may_touch(actor, record, kind, "view"),
        in_trash=record.deleted_at is not None,
        owner_name=str(record.owner) if record.owner_id else "",
    )


def _without(queryset: Any, field: str, value: int | None) -> Any:
    """The queryset without the record being edited, if any."""
    return queryset.exclude(**{field: value}) if value is not None else queryset


def contact_duplicates(
    actor: User, phones: list[dict[str, Any]], emails: list[dict[str, Any]], exclude_id: int | None
) -> tuple[list[FieldError], list[DuplicateMatch]]:
    """Cards (trashed ones included) that already hold one of these phones or e-mails: index lookups."""
    errors: list[FieldError] = []
    matches: list[DuplicateMatch] = []
    numbers = {p["number"] for p in phones}
    if numbers:
        rows = _without(
            ContactPhone.objects.filter(number__in=numbers), "contact_id", exclude_id
        ).select_related("contact", "contact__owner")
        wanted = {(p["number"], p["extension"]): i for i, p in enumerate(phones)}
        for row in rows:
            index = wanted.get((row.number, row.extension))
            if index is None:
                continue  # one office line, another extension: another person
            match = _match(actor, row.contact, "contact", f"phones.{index}", row.number)
            matches.append(match)
            errors.append(FieldError(f"phones.{index}", "duplicate", _duplicate_message(match)))
    addresses = {e["address"]: i for i, e in enumerate(emails)}
    if addresses:
        rows_e = _without(
            ContactEmail.objects.filter(address__in=list(addresses)), "contact_id", exclude_id
        ).select_related("contact", "contact__owner")
        for row_e in rows_e:
            index = addresses[row_e.address]
            match = _match(actor, row_e.contact, "contact", f"emails.{index}", row_e.address)
            matches.append(match)
            errors.append(FieldError(f"emails.{index}", "duplicate", _duplicate_message(match)))
    return errors, matches


def company_duplicates(
    actor: User, inn: str, kpp: str, exclude_id: int | None
) -> tuple[list[FieldError], list[DuplicateMatch]]:
    """A company is one card per INN; branches share the INN but differ by KPP."""
    if not inn:
        return [], []
    rows = _without(Company.objects.filter(inn=inn), "pk", exclude_id).select_related("owner")
    matches = [_match(actor, c, "company", "inn", inn) for c in rows if not (kpp and c.kpp and kpp != c.kpp)]
    return [FieldError("inn", "duplicate", _duplicate_message(m)) for m in matches], matches


def _duplicate_message(match: DuplicateMatch) -> Any:
    from django.utils.text import format_lazy

    if match.in_trash:
        return format_lazy(_("Already belongs to «{label}», which is in the trash."), label=match.label)
    if match.visible:
        return format_lazy(_("Already belongs to «{label}»."), label=match.label)
    return format_lazy(
        _("Already belongs to a card of another manager ({owner})."), owner=match.owner_name or "—"
    )


def ensure_visible_contact(actor: User, contact: Contact, action: str) -> None:
    """The guard of a contact's writes: NotFound unless the actor sees the live card (the lists' own
    ``visible_to``, filtered by its id), PermissionDenied unless their role allows ``action``."""
    if not Contact.objects.visible_to(actor).filter(pk=contact.pk).exists():
        raise NotFound
    if not access.has_perm(actor, "contact", action):
        raise PermissionDenied(action)


def locked_card(model: type[C], actor: User, pk: int, action: str) -> C:
    """A live card for a write, locked: NotFound unless the actor sees it (``visible_to`` filtered by its
    id, as for a missing card), PermissionDenied unless their role allows ``action`` on its kind."""
    card = model.objects.select_for_update().visible_to(actor).filter(pk=pk).first()  # type: ignore[attr-defined]
    if card is None:
        raise NotFound
    if not access.has_perm(actor, model._meta.model_name or "", action):
        raise PermissionDenied(action)
    return card


def locked_trashed_card(model: type[C], actor: User, pk: int) -> C:
    """A trashed card to restore, locked: one the trash lists for the actor (they could delete it)."""
    card = (
        model.objects.select_for_update()  # type: ignore[attr-defined]
        .visible_to(actor, trash=True, action="delete")
        .filter(pk=pk)
        .first()
    )
    if card is None:
        raise NotFound
    return card


def canonical(value: str, labels: list[str]) -> str:
    """A typed value that matches an option of the central list (any case) takes the option's spelling."""
    folded = value.casefold()
    return next((label for label in labels if label.casefold() == folded), value)


def visible_cards(
    actor: User, contact_id: int | None, company_id: int | None
) -> tuple[Contact | None, Company | None]:
    """The live person and/or company a timeline entry or a task goes on, each visible to the actor; a
    missing or hidden one raises NotFound (the same answer, so existence never leaks)."""
    contact = company = None
    if contact_id is not None:
        contact = Contact.objects.visible_to(actor).filter(pk=contact_id).first()
        if contact is None:
            raise NotFound
    if company_id is not None:
        company = Company.objects.visible_to(actor).filter(pk=company_id).first()
        if company is None:
            raise NotFound
    return contact, company
