"""Writes of the duplicate finder: the weekly (and on demand) run over the whole base, and a person's
"not a duplicate"."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from crm.accounts import access
from crm.accounts.models import User
from crm.core.audit import SYSTEM, ChangeSource, audit_record
from crm.core.errors import NotFound, PermissionDenied
from crm.core.models import AuditAction
from crm.duplicates import selectors
from crm.duplicates.finder import Pair, find_pairs
from crm.duplicates.models import DuplicatePair, PairStatus


def duplicates_find() -> int:
    """Compare every live card with the cards it shares a block key with and keep the pairs to review:
    new ones are added, changed scores updated, pairs no longer found dropped; a pair someone marked "not
    a duplicate" stays so. Returns how many pairs are open."""
    found: dict[tuple[int, int], Pair] = {}
    for pair in find_pairs(selectors.all_people()):
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
