"""Writes of the duplicate finder: the weekly (and on demand) run over the whole base, and a person's
"not a duplicate"."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.accounts.models import User
from crm.activities.services import entries_move
from crm.contacts.inputs import contact_input_from, contact_input_of
from crm.contacts.models import Contact
from crm.contacts.services import (
    comments_move,
    contact_delete,
    contact_lines_release,
    contact_lines_return,
    contact_restore,
    contact_update,
)
from crm.contacts.services.search_index import index_contacts as search_index_contacts
from crm.core.audit import SYSTEM, ChangeSource, audit_record
from crm.core.audit import jsonable as audit_jsonable
from crm.core.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from crm.core.models import AuditAction
from crm.core.normalize import NormalizationError, normalize_phone
from crm.deals.services import deals_move, orders_move
from crm.duplicates import selectors
from crm.duplicates.finder import THRESHOLD, Pair, find_pairs
from crm.duplicates.models import DuplicatePair, Merge, PairStatus
from crm.duplicates.scoring import score
from crm.scoring.services import signals_move
from crm.tasks.services import tasks_move


def duplicates_find() -> int:
    """Compare every live card with the cards it shares a block key with and keep the pairs to review:
    new ones are added, changed scores updated, pairs no longer found dropped; a pair someone marked "not
    a duplicate" stays so. Returns how many pairs are open."""
    found: dict[tuple[int, int], Pair] = {}
    for pair in find_pairs(selectors.all_people(split=True), split=True):
        a, b = int(pair.a), int(pair.b)  # type: ignore[call-overload]  # a card's key is its id
        found[(min(a, b), max(a, b))] = pair
    with transaction.atomic():
        known = {(p.first_id, p.second_id): p for p in DuplicatePair.objects.select_for_update()}
        DuplicatePair.objects.filter(status=PairStatus.OPEN).exclude(
            pk__in=[p.pk for key, p in known.items() if key in found]
        ).delete()
        new, changed = [], []
        for (first, second), pair in found.items():
            current = known.get((first, second))
            if current is None:
                new.append(
                    DuplicatePair(
                        first_id=first, second_id=second, score=pair.score, reasons=list(pair.reasons)
                    )
                )
            elif current.status == PairStatus.OPEN and (current.score, current.reasons) != (
                pair.score,
                list(pair.reasons),
            ):
                current.score, current.reasons = pair.score, list(pair.reasons)
                changed.append(current)
        DuplicatePair.objects.bulk_create(new, batch_size=2000)
        DuplicatePair.objects.bulk_update(changed, ["score", "reasons"], batch_size=2000)
    return DuplicatePair.objects.filter(status=PairStatus.OPEN).count()


def duplicates_find_start(*, actor: User) -> None:
    """Run the finder now, in the worker (an administrator's button)."""
    if not access.can_administer(actor):
        raise PermissionDenied("run the duplicate finder")
    from crm.duplicates import jobs  # jobs call services: imported here, not at the top, to keep the layers

    transaction.on_commit(jobs.find_duplicates_now)


def pair_dismiss(*, actor: User, pair_id: int, source: ChangeSource = SYSTEM) -> DuplicatePair:
    """Two cards that are different people: the pair is never proposed again."""
    with transaction.atomic():
        pair = selectors.pair_get(user=actor, pair_id=pair_id)
        if pair is None or pair.status != PairStatus.OPEN:
            raise NotFound
        pair.status, pair.decided_at, pair.decided_by = PairStatus.DISMISSED, timezone.now(), actor
        pair.save(update_fields=["status", "decided_at", "decided_by"])
        changes = {"status": [PairStatus.OPEN.value, PairStatus.DISMISSED.value]}
        audit_record(actor=actor, source=source, action=AuditAction.UPDATE, obj=pair, changes=changes)
    return pair


# -- merge and unmerge ------------------------------------------------------------------------------------

_LISTS = ("phones", "emails", "messengers", "tags")


def _empty(value: Any) -> bool:
    return value in ("", None, [], {}, (None, None, None))


def _input_of(card: Contact) -> dict[str, Any]:
    data = contact_input_from(card)
    data.custom = dict(card.custom or {})
    return dataclasses.asdict(data)  # type: ignore[call-overload]


def _item_key(name: str, item: Any) -> Any:
    if name == "tags":
        return item
    return (item["kind"], item["handle"]) if name == "messengers" else item["value"]


def _locked_live(actor: User, pk: int, action: str) -> Contact:
    card = (
        Contact.objects.select_for_update()
        .visible_to(actor, action=action)
        .filter(pk=pk, deleted_at=None)
        .first()
    )
    if card is None:
        raise NotFound
    return card


