"""Every write of notifications: create (with its deliveries), read, deliver, and a person's settings."""

from __future__ import annotations

import datetime
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import User
from crm.core.audit import ChangeSource, audit_record
from crm.core.errors import FieldError, ValidationFailed
from crm.core.models import AuditAction
from crm.notifications import telegram
from crm.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    Preferences,
    TelegramState,
)

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
# A delivery claimed longer ago than this by a worker that died is not retried (it may have gone out);
# it is marked failed so that nothing is ever sent twice.
STALE_CLAIM = datetime.timedelta(minutes=10)


def notify(
    *,
    user: User,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    task: Any = None,
    late: bool = False,
    channels: tuple[str, ...] = (Channel.EMAIL, Channel.TELEGRAM),
) -> Notification:
    """An in-app notification, plus one delivery per outside channel the person uses. Call inside the
    caller's transaction: the deliveries are sent once it commits."""
    notification = Notification.objects.create(
        user=user, kind=kind, title=title[:255], body=body, url=url, task=task, late=late
    )
    prefs = preferences_of(user)
    wanted = []
    if Channel.EMAIL in channels and prefs.by_email and user.email:
        wanted.append(Channel.EMAIL)
    if (
        Channel.TELEGRAM in channels
        and prefs.by_telegram
        and prefs.telegram_chat_id
        and telegram.configured()
    ):
        wanted.append(Channel.TELEGRAM)
    if wanted:
        Delivery.objects.bulk_create(Delivery(notification=notification, channel=c) for c in wanted)
        transaction.on_commit(_enqueue_delivery)
    return notification


def _enqueue_delivery() -> None:
    from crm.notifications.jobs import deliver

    deliver()


def notifications_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the person's notifications read (the given ones, or all)."""
    qs = Notification.objects.filter(user=user, read_at=None)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def deliver_pending(*, now: datetime.datetime | None = None, limit: int = 200) -> int:
    """Send what waits. Each delivery is claimed (pending → sending) by one UPDATE before it is sent, so
    two workers never send the same message; returns how many were sent."""
    now = now or timezone.now()
    Delivery.objects.filter(status=DeliveryStatus.SENDING, not_before__lt=now - STALE_CLAIM).update(
        status=DeliveryStatus.FAILED, last_error="worker stopped while sending"
    )
    sent = 0
    for pk in due_deliveries(now, limit):
        if not _claim(pk, now):
            continue  # another worker got it first
        delivery = Delivery.objects.select_related("notification__user").get(pk=pk)
        sent += _send(delivery, now)
    return sent


def due_deliveries(now: datetime.datetime, limit: int) -> list[int]:
    """The deliveries whose time has come, oldest first (two workers may both read the same ones)."""
    return list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, not_before__lte=now)
        .order_by("not_before", "id")
        .values_list("pk", flat=True)[:limit]
    )


def _claim(pk: int, now: datetime.datetime) -> bool:
    """pending → sending in one UPDATE: of two workers claiming one delivery, one changes the row."""
    return bool(
        Delivery.objects.filter(pk=pk, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SENDING, not_before=now, attempts=F("attempts") + 1
        )
    )


def _send(delivery: Delivery, now: datetime.datetime) -> int:
    notification = delivery.notification
    user = notification.user
    try:
        with translation.override(user.language or settings.LANGUAGE_CODE):
            if delivery.channel == Channel.EMAIL:
                _send_email(notification)
            else:
                _send_telegram(notification)
    except telegram.TelegramRetry as exc:
        retry = delivery.attempts < MAX_ATTEMPTS
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.PENDING if retry else DeliveryStatus.FAILED,
            not_before=now + datetime.timedelta(seconds=exc.after),
            last_error=str(exc)[:500],
        )
        return 0
    except telegram.TelegramBlocked as exc:
        # The chat is gone: stop writing there until the person links Telegram again.
        Preferences.objects.filter(user=user).update(telegram_chat_id="")
        _fail(delivery, str(exc))
        return 0
    except Exception as exc:
        log.warning("delivery %s failed: %r", delivery.pk, exc)
        _fail(delivery, repr(exc))
        return 0
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return 1


def _fail(delivery: Delivery, error: str) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, last_error=error[:500])


def _late_prefix(notification: Notification) -> str:
    return f"[{_('late')}] " if notification.late else ""


def _absolute(url: str) -> str:
    return f"{settings.CRM_BASE_URL.rstrip('/')}{url}" if url.startswith("/") else url


def _send_email(notification: Notification) -> None:
    subject = _late_prefix(notification) + notification.title
    link = _absolute(notification.url)
    text = notification.body + (f"\n\n{link}" if link else "")
    message = EmailMultiAlternatives(subject=subject, body=text, to=[notification.user.email])
    message.send()


def _send_telegram(notification: Notification) -> None:
    prefs = preferences_of(notification.user)
    if not prefs.telegram_chat_id:
        raise telegram.TelegramBlocked("not linked")
    lines = [f"<b>{telegram.escape(_late_prefix(notification) + notification.title)}</b>"]
    if notification.body:
        lines.append(telegram.escape(notification.body))
    if notification.url:
        link = telegram.escape(_absolute(notification.url))
        label = _("Open in CRM")  # outside the f-string, where makemessages finds it
        lines.append(f'<a href="{link}">{telegram.escape(str(label))}</a>')
    telegram.send_message(prefs.telegram_chat_id, "\n".join(lines))


