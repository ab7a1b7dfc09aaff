"""Every write of lead scoring: signals recorded (from the API, and from the services that saw them), the
scores they make, the nightly fading, and the administrator's rules and settings.

A score is recounted from the person's signals, never added to: a repeated or late signal, a rule changed,
a half-life changed all give the same sum as counting from scratch. Points fade by whole days, so a score
changes at most once a day without news, and the nightly ``scores_recount_all`` is what moves it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.accounts import access
from crm.accounts.models import User
from crm.contacts.models import Contact, ContactEmail, ContactPhone
from crm.core.audit import ChangeSource, audit_record, diff
from crm.core.errors import (
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    date_range_error,
    holds_nul,
    unstorable,
)
from crm.core.models import AuditAction
from crm.core.normalize import NormalizationError, normalize_email, normalize_phone
from crm.scoring import selectors
from crm.scoring.fading import decayed, horizon
from crm.scoring.models import WITH_ADDRESS, Action, Rule, Score, Settings, Signal

CHUNK = 5000
MAX_SIGNALS = 1000  # in one call of the API
MAX_POINTS = 1000
MAX_HALF_LIFE = 3650
ADDRESS_LIMIT = 500
FUTURE_SLACK = datetime.timedelta(days=1)  # clocks differ; a signal "from tomorrow" is a mistake


# -- signals ---------------------------------------------------------------------------------------------


@dataclass
class SignalInput:
    """One thing a person did, naming them by id, e-mail or phone (the first given is used)."""

    action: str = ""
    contact_id: int | None = None
    email: str = ""
    phone: str = ""
    occurred_at: datetime.datetime | None = None
    address: str = ""


@dataclass
class Recorded:
    recorded: int = 0  # new signals
    repeated: int = 0  # the same kind of signal from the same person the same day: counted once
    unknown: list[int] | None = None  # positions of the signals whose person is not found (or not seen)


def signals_record(*, actor: User, items: Sequence[SignalInput], source: ChangeSource) -> Recorded:
    """Signals from outside (a mailing tool, the website): each checked, its person found among the cards
    the actor sees (one not seen is "unknown", as one that does not exist), recorded, and the scores of
    their people recounted — all or nothing when one is malformed."""
    if len(items) > MAX_SIGNALS:
        message = _("At most %(n)d signals at once.") % {"n": MAX_SIGNALS}
        raise ValidationFailed([FieldError("signals", "too_many", message)])
    now = timezone.now()
    errors: list[FieldError] = []
    clean: list[tuple[int, SignalInput, datetime.datetime, str, str]] = []
    for n, item in enumerate(items):
        path = f"signals.{n}"
        if item.action not in Action.values:
            errors.append(FieldError(f"{path}.action", "invalid", _("Choose an action from the list.")))
        at = item.occurred_at or now
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
        if (wrong := date_range_error(f"{path}.occurred_at", at)) is not None:
            errors.append(wrong)
        elif at > now + FUTURE_SLACK:
            errors.append(FieldError(f"{path}.occurred_at", "future", _("The moment is in the future.")))
        email = phone = ""
        if item.contact_id is None:
            try:
                if item.email.strip():
                    email = normalize_email(item.email)
                elif item.phone.strip():
                    phone = normalize_phone(item.phone).e164
                else:
                    missing = _("Name the person: contact_id, email or phone.")
                    errors.append(FieldError(f"{path}.contact_id", "required", missing))
            except NormalizationError as exc:
                errors.append(
                    FieldError(f"{path}.{'email' if item.email.strip() else 'phone'}", exc.code, exc.message)
                )
        if holds_nul(item.address):
            errors.append(unstorable(f"{path}.address"))
        clean.append((n, item, at, email, phone))
    if errors:
        raise ValidationFailed(errors)
    people = _people(actor, clean)
    rows: list[tuple[int, str, datetime.datetime, str]] = []
    unknown = []
    for n, item, at, _email, _phone in clean:
        found = people.get(n, [])
        if not found:
            unknown.append(n)
        rows += [(pk, item.action, at, " ".join(item.address.split())[:ADDRESS_LIMIT]) for pk in found]
    with transaction.atomic():
        recorded, repeated = _record(rows, source.channel)
    return Recorded(recorded=recorded, repeated=repeated, unknown=unknown)


def _people(
    actor: User, clean: list[tuple[int, SignalInput, datetime.datetime, str, str]]
) -> dict[int, list[int]]:
    """Each signal's people among the cards the actor sees: by id, or everyone holding the e-mail or phone
    (three queries for the whole call)."""
    seen = Contact.objects.visible_to(actor)
    ids = {item.contact_id for _n, item, *_ in clean if item.contact_id is not None}
    emails = {email for *_rest, email, _phone in clean if email}
    phones = {phone for *_rest, phone in clean if phone}
    known_ids = set(seen.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    by_email: dict[str, list[int]] = defaultdict(list)
    if emails:
        holders = ContactEmail.objects.filter(address__in=emails, contact__in=seen)
        for address, pk in holders.values_list("address", "contact_id").distinct():
            by_email[address].append(pk)
    by_phone: dict[str, list[int]] = defaultdict(list)
    if phones:
        phone_holders = ContactPhone.objects.filter(number__in=phones, contact__in=seen)
        for number, pk in phone_holders.values_list("number", "contact_id").distinct():
            by_phone[number].append(pk)
    found: dict[int, list[int]] = {}
    for n, item, _at, email, phone in clean:
        if item.contact_id is not None:
            found[n] = [item.contact_id] if item.contact_id in known_ids else []
        else:
            found[n] = sorted(set(by_email.get(email, []) if email else by_phone.get(phone, [])))
    return found


def signals_note(*, rows: Iterable[tuple[int | None, str, datetime.datetime]], channel: str) -> None:
    """What another service saw people do, as (person, action, moment): a reply or a call on the
    timeline, a meeting, an order; inside that service's own, already authorised, transaction."""
    _record([(pk, action, at, "") for pk, action, at in rows if pk is not None], channel)