def merged_values(
    survivor: dict[str, Any], merged: dict[str, Any], choices: Mapping[str, str]
) -> dict[str, Any]:
    """The survivor's input after the merge: every phone, e-mail, messenger and tag of both; a single value
    from the card ``choices`` names ("merged"), else the survivor's, else the merged card's when the
    survivor's is empty."""
    result = dict(survivor)
    for name, value in merged.items():
        if name in ("record_type_id", "company_name"):
            continue
        if name in _LISTS:
            have = {_item_key(name, item) for item in survivor[name]}
            extra = [item for item in value if _item_key(name, item) not in have]
            if name in ("phones", "emails"):
                extra = [dict(item, is_primary=False) for item in extra]
            result[name] = survivor[name] + extra
        elif name == "custom":
            result["custom"] = dict(survivor["custom"])
            for key, item in value.items():
                if choices.get(f"custom:{key}") == "merged" or _empty(result["custom"].get(key)):
                    result["custom"][key] = item
        elif choices.get(name) == "merged" or (_empty(survivor[name]) and not _empty(value)):
            result[name] = value
    if result.get("company_id") is None:
        result["position"] = ""
    return result


def contacts_merge(
    *,
    actor: User,
    survivor_id: int,
    merged_id: int,
    choices: Mapping[str, str] | None = None,
    source: ChangeSource = SYSTEM,
) -> Merge:
    """Make two cards one (R7.2): the survivor takes the other's phones, e-mails, messengers, tags and the
    values ``choices`` picks (a field's name → "merged"), then its timeline, files, tasks and comments;
    the other goes to the trash. Journaled on both, and undoable (``merge_undo``)."""
    if survivor_id == merged_id:
        raise ValidationFailed([FieldError("merged_id", "same_card", _("Choose two different cards."))])
    with transaction.atomic():
        first, second = sorted((survivor_id, merged_id))
        locked = {
            pk: _locked_live(actor, pk, "edit" if pk == survivor_id else "delete") for pk in (first, second)
        }
        survivor, merged = locked[survivor_id], locked[merged_id]
        before, theirs = _input_of(survivor), _input_of(merged)
        wanted = merged_values(before, theirs, choices or {})
        # The survivor may hold them only once the merged card lets them go: one phone, one card (R7.1).
        taken: dict[str, Any] = contact_lines_release(merged)
        taken |= {
            "messengers": [m for m in theirs["messengers"] if m not in before["messengers"]],
            "tags": [t for t in theirs["tags"] if t not in before["tags"]],
        }
        contact_update(actor=actor, contact_id=survivor.pk, data=contact_input_of(wanted), source=source)
        entry_ids = entries_move(from_contact_id=merged.pk, to_contact_id=survivor.pk)
        task_ids = tasks_move(from_contact_id=merged.pk, to_contact_id=survivor.pk)
        deal_ids = deals_move(from_contact_id=merged.pk, to_contact_id=survivor.pk)
        order_ids = orders_move(from_contact_id=merged.pk, to_contact_id=survivor.pk)
        signal_ids = signals_move(from_contact_id=merged.pk, to_contact_id=survivor.pk)
        comment_ids = comments_move(from_contact_id=merged.pk, to_contact_id=survivor.pk)
        contact_delete(actor=actor, contact_id=merged.pk, source=source)
        DuplicatePair.objects.filter(Q(first=merged) | Q(second=merged), status=PairStatus.OPEN).update(
            status=PairStatus.MERGED, decided_at=timezone.now(), decided_by=actor
        )
        survivor.refresh_from_db()
        merge = Merge.objects.create(
            survivor=survivor,
            merged=merged,
            by=actor,
            before=audit_jsonable(before),
            after=audit_jsonable(_input_of(survivor)),
            taken=audit_jsonable(taken),
            entry_ids=entry_ids,
            deal_ids=deal_ids,
            order_ids=order_ids,
            task_ids=task_ids,
            signal_ids=signal_ids,
            comment_ids=comment_ids,
        )
        label = f"{merged.full_name} (#{merged.pk})"
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.MERGE,
            obj=survivor,
            changes={"merged": [None, label]},
        )
        into = f"{survivor.full_name} (#{survivor.pk})"
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.MERGE,
            obj=merged,
            changes={"merged_into": [None, into]},
        )
    return merge


