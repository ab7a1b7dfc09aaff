"""Every write of the timeline: entries and files. UI, API, demo data and tests all call these.

Each write checks that the actor may see the card(s), validates and normalises the input, keeps the
cards' "last contact" date, and writes the journal, in one transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import nh3
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.accounts.models import User
from crm.activities import uploads
from crm.activities.models import (
    CATEGORY_LIST,
    INTERACTIONS,
    REFUSAL_LIST,
    Attachment,
    Direction,
    Entry,
    EntryKind,
)
from crm.activities.visibility import may_change
from crm.contacts.models import Company, Contact, MessengerKind
from crm.contacts.services.common import visible_cards, visible_contact_ids
from crm.contacts.services.last_contact import last_contact_advance, last_contact_set
from crm.core import bulk
from crm.core.audit import ChangeSource, audit_record, audit_records, diff
from crm.core.errors import (
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    date_range_error,
    holds_nul,
    too_long,
    unstorable,
)
from crm.core.events import SystemEntry
from crm.core.models import AuditAction
from crm.fields.schema import Schema, schema_for
from crm.scoring.models import Action
from crm.scoring.services import signals_note
from crm.tasks.dates import find_due
from crm.tasks.services import TaskInput, task_create

# An entry records what happened; a little clock skew is allowed, planned work is a task.
FUTURE_TOLERANCE = datetime.timedelta(minutes=15)
MAX_DURATION = 24 * 3600


@dataclass
class EntryInput:
    """What a person (or the system) writes about one interaction."""

    kind: str = EntryKind.NOTE
    contact_id: int | None = None
    company_id: int | None = None
    occurred_at: datetime.datetime | None = None
    direction: str = ""
    category_id: int | None = None
    summary: str = ""
    result: str = ""
    next_step: str = ""
    refusal_reason_id: int | None = None
    refusal_comment: str = ""
    duration_seconds: int | None = None
    recording_url: str = ""
    location: str = ""
    channel: str = ""
    subject: str = ""
    email_from: str = ""
    email_to: str = ""
    body_html: str = ""
    files: list[UploadedFile] = field(default_factory=list)
    # The next step becomes a task (R2.6): its date is read from the text ("до 18.10") unless given here.
    next_step_due: datetime.datetime | None = None
    next_step_all_day: bool = False
    next_step_assignee_id: int | None = None


# Fields an update may change; a kind or a card of an entry never changes (log a new one instead).
EDITABLE = (
    "occurred_at",
    "direction",
    "category_id",
    "summary",
    "result",
    "next_step",
    "refusal_reason_id",
    "refusal_comment",
    "duration_seconds",
    "recording_url",
    "location",
    "channel",
    "subject",
    "email_from",
    "email_to",
    "body_html",
)
TEXT_FIELDS = (
    "summary",
    "result",
    "next_step",
    "refusal_comment",
    "recording_url",
    "location",
    "channel",
    "subject",
    "email_from",
    "email_to",
)
JOURNALED = ("kind", *(f.removesuffix("_id") for f in EDITABLE))


def entry_create(*, actor: User, data: EntryInput, source: ChangeSource, automatic: bool = False) -> Entry:
    """Log an interaction on a person's and/or a company's card (anyone who may see the card may log)."""
    with transaction.atomic():
        contact, company = _cards(actor, data.contact_id, data.company_id)
        clean = _clean(data, actor, automatic=automatic)
        entry = Entry(
            kind=clean["kind"],
            contact=contact,
            company=company,
            author=actor if getattr(actor, "pk", None) else None,
            automatic=automatic,
            **{k: v for k, v in clean.items() if k != "kind"},
        )
        entry.save()
        for upload in data.files:
            _attach(actor, upload, entry=entry)
        if entry.next_step and not automatic:
            _next_step_task(actor, entry, data, source)
        if entry.is_interaction:
            last_contact_advance(
                contact_ids=[contact.pk] if contact else [],
                company_ids=[company.pk] if company else [],
                at=entry.occurred_at,
            )
        if (action := lead_signal(entry)) is not None:
            signals_note(rows=[(entry.contact_id, action, entry.occurred_at)], channel=source.channel)
        audit_record(
            actor=actor, source=source, action=AuditAction.CREATE, obj=entry, changes=diff({}, _values(entry))
        )
    return entry


def entries_create(
    *, actor: User, rows: list[EntryInput], source: ChangeSource, batch: Any = None
) -> list[Entry]:
    """Many entries on people's cards in one transaction and a few statements (an import's rows attached
    to the cards they were found on): the same cleaning, visibility rule and journal as ``entry_create``,
    one query for the cards, one insert each for the entries and their journal (with the batch's id).
    Files and next steps are for ``entry_create``. One card the actor does not see, or one row's bad
    value, refuses the whole batch (NotFound, ValidationFailed), as it would the single write."""
    if any(row.files or row.next_step or row.company_id or row.contact_id is None for row in rows):
        raise ValueError("entries_create writes entries on people's cards, without files or next steps")
    if not rows:
        return []
    with transaction.atomic():
        wanted = {row.contact_id for row in rows if row.contact_id is not None}  # all of them (checked above)
        seen = set(visible_contact_ids(actor, wanted))
        if wanted - seen:
            raise NotFound
        author = actor if getattr(actor, "pk", None) else None
        schema = schema_for("contact")
        entries = []
        for pk, row in zip(bulk.allocate_ids(Entry, len(rows)), rows, strict=True):
            clean = _clean(row, actor, automatic=False, schema=schema)
            entry = Entry(pk=pk, kind=clean["kind"], contact_id=row.contact_id, author=author)
            for name, value in clean.items():
                setattr(entry, name, value)
            entries.append(entry)
        bulk.insert_objects(Entry, entries)
        met: dict[datetime.datetime, list[int]] = {}
        for entry in entries:
            if entry.is_interaction and entry.contact_id is not None:
                met.setdefault(entry.occurred_at, []).append(entry.contact_id)
        for at, contact_ids in met.items():
            last_contact_advance(contact_ids=contact_ids, company_ids=[], at=at)
        signals = [(e.contact_id, action, e.occurred_at) for e in entries if (action := lead_signal(e))]
        signals_note(rows=signals, channel=source.channel)
        audit_records(
            actor=actor,
            source=source,
            action=AuditAction.CREATE,
            items=[(entry, diff({}, _values(entry, schema))) for entry in entries],
            batch=batch,
        )
    return entries


def lead_signal(entry: Entry) -> str | None:
    """What an entry tells of the person's interest (lead scoring): they replied, called us, or met us."""
    if entry.automatic or entry.contact_id is None:
        return None
    if entry.kind == EntryKind.MEETING:
        return Action.MET
    if entry.direction != Direction.INCOMING:
        return None
    return {
        EntryKind.EMAIL: Action.REPLIED,
        EntryKind.MESSAGE: Action.REPLIED,
        EntryKind.CALL: Action.CALLED,
    }.get(EntryKind(entry.kind))


def entries_record_events(events: list[SystemEntry]) -> None:
    """Automatic entries written by another service inside its own (already authorised) transaction: a
    status change, later a merge or an import; one insert for all of them. Marked automatic; nobody
    edits them."""
    Entry.objects.bulk_create(
        [
            Entry(
                kind=EntryKind.EVENT,
                contact_id=event.contact_id,
                company_id=event.company_id,
                author=event.actor if getattr(event.actor, "pk", None) else None,
                summary=str(event.summary)[:2000],
                automatic=True,
                about_field=event.about_field,
            )
            for event in events
        ]
    )


def entry_update(*, actor: User, entry_id: int, data: dict[str, Any], source: ChangeSource) -> Entry:
    """Correct an entry: its author or an administrator; automatic entries are not edited."""
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(
            [FieldError(k, "not_editable", _("This field cannot be changed.")) for k in unknown]
        )
    with transaction.atomic():
        entry = _locked(actor, entry_id)
        _ensure_may_change(actor, entry)
        before = _values(entry)
        merged = EntryInput(
            kind=entry.kind,
            contact_id=entry.contact_id,
            company_id=entry.company_id,
            **{f: getattr(entry, f) for f in EDITABLE},
        )
        for key, value in data.items():
            setattr(merged, key, value)
        clean = _clean(merged, actor, automatic=False)
        old_at = entry.occurred_at
        for key, value in clean.items():
            setattr(entry, key, value)
        entry.updated_at = timezone.now()
        entry.save()
        if entry.is_interaction and entry.occurred_at != old_at:
            _recount_last_contact(entry)
        changes = diff(before, _values(entry))
        if changes:
            audit_record(actor=actor, source=source, action=AuditAction.UPDATE, obj=entry, changes=changes)
    return entry


def entry_delete(*, actor: User, entry_id: int, source: ChangeSource) -> Entry:
    """Move an entry (and its files) to the trash; the cards' last contact is recounted without it."""
    with transaction.atomic():
        entry = _locked(actor, entry_id)
        _ensure_may_change(actor, entry)
        entry.deleted_at = timezone.now()
        entry.deleted_by = actor
        entry.save(update_fields=["deleted_at", "deleted_by"])
        if entry.is_interaction:
            _recount_last_contact(entry)
        audit_record(actor=actor, source=source, action=AuditAction.DELETE, obj=entry)
    return entry


CHUNK = 2000  # entries per transaction of a batch


def entries_delete(
    *, actor: User, entry_ids: list[int], source: ChangeSource, batch: Any = None
) -> list[int]:
    """Move many entries to the trash at once (an import's attached notes, when the import is undone), a
    chunk per transaction, by the rule of ``entry_delete`` (an entry the actor may not change:
    PermissionDenied before the chunk changes anything), journaled under ``batch``; an entry gone or
    hidden since is left as it is. Returns the ids moved."""
    moved: list[int] = []
    for start in range(0, len(entry_ids), CHUNK):
        with transaction.atomic():
            chunk = entry_ids[start : start + CHUNK]
            entries = list(Entry.objects.select_for_update().visible_to(actor).filter(pk__in=chunk))
            if not all(may_change(actor, entry) for entry in entries):
                raise PermissionDenied("change entry")
            now = timezone.now()
            Entry.objects.filter(pk__in=[e.pk for e in entries]).update(deleted_at=now, deleted_by=actor)
            for entry in entries:
                entry.deleted_at, entry.deleted_by = now, actor
                if entry.is_interaction:
                    _recount_last_contact(entry)
            audit_records(
                actor=actor,
                source=source,
                action=AuditAction.DELETE,
                items=[(e, {}) for e in entries],
                batch=batch,
            )
            moved += [e.pk for e in entries]
    return moved


def entry_restore(*, actor: User, entry_id: int, source: ChangeSource) -> Entry:
    with transaction.atomic():
        entry = _locked(actor, entry_id, trash=True)
        _ensure_may_change(actor, entry)
        entry.deleted_at = None
        entry.deleted_by = None
        entry.save(update_fields=["deleted_at", "deleted_by"])
        if entry.is_interaction:
            _recount_last_contact(entry)
        audit_record(actor=actor, source=source, action=AuditAction.RESTORE, obj=entry)
    return entry


def attachment_add(
    *,
    actor: User,
    upload: UploadedFile,
    source: ChangeSource,
    contact_id: int | None = None,
    company_id: int | None = None,
    entry_id: int | None = None,
) -> Attachment:
    """Attach a file to a card or to an entry (size and content checked before anything is stored)."""
    with transaction.atomic():
        if entry_id is not None:
            attachment = _attach(actor, upload, entry=_locked(actor, entry_id))
        else:
            contact, company = _cards(actor, contact_id, company_id)
            attachment = _attach(actor, upload, contact=contact, company=company)
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.CREATE,
            obj=attachment,
            changes={"file": [None, attachment.name]},
        )
    return attachment


