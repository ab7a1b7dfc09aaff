"""Pieces the contact and company services share: owner checks, tags, locked fields, visibility."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.accounts.models import Scope, User
from crm.contacts.models import Company, Contact, Tag
from crm.core.audit import ChangeSource, audit_records
from crm.core.errors import FieldError, NotFound, PermissionDenied
from crm.core.models import AuditAction
from crm.fields.models import Requirement
from crm.fields.schema import Schema

C = TypeVar("C", bound=models.Model)


def locked_attrs(
    actor: User, schema: Schema, type_id: int | None, inputs: dict[str, tuple[str, ...]]
) -> list[str]:
    """The input attributes of standard fields the actor may not change on a card of this type: read-only
    or hidden for their role, switched off, or not on the type."""
    locked: list[str] = []
    for key, attributes in inputs.items():
        spec = schema.fields.get(key)
        if spec is None:
            continue
        if schema.can_edit(actor, key) and schema.requirement(spec, type_id) != Requirement.HIDDEN:
            continue
        locked += attributes
    return locked


def keep_locked_fields(
    actor: User, schema: Schema, type_id: int | None, inputs: dict[str, tuple[str, ...]], data: Any, kept: Any
) -> None:
    """Standard fields the actor may not change keep the card's values (``kept``: the current values, or
    the defaults of a new card) whatever the request carried: a form that does not show a field must not
    blank it."""
    for attribute in locked_attrs(actor, schema, type_id, inputs):
        setattr(data, attribute, getattr(kept, attribute))


def resolve_owner(actor: User, owner_id: int | None, errors: list[FieldError]) -> User | None:
    """The responsible manager: the actor by default; others only within the actor's scope."""
    if owner_id is None or owner_id == actor.pk:
        return actor
    return owner_in_scope(actor, User.objects.filter(pk=owner_id, is_active=True).first(), errors)


def owner_in_scope(actor: User, owner: User | None, errors: list[FieldError]) -> User | None:
    """The rule behind ``resolve_owner`` for an owner already read (None: no such active user), so a batch
    reads its owners in one query: the actor, or within an "all" scope anyone, within a head's their
    department."""
    if owner is None:
        errors.append(FieldError("owner_id", "invalid_owner", _("Choose an active user as the manager.")))
        return None
    scope = access.scope_of(actor)
    if owner.pk == actor.pk or scope == Scope.ALL:
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


def tags_for_many(lists: list[list[str]]) -> dict[str, Tag]:
    """The tags of many cards at once, by casefolded name: the existing ones in one query, the missing
    ones created in one insert (a concurrent writer's identical tag is taken, not duplicated)."""
    names = {name.casefold(): name for names in lists for name in names}
    if not names:
        return {}
    found = {t.key: t for t in Tag.objects.filter(key__in=list(names))}
    missing = [Tag(name=name, key=key) for key, name in names.items() if key not in found]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        found |= {t.key: t for t in Tag.objects.filter(key__in=[t.key for t in missing])}
    return found


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


def visible_contact_ids(actor: User, ids: Iterable[int]) -> list[int]:
    """Which of the live people ``ids`` the actor sees (the rule of ``visible_cards``, for a batch)."""
    return list(Contact.objects.visible_to(actor).filter(pk__in=list(ids)).values_list("pk", flat=True))


TRASH_CHUNK = 2000


def trash_many(
    model: type[C],
    actor: User,
    ids: list[int],
    shown_by: tuple[str, ...],
    source: ChangeSource,
    batch: uuid.UUID | None,
) -> int:
    """Move the live cards of ``ids`` the actor sees and may delete to the trash, a chunk at a time with one
    update and one journal insert each (no transaction per card); the others are left as they are."""
    access.require(actor, model._meta.model_name or "", "delete")
    moved = 0
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), TRASH_CHUNK):
        with transaction.atomic():
            visible = model.objects.visible_to(actor, action="delete")  # type: ignore[attr-defined]
            chunk = visible.filter(pk__in=ordered[start : start + TRASH_CHUNK])
            cards = list(chunk.select_for_update().only("pk", *shown_by))
            model._default_manager.filter(pk__in=[c.pk for c in cards]).update(
                deleted_at=timezone.now(), deleted_by=actor
            )
            items: list[tuple[models.Model, dict[str, Any]]] = [(card, {}) for card in cards]
            audit_records(actor=actor, source=source, action=AuditAction.DELETE, items=items, batch=batch)
            moved += len(cards)
    return moved
