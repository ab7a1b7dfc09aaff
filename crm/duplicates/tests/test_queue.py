"""The finder over the stored base, the review queue and "not a duplicate"."""

import pytest
from django.urls import reverse

from crm.contacts.testing import make_contact
from crm.core.errors import NotFound
from crm.duplicates.models import DuplicatePair, PairStatus
from crm.duplicates.services import duplicates_find, pair_dismiss

pytestmark = pytest.mark.django_db


@pytest.fixture
def twins(manager_a):
    """One person typed twice: a familiar first name, a Latin surname, one digit off in the phone."""
    return (
        make_contact(manager_a, last_name="Иванов", first_name="Александр", phone="+79161234567"),
        make_contact(manager_a, last_name="Ivanov", first_name="Саша", phone="+79161234576"),
    )


def test_the_finder_proposes_one_person_typed_twice_and_not_namesakes(twins, manager_a):
    make_contact(manager_a, last_name="Петров", first_name="Олег", phone="+79000000001")
    make_contact(manager_a, last_name="Петров", first_name="Олег", phone="+79111111111", email="o@a.ru")
    assert duplicates_find() == 1
    pair = DuplicatePair.objects.get()
    assert {pair.first_id, pair.second_id} == {c.pk for c in twins}
    assert pair.first_id < pair.second_id
    assert "phone one digit off" in pair.reasons


def test_a_second_run_keeps_one_pair_and_a_dismissed_pair_never_comes_back(twins, manager_a):
    duplicates_find()
    duplicates_find()
    pair = DuplicatePair.objects.get()
    pair_dismiss(actor=manager_a, pair_id=pair.pk)
    assert duplicates_find() == 0
    assert DuplicatePair.objects.get().status == PairStatus.DISMISSED


def test_only_someone_who_may_edit_both_cards_dismisses_a_pair(twins, manager_b):
    duplicates_find()
    with pytest.raises(NotFound):
        pair_dismiss(actor=manager_b, pair_id=DuplicatePair.objects.get().pk)
    assert DuplicatePair.objects.get().status == PairStatus.OPEN


def test_the_queue_and_the_card_show_pairs_to_those_who_see_both_cards(client, twins, manager_a, manager_b):
    duplicates_find()
    client.force_login(manager_a)
    page = client.get(reverse("duplicates:queue")).content.decode()
    assert "Ivanov" in page
    card = client.get(reverse("contacts:contact_detail", args=[twins[0].pk])).content.decode()
    assert 'data-testid="card-duplicates"' in card
    client.force_login(manager_b)
    assert "Ivanov" not in client.get(reverse("duplicates:queue")).content.decode()


