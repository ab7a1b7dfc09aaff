"""Deals have record types and custom fields (the configurable card, R4), and recruiting is one of them
(R8.8): a candidate is a deal of the type «Кандидат» in its own pipeline, with its own fields, on the
same mechanism as a sale."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.core.audit import SYSTEM
from crm.core.errors import ValidationFailed
from crm.core.models import AuditEntry
from crm.deals import services
from crm.deals.models import Deal, Pipeline
from crm.deals.services import DealInput
from crm.deals.testing import make_deal, starter_pipeline
from crm.fields import services as field_services
from crm.fields.models import ChoiceOption, RecordType
from crm.fields.schema import schema_for

pytestmark = pytest.mark.django_db


def recruiting() -> Pipeline:
    return Pipeline.objects.get(record_type__key="candidate")


def vacancy(label="Бухгалтер") -> int:
    return ChoiceOption.objects.get(choice_list__key="vacancy", label_ru=label).pk


def hire(actor, **custom):
    pipeline = recruiting()
    Pipeline.objects.filter(pk=pipeline.pk).update(is_active=True)
    data = DealInput(title="Анна Смирнова", pipeline_id=pipeline.pk, custom=custom)
    return services.deal_create(actor=actor, data=data, source=SYSTEM)


def test_a_candidate_is_a_deal_of_its_pipelines_type_with_its_own_fields_required_as_configured(manager_a):
    with pytest.raises(ValidationFailed) as refused:
        hire(manager_a, expected_salary="120 000")
    assert [e.field for e in refused.value.errors] == ["custom.vacancy"]
    assert not Deal.objects.exists()

    candidate = hire(manager_a, vacancy=vacancy(), expected_salary="120 000", resume="https://hh.ru/resume/1")

    assert candidate.record_type.key == "candidate"
    assert candidate.custom == {
        "vacancy": vacancy(),
        "expected_salary": 12_000_000,
        "resume": "https://hh.ru/resume/1",
    }
    assert candidate.stage.name == "Отклик"
    journal = AuditEntry.objects.get(object_type="deals.deal", action="create").changes
    assert journal["custom.vacancy"] == [None, "Бухгалтер"]


def test_a_sale_neither_shows_nor_takes_the_candidates_fields(client, manager_a):
    sale = make_deal(manager_a, custom={"vacancy": vacancy()})  # not on a sale: ignored, not stored

    assert (sale.record_type.key, sale.custom) == ("sale", {})
    client.force_login(manager_a)
    form = client.get(reverse("deals:deal_create") + f"?pipeline_id={starter_pipeline().pk}").content.decode()
    assert 'name="cf_vacancy"' not in form
    stage = recruiting().stages.first()
    swapped = client.get(reverse("deals:deal_fields") + f"?stage_id={stage.pk}").content.decode()
    assert 'name="cf_vacancy"' in swapped  # the form's fields follow the stage chosen


def test_the_form_and_the_card_show_a_candidates_fields(client, manager_a):
    client.force_login(manager_a)
    Pipeline.objects.filter(pk=recruiting().pk).update(is_active=True)
    stage = recruiting().stages.first()
    form = client.get(reverse("deals:deal_create") + f"?pipeline_id={recruiting().pk}").content.decode()
    assert 'name="cf_vacancy"' in form

    posted = client.post(
        reverse("deals:deal_create"),
        {
            "title": "Иван Петров",
            "stage_id": stage.pk,
            "cf__keys": ["vacancy", "expected_salary"],
            "cf_vacancy": "",
            "cf_expected_salary": "много",
        },
    )
    assert posted.status_code == 422
    page = posted.content.decode()
    assert "Заполните «Вакансия»" in page  # the required field named
    assert not Deal.objects.exists()
    created = client.post(
        reverse("deals:deal_create"),
        {
            "title": "Иван Петров",
            "stage_id": stage.pk,
            "cf__keys": ["vacancy", "expected_salary"],
            "cf_vacancy": vacancy(),
            "cf_expected_salary": "95000",
        },
    )
    assert Deal.objects.get().custom["expected_salary"] == 9_500_000
    card = client.get(created.url).content.decode()
    assert 'data-testid="deal-type">Кандидат<' in card
    assert "Бухгалтер" in card


def test_a_field_hidden_from_a_role_is_neither_shown_nor_changed_by_it(client, admin, manager_a):
    from crm.accounts.services import api_token_create

    candidate = hire(admin, vacancy=vacancy(), expected_salary="150000")
    Deal.objects.filter(pk=candidate.pk).update(owner=manager_a, department=manager_a.department)
    field_services.field_access_set(
        actor=admin, kind="deal", key="expected_salary", levels={manager_a.role_id: "hidden"}, source=SYSTEM
    )
    _, raw = api_token_create(actor=manager_a, name="t", source=SYSTEM)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    read = client.get(f"/api/v1/deals/{candidate.pk}", **auth).json()
    client.patch(
        f"/api/v1/deals/{candidate.pk}",
        {"custom": {"expected_salary": "1"}},
        content_type="application/json",
        **auth,
    )

    assert read["custom"] == {"vacancy": {"id": vacancy(), "label": "Бухгалтер"}}
    assert Deal.objects.get(pk=candidate.pk).custom["expected_salary"] == 15_000_000
    client.force_login(manager_a)
    assert (
        "Ожидаемая зарплата"
        not in client.get(reverse("deals:deal_detail", args=[candidate.pk])).content.decode()
    )


def test_a_pipeline_given_another_type_retypes_its_deals_and_keeps_their_values(admin, manager_a):
    from crm.deals.forms import pipeline_initial
    from crm.deals.services import pipeline_save

    candidate = hire(admin, vacancy=vacancy())
    data = pipeline_initial(recruiting())
    data.record_type_id = RecordType.objects.get(kind="deal", key="sale").pk

    pipeline_save(actor=admin, pipeline_id=recruiting().pk, data=data, source=SYSTEM)

    moved = Deal.objects.get(pk=candidate.pk)
    assert (moved.record_type.key, moved.custom) == ("sale", {"vacancy": vacancy()})
    entry = AuditEntry.objects.filter(object_type="deals.pipeline").latest("pk")
    assert entry.changes["record_type"] == ["Кандидат", "Продажа"]


def test_the_api_creates_a_candidate_and_the_fields_page_configures_deals(client, admin):
    from crm.accounts.services import api_token_create

    Pipeline.objects.filter(pk=recruiting().pk).update(is_active=True)
    _, raw = api_token_create(actor=admin, name="t", source=SYSTEM)
    created = client.post(
        "/api/v1/deals",
        {
            "title": "Ольга",
            "pipeline_id": recruiting().pk,
            "custom": {"vacancy": vacancy(), "experience_years": 4},
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert created.status_code == 201
    assert created.json()["custom"] == {
        "vacancy": {"id": vacancy(), "label": "Бухгалтер"},
        "experience_years": 4,
    }
    client.force_login(admin)
    page = client.get(reverse("fields:field_list", args=["deal"])).content.decode()
    assert "Ожидаемая зарплата" in page
    assert "Кандидат" in client.get(reverse("fields:type_list", args=["deal"])).content.decode()
    assert schema_for("deal").fields["vacancy"].field_type == "choice"


def test_a_candidate_has_no_amount_nor_lines_nor_sums(client, manager_a):
    from crm.accounts.services import api_token_create

    candidate = hire(manager_a, vacancy=vacancy())
    services.deal_update(
        actor=manager_a,
        deal_id=candidate.pk,
        data=DealInput(title=candidate.title, stage_id=candidate.stage_id, amount="500000", custom={}),
        source=SYSTEM,
    )
    assert Deal.objects.get(pk=candidate.pk).amount == 0  # not a field of a candidate: not taken
    client.force_login(manager_a)

    card = client.get(reverse("deals:deal_detail", args=[candidate.pk])).content.decode()
    board = client.get(reverse("deals:pipeline_board", args=[recruiting().pk])).content.decode()
    fields = client.get(reverse("deals:deal_fields") + f"?stage_id={candidate.stage_id}").content.decode()
    _, raw = api_token_create(actor=manager_a, name="t", source=SYSTEM)
    read = client.get(f"/api/v1/deals/{candidate.pk}", HTTP_AUTHORIZATION=f"Bearer {raw}").json()

    assert 'data-testid="deal-amount"' not in card
    assert 'data-testid="lines-form"' not in card
    assert 'data-testid="column-sum"' not in board
    assert 'name="amount"' not in fields
    assert (read["amount"], read["currency"]) == (None, None)
    sale = client.get(reverse("deals:pipeline_board", args=[starter_pipeline().pk])).content.decode()
    assert 'data-testid="column-sum"' in sale


def test_an_amount_hidden_from_a_role_is_nowhere_for_it_and_kept_by_its_writes(client, admin, manager_a):
    deal = make_deal(manager_a, amount=777_000)
    field_services.field_access_set(
        actor=admin, kind="deal", key="amount", levels={manager_a.role_id: "hidden"}, source=SYSTEM
    )
    client.force_login(manager_a)

    card = client.get(reverse("deals:deal_detail", args=[deal.pk])).content.decode()
    listed = client.get(reverse("deals:deal_list") + "?amount_from=1000000").content.decode()
    board = client.get(reverse("deals:pipeline_board", args=[starter_pipeline().pk])).content.decode()
    services.deal_update(
        actor=manager_a,
        deal_id=deal.pk,
        data=DealInput(title="Переименована", stage_id=deal.stage_id, amount="1"),
        source=SYSTEM,
    )

    assert "777" not in card
    assert "Переименована" not in listed  # (the title changed after the read)
    assert deal.title in listed  # the amount filter is ignored: it would tell the amount
    assert "777" not in listed
    assert 'data-testid="column-sum"' not in board
    assert Deal.objects.get(pk=deal.pk).amount == 777_000
    with pytest.raises(ValidationFailed):
        services.deal_lines_save(actor=manager_a, deal_id=deal.pk, lines=[], source=SYSTEM)


def test_a_standard_field_required_on_a_type_is_asked_for(admin, manager_a):
    sale = RecordType.objects.get(kind="deal", key="sale")
    field_services.record_type_save(
        actor=admin,
        kind="deal",
        type_id=sale.pk,
        data=field_services.RecordTypeInput(
            key="sale",
            name_ru="Продажа",
            name_en="Sale",
            levels={**sale.levels, "expected_close": "required"},
        ),
        source=SYSTEM,
    )
    with pytest.raises(ValidationFailed) as refused:
        make_deal(manager_a)
    assert [e.field for e in refused.value.errors] == ["expected_close"]


def test_the_deals_list_shows_the_columns_each_user_chose_custom_ones_included(
    client, admin, manager_a, django_assert_max_num_queries
):
    hire(manager_a, vacancy=vacancy())
    make_deal(manager_a, title="Поставка станков", amount=250_000)
    client.force_login(manager_a)

    saved = client.post(
        reverse("contacts:list_columns", args=["deal"]),
        {"columns": ["pipeline", "cf_vacancy", "amount"], "next": reverse("deals:deal_list")},
    )
    page = client.get(reverse("deals:deal_list")).content.decode()

    assert saved.url == reverse("deals:deal_list")
    heads = [h for h in ("Воронка", "Вакансия", "Сумма", "Клиент") if f">{h}</th>" in page]
    assert heads == ["Воронка", "Вакансия", "Сумма"]
    assert "Подбор персонала" in page
    assert "Бухгалтер" in page
    assert "250" in page
    for n in range(10):
        make_deal(manager_a, title=f"Ещё {n}")
    with django_assert_max_num_queries(25):
        client.get(reverse("deals:deal_list"))
    field_services.field_access_set(
        actor=admin, kind="deal", key="amount", levels={manager_a.role_id: "hidden"}, source=SYSTEM
    )
    assert ">Сумма</th>" not in client.get(reverse("deals:deal_list")).content.decode()


def test_the_journal_of_a_deal_keeps_a_hidden_amount_from_the_role(client, admin, manager_a):
    deal = make_deal(manager_a, amount=100_000)
    services.deal_update(
        actor=admin, deal_id=deal.pk, data=DealInput(title=deal.title, amount="654321"), source=SYSTEM
    )
    client.force_login(manager_a)
    assert "654" in client.get(reverse("deals:deal_detail", args=[deal.pk])).content.decode()
    field_services.field_access_set(
        actor=admin, kind="deal", key="amount", levels={manager_a.role_id: "hidden"}, source=SYSTEM
    )
    assert "654" not in client.get(reverse("deals:deal_detail", args=[deal.pk])).content.decode()


def test_the_clients_card_shows_no_deal_amount_to_a_role_it_is_hidden_from(client, admin, manager_a):
    from crm.contacts.testing import make_contact

    person = make_contact(manager_a, "Клиентов")
    make_deal(manager_a, amount=432_100, contact_id=person.pk)
    client.force_login(manager_a)
    assert "432" in client.get(reverse("contacts:contact_detail", args=[person.pk])).content.decode()
    field_services.field_access_set(
        actor=admin, kind="deal", key="amount", levels={manager_a.role_id: "hidden"}, source=SYSTEM
    )
    card = client.get(reverse("contacts:contact_detail", args=[person.pk])).content.decode()
    assert "432 100" not in card.replace("\xa0", " ")