def attachment_delete(*, actor: User, attachment_id: int, source: ChangeSource) -> Attachment:
    """Move a file to the trash: its uploader or an administrator (the stored file stays until purged)."""
    with transaction.atomic():
        attachment = Attachment.objects.select_for_update().visible_to(actor).filter(pk=attachment_id).first()
        if attachment is None:
            raise NotFound
        entry = attachment.entry
        if attachment.uploaded_by_id != actor.pk and not access.can_administer(actor):
            raise PermissionDenied("delete file")
        attachment.deleted_at = timezone.now()
        attachment.deleted_by = actor
        attachment.save(update_fields=["deleted_at", "deleted_by"])
        if entry is not None:
            entry.has_files = entry.attachments.filter(deleted_at=None).exists()
            entry.save(update_fields=["has_files"])
        audit_record(actor=actor, source=source, action=AuditAction.DELETE, obj=attachment)
    return attachment


# Helpers


def _cards(
    actor: User, contact_id: int | None, company_id: int | None
) -> tuple[Contact | None, Company | None]:
    """The cards an entry goes on, each visible to the actor (else NotFound, as for a missing card)."""
    if contact_id is None and company_id is None:
        raise ValidationFailed([FieldError("contact_id", "required", _("Choose the person or the company."))])
    return visible_cards(actor, contact_id, company_id)


