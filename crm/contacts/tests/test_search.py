"""Global search (Ctrl+K) and the list's search box, on either database's index."""

import pytest

from crm.contacts.selectors import ContactFilters, contact_list, global_search
from crm.contacts.testing import make_company, make_contact


@pytest.fixture
def olga(manager_a):
    return make_contact(
        manager_a,
        last_name="Семёнова",
        first_name="Ольга",
        phone="+79123456789",
        email="olga.semenova@stroy.ru",
    )


def titles(user, query):
    return [h.title for h in global_search(user=user, query=query)]


@pytest.mark.parametrize(
    "query", ["8 (912) 345-67-89", "+79123456789", "89123456789", "912 345 67 89", "3456789", "345-67-89"]
)
def test_a_phone_in_any_writing_finds_the_card(manager_a, olga, query):
    assert titles(manager_a, query) == ["Семёнова Ольга"]


@pytest.mark.parametrize("query", ["olga.semenova@stroy.ru", "OLGA.SEMENOVA@stroy.ru", "olga.sem"])
def test_an_email_or_its_start_finds_the_card(manager_a, olga, query):
    assert titles(manager_a, query) == ["Семёнова Ольга"]


@pytest.mark.parametrize("query", ["Сем", "семенова", "Ольга Сем", "ольг"])
def test_a_name_prefix_finds_the_card_whatever_the_case_or_yo(manager_a, olga, query):
    assert titles(manager_a, query) == ["Семёнова Ольга"]


@pytest.mark.parametrize("query", ["Семинова", "Семёнава", "Семенова Ольго"])
def test_a_misspelled_name_still_finds_the_card(manager_a, olga, query):
    assert "Семёнова Ольга" in titles(manager_a, query)


@pytest.mark.parametrize(
    "query", ["Semenova", "Semyonova", "Syomenova", "Ctv`yjdf", "Ctvtyjdf", "Olga Semenova", "Семенова Olga"]
)
def test_a_name_in_latin_or_in_the_wrong_layout_finds_the_card(manager_a, olga, query):
    assert titles(manager_a, query) == ["Семёнова Ольга"]


def test_a_first_name_alone_finds_every_form_of_it_and_the_surnames_it_starts(manager_a):
    for last, first in [("Зайцев", "Александр"), ("Котова", "Саша"), ("Иванова", "Александра")]:
        make_contact(manager_a, last_name=last, first_name=first)
    make_contact(manager_a, last_name="Александров", first_name="Пётр")
    make_contact(manager_a, last_name="Петров", first_name="Алексей")  # another name: not found
    for query in ("Саша", "Sasha", "Шура"):  # a familiar form: Александр or Александра
        assert set(titles(manager_a, query)) == {"Зайцев Александр", "Котова Саша", "Иванова Александра"}
    for query in ("Aleksandr", "Alexandr", "Fktrcfylh"):  # the full name in Latin, or the wrong layout
        assert set(titles(manager_a, query)) == {"Зайцев Александр", "Котова Саша"}
    assert set(titles(manager_a, "Александр")) == {
        "Александров Пётр",
        "Зайцев Александр",
        "Котова Саша",
        "Иванова Александра",
    }
    assert titles(manager_a, "Zaytsev") == ["Зайцев Александр"]
    assert titles(manager_a, "Sasha Zaitsev") == ["Зайцев Александр"]


def test_a_name_found_by_sound_respects_who_may_see_the_card(manager_a, manager_b, olga):
    assert titles(manager_b, "Semenova") == []
    assert titles(manager_b, "Olga") == []


def test_a_company_is_found_by_name_and_inn(manager_a):
    make_company(manager_a, name="Строймонтаж", inn="7707083893")
    assert titles(manager_a, "Строймон") == ["Строймонтаж"]
    assert titles(manager_a, "7707083893") == ["Строймонтаж"]


def test_search_never_shows_other_managers_cards(manager_a, manager_b, olga):
    assert titles(manager_b, "Семёнова") == []
    assert titles(manager_b, "3456789") == []


def test_trashed_cards_are_not_found(manager_a, olga):
    from crm.contacts.services import contact_delete
    from crm.core.audit import SYSTEM

    contact_delete(actor=manager_a, contact_id=olga.pk, source=SYSTEM)
    assert titles(manager_a, "Семёнова") == []


def test_the_list_search_box_filters_by_name_phone_and_email(manager_a, olga):
    make_contact(manager_a, last_name="Петров", phone="+79001112233")
    for query in ("Семён", "3456789", "olga.sem"):
        page = contact_list(user=manager_a, filters=ContactFilters(q=query))
        assert [c.last_name for c in page.items] == ["Семёнова"], query


def test_the_vocabulary_is_kept_by_the_services_and_can_be_rebuilt(manager_a, olga):
    from crm.contacts.models import SearchWord
    from crm.contacts.services.search_index import rebuild_vocabulary

    words = set(SearchWord.objects.filter(kind="contact").values_list("word", flat=True))
    assert words == {"семенова", "ольга"}
    SearchWord.objects.all().delete()
    assert rebuild_vocabulary() == 2


def test_a_misspelled_first_name_after_a_correct_surname_is_corrected(manager_a, olga):
    make_contact(manager_a, last_name="Семёнова", first_name="Анна", phone="+79001112234")
    assert titles(manager_a, "Семенова Ольго") == ["Семёнова Ольга"]


def test_prefix_searched_columns_keep_the_c_collation_on_postgresql(db):
    """Migration 0005: a later AlterField must not silently drop it (prefix search would get slow)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        columns = [
            ("contacts_contact", "name_key"),
            ("contacts_company", "name_key"),
            ("contacts_contactemail", "address"),
            ("contacts_company", "inn"),
            ("contacts_searchword", "word"),
        ]
        wanted = ", ".join(f"('{table}', '{column}')" for table, column in columns)
        cursor.execute(
            "SELECT table_name, column_name, collation_name FROM information_schema.columns "
            f"WHERE (table_name, column_name) IN ({wanted})"
        )
        collations = {(table, column): collation for table, column, collation in cursor.fetchall()}
    assert set(collations.values()) == {"C"}
    assert len(collations) == 5
