"""Saved segments (R5.1, R5.5): who saves and changes them, the journal, the trash, the nightly sizes, the
builder's pages and the API."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from crm.contacts.models import ContactStatus
from crm.contacts.testing import make_contact
from crm.core.audit import SYSTEM
from crm.core.errors import NotFound, PermissionDenied, ValidationFailed
from crm.core.models import AuditEntry
from crm.segments import selectors, services
from crm.segments.models import Segment, SegmentSize
from crm.segments.services import SegmentInput

pytestmark = pytest.mark.django_db

IN_TULA = {"match": "all", "rules": [{"field": "city", "op": "is", "value": "Тула"}]}


def save(actor, name="Тула", definition=None, segment_id=None, **extra):
    data = SegmentInput(name=name, definition=IN_TULA if definition is None else definition, **extra)
    return services.segment_save(actor=actor, segment_id=segment_id, data=data, source=SYSTEM)


def test_a_segment_is_saved_with_its_conditions_cleaned_and_journaled(manager_a):
    status = ContactStatus.objects.first()
    segment = save(
        manager_a,
        name="  Ждут   КП ",
        definition={
            "match": "all",
            "rules": [
                {"field": "status", "op": "in", "value": [str(status.pk)], "junk": 1},
                {"field": "order_amount", "op": "gte", "value": "50 000,50"},
            ],
        },
    )

    assert segment.name == "Ждут КП"
    assert segment.owner == manager_a
    assert segment.definition == {
        "match": "all",
        "rules": [
            {"field": "status", "op": "in", "value": [status.pk]},
            {"field": "order_amount", "op": "gte", "value": "50000.50"},
        ],
    }
    entry = AuditEntry.objects.get(object_type="segments.segment", object_id=segment.pk)
    assert entry.action == "create"
    assert entry.changes["name"] == [None, "Ждут КП"]


def test_a_segment_without_a_name_or_with_a_faulty_rule_is_refused_and_nothing_is_stored(manager_a):
    with pytest.raises(ValidationFailed) as refused:
        save(manager_a, name=" ", definition={"match": "all", "rules": [{"field": "city", "op": "is"}]})

    assert {(e.field, e.code) for e in refused.value.errors} == {
        ("name", "required"),
        ("rules.0.value", "required"),
    }
    assert not Segment.objects.exists()
    assert not AuditEntry.objects.filter(object_type="segments.segment").exists()


def test_only_the_owner_and_an_administrator_change_a_segment(manager_a, manager_b, admin):
    own = save(manager_a, shared=True)

    with pytest.raises(PermissionDenied):
        save(manager_b, name="Чужая правка", segment_id=own.pk)
    save(admin, name="Правка администратора", segment_id=own.pk)

    own.refresh_from_db()
    assert (own.name, own.owner) == ("Правка администратора", manager_a)


def test_a_private_segment_is_not_found_by_others(manager_a, manager_b):
    private = save(manager_a)

    with pytest.raises(NotFound):
        selectors.segment_get(user=manager_b, pk=private.pk)
    with pytest.raises(NotFound):
        save(manager_b, segment_id=private.pk)
    assert [s.pk for s in selectors.segment_list(user=manager_b)] == []


def test_only_an_administrator_gives_a_segment_to_someone_else(manager_a, manager_b, admin):
    with pytest.raises(ValidationFailed) as refused:
        save(manager_a, owner_id=manager_b.pk)
    assert refused.value.errors[0].field == "owner_id"

    given = save(admin, owner_id=manager_b.pk)
    assert given.owner == manager_b


def test_a_deleted_segment_waits_in_the_trash_and_comes_back_whole(manager_a):
    segment = save(manager_a)

    services.segment_delete(actor=manager_a, segment_id=segment.pk, source=SYSTEM)
    assert selectors.segment_list(user=manager_a) == []
    assert [s.pk for s in selectors.trashed_segments(user=manager_a)] == [segment.pk]

    services.segment_restore(actor=manager_a, segment_id=segment.pk, source=SYSTEM)
    restored = selectors.segment_get(user=manager_a, pk=segment.pk)
    assert restored.definition == IN_TULA
    actions = list(
        AuditEntry.objects.filter(object_type="segments.segment", object_id=segment.pk)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "delete", "restore"]


def test_the_nightly_sizes_count_each_segment_as_its_owner_sees_it(manager_a, manager_b):
    make_contact(manager_a, "Свой", "Туляк", city="Тула")
    make_contact(manager_b, "Чужой", "Туляк", city="Тула")
    segment = save(manager_a)

    assert services.sizes_record() == 1
    assert services.sizes_record() == 1  # twice a day: one row, the latest count

    assert list(SegmentSize.objects.values_list("segment_id", "size")) == [(segment.pk, 1)]


def test_the_description_reads_the_conditions_in_words(manager_a):
    status = ContactStatus.objects.get(name="Ожидает предложение")
    definition = {
        "match": "all",
        "rules": [
            {"field": "status", "op": "in", "value": [status.pk]},
            {
                "match": "any",
                "rules": [
                    {"field": "last_contact", "op": "older_days", "value": 90},
                    {"field": "orders_in_period", "op": "gt", "value": 2, "days": 30},
                ],
            },
        ],
    }

    text = selectors.describe(user=manager_a, kind="contact", definition=definition)

    assert text == (
        "Статус — один из: Ожидает предложение и (Последний контакт — 90 или более дней назад "
        "или Заказов за период > 2 (за последние 30 дн.))"
    )


# The pages ---------------------------------------------------------------------------------------------


def test_the_builder_saves_a_segment_and_shows_its_members(client, manager_a):
    make_contact(manager_a, "Туляков", "Пётр", city="Тула")
    make_contact(manager_a, "Москвин", "Иван", city="Москва")
    client.force_login(manager_a)

    response = client.post(
        reverse("segments:segment_create"),
        {"kind": "contact", "name": "Тула", "definition": json.dumps(IN_TULA), "sort": ""},
    )

    segment = Segment.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("segments:segment_detail", args=[segment.pk])
    page = client.get(response.url).content.decode()
    assert "Туляков" in page
    assert "Москвин" not in page
    assert "Город — равно «Тула»" in page


def test_the_builder_shows_what_is_wrong_next_to_the_fields_and_keeps_the_conditions(client, manager_a):
    client.force_login(manager_a)
    broken = {"match": "all", "rules": [{"field": "orders_count", "op": "gte", "value": "много"}]}

    response = client.post(
        reverse("segments:segment_create"),
        {"kind": "contact", "name": "", "definition": json.dumps(broken)},
    )

    assert response.status_code == 200
    assert not Segment.objects.exists()
    assert response.context["errors"]["name"] == ["Назовите сегмент."]
    assert response.context["rule_errors"] == {"rules.0.value": ["Введите число."]}
    assert response.context["definition"] == broken


def test_the_preview_counts_unsaved_conditions_or_names_the_faulty_rule(client, manager_a):
    make_contact(manager_a, "Туляков", "Пётр", city="Тула")
    client.force_login(manager_a)
    url = reverse("segments:segment_preview")

    counted = client.post(url, {"kind": "contact", "definition": json.dumps(IN_TULA)})
    refused = client.post(url, {"kind": "contact", "definition": "not json"})

    assert counted.json() == {"count": 1}
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "rules"


def test_a_shared_segment_on_a_field_hidden_from_the_viewer_says_it_cannot_be_run(client, admin, manager_a):
    from crm.fields.services import field_access_set

    segment = save(admin, name="Общий", shared=True)
    field_access_set(
        actor=admin, kind="contact", key="city", levels={manager_a.role_id: "hidden"}, source=SYSTEM
    )
    client.force_login(manager_a)

    page = client.get(reverse("segments:segment_detail", args=[segment.pk])).content.decode()
    count = client.get(reverse("segments:segment_count", args=[segment.pk])).content.decode()

    assert 'data-testid="segment-broken"' in page
    assert "Тула" not in page  # the hidden field's value is not in the conditions' words either
    assert "условие по скрытому от вас полю" in page
    assert "нельзя выполнить" in count


def test_the_report_counts_the_contacts_made_with_members_and_their_orders(client, manager_a):
    from crm.activities.services import EntryInput, entry_create
    from crm.deals.testing import make_order

    member = make_contact(manager_a, "Туляков", "Пётр", city="Тула")
    other = make_contact(manager_a, "Москвин", "Иван", city="Москва")
    for card in (member, member, other):
        entry_create(
            actor=manager_a, data=EntryInput(kind="call", contact_id=card.pk, summary="Звонок"), source=SYSTEM
        )
    make_order(manager_a, contact_id=member.pk, amount=12_000)
    make_order(manager_a, contact_id=other.pk, amount=99_000)
    segment = save(manager_a)
    client.force_login(manager_a)

    report = client.get(reverse("segments:segment_report", args=[segment.pk])).context["report"]

    assert (report.members, report.contacted, report.interactions, report.orders) == (1, 1, 2, 1)
    assert report.orders_total == 12_000


# The API ----------------------------------------------------------------------------------------------


def _api(client, user):
    from crm.accounts.services import api_token_create

    _, raw = api_token_create(actor=user, name="t", source=SYSTEM)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_the_api_saves_evaluates_and_pages_through_a_segment(client, manager_a):
    for i in range(3):
        make_contact(manager_a, f"Туляков{i}", "Пётр", city="Тула")
    make_contact(manager_a, "Москвин", "Иван", city="Москва")
    auth = _api(client, manager_a)

    created = client.post(
        "/api/v1/segments", {"name": "Тула", "definition": IN_TULA}, content_type="application/json", **auth
    )
    pk = created.json()["id"]
    counted = client.get(f"/api/v1/segments/{pk}/count", **auth).json()
    first = client.get(f"/api/v1/segments/{pk}/contacts?limit=2", **auth).json()
    second = client.get(
        f"/api/v1/segments/{pk}/contacts?limit=2&cursor={first['next_cursor']}", **auth
    ).json()

    assert created.status_code == 201
    assert counted == {"count": 3}
    assert [c["last_name"] for c in first["items"] + second["items"]] == ["Туляков0", "Туляков1", "Туляков2"]
    assert second["next_cursor"] is None


def test_the_api_names_the_faulty_rule(client, manager_a):
    auth = _api(client, manager_a)
    body = {
        "kind": "contact",
        "definition": {"match": "all", "rules": [{"field": "city", "op": "gte", "value": 1}]},
    }

    response = client.post("/api/v1/segments/evaluate", body, content_type="application/json", **auth)

    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("rules.0.op", "invalid")]


def test_the_api_lists_the_fields_a_role_may_ask_about(client, manager_a):
    auth = _api(client, manager_a)

    fields = client.get("/api/v1/segments/fields?kind=contact", **auth).json()

    by_key = {f["key"]: f for f in fields}
    assert by_key["orders_in_period"]["period"] == "required"
    assert [o["op"] for o in by_key["tags"]["ops"]] == ["any", "all", "none"]
    assert {o["label"] for o in by_key["base_type"]["options"]} >= {"Лид", "Партнёр"}


def test_a_lists_filters_are_saved_as_a_segment_of_the_same_cards(client, manager_a):
    from crm.contacts.models import Tag

    status = ContactStatus.objects.get(name="Ожидает предложение")
    make_contact(
        manager_a, "Туляков", "Пётр", city="Тула", status_id=status.pk, tags=["Запрос цены"], is_key=True
    )
    make_contact(manager_a, "Туляков", "Иван", city="Тула")
    tag = Tag.objects.get()
    query = f"status={status.pk}&tag={tag.pk}&city=Тула&key=1&silent=90&q=ignored"
    client.force_login(manager_a)

    form = client.get(f"/segments/new/?kind=contact&from_list=1&{query}")

    definition = form.context["definition"]
    assert definition == {
        "match": "all",
        "rules": [
            {"field": "status", "op": "in", "value": [status.pk]},
            {"field": "tags", "op": "any", "value": [tag.pk]},
            {"field": "city", "op": "is", "value": "Тула"},
            {"field": "is_key", "op": "is", "value": True},
            {"field": "last_contact", "op": "older_days", "value": 90},
        ],
    }
    assert selectors.member_count(user=manager_a, kind="contact", definition=definition) == 0  # new cards
    definition["rules"].pop()
    assert selectors.member_count(user=manager_a, kind="contact", definition=definition) == 1


def test_the_lists_segment_menu_offers_its_kinds_segments_and_saving_the_view(client, manager_a):
    save(manager_a, name="Тульские")
    client.force_login(manager_a)

    people = client.get("/segments/menu/?kind=contact&city=Тула").content.decode()
    companies = client.get("/segments/menu/?kind=company").content.decode()

    assert "Тульские" in people
    assert "from_list=1&amp;city=" in people
    assert "Тульские" not in companies
