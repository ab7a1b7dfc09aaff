"""Segments of deals: a saved view of the deals list is a segment (issue 15), on the deals' own fields,
their custom fields and tags, for the deals the user sees, with the list's columns."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.core.audit import SYSTEM
from crm.core.errors import PermissionDenied
from crm.deals.models import Pipeline, StageKind
from crm.deals.services import DealInput, deal_create, deal_move
from crm.deals.testing import make_deal, outcome
from crm.fields.models import ChoiceOption
from crm.segments import selectors, services
from crm.segments.services import SegmentInput

pytestmark = pytest.mark.django_db

BIG_OPEN = {
    "match": "all",
    "rules": [
        {"field": "status", "op": "in", "value": ["open"]},
        {"field": "amount", "op": "gte", "value": "100000"},
    ],
}


def titles(user, definition):
    found = selectors.members(user=user, kind="deal", definition=definition)
    return sorted(found.values_list("title", flat=True))


def test_a_segment_of_deals_holds_the_deals_its_user_sees_that_meet_it(manager_a, manager_b, head_a):
    make_deal(manager_a, title="Большая", amount=250_000, tags=["Опт"])
    make_deal(manager_a, title="Малая", amount=20_000)
    won = make_deal(manager_a, title="Выигранная", amount=500_000)
    deal_move(actor=manager_a, deal_id=won.pk, stage_id=outcome(StageKind.WON).pk, source=SYSTEM)
    make_deal(manager_b, title="Чужая большая", amount=900_000)

    assert titles(manager_a, BIG_OPEN) == ["Большая"]
    assert titles(head_a, BIG_OPEN) == ["Большая"]  # the other department's is not theirs
    tagged = {"match": "all", "rules": [{"field": "tags", "op": "any", "value": [_tag("Опт")]}]}
    assert titles(manager_a, tagged) == ["Большая"]
    stuck = {"match": "all", "rules": [{"field": "stuck", "op": "is", "value": False}]}
    assert titles(manager_a, stuck) == ["Большая", "Выигранная", "Малая"]


def _tag(name):
    from crm.contacts.models import Tag

    return Tag.objects.get(key=name.casefold()).pk


def test_a_candidates_custom_field_is_a_condition(manager_a):
    pipeline = Pipeline.objects.get(record_type__key="candidate")
    Pipeline.objects.filter(pk=pipeline.pk).update(is_active=True)
    accountant = ChoiceOption.objects.get(choice_list__key="vacancy", label_ru="Бухгалтер").pk
    engineer = ChoiceOption.objects.get(choice_list__key="vacancy", label_ru="Инженер сервиса").pk
    for title, vacancy in (("Анна", accountant), ("Борис", engineer)):
        deal_create(
            actor=manager_a,
            data=DealInput(title=title, pipeline_id=pipeline.pk, custom={"vacancy": vacancy}),
            source=SYSTEM,
        )

    rule = {"field": "cf_vacancy", "op": "in", "value": [accountant]}
    assert titles(manager_a, {"match": "all", "rules": [rule]}) == ["Анна"]


def test_the_deals_list_saves_its_filters_as_a_segment_whose_page_is_the_list(client, manager_a):
    make_deal(manager_a, title="Большая", amount=250_000)
    make_deal(manager_a, title="Малая", amount=20_000)
    client.force_login(manager_a)

    menu = client.get(reverse("segments:segment_menu") + "?kind=deal&status=open").content.decode()
    builder = client.get(
        reverse("segments:segment_create") + "?kind=deal&from_list=1&status=open&amount_from=100000"
    ).content.decode()
    assert 'data-testid="save-as-segment"' in menu
    assert "&quot;amount&quot;" in builder or '"amount"' in builder
    segment = services.segment_save(
        actor=manager_a,
        segment_id=None,
        data=SegmentInput(name="Крупные", kind="deal", definition=BIG_OPEN),
        source=SYSTEM,
    )
    page = client.get(reverse("segments:segment_detail", args=[segment.pk])).content.decode()
    report = client.get(reverse("segments:segment_report", args=[segment.pk]))

    assert 'data-testid="deal-table"' in page
    assert "Большая" in page
    assert "Малая" not in page
    assert 'data-testid="bulk-form"' not in page  # bulk changes of deals are still to come
    assert report.status_code == 200
    assert selectors.member_count(user=manager_a, kind="deal", definition=BIG_OPEN) == 1


def test_only_a_role_that_sees_deals_keeps_segments_of_them_and_a_hidden_amount_is_no_condition(
    admin, manager_a, support
):
    from crm.accounts.models import Role
    from crm.fields import services as field_services
    from crm.segments import rules

    Role.objects.filter(pk=support.role_id).update(permissions={"contact": ["view"]})
    support.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.segment_save(
            actor=support, segment_id=None, data=SegmentInput(name="Сделки", kind="deal"), source=SYSTEM
        )
    field_services.field_access_set(
        actor=admin, kind="deal", key="amount", levels={manager_a.role_id: "hidden"}, source=SYSTEM
    )
    assert "amount" not in {c.key for c in rules.catalogue(rules.context(manager_a, "deal"))}