def _locked(actor: User, entry_id: int, *, trash: bool = False) -> Entry:
    """The entry for a write, locked, if the actor sees it: the very rule of the timeline and of
    ``entry_get`` (at least one of its cards), filtered by its id, so the edit button and the write agree."""
    entry = Entry.objects.select_for_update().visible_to(actor, trash=trash).filter(pk=entry_id).first()
    if entry is None:
        raise NotFound
    return entry


def _ensure_may_change(actor: User, entry: Entry) -> None:
    if not may_change(actor, entry):
        raise PermissionDenied("change entry")


def _clean(data: EntryInput, actor: User, *, automatic: bool, schema: Schema | None = None) -> dict[str, Any]:
    """The entry's values, normalised; every problem is collected and named by its field. ``schema``: the
    contacts' schema, when a batch has it already."""
    errors: list[FieldError] = []
    kind = data.kind
    if kind not in EntryKind.values or (kind == EntryKind.EVENT and not automatic):
        errors.append(FieldError("kind", "invalid", _("Choose what kind of entry this is.")))
    # One line each, spaces collapsed; the summary keeps its line breaks.
    text = {name: " ".join(str(getattr(data, name) or "").split()) for name in TEXT_FIELDS}
    text["summary"] = str(data.summary or "").strip()
    limits = {f.name: getattr(f, "max_length", None) for f in Entry._meta.concrete_fields}
    errors += [
        unstorable(name)
        for name in (*TEXT_FIELDS, "summary", "body_html")
        if holds_nul(getattr(data, name, ""))
    ]
    for name, value in text.items():
        limit = limits.get(name)
        if limit and len(value) > limit:
            errors.append(too_long(name, limit))
    now = timezone.now()
    occurred_at = data.occurred_at or now
    if (wrong := date_range_error("occurred_at", occurred_at)) is not None:
        errors.append(wrong)
        occurred_at = now
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    if occurred_at > now + FUTURE_TOLERANCE:
        errors.append(
            FieldError(
                "occurred_at", "future", _("An entry records what happened; plan future work as a task.")
            )
        )
    direction = data.direction or ""
    if direction not in ("", *Direction.values):
        errors.append(FieldError("direction", "invalid", _("Choose incoming or outgoing.")))
    if kind in (EntryKind.NOTE, EntryKind.DOCUMENT, EntryKind.EVENT):
        direction = ""
    body = (
        nh3.clean(data.body_html or "", link_rel="noopener noreferrer nofollow")
        if kind == EntryKind.EMAIL
        else ""
    )
    if not automatic and kind != EntryKind.DOCUMENT and not (text["summary"] or text["subject"] or body):
        errors.append(FieldError("summary", "required", _("Write what happened.")))
    if kind == EntryKind.DOCUMENT and not (data.files or text["summary"]):
        errors.append(FieldError("files", "required", _("Attach the document.")))
    duration = data.duration_seconds
    if duration is not None and not (0 <= int(duration) <= MAX_DURATION):
        errors.append(
            FieldError("duration_seconds", "invalid", _("The duration must be between 0 and 24 hours."))
        )
    if text["recording_url"]:
        try:
            URLValidator(schemes=["http", "https"])(text["recording_url"])
        except DjangoValidationError:
            errors.append(
                FieldError("recording_url", "invalid", _("Enter a link starting with http:// or https://."))
            )
    channel = text["channel"]
    if kind == EntryKind.MESSAGE and channel and channel not in MessengerKind.values:
        errors.append(FieldError("channel", "invalid", _("Choose a messenger from the list.")))
    schema = schema or schema_for("contact")
    category = _option(schema, CATEGORY_LIST, data.category_id, "category_id", errors)
    refusal = _option(schema, REFUSAL_LIST, data.refusal_reason_id, "refusal_reason_id", errors)
    for upload in data.files:
        problem = uploads.check(upload)
        if problem:
            errors.append(FieldError("files", "invalid", problem))
    if errors:
        raise ValidationFailed(errors)
    is_call_like = kind in (EntryKind.CALL, EntryKind.MEETING)
    return {
        "kind": kind,
        "occurred_at": occurred_at,
        "direction": direction,
        "category_id": category,
        "summary": text["summary"],
        "result": text["result"],
        "next_step": text["next_step"],
        "refusal_reason_id": refusal,
        "refusal_comment": text["refusal_comment"] if refusal else "",
        "duration_seconds": int(duration) if duration is not None and is_call_like else None,
        "recording_url": text["recording_url"] if kind == EntryKind.CALL else "",
        "location": text["location"] if kind == EntryKind.MEETING else "",
        "channel": channel if kind == EntryKind.MESSAGE else "",
        "subject": text["subject"] if kind == EntryKind.EMAIL else "",
        "email_from": text["email_from"] if kind == EntryKind.EMAIL else "",
        "email_to": text["email_to"] if kind == EntryKind.EMAIL else "",
        "body_html": body,
    }


