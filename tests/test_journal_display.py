"""The journal reads as people write: moments in their time zone without microseconds, dates as
dd.mm.yyyy, and every key of a timeline entry's journal in their language (ISO text and raw keys such as
"channel" showed through)."""

from __future__ import annotations

import zoneinfo

from django.utils import timezone, translation

from crm.activities.services import JOURNALED
from crm.core.templatetags.crm import field_label, journal_value


def test_moments_and_dates_in_the_journal_are_shown_local_and_short():
    with timezone.override(zoneinfo.ZoneInfo("Europe/Moscow")):
        assert journal_value("occurred_at", "2026-03-14T07:05:09.123456+00:00") == "14.03.2026 10:05"
        assert journal_value("occurred_at", "2026-03-14T10:05:00+03:00") == "14.03.2026 10:05"
        assert journal_value("custom.birthday", "2026-03-14") == "14.03.2026"
        assert journal_value("summary", "Договорились на 2026-03-14, перезвонить") == (
            "Договорились на 2026-03-14, перезвонить"
        )


def test_every_key_of_a_timeline_entrys_journal_has_a_label_in_both_languages():
    for language in ("ru", "en"):
        with translation.override(language):
            unlabelled = [k for k in JOURNALED if field_label(k, "activities.entry") == k]
            assert unlabelled == [], language


def test_the_journal_filters_by_record_action_who_and_batch_and_links_each_record(client, admin, manager_a):
    import uuid

    from django.urls import reverse

    from crm.contacts.inputs import ContactInput
    from crm.contacts.services import contact_delete, contacts_create
    from crm.contacts.testing import make_company, make_contact
    from crm.core.audit import SYSTEM

    person = make_contact(manager_a, last_name="Журналов", phone="+79160009001")
    make_company(admin, name="ООО Журнал")
    contact_delete(actor=manager_a, contact_id=person.pk, source=SYSTEM)
    batch = uuid.uuid4()
    contacts_create(actor=admin, rows=[ContactInput(last_name="Пакетов")], source=SYSTEM, batch=batch)
    client.force_login(admin)
    url = reverse("accounts:journal")

    def shown(**query) -> str:
        return client.get(url, query).content.decode()

    assert "Журналов" in shown()
    assert "ООО Журнал" in shown()
    assert "ООО Журнал" not in shown(type="contacts.contact")
    deleted = shown(type="contacts.contact", action="delete")
    assert "Журналов" in deleted
    assert "Пакетов" not in deleted
    assert "ООО Журнал" not in shown(actor=manager_a.pk)
    by_batch = shown(batch=str(batch))
    assert "Пакетов" in by_batch
    assert "Журналов" not in by_batch
    assert f'href="/contacts/{person.pk}/" data-testid="journal-record"' in deleted
