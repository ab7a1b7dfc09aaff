"""A user's choice of columns for the lists of people and companies (remembered per user and list)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from crm.accounts.models import User
from crm.contacts import columns as list_columns
from crm.contacts.models import ListLayout
from crm.core.errors import FieldError, NotFound, ValidationFailed


def list_layout_save(*, actor: User, kind: str, keys: list[str] | None) -> list[str]:
    """Keep the columns chosen (offered to this user, at most ``MAX_COLUMNS``, each once, in order);
    ``None`` forgets the choice and the list shows the defaults again. Not journaled: a view, not data."""
    if kind not in list_columns.DEFAULTS:
        raise NotFound
    if keys is None:
        ListLayout.objects.filter(user=actor, kind=kind).delete()
        return list_columns.default_keys(kind)
    offered = {c.key for c in list_columns.available(actor, kind)}
    wanted = list(dict.fromkeys(k for k in keys if k))
    unknown = [k for k in wanted if k not in offered]
    if unknown:
        raise ValidationFailed([FieldError("columns", "invalid", _("Choose columns from the list."))])
    if len(wanted) > list_columns.MAX_COLUMNS:
        message = _("At most %(n)d columns.") % {"n": list_columns.MAX_COLUMNS}
        raise ValidationFailed([FieldError("columns", "too_many", message)])
    ListLayout.objects.update_or_create(user=actor, kind=kind, defaults={"columns": wanted})
    return wanted
