"""Who sees which timeline entry and file: the one read rule, as a queryset that a card's timeline, a
single entry, the trash, the download of a file and every service's guard all start from.

An entry is visible when at least one of its cards is: a call logged on a person and their company
stays on the company's timeline (and can be opened, corrected and trashed there) after the person moves
to a department the user does not see. Writing an entry gives no right of its own to see it: a card
one no longer sees takes its entries along. An automatic entry about a field hidden from the user
(field-level security) is not visible. A file follows its entry, or its card when on no entry.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.db.models import Exists, OuterRef, Q

from crm.accounts import access
from crm.contacts.visibility import cards_seen
from crm.fields.schema import schema_for

E = TypeVar("E", bound=models.Model)


def hidden_about(user: Any) -> list[str]:
    """The card fields (as "contact.status") hidden from this user: automatic entries about them are not
    shown (field-level security, R10.3)."""
    kinds = ("contact", "company", "deal")
    return [f"{kind}.{key}" for kind in kinds for key in schema_for(kind).hidden_keys(user)]


class EntryQuerySet(models.QuerySet[E]):
    def visible_to(self, user: Any, *, trash: bool = False) -> EntryQuerySet[E]:
        """Live entries the user sees (``trash=True``: trashed ones only)."""
        seen = cards_seen(user)
        if seen is None:
            return self.none()
        qs = self.filter(seen, deleted_at__isnull=not trash)
        hidden = hidden_about(user)
        return qs.exclude(about_field__in=hidden) if hidden else qs


def may_change(user: Any, entry: Any) -> bool:
    """Whether the user may correct or trash this entry, which they see (it came through
    ``visible_to``): its author or an administrator; nobody changes an automatic one."""
    return not entry.automatic and (entry.author_id == user.pk or access.can_administer(user))


class AttachmentQuerySet(models.QuerySet[E]):
    def visible_to(self, user: Any) -> AttachmentQuerySet[E]:
        """Live files on an entry the user sees, or, on no entry, on a card the user sees."""
        from crm.activities.models import Entry

        on_card = cards_seen(user)
        if on_card is None:
            return self.none()
        on_entry = Exists(Entry.objects.visible_to(user).filter(pk=OuterRef("entry_id")))
        return self.filter(
            Q(entry__isnull=False) & Q(on_entry) | Q(entry__isnull=True) & on_card, deleted_at=None
        )
