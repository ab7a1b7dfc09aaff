"""A file handed over in one call (the REST API): uploaded, mapped, configured and queued for the worker."""

from __future__ import annotations

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import User
from crm.core.errors import FieldError, ValidationFailed
from crm.imports import selectors
from crm.imports.models import ImportBatch, OnDuplicate
from crm.imports.services.importing import check_choice, import_configure, import_start, import_upload
from crm.imports.services.templates import template_apply


def import_submit(
    *,
    actor: User,
    data: bytes,
    file_name: str,
    on_duplicate: str | None = None,
    owner_id: int | None = None,
    template_name: str = "",
) -> ImportBatch:
    """A file straight to the worker (the REST API): uploaded, mapped as suggested or by the named template
    (and any template that names all its columns), configured and queued. Refuses an unknown template."""
    check_choice(on_duplicate or OnDuplicate.SKIP)
    template = selectors.template_by_name(template_name) if template_name.strip() else None
    if template_name.strip() and template is None:
        message = format_lazy(_("There is no saved template «{name}»."), name=template_name.strip()[:100])
        raise ValidationFailed([FieldError("template", "invalid_choice", message)])
    batch = import_upload(actor=actor, data=data, file_name=file_name)
    if template is not None:
        batch = template_apply(actor=actor, batch_id=batch.pk, template_id=template.pk)
    batch = import_configure(
        actor=actor,
        batch_id=batch.pk,
        mapping={},
        on_duplicate=on_duplicate or batch.on_duplicate,
        owner_id=owner_id,
    )
    return import_start(actor=actor, batch_id=batch.pk)