def merge_undo(*, actor: User, merge_id: int, source: ChangeSource = SYSTEM) -> Merge:
    """Make a merge's two cards two again: the merged card comes back from the trash with its phones,
    e-mails, messengers, tags, history, tasks and comments; the survivor gets back the values the merge
    changed, unless they were changed since (what was added to it since stays on it)."""
    with transaction.atomic():
        merge = Merge.objects.select_for_update().filter(pk=merge_id, undone_at=None).first()
        if merge is None:
            raise NotFound
        survivor = _locked_live(actor, merge.survivor_id, "edit")
        current = _input_of(survivor)
        restored = dict(current)
        taken = merge.taken
        phones = {p["number"] for p in taken["phones"]}
        emails = {e["address"] for e in taken["emails"]}
        restored["phones"] = [p for p in current["phones"] if _phone_number(p["value"]) not in phones]
        restored["emails"] = [e for e in current["emails"] if e["value"].lower() not in emails]
        restored["messengers"] = [m for m in current["messengers"] if m not in taken["messengers"]]
        restored["tags"] = [t for t in current["tags"] if t not in taken["tags"]]
        for name, value in merge.before.items():
            if name in _LISTS or name == "custom":
                continue
            if merge.after.get(name) != value and current.get(name) == merge.after.get(name):
                restored[name] = value
        custom = dict(current["custom"])
        for key, value in merge.after.get("custom", {}).items():
            if merge.before.get("custom", {}).get(key) != value and custom.get(key) == value:
                if key in merge.before.get("custom", {}):
                    custom[key] = merge.before["custom"][key]
                else:
                    custom.pop(key, None)
        restored["custom"] = custom
        contact_update(actor=actor, contact_id=survivor.pk, data=contact_input_of(restored), source=source)
        contact_restore(actor=actor, contact_id=merge.merged_id, source=source)
        contact_lines_return(merge.merged_id, taken)
        entries_move(from_contact_id=survivor.pk, to_contact_id=merge.merged_id, entry_ids=merge.entry_ids)
        tasks_move(from_contact_id=survivor.pk, to_contact_id=merge.merged_id, task_ids=merge.task_ids)
        deals_move(from_contact_id=survivor.pk, to_contact_id=merge.merged_id, deal_ids=merge.deal_ids)
        orders_move(from_contact_id=survivor.pk, to_contact_id=merge.merged_id, order_ids=merge.order_ids)
        signals_move(from_contact_id=survivor.pk, to_contact_id=merge.merged_id, signal_ids=merge.signal_ids)
        comments_move(
            from_contact_id=survivor.pk, to_contact_id=merge.merged_id, comment_ids=merge.comment_ids
        )
        first, second = sorted((merge.survivor_id, merge.merged_id))
        DuplicatePair.objects.update_or_create(
            first_id=first,
            second_id=second,
            defaults={
                "status": PairStatus.DISMISSED,
                "decided_at": timezone.now(),
                "decided_by": actor,
                "score": 0,
            },
        )
        merge.undone_at, merge.undone_by = timezone.now(), actor
        merge.save(update_fields=["undone_at", "undone_by"])
        merged = Contact.objects.get(pk=merge.merged_id)
        search_index_contacts([merged])
        label = f"{merged.full_name} (#{merged.pk})"
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.UPDATE,
            obj=survivor,
            changes={"unmerged": [None, label]},
        )
    return merge


def _phone_number(text: str) -> str:
    try:
        return normalize_phone(text).e164
    except NormalizationError:
        return text


def duplicates_check(ids: list[int]) -> int:
    """Compare new or changed cards with the stored cards they might duplicate (R7.2: each new card is
    checked); the pairs found join the review queue. Returns how many pairs were added or rescored."""
    people = selectors.people_of(ids)
    found: dict[tuple[int, int], tuple[float, list[str]]] = {}
    for start in range(0, len(people), 200):
        chunk = people[start : start + 200]
        candidates = selectors.candidates_for(chunk) + chunk  # the new cards may duplicate each other too
        for person in chunk:
            for other in candidates:
                if other.key == person.key:
                    continue
                value, reasons = score(person, other)
                if value >= THRESHOLD:
                    a, b = sorted((int(person.key), int(other.key)))  # type: ignore[call-overload]
                    found[(a, b)] = (value, reasons)
    if not found:
        return 0
    with transaction.atomic():
        known = {
            (p.first_id, p.second_id): p
            for p in DuplicatePair.objects.select_for_update().filter(
                first_id__in={a for a, _b in found}, second_id__in={b for _a, b in found}
            )
        }
        new = []
        for (a, b), (value, reasons) in found.items():
            pair = known.get((a, b))
            if pair is None:
                new.append(DuplicatePair(first_id=a, second_id=b, score=value, reasons=reasons))
            elif pair.status == PairStatus.OPEN:
                pair.score, pair.reasons = value, reasons
                pair.save(update_fields=["score", "reasons"])
        DuplicatePair.objects.bulk_create(new, ignore_conflicts=True)
    return len(found)