def _next_step_task(actor: User, entry: Entry, data: EntryInput, source: ChangeSource) -> Any:
    """The entry's next step as a dated task on the same card, assigned to the author unless another is
    chosen; a next step without a date is refused at the field (a step without a date is a wish)."""
    due, all_day = data.next_step_due, data.next_step_all_day
    if due is None:
        found = find_due(entry.next_step, timezone.localtime())
        if found is None:
            raise ValidationFailed(
                [
                    FieldError(
                        "next_step",
                        "no_date",
                        _("Give the next step a date: «send the proposal by 18.10», «tomorrow at 15:00»."),
                    )
                ]
            )
        due, all_day = found.at, found.all_day
    task_input = TaskInput(
        title=entry.next_step,
        due_at=due,
        all_day=all_day,
        assignee_id=data.next_step_assignee_id,
        contact_id=entry.contact_id,
        company_id=entry.company_id,
        entry_id=entry.pk,
    )
    try:
        return task_create(actor=actor, data=task_input, source=source)
    except ValidationFailed as exc:
        names = {"title": "next_step", "due_at": "next_step_due", "assignee_id": "next_step_assignee_id"}
        raise ValidationFailed(
            [FieldError(names.get(e.field, e.field), e.code, e.message) for e in exc.errors]
        ) from exc