def _record(rows: list[tuple[int, str, datetime.datetime, str]], channel: str) -> tuple[int, int]:
    """Store the signals not stored yet (a kind counts once a day per person and address) and recount
    their people's scores. Returns (new, repeated)."""
    if not rows:
        return 0, 0
    rules = selectors.active_rules()
    tz = timezone.get_current_timezone()
    fresh: dict[tuple[int, datetime.date, str, str], Signal] = {}
    for pk, action, at, address in rows:
        day = timezone.localtime(at, tz).date()
        key = (pk, day, action, address)
        if key not in fresh:
            fresh[key] = Signal(
                contact_id=pk,
                action=action,
                occurred_at=at,
                day=day,
                address=address,
                points=points_for(rules, action, address),
                channel=channel,
            )
    people = {key[0] for key in fresh}
    # One recount at a time per person: a racing signal's recount waits and then sees this one's signal
    # (PostgreSQL; SQLite writes one transaction at a time anyway).
    list(
        Contact.objects.filter(pk__in=people).order_by("pk").select_for_update(of=("self",)).values_list("pk")
    )
    days = {key[1] for key in fresh}
    stored = set(
        Signal.objects.filter(contact_id__in=people, day__in=days).values_list(
            "contact_id", "day", "action", "address"
        )
    )
    new = [signal for key, signal in fresh.items() if key not in stored]
    Signal.objects.bulk_create(new, ignore_conflicts=True)  # a racing twin is the same signal: one is kept
    scores_recount(people)
    return len(new), len(rows) - len(new)


def points_for(rules: Sequence[Rule], action: str, address: str) -> int:
    """A signal's points: the sum of the rules it matches (a rule naming part of an address matches only
    the addresses holding it, in any case)."""
    folded = address.casefold()
    return sum(
        r.points
        for r in rules
        if r.action == action and (not r.address_contains or r.address_contains.casefold() in folded)
    )


# -- scores ----------------------------------------------------------------------------------------------


def scores_recount(contact_ids: Iterable[int], *, today: datetime.date | None = None) -> int:
    """Count these people's scores again from their signals, as of ``today``: a chunk at a time, one read
    of the signals and one write per kind of change. Returns how many scores changed."""
    conf = selectors.settings()
    today = today or timezone.localdate()
    ids = sorted(set(contact_ids))
    changed = 0
    for start in range(0, len(ids), CHUNK):
        changed += _recount_chunk(ids[start : start + CHUNK], conf, today)
    return changed


