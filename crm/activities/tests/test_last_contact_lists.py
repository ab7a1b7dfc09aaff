"""Last contact in lists (R2.4): a column, a "no contact for N days" filter, a sort; also in the API."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from crm.activities.services import EntryInput, entry_create
from crm.contacts.models import Contact
from crm.contacts.selectors import ContactFilters, contact_list
from crm.contacts.testing import make_contact
from crm.core.audit import SYSTEM


def days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def called(owner, person, days: int) -> None:
    data = EntryInput(kind="call", contact_id=person.pk, occurred_at=days_ago(days), summary="Созвон")
    entry_create(actor=owner, data=data, source=SYSTEM)


def world(owner):
    recent = make_contact(owner, last_name="Свежев", phone="+79160000101")
    called(owner, recent, 3)
    silent = make_contact(owner, last_name="Забытый", phone="+79160000102")
    called(owner, silent, 120)
    never_old = make_contact(owner, last_name="Старый", phone="+79160000103")
    Contact.objects.filter(pk=never_old.pk).update(created_at=days_ago(400))
    never_new = make_contact(owner, last_name="Новый", phone="+79160000104")
    return recent, silent, never_old, never_new


def test_no_contact_for_90_days_means_an_older_last_contact_or_none_on_an_older_card(manager_a):
    _recent, silent, never_old, _never_new = world(manager_a)
    page = contact_list(user=manager_a, filters=ContactFilters(silent_days=90))
    assert {c.pk for c in page.items} == {silent.pk, never_old.pk}
    assert (page.total, page.total_is_estimate) == (2, False)


def test_sorting_by_last_contact_puts_the_never_contacted_first_then_the_oldest(manager_a):
    recent, silent, never_old, never_new = world(manager_a)
    up = contact_list(user=manager_a, filters=ContactFilters(), sort="last_contact").items
    assert [c.pk for c in up][2:] == [silent.pk, recent.pk]
    assert {c.pk for c in up[:2]} == {never_old.pk, never_new.pk}
    down = contact_list(user=manager_a, filters=ContactFilters(), sort="-last_contact").items
    assert [c.pk for c in down][:2] == [recent.pk, silent.pk]


def test_the_list_shows_the_last_contact_and_filters_by_silence(client, manager_a):
    world(manager_a)
    client.force_login(manager_a)
    html = client.get(reverse("contacts:contact_list"), {"silent": 90}).content.decode()
    assert "Забытый" in html
    assert "Старый" in html
    assert "Свежев" not in html
    assert timezone.localtime(days_ago(120)).strftime("%d.%m.%Y") in html  # the page shows local dates


def test_the_api_gives_the_last_contact_and_filters_by_silence(client, manager_a):
    from crm.accounts.services import api_token_create

    world(manager_a)
    _, token = api_token_create(actor=manager_a, name="t", source=SYSTEM)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    items = client.get("/api/v1/contacts", {"silent_days": 90, "sort": "last_contact"}, **headers).json()[
        "items"
    ]
    assert [i["last_name"] for i in items] == ["Старый", "Забытый"]
    assert items[0]["last_contact_at"] is None
    assert items[1]["last_contact_at"] is not None


def test_the_exact_silent_count_matches_the_filtered_list(manager_a, manager_b):
    from crm.contacts.selectors import silent_count

    world(manager_a)
    stranger = make_contact(manager_b, last_name="Чужой", phone="+79160000199")
    Contact.objects.filter(pk=stranger.pk).update(created_at=days_ago(400))
    page = contact_list(user=manager_a, filters=ContactFilters(silent_days=90))
    assert silent_count(user=manager_a, days=90) == page.total == 2


def test_the_list_sorted_by_last_contact_reads_an_index_in_order_without_sorting(manager_a, admin):
    from django.db import connection

    from crm.contacts.selectors import CONTACT_SORTS, silent_for

    world(manager_a)
    key = CONTACT_SORTS["last_contact"]
    for user in (admin, manager_a):
        qs = Contact.objects.visible_to(user).filter(silent_for(90)).order_by(*key.ordering).values("pk")[:51]
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                plan = " ".join(str(row[3]) for row in cursor.fetchall())
                assert "TEMP B-TREE" not in plan, plan
            else:
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("SET LOCAL enable_bitmapscan = off")
                cursor.execute(f"EXPLAIN {sql}", params)
                plan = " ".join(row[0] for row in cursor.fetchall())
                assert "Sort" not in plan.replace("Incremental Sort", ""), plan
