"""The notification settings tick only the channels a person can receive on: without an e-mail address
or a linked Telegram chat those are shown unticked and disabled (they looked switched on), and saving the
page keeps the person's wish for when the channel becomes usable."""

from __future__ import annotations

import re

from django.urls import reverse

from crm.notifications.services import preferences_of


def _box(page: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)


def test_channels_without_an_address_or_a_chat_are_neither_ticked_nor_tickable(client, manager_a):
    manager_a.email = ""
    manager_a.save()
    client.force_login(manager_a)
    page = client.get(reverse("notifications:settings")).content.decode()
    for name in ("by_email", "by_telegram"):
        assert "checked" not in _box(page, name)
        assert "disabled" in _box(page, name)


def test_saving_the_page_keeps_the_wish_for_a_channel_not_usable_yet(client, manager_a):
    manager_a.email = ""
    manager_a.save()
    client.force_login(manager_a)
    client.post(reverse("notifications:settings"), {"digest_time": ""})
    prefs = preferences_of(manager_a)
    assert (prefs.by_email, prefs.by_telegram) == (True, True)
    manager_a.email = "anna@crm.example.ru"
    manager_a.save()
    page = client.get(reverse("notifications:settings")).content.decode()
    assert "checked" in _box(page, "by_email")