def test_dismissing_from_the_card_returns_to_the_card_and_never_to_another_site(client, twins, manager_a):
    duplicates_find()
    pair = DuplicatePair.objects.get()
    client.force_login(manager_a)
    card_url = reverse("contacts:contact_detail", args=[twins[0].pk])
    response = client.post(reverse("duplicates:dismiss", args=[pair.pk]), {"next": card_url})
    assert response["Location"] == card_url
    DuplicatePair.objects.update(status=PairStatus.OPEN)
    response = client.post(reverse("duplicates:dismiss", args=[pair.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("duplicates:queue")


def test_only_an_administrator_runs_the_finder_from_the_page(client, manager_a, admin):
    client.force_login(manager_a)
    assert client.post(reverse("duplicates:run")).status_code == 404
    client.force_login(admin)
    assert client.post(reverse("duplicates:run")).status_code == 302


def test_the_merge_page_merges_with_the_chosen_values_and_the_card_undoes_it(client, twins, manager_a):
    duplicates_find()
    pair = DuplicatePair.objects.get()
    client.force_login(manager_a)
    page = client.get(reverse("duplicates:merge", args=[pair.pk])).content.decode()
    assert 'data-testid="merge-form"' in page
    keep, other = twins
    response = client.post(
        reverse("duplicates:merge", args=[pair.pk]), {"survivor": keep.pk, "f-first_name": other.pk}
    )
    assert response["Location"] == reverse("contacts:contact_detail", args=[keep.pk])
    keep.refresh_from_db()
    assert keep.first_name == "Саша"  # the other card's value, chosen
    assert keep.phones.count() == 2
    card = client.get(response["Location"]).content.decode()
    assert 'data-testid="card-merge"' in card
    from crm.duplicates.models import Merge

    client.post(reverse("duplicates:unmerge", args=[Merge.objects.get().pk]))
    keep.refresh_from_db()
    assert (keep.first_name, keep.phones.count()) == ("Александр", 1)


def test_a_new_card_is_checked_against_the_base_at_once(manager_a, django_capture_on_commit_callbacks):
    from crm.contacts.inputs import ContactInput, PhoneInput
    from crm.contacts.services import contact_create
    from crm.core.audit import SYSTEM

    old = make_contact(manager_a, last_name="Зайцев", first_name="Юрий", phone="+79161234567", city="Тверь")
    make_contact(manager_a, last_name="Зайцев", first_name="Олег", phone="+79000000001")  # a namesake's kin
    with django_capture_on_commit_callbacks(execute=True):
        new = contact_create(
            actor=manager_a,
            data=ContactInput(
                last_name="Zaytsev", first_name="Yuriy", phones=[PhoneInput("+7 916 123-45-76")]
            ),
            source=SYSTEM,
        )
    pair = DuplicatePair.objects.get()
    assert {pair.first_id, pair.second_id} == {old.pk, new.pk}
    assert "phone one digit off" in pair.reasons


def test_the_finder_reads_a_card_as_its_values_in_five_queries(manager_a, django_assert_num_queries):
    from crm.contacts.inputs import contact_input_from
    from crm.contacts.kinds import PhoneInput
    from crm.contacts.services import contact_update
    from crm.core.audit import SYSTEM
    from crm.duplicates.scoring import Person
    from crm.duplicates.selectors import people_of

    card = make_contact(
        manager_a,
        last_name="Зайцев",
        first_name="Юрий",
        middle_name="Петрович",
        phone="+79161234567",
        email="yz@firm.ru",
        company_name="Ромашка",
        city="Пермь",
    )
    data = contact_input_from(card)
    data.phones.append(PhoneInput("+74951234567", kind="work", shared=True))
    data.birthday = "14.03"
    contact_update(actor=manager_a, contact_id=card.pk, data=data, source=SYSTEM)
    other = make_contact(manager_a, last_name="Орлов", phone="+442071234567")
    with django_assert_num_queries(5):
        people = people_of([other.pk, card.pk, 10**9])
    assert people == [
        Person(
            key=card.pk,
            last="Зайцев",
            first="Юрий",
            middle="Петрович",
            birth="03-14",
            phones=frozenset({"9161234567", "4951234567"}),
            shared_phones=frozenset({"4951234567"}),
            emails=frozenset({"yz@firm.ru"}),
            company="Ромашка",
            city="Пермь",
        ),
        Person(key=other.pk, last="Орлов", first="Иван", phones=frozenset({"442071234567"})),
    ]


def test_a_new_cards_candidates_are_found_as_the_finder_blocks_them_and_common_values_say_nothing(
    manager_a, monkeypatch
):
    from crm.duplicates import selectors
    from crm.duplicates.selectors import candidates_for, people_of

    family = make_contact(manager_a, last_name="Иванов", first_name="Александр", phone="+79160000001")
    swapped = make_contact(manager_a, last_name="Саша", first_name="Иванов", phone="+79160000002")
    mail = make_contact(manager_a, last_name="Орлов", phone="+79160000003", email="a.ivanov@firm.ru")
    make_contact(manager_a, last_name="Иванов", first_name="Пётр", phone="+79160000004")  # another name
    new = make_contact(manager_a, last_name="Ivanov", first_name="Sasha", email="a.ivanov@home.ru")
    found = {p.key for p in candidates_for(people_of([new.pk]))}
    assert found == {family.pk, swapped.pk, mail.pk}

    make_contact(manager_a, last_name="Иванов", first_name="Александр", phone="+79160000005")
    monkeypatch.setattr(selectors, "NAMESAKES", 1)  # now two Иванов Александр: a name too common to say
    found = {p.key for p in candidates_for(people_of([new.pk]))}
    assert family.pk not in found
    assert swapped.pk in found  # its own, rarer name pair still counts
