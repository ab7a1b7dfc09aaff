"""Saved column mappings: kept by name, applied to a new file's columns by the wizard and the command line."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.accounts.models import User
from crm.core.audit import ChangeSource, audit_record, diff
from crm.core.errors import FieldError, NotFound, ValidationFailed
from crm.core.models import AuditAction
from crm.imports import selectors
from crm.imports.models import ImportBatch, ImportTemplate
from crm.imports.services.importing import IMPORT, check_choice, check_targets, import_configure

NAME_LIMIT = 100


def _snapshot(template: ImportTemplate) -> dict[str, object]:
    return {"name": template.name, "mapping": template.mapping, "on_duplicate": template.on_duplicate}


def template_save(
    *,
    actor: User,
    name: str,
    mapping: Mapping[str, str],
    on_duplicate: str,
    source: ChangeSource = IMPORT,
) -> ImportTemplate:
    """Keep a mapping under a name; a name already saved is replaced (the journal keeps what it was)."""
    access.require(actor, "contact", "import")
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed([FieldError("template_name", "required", _("Give the template a name."))])
    if len(name) > NAME_LIMIT:
        message = format_lazy(_("A template's name is at most {limit} characters."), limit=NAME_LIMIT)
        raise ValidationFailed([FieldError("template_name", "max_length", message)])
    check_choice(on_duplicate)
    check_targets(mapping)
    values = {"mapping": dict(mapping), "on_duplicate": on_duplicate, "updated_at": timezone.now()}
    for _attempt in range(2):  # two people saving one new name at once: the second replaces the first
        try:
            with transaction.atomic():
                template = ImportTemplate.objects.select_for_update().filter(name=name).first()
                before = _snapshot(template) if template else {}
                if template is None:
                    template = ImportTemplate.objects.create(name=name, created_by=actor, **values)
                else:
                    for attribute, value in values.items():
                        setattr(template, attribute, value)
                    template.save()
                action = AuditAction.UPDATE if before else AuditAction.CREATE
                changes = diff(before, _snapshot(template))
                if changes:  # saved again as it was: nothing to journal
                    audit_record(actor=actor, source=source, action=action, obj=template, changes=changes)
                return template
        except IntegrityError:
            continue
    raise ValidationFailed([FieldError("template_name", "unique", _("Save the template again."))])


def template_save_from(
    *, actor: User, batch_id: uuid.UUID, name: str, source: ChangeSource = IMPORT
) -> ImportTemplate:
    """Save a configured import's mapping and duplicate choice as a template."""
    batch = selectors.batch_get(user=actor, batch_id=batch_id)
    with transaction.atomic():
        template = template_save(
            actor=actor, name=name, mapping=batch.mapping, on_duplicate=batch.on_duplicate, source=source
        )
        ImportBatch.objects.filter(pk=batch.pk).update(template_name=template.name)
    return template


def template_apply(*, actor: User, batch_id: uuid.UUID, template_id: int) -> ImportBatch:
    """Map an uploaded file's columns as the template says (columns it does not name keep their
    suggestion) and take its duplicate choice."""
    template = ImportTemplate.objects.filter(pk=template_id).first()
    if template is None:
        raise ValidationFailed([FieldError("template", "invalid_choice", _("Choose a saved template."))])
    batch = selectors.batch_get(user=actor, batch_id=batch_id)
    mapping = {h: spec for h, spec in template.mapping.items() if h in batch.mapping}
    return import_configure(
        actor=actor,
        batch_id=batch.pk,
        mapping=mapping,
        on_duplicate=template.on_duplicate,
        owner_id=batch.owner_id,
        template_name=template.name,
    )


def template_delete(*, actor: User, template_id: int, source: ChangeSource = IMPORT) -> None:
    """Delete a template (the journal keeps its mapping)."""
    access.require(actor, "contact", "import")
    with transaction.atomic():
        template = ImportTemplate.objects.select_for_update().filter(pk=template_id).first()
        if template is None:
            raise NotFound
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.PURGE,
            obj=template,
            changes=diff(_snapshot(template), {}),
        )
        template.delete()
