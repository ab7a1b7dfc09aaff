"""Keyset pagination: every row exactly once, in order, forwards and back, ties included."""

from crm.contacts.models import Contact
from crm.contacts.testing import make_contact
from crm.core.pagination import SortKey, decode_cursor, encode_cursor, paginate


def test_pages_cover_every_row_once_in_order_with_ties(manager_a):
    for i in range(11):
        make_contact(manager_a, last_name=["Иванов", "Петров"][i % 2], first_name="", phone=f"+7912{i:07d}")
    key = SortKey("name_key")
    expected = list(Contact.objects.order_by("name_key", "id").values_list("pk", flat=True))
    seen, cursor, pages = [], None, []
    while True:
        page = paginate(Contact.objects.all(), key, cursor, limit=4)
        seen += [c.pk for c in page.items]
        pages.append(page)
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == expected
    back = paginate(Contact.objects.all(), key, pages[-1].prev_cursor, limit=4)
    assert [c.pk for c in back.items] == [c.pk for c in pages[-2].items]
    assert (pages[0].total, pages[0].total_is_estimate) == (11, False)


def test_descending_dates_page_correctly(manager_a):
    for i in range(5):
        make_contact(manager_a, last_name=f"К{i}", phone=f"+7913{i:07d}")
    key = SortKey("created_at", descending=True)
    first = paginate(Contact.objects.all(), key, None, limit=2)
    second = paginate(Contact.objects.all(), key, first.next_cursor, limit=2)
    expected = list(Contact.objects.order_by("-created_at", "-id").values_list("pk", flat=True))
    assert [c.pk for c in first.items + second.items] == expected[:4]


def test_a_forged_cursor_is_ignored():
    cursor = encode_cursor(["x", 1])
    assert decode_cursor(cursor) == (["x", 1], False)
    assert decode_cursor(cursor[:-2] + "AA") is None
    assert decode_cursor("not-a-cursor") is None


def test_past_the_threshold_the_count_is_an_estimate(manager_a, settings):
    settings.CRM_EXACT_COUNT_LIMIT = 3
    for i in range(5):
        make_contact(manager_a, last_name=f"К{i}", phone=f"+7914{i:07d}")
    page = paginate(Contact.objects.all(), SortKey("name_key"), None, limit=2)
    assert page.total_is_estimate is True
    assert page.total >= 3


def test_a_count_far_past_the_threshold_takes_the_planners_estimate_without_counting(
    manager_a, settings, django_assert_num_queries
):
    from django.db import connection

    from crm.core.pagination import count

    settings.CRM_EXACT_COUNT_LIMIT = 3
    settings.CRM_COUNT_TRUST_ESTIMATE_FROM = 4
    for i in range(5):
        make_contact(manager_a, last_name=f"К{i}", phone=f"+7915{i:07d}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE contacts_contact" if connection.vendor == "postgresql" else "SELECT 1")
    if connection.vendor == "postgresql":
        with django_assert_num_queries(1):  # the EXPLAIN alone
            total = count(Contact.objects.all())
        assert total.estimated
        assert total.value >= 4
    else:
        total = count(Contact.objects.all())  # SQLite has no cheap estimate: it counts up to the threshold
        assert (total.value, total.estimated) == (3, True)


def test_a_small_estimate_is_checked_by_counting(manager_a, settings):
    from crm.core.pagination import count

    settings.CRM_COUNT_TRUST_ESTIMATE_FROM = 4
    make_contact(manager_a, last_name="Одна", phone="+79160000001")
    total = count(Contact.objects.filter(last_name="Одна"))
    assert (total.value, total.estimated) == (1, False)


def test_a_filter_that_can_match_nothing_counts_zero(manager_a):
    from crm.core.pagination import count

    total = count(Contact.objects.filter(pk__in=[]))
    assert (total.value, total.estimated) == (0, False)
