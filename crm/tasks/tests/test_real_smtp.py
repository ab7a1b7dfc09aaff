"""A reminder e-mail goes through a real SMTP conversation (a server the test starts with aiosmtpd), not
only Django's in-memory outbox: the envelope, the subject and the link arrive as a mail client sees them."""

from __future__ import annotations

import datetime
import email
import socket
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from crm.core.audit import SYSTEM
from crm.notifications.models import Delivery, DeliveryStatus
from crm.notifications.services import deliver_pending
from crm.tasks.reminders import dispatch_due_reminders
from crm.tasks.services import TaskInput, task_create


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    with socket.socket() as probe:  # a free port for the server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.CRM_BASE_URL = "https://crm.example.ru"
    yield inbox
    controller.stop()


def test_a_reminder_arrives_by_real_smtp_with_its_link(smtp, manager_a):
    manager_a.email = "anna@crm.example.ru"
    manager_a.save()
    task = task_create(
        actor=manager_a,
        data=TaskInput(title="Позвонить Семёнову", due_at=timezone.now() - datetime.timedelta(minutes=1)),
        source=SYSTEM,
    )
    dispatch_due_reminders()
    deliver_pending()

    [(_sender, recipients, raw)] = smtp.messages
    message = email.message_from_bytes(raw, policy=default)
    assert recipients == ["anna@crm.example.ru"]
    assert "Позвонить Семёнову" in message["Subject"]
    assert f"https://crm.example.ru/tasks/{task.pk}/" in message.get_body(("plain",)).get_content()
    assert Delivery.objects.get(channel="email").status == DeliveryStatus.SENT