def _recount_chunk(ids: list[int], conf: Settings, today: datetime.date) -> int:
    signals = Signal.objects.filter(contact_id__in=ids)
    since = horizon(conf, today)
    if since is not None:
        signals = signals.filter(day__gte=since)
    sums: dict[int, float] = defaultdict(float)
    for pk, day, points in (
        signals.values_list("contact_id", "day")
        .annotate(p=Sum("points"))
        .values_list("contact_id", "day", "p")
    ):
        sums[pk] += decayed(points or 0, day, conf, today)
    now = timezone.now()
    wanted = {pk: round(total) for pk, total in sums.items() if round(total) != 0}
    existing = {s.contact_id: s for s in Score.objects.filter(contact_id__in=ids)}
    create = [
        Score(contact_id=pk, points=p, band=conf.band(p), day=today, updated_at=now)
        for pk, p in wanted.items()
        if pk not in existing
    ]
    update = []
    for pk, score in existing.items():
        if pk in wanted and (score.points, score.band) != (wanted[pk], conf.band(wanted[pk])):
            score.points, score.band, score.day, score.updated_at = (
                wanted[pk],
                conf.band(wanted[pk]),
                today,
                now,
            )
            update.append(score)
    gone = [pk for pk in existing if pk not in wanted]
    with transaction.atomic():
        # A changed score is deleted and inserted again: two statements for the chunk, where an UPDATE per
        # row (or one CASE over thousands of them: 90 s for 89,000 scores on SQLite) costs far more.
        if gone or update:
            Score.objects.filter(contact_id__in=gone + [s.contact_id for s in update]).delete()
        # Created, not upserted: a person scored by a racing transaction meanwhile is counted next time.
        Score.objects.bulk_create(create + update, ignore_conflicts=True)
    return len(create) + len(update) + len(gone)


def scores_recount_all(*, today: datetime.date | None = None, force: bool = False) -> int:
    """Every night: the scores fade by a day (everyone with signals within the horizon or a score now).
    Nothing fades without a half-life, so then only ``force`` (a rule changed) recounts."""
    conf = selectors.settings()
    today = today or timezone.localdate()
    if not conf.half_life_days and not force:
        return 0
    since = horizon(conf, today)
    signals = Signal.objects.all() if since is None else Signal.objects.filter(day__gte=since)
    people = set(signals.values_list("contact_id", flat=True).distinct())
    people |= set(Score.objects.values_list("contact_id", flat=True))
    return scores_recount(people, today=today)


def bands_update(conf: Settings) -> int:
    """New thresholds: every score's band in one statement (the points stay)."""
    return Score.objects.update(
        band=Case(
            When(points__gte=conf.hot_from, then=Value("hot")),
            When(points__gte=conf.warm_from, then=Value("warm")),
            default=Value("cold"),
        )
    )


def signals_rescore() -> int:
    """Rules changed: every signal's points from the rules as they are now (one statement per action),
    then every score. Run by the worker."""
    rules = selectors.active_rules()
    for action in Action.values:
        own = [r for r in rules if r.action == action]
        total: Any = Value(0)
        for rule in own:
            matches = (
                When(address__icontains=rule.address_contains, then=Value(rule.points))
                if rule.address_contains
                else When(pk__isnull=False, then=Value(rule.points))
            )
            total = total + Case(matches, default=Value(0), output_field=IntegerField())
        Signal.objects.filter(action=action).exclude(points=total).update(points=total)
    return scores_recount_all(force=True)


# -- the administrator's rules and settings ---------------------------------------------------------------


@dataclass
class RuleInput:
    action: str = ""
    address_contains: str = ""
    points: int | None = None
    active: bool = True


def rule_save(*, actor: User, rule_id: int | None, data: RuleInput, source: ChangeSource) -> Rule:
    """Add a rule or change one (an administrator's); every signal is scored again in the background."""
    require_admin(actor)
    errors: list[FieldError] = []
    if data.action not in Action.values:
        errors.append(FieldError("action", "invalid", _("Choose an action from the list.")))
    address = " ".join((data.address_contains or "").split())
    if address and data.action not in WITH_ADDRESS:
        message = _("Only a page visit or a click on a link has an address.")
        errors.append(FieldError("address_contains", "invalid", message))
    if len(address) > 200 or holds_nul(address):
        errors.append(FieldError("address_contains", "too_long", _("At most 200 characters.")))
    if data.points is None or not -MAX_POINTS <= data.points <= MAX_POINTS or data.points == 0:
        wrong = _("Give a number of points from -%(n)d to %(n)d, not zero.") % {"n": MAX_POINTS}
        errors.append(FieldError("points", "invalid", wrong))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        rule = Rule() if rule_id is None else Rule.objects.select_for_update().filter(pk=rule_id).first()
        if rule is None:
            raise NotFound
        before = _rule_values(rule) if rule_id is not None else {}
        rule.action, rule.address_contains, rule.points = data.action, address, int(data.points or 0)
        rule.active, rule.updated_at = data.active, timezone.now()
        try:
            with transaction.atomic():
                rule.save()
        except IntegrityError:
            message = _("There is a rule for this action and address already: change that one.")
            raise ValidationFailed([FieldError("action", "duplicate", message)]) from None
        changes = diff(before, _rule_values(rule))
        action = AuditAction.CREATE if rule_id is None else AuditAction.UPDATE
        audit_record(actor=actor, source=source, action=action, obj=rule, changes=changes)
        if changes:
            _queue_rescore()
    return rule