def _option(schema: Any, list_key: str, value: Any, name: str, errors: list[FieldError]) -> int | None:
    """An option of a central list by id (a merged option reads as the one it became)."""
    if value in (None, ""):
        return None
    option = schema.offered_option(list_key, value, keep=value)
    if option is None:
        errors.append(FieldError(name, "invalid", _("Choose an option from the list.")))
        return None
    return option.pk


def _attach(
    actor: User,
    upload: UploadedFile,
    *,
    entry: Entry | None = None,
    contact: Contact | None = None,
    company: Company | None = None,
) -> Attachment:
    problem = uploads.check(upload)
    if problem:
        raise ValidationFailed([FieldError("file", "invalid", problem)])
    name = uploads.safe_name(upload.name or "file")
    attachment = Attachment(
        name=name,
        size=upload.size or 0,
        content_type=uploads.content_type(upload),
        entry=entry,
        contact=contact,
        company=company,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    if entry is not None and not entry.has_files:
        entry.has_files = True
        entry.save(update_fields=["has_files"])
    return attachment


def _recount_last_contact(entry: Entry) -> None:
    """The cards' last contact from their remaining interactions (one indexed lookup per card)."""
    live = Entry.objects.filter(deleted_at=None, kind__in=INTERACTIONS)
    contacts: dict[int, datetime.datetime | None] = {}
    companies: dict[int, datetime.datetime | None] = {}
    if entry.contact_id:
        contacts[entry.contact_id] = live.filter(contact_id=entry.contact_id).aggregate(
            at=Max("occurred_at")
        )["at"]
        employers = list(
            Contact.objects.get(pk=entry.contact_id).employments.values_list("company_id", flat=True)
        )
    else:
        employers = []
    for company_id in {*employers, *([entry.company_id] if entry.company_id else [])}:
        people = Contact.objects.filter(employments__company_id=company_id).values("pk")
        own = live.filter(company_id=company_id).aggregate(at=Max("occurred_at"))["at"]
        theirs = live.filter(contact_id__in=people).aggregate(at=Max("occurred_at"))["at"]
        companies[company_id] = max((a for a in (own, theirs) if a), default=None)
    last_contact_set(contacts=contacts, companies=companies)


def _values(entry: Entry, schema: Schema | None = None) -> dict[str, Any]:
    """The entry's values as the journal shows them (options as labels, the body's length only)."""
    schema = schema or schema_for("contact")
    values: dict[str, Any] = {}
    for name in JOURNALED:
        if name in ("category", "refusal_reason"):
            option = schema.option(getattr(entry, f"{name}_id"))
            values[name] = option.label if option else None
        elif name == "body_html":
            values[name] = f"{len(entry.body_html)} chars" if entry.body_html else None
        else:
            values[name] = getattr(entry, name)
    return values


def entries_move(
    *, from_contact_id: int, to_contact_id: int, entry_ids: list[int] | None = None
) -> list[int]:
    """A person's timeline entries and files go to another card (a merge, or its undo: ``entry_ids``
    names the entries to take back). The cards' last-contact dates are counted again. The caller checks
    the rights and journals the merge."""
    entries = Entry.objects.filter(contact_id=from_contact_id)
    if entry_ids is not None:
        entries = entries.filter(pk__in=entry_ids)
    moved = list(entries.values_list("pk", flat=True))
    Entry.objects.filter(pk__in=moved).update(contact_id=to_contact_id)
    Attachment.objects.filter(entry_id__in=moved).update(contact_id=to_contact_id)
    if entry_ids is None:  # files attached to the card itself, not to an entry
        Attachment.objects.filter(contact_id=from_contact_id, entry=None).update(contact_id=to_contact_id)
    live = Entry.objects.filter(deleted_at=None, kind__in=INTERACTIONS)
    last_contact_set(
        contacts={
            pk: live.filter(contact_id=pk).aggregate(at=Max("occurred_at"))["at"]
            for pk in (from_contact_id, to_contact_id)
        },
        companies={},
    )
    return moved
