"""The deal pages as a manager uses them: the board and its moves, the list, the form, the card section."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.contacts.testing import make_contact
from crm.deals.models import Deal, StageKind
from crm.deals.testing import lost_stage, make_deal, stage, starter_pipeline
from crm.fields.models import ChoiceOption

pytestmark = pytest.mark.django_db

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


def test_the_board_shows_each_stage_with_its_count_and_sum(client, manager_a):
    make_deal(manager_a, title="Станки", amount=150_000)
    client.force_login(manager_a)
    page = client.get(reverse("deals:board")).content.decode()
    for s in starter_pipeline().stages.all():
        assert s.name in page
    assert "Станки" in page
    assert "150\u00a0000\u00a0₽" in page


def test_a_drop_moves_the_deal_and_answers_with_the_board_and_its_new_totals(client, manager_a):
    deal = make_deal(manager_a, title="Станки", amount=150_000)
    client.force_login(manager_a)
    response = client.post(
        reverse("deals:deal_move", args=[deal.pk]),
        {"stage_id": stage("Переговоры").pk, "filters": "q=Стан"},
        **FETCH,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-board" in html
    assert 'data-filters="q=%D0%A1%D1%82%D0%B0%D0%BD"' in html
    assert Deal.objects.get(pk=deal.pk).stage == stage("Переговоры")


def test_a_drop_on_lost_without_a_reason_is_answered_with_the_missing_field(client, manager_a):
    deal = make_deal(manager_a)
    client.force_login(manager_a)
    response = client.post(reverse("deals:deal_move", args=[deal.pk]), {"stage_id": lost_stage().pk}, **FETCH)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["loss_reason_id"]
    assert Deal.objects.get(pk=deal.pk).status == StageKind.OPEN
    reason = ChoiceOption.objects.filter(choice_list__key="loss_reason").first()
    response = client.post(
        reverse("deals:deal_move", args=[deal.pk]),
        {"stage_id": lost_stage().pk, "loss_reason_id": reason.pk, "loss_comment": "Дорого"},
        **FETCH,
    )
    assert response.status_code == 200
    assert Deal.objects.get(pk=deal.pk).status == StageKind.LOST


def test_the_deal_page_moves_it_by_a_button_and_shows_the_history(client, manager_a):
    deal = make_deal(manager_a, title="Станки")
    client.force_login(manager_a)
    response = client.post(reverse("deals:deal_move", args=[deal.pk]), {"stage_id": stage("Оплата").pk})
    assert response.status_code == 302
    page = client.get(reverse("deals:deal_detail", args=[deal.pk])).content.decode()
    assert "Первичный контакт → <strong>Оплата</strong>" in page


def test_a_deal_is_created_from_a_persons_card_and_shown_on_it(client, manager_a):
    person = make_contact(manager_a, last_name="Орлов", phone="+79161110001")
    client.force_login(manager_a)
    form = client.get(reverse("deals:deal_create"), {"contact_id": person.pk}).content.decode()
    assert "Орлов" in form
    response = client.post(
        reverse("deals:deal_create"),
        {
            "title": "Станки",
            "contact_id": person.pk,
            "amount": "250 000",
            "currency": "RUB",
            "owner_id": manager_a.pk,
        },
    )
    deal = Deal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("deals:deal_detail", args=[deal.pk])
    assert deal.contact == person
    assert deal.amount == 250_000
    card = client.get(reverse("contacts:contact_detail", args=[person.pk])).content.decode()
    assert 'data-testid="card-deals"' in card
    assert "Станки" in card


def test_a_bad_form_is_shown_again_with_each_fields_problem_and_nothing_is_stored(client, manager_a):
    client.force_login(manager_a)
    response = client.post(
        reverse("deals:deal_create"), {"title": "", "amount": "сто", "expected_close": "31.02.2026"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    for field in ("title", "amount", "expected_close"):
        assert f'data-error-for="{field}"' in html
    assert not Deal.objects.exists()


def test_the_list_filters_and_sorts(client, manager_a):
    make_deal(manager_a, title="Малая", amount=10)
    make_deal(manager_a, title="Крупная", amount=900_000)
    client.force_login(manager_a)
    page = client.get(reverse("deals:deal_list"), {"sort": "amount"}).content.decode()
    assert page.index("Крупная") < page.index("Малая")
    page = client.get(reverse("deals:deal_list"), {"amount_from": "1000"}).content.decode()
    assert "Крупная" in page
    assert "Малая" not in page


def test_the_client_picker_finds_people_and_companies_the_user_sees(client, manager_a, manager_b):
    make_contact(manager_a, last_name="Орлов", phone="+79161110001")
    make_contact(manager_b, last_name="Орловский", phone="+79161110002")
    client.force_login(manager_a)
    html = client.get(reverse("deals:client_choices"), {"client_q": "Орлов"}).content.decode()
    assert "Орлов" in html
    assert "Орловский" not in html


def test_an_administrator_adds_a_stage_to_a_pipeline(client, admin):
    pipeline = starter_pipeline()
    client.force_login(admin)
    stages = list(pipeline.stages.all())
    rows = {
        "stage_id": [str(s.pk) for s in stages] + [""],
        "stage_name": [s.name for s in stages] + ["Согласование"],
        "stage_kind": [s.kind for s in stages] + ["open"],
        "stage_days": [str(s.days_limit or "") for s in stages] + ["2"],
        "stage_responsible": [""] * (len(stages) + 1),
        "stage_checklist": [""] * len(stages) + ["Договор у юриста\nСчёт выставлен"],
        "stage_script": [""] * (len(stages) + 1),
    }
    response = client.post(
        reverse("deals:pipeline_edit", args=[pipeline.pk]), {"name": "Продажи", "is_active": "1", **rows}
    )
    assert response.status_code == 302
    added = pipeline.stages.get(name="Согласование")
    assert (added.days_limit, added.checklist) == (2, ["Договор у юриста", "Счёт выставлен"])
    assert list(pipeline.stages.values_list("name", flat=True))[-1] == "Согласование"


def test_a_pipeline_form_with_problems_names_them(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("deals:pipeline_create"),
        {
            "name": "",
            "stage_id": [""],
            "stage_name": ["Одна"],
            "stage_kind": ["open"],
            "stage_days": ["много"],
            "stage_responsible": [""],
            "stage_checklist": [""],
            "stage_script": [""],
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-error-for="name"' in html
    assert "от 1 до 3650" in html
    assert "один этап «успешно»" in html


def test_a_cards_deals_section_costs_one_query_and_two_past_the_ones_it_lists(
    client, manager_a, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    few = make_contact(manager_a, last_name="Орлов", phone="+79161110001")
    many = make_contact(manager_a, last_name="Соколов", phone="+79161110002")
    make_deal(manager_a, contact_id=few.pk)
    for i in range(25):
        make_deal(manager_a, title=f"Сделка {i}", contact_id=many.pk)
    client.force_login(manager_a)
    client.get(reverse("contacts:contact_detail", args=[few.pk]))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("contacts:contact_detail", args=[few.pk]))
    with CaptureQueriesContext(connection) as big:
        page = client.get(reverse("contacts:contact_detail", args=[many.pk])).content.decode()
    assert len(big) == len(small) + 1 <= 20
    assert page.count('data-testid="card-deal"') == 20
    assert "25 открытых" in page


def test_the_demo_fills_the_board_with_open_won_and_lost_deals(db):
    from crm.contacts.demo import create_demo
    from crm.deals.demo import create_deals

    create_demo(contacts=40, companies=6)
    assert create_deals() > 0
    assert Deal.objects.filter(owner__username="petrov", status=StageKind.OPEN).exists()
    assert Deal.objects.filter(status=StageKind.LOST, loss_reason__isnull=False).exists()


def test_an_open_deal_without_a_dated_next_step_is_flagged_on_the_card_and_listed(client, manager_a):
    from crm.core.audit import SYSTEM
    from crm.deals.services import deal_move
    from crm.deals.testing import outcome

    person = make_contact(manager_a, last_name="Орлов", phone="+79161110001", base_type="active")
    quiet = make_contact(manager_a, last_name="Тихонов", phone="+79161110002", base_type="active")
    closed = make_contact(manager_a, last_name="Закрытов", phone="+79161110003", base_type="active")
    make_deal(manager_a, contact_id=person.pk)
    won = make_deal(manager_a, contact_id=closed.pk)
    deal_move(actor=manager_a, deal_id=won.pk, stage_id=outcome(StageKind.WON).pk, source=SYSTEM)
    client.force_login(manager_a)
    card = client.get(reverse("contacts:contact_detail", args=[person.pk])).content.decode()
    assert 'data-testid="no-next-step"' in card
    for other in (quiet, closed):
        card = client.get(reverse("contacts:contact_detail", args=[other.pk])).content.decode()
        assert 'data-testid="no-next-step"' not in card
    listed = client.get(reverse("tasks:without_next_step")).content.decode()
    assert "Орлов" in listed
    assert "Тихонов" not in listed
    assert "Закрытов" not in listed