# A person's settings


def preferences_of(user: User) -> Preferences:
    """The person's settings, created with the defaults on first use."""
    prefs, _created = Preferences.objects.get_or_create(user=user)
    return prefs


def digest_claim(*, prefs: Preferences, day: datetime.date) -> bool:
    """Mark the person's morning digest of ``day`` as theirs to send: one UPDATE, true for the one worker
    whose UPDATE changed the row (two workers never both send it)."""
    return bool(
        Preferences.objects.filter(pk=prefs.pk).exclude(last_digest_on=day).update(last_digest_on=day)
    )


def slip_report_claim(*, prefs: Preferences, week: datetime.date) -> bool:
    """The same claim for a head's weekly slip report (``week``: its Monday)."""
    return bool(
        Preferences.objects.filter(pk=prefs.pk).exclude(last_report_week=week).update(last_report_week=week)
    )


@dataclass
class PreferencesInput:
    by_email: bool = True
    by_telegram: bool = True
    digest_time: datetime.time | None = None


def preferences_update(*, actor: User, data: PreferencesInput, source: ChangeSource) -> Preferences:
    with transaction.atomic():
        prefs = preferences_of(actor)
        before = {
            "by_email": prefs.by_email,
            "by_telegram": prefs.by_telegram,
            "digest_time": prefs.digest_time,
        }
        prefs.by_email = data.by_email
        prefs.by_telegram = data.by_telegram
        if prefs.digest_time != data.digest_time:
            prefs.digest_time = data.digest_time
            prefs.last_digest_on = None
        prefs.save()
        after = {
            "by_email": prefs.by_email,
            "by_telegram": prefs.by_telegram,
            "digest_time": prefs.digest_time,
        }
        changes = {k: [str(before[k]), str(after[k])] for k in before if before[k] != after[k]}
        if changes:
            audit_record(actor=actor, source=source, action=AuditAction.UPDATE, obj=actor, changes=changes)
    return prefs


def calendar_token_renew(*, actor: User, source: ChangeSource) -> Preferences:
    """A new secret address for the calendar feed; the old one stops working at once."""
    with transaction.atomic():
        prefs = preferences_of(actor)
        prefs.calendar_token = secrets.token_urlsafe(24)
        prefs.save(update_fields=["calendar_token"])
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.UPDATE,
            obj=actor,
            changes={"calendar_feed": ["…", "…"]},
        )
    return prefs


def telegram_link_start(*, actor: User) -> str:
    """A one-time code the person sends to the bot as «/start CODE»; the worker then links the chat."""
    if not telegram.configured():
        raise ValidationFailed(
            [FieldError("telegram", "not_configured", _("Telegram is not set up on this server."))]
        )
    prefs = preferences_of(actor)
    prefs.telegram_link_code = secrets.token_hex(6)
    prefs.save(update_fields=["telegram_link_code"])
    return prefs.telegram_link_code


def telegram_unlink(*, actor: User, source: ChangeSource) -> None:
    with transaction.atomic():
        Preferences.objects.filter(user=actor).update(telegram_chat_id="", telegram_link_code="")
        audit_record(
            actor=actor,
            source=source,
            action=AuditAction.UPDATE,
            obj=actor,
            changes={"telegram": ["linked", None]},
        )


def telegram_poll_links() -> int:
    """Read the bot's new messages; «/start CODE» links that chat to the person whose code it is."""
    if not telegram.configured():
        return 0
    state, _created = TelegramState.objects.get_or_create(pk=1)
    try:
        updates = telegram.get_updates(state.offset)
    except (telegram.TelegramError, telegram.TelegramRetry) as exc:
        log.warning("getUpdates failed: %s", exc)
        return 0
    linked = 0
    for update in updates:
        state.offset = max(state.offset, int(update.get("update_id", 0)) + 1)
        message = update.get("message") or {}
        text = str(message.get("text", "")).strip()
        chat_id = (message.get("chat") or {}).get("id")
        if not text.startswith("/start ") or chat_id is None:
            continue
        code = text.split(maxsplit=1)[1].strip()
        prefs = Preferences.objects.filter(~Q(telegram_link_code=""), telegram_link_code=code).first()
        if prefs is None:
            continue
        prefs.telegram_chat_id = str(chat_id)
        prefs.telegram_link_code = ""
        prefs.save(update_fields=["telegram_chat_id", "telegram_link_code"])
        audit_record(
            actor=prefs.user,
            source=ChangeSource(channel="system"),
            action=AuditAction.UPDATE,
            obj=prefs.user,
            changes={"telegram": [None, "linked"]},
        )
        linked += 1
        try:
            with translation.override(prefs.user.language or settings.LANGUAGE_CODE):
                telegram.send_message(
                    str(chat_id), telegram.escape(str(_("Linked: CRM reminders will come here.")))
                )
        except (telegram.TelegramError, telegram.TelegramRetry):
            pass
    state.save()
    return linked