def _rule_values(rule: Rule) -> dict[str, Any]:
    return {
        "action": rule.get_action_display() if rule.action else None,
        "address_contains": rule.address_contains,
        "points": rule.points,
        "active": rule.active,
    }


@dataclass
class SettingsInput:
    half_life_days: int | None = None
    hot_from: int | None = None
    warm_from: int | None = None


def settings_save(*, actor: User, data: SettingsInput, source: ChangeSource) -> Settings:
    """Change how points fade and where hot and warm begin (an administrator's). New thresholds move every
    band at once; a new half-life recounts every score in the background."""
    require_admin(actor)
    errors: list[FieldError] = []
    if data.half_life_days is None or not 0 <= data.half_life_days <= MAX_HALF_LIFE:
        message = _("Give a number of days from 0 (points never fade) to %(n)d.") % {"n": MAX_HALF_LIFE}
        errors.append(FieldError("half_life_days", "invalid", message))
    for name in ("hot_from", "warm_from"):
        value = getattr(data, name)
        if value is None or not 1 <= value <= 100 * MAX_POINTS:
            errors.append(FieldError(name, "invalid", _("Give a number of points from 1 to 100,000.")))
    if not errors and (data.warm_from or 0) >= (data.hot_from or 0):
        errors.append(FieldError("warm_from", "invalid", _("Warm must begin below hot.")))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        existing = Settings.objects.select_for_update().filter(pk=1).first()
        conf = existing or Settings(pk=1)
        before = _settings_values(existing) if existing else {}
        old_half_life = conf.half_life_days
        assert data.half_life_days is not None
        assert data.hot_from is not None
        assert data.warm_from is not None
        conf.half_life_days, conf.hot_from, conf.warm_from = (
            data.half_life_days,
            data.hot_from,
            data.warm_from,
        )
        conf.updated_at = timezone.now()
        conf.save()
        changes = diff(before, _settings_values(conf))
        if changes:
            audit_record(actor=actor, source=source, action=AuditAction.UPDATE, obj=conf, changes=changes)
        bands_update(conf)
        if conf.half_life_days != old_half_life:
            _queue_rescore()
    return conf


def _settings_values(conf: Settings) -> dict[str, Any]:
    return {"half_life_days": conf.half_life_days, "hot_from": conf.hot_from, "warm_from": conf.warm_from}


def require_admin(actor: User) -> None:
    if not access.can_administer(actor):
        raise PermissionDenied("lead scoring")


def _queue_rescore() -> None:
    from crm.scoring import jobs  # jobs call services: imported here, not at the top, to keep the layers

    transaction.on_commit(lambda: jobs.rescore())


def signals_move(
    *, from_contact_id: int, to_contact_id: int, signal_ids: list[int] | None = None
) -> list[int]:
    """A person's signals go to another card (a merge, or its undo: ``signal_ids`` names those to take
    back), and both scores are counted again. A signal the other card has already that day (the same kind
    and address) stays where it is: it counts once a day anyway. The caller checks the rights and journals."""
    signals = Signal.objects.filter(contact_id=from_contact_id)
    if signal_ids is not None:
        signals = signals.filter(pk__in=signal_ids)
    theirs = set(Signal.objects.filter(contact_id=to_contact_id).values_list("day", "action", "address"))
    moved = [
        pk for pk, *key in signals.values_list("pk", "day", "action", "address") if tuple(key) not in theirs
    ]
    Signal.objects.filter(pk__in=moved).update(contact_id=to_contact_id)
    scores_recount([from_contact_id, to_contact_id])
    return moved
