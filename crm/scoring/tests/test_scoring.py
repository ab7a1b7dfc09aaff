"""Lead scoring (R5.4): signals earn the rules' points, once a day per kind; points halve every half-life;
the sum makes a person hot, warm or cold, on the card, in segments and through the API."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.contacts.testing import make_contact
from crm.core.audit import SYSTEM
from crm.core.errors import PermissionDenied, ValidationFailed
from crm.core.models import AuditEntry
from crm.scoring import jobs, selectors, services
from crm.scoring.models import Rule, Score, Signal
from crm.scoring.services import RuleInput, SettingsInput, SignalInput
from crm.scoring.testing import points, signal

pytestmark = pytest.mark.django_db


def test_signals_earn_their_rules_points_once_a_day_and_make_a_person_warm_then_hot(manager_a):
    card = make_contact(manager_a, "Горячев", email="hot@example.ru")

    first = signal(manager_a, card, "form_filled")  # +30: warm from 25
    again = signal(manager_a, card, "form_filled")  # the same day: counted once

    assert (first.recorded, again.recorded, again.repeated) == (1, 0, 1)
    assert points(card) == (30, "warm")
    by_email = services.signals_record(
        actor=manager_a,
        items=[
            SignalInput(action="ordered", email=" HOT@example.ru "),
            SignalInput(action="met", email="no@x.ru"),
        ],
        source=SYSTEM,
    )
    assert (by_email.recorded, by_email.unknown) == (1, [1])  # the second names nobody
    assert points(card) == (70, "hot")


def test_points_halve_every_half_life_counted_in_whole_days_and_the_night_moves_them(manager_a):
    card = make_contact(manager_a, "Остывающий")
    month_ago = timezone.now() - datetime.timedelta(days=30)
    signal(manager_a, card, "ordered", occurred_at=month_ago)  # 40 points 30 days ago: 20 today

    assert points(card) == (20, "cold")
    later = timezone.localdate() + datetime.timedelta(days=30)
    assert services.scores_recount_all(today=later) == 1
    assert points(card) == (10, "cold")
    gone = timezone.localdate() + datetime.timedelta(days=400)  # past ten half-lives: not read at all
    services.scores_recount_all(today=gone)
    assert not Score.objects.filter(contact=card).exists()


def test_new_thresholds_move_every_band_at_once_and_are_journaled(admin, manager_a):
    card = make_contact(manager_a, "Тёплый")
    signal(manager_a, card, "form_filled")
    assert points(card) == (30, "warm")

    services.settings_save(
        actor=admin, data=SettingsInput(half_life_days=30, hot_from=30, warm_from=10), source=SYSTEM
    )

    assert points(card) == (30, "hot")
    entry = AuditEntry.objects.get(object_type="scoring.settings")
    assert entry.changes == {"hot_from": [60, 30], "warm_from": [25, 10]}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (SettingsInput(half_life_days=-1, hot_from=60, warm_from=25), "half_life_days"),
        (SettingsInput(half_life_days=30, hot_from=None, warm_from=25), "hot_from"),
        (SettingsInput(half_life_days=30, hot_from=20, warm_from=25), "warm_from"),
    ],
)
def test_bad_settings_are_refused_naming_the_field_and_nothing_changes(admin, data, field):
    with pytest.raises(ValidationFailed) as refused:
        services.settings_save(actor=admin, data=data, source=SYSTEM)
    assert [e.field for e in refused.value.errors] == [field]
    conf = selectors.settings()
    assert (conf.half_life_days, conf.hot_from, conf.warm_from) == (30, 60, 25)


def test_a_new_page_rule_scores_past_visits_again_and_switching_it_off_takes_it_back(admin, manager_a):
    card = make_contact(manager_a, "Смотрящий")
    signal(manager_a, card, "page_visited", address="https://shop.example/Prices/winter")
    signal(manager_a, card, "page_visited", address="https://shop.example/about")
    assert points(card) == (4, "cold")

    rule = services.rule_save(
        actor=admin,
        rule_id=None,
        data=RuleInput(action="page_visited", address_contains="/prices", points=25),
        source=SYSTEM,
    )
    jobs.rescore.call_local()  # the worker, once the rule is committed

    assert points(card) == (29, "warm")  # the price page: 2 + 25 (the address in any case)
    services.rule_save(
        actor=admin,
        rule_id=rule.pk,
        data=RuleInput(action="page_visited", address_contains="/prices", points=25, active=False),
        source=SYSTEM,
    )
    jobs.rescore.call_local()
    assert points(card) == (4, "cold")
    assert AuditEntry.objects.filter(object_type="scoring.rule", object_id=rule.pk).count() == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (RuleInput(action="nothing", points=5), "action"),
        (RuleInput(action="form_filled", address_contains="/x", points=5), "address_contains"),
        (RuleInput(action="form_filled", points=0), "points"),
        (RuleInput(action="form_filled", points=5000), "points"),
        (RuleInput(action="form_filled", points=5), "action"),  # there is a rule for it already
    ],
)
def test_a_bad_rule_is_refused_naming_the_field(admin, data, field):
    before = list(Rule.objects.values_list("pk", "points"))
    with pytest.raises(ValidationFailed) as refused:
        services.rule_save(actor=admin, rule_id=None, data=data, source=SYSTEM)
    assert [e.field for e in refused.value.errors] == [field]
    assert list(Rule.objects.values_list("pk", "points")) == before


def test_only_an_administrator_changes_rules_and_settings(manager_a, head_a):
    for actor in (manager_a, head_a):
        with pytest.raises(PermissionDenied):
            services.rule_save(
                actor=actor, rule_id=None, data=RuleInput(action="met", points=5), source=SYSTEM
            )
        with pytest.raises(PermissionDenied):
            services.settings_save(
                actor=actor, data=SettingsInput(half_life_days=1, hot_from=2, warm_from=1), source=SYSTEM
            )


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (SignalInput(action="sneezed", contact_id=1), "signals.0.action"),
        (SignalInput(action="met"), "signals.0.contact_id"),
        (SignalInput(action="met", email="not an address"), "signals.0.email"),
        (
            SignalInput(action="met", contact_id=1, occurred_at=timezone.now() + datetime.timedelta(days=3)),
            "signals.0.occurred_at",
        ),
        (SignalInput(action="met", contact_id=1, address="a\x00b"), "signals.0.address"),
    ],
)
def test_a_malformed_signal_refuses_the_whole_call_naming_it(manager_a, item, field):
    card = make_contact(manager_a, "Целый")
    good = SignalInput(action="met", contact_id=card.pk)
    with pytest.raises(ValidationFailed) as refused:
        services.signals_record(actor=manager_a, items=[item, good], source=SYSTEM)
    assert [e.field for e in refused.value.errors] == [field]
    assert not Signal.objects.exists()


def test_a_person_the_sender_does_not_see_is_unknown_and_gets_nothing(manager_a, manager_b):
    theirs = make_contact(manager_b, "Чужой", email="other@example.ru")
    done = services.signals_record(
        actor=manager_a,
        items=[
            SignalInput(action="met", contact_id=theirs.pk),
            SignalInput(action="met", email="other@example.ru"),
        ],
        source=SYSTEM,
    )
    assert (done.recorded, done.unknown) == (0, [0, 1])
    assert not Signal.objects.exists()


def test_the_card_shows_the_band_and_what_counted(client, manager_a):
    card = make_contact(manager_a, "Карточкин")
    signal(manager_a, card, "page_visited", address="https://shop.example/prices")
    client.force_login(manager_a)

    page = client.get(reverse("contacts:contact_detail", args=[card.pk])).content.decode()

    assert 'data-band="cold"' in page
    assert 'data-testid="score-points">2<' in page
    assert "https://shop.example/prices" in page


def test_the_api_records_signals_and_reads_a_score(client, manager_a, manager_b):
    from crm.accounts.services import api_token_create

    card = make_contact(manager_a, "Апишный", phone="+7 916 000-11-22")
    theirs = make_contact(manager_b, "Чужой")
    _, raw = api_token_create(actor=manager_a, name="site", source=SYSTEM)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    sent = client.post(
        "/api/v1/scoring/signals",
        {
            "signals": [
                {"action": "form_filled", "phone": "8 (916) 000-11-22"},
                {"action": "bogus", "contact_id": 1},
            ]
        },
        content_type="application/json",
        **auth,
    )
    assert sent.status_code == 422
    assert "signals.1.action" in sent.content.decode()
    sent = client.post(
        "/api/v1/scoring/signals",
        {"signals": [{"action": "form_filled", "phone": "8 (916) 000-11-22"}]},
        content_type="application/json",
        **auth,
    )
    read = client.get(f"/api/v1/contacts/{card.pk}/score", **auth)

    assert sent.json() == {"recorded": 1, "repeated": 0, "unknown": []}
    assert (read.json()["points"], read.json()["band"]) == (30, "warm")
    assert read.json()["signals"][0]["worth"] == 30
    assert client.get(f"/api/v1/contacts/{theirs.pk}/score", **auth).status_code == 404
    assert client.get("/api/v1/scoring/rules", **auth).status_code == 403


def test_the_scoring_page_changes_settings_and_rules_for_an_administrator_alone(client, admin, manager_a):
    client.force_login(manager_a)
    assert client.get(reverse("scoring:settings")).status_code == 404
    client.force_login(admin)
    page = client.get(reverse("scoring:settings")).content.decode()
    assert 'data-testid="new-rule"' in page

    wrong = client.post(
        reverse("scoring:settings"), {"half_life_days": "14", "hot_from": "10", "warm_from": "50"}
    )
    assert "Тёплый должен начинаться ниже горячего" in wrong.content.decode()
    client.post(reverse("scoring:settings"), {"half_life_days": "14", "hot_from": "50", "warm_from": "20"})
    client.post(
        reverse("scoring:rule_create"),
        {"action": "page_visited", "address_contains": "/prices", "points": "15"},
    )
    rule = Rule.objects.get(address_contains="/prices")
    client.post(
        reverse("scoring:rule_edit", args=[rule.pk]),
        {"action": "page_visited", "address_contains": "/prices", "points": "20", "active_sent": "1"},
    )

    conf = selectors.settings()
    assert (conf.half_life_days, conf.hot_from, conf.warm_from) == (14, 50, 20)
    rule.refresh_from_db()
    assert (rule.points, rule.active) == (20, False)  # its box was cleared


def test_the_list_shows_the_band_of_each_person_read_once_for_the_page(
    client, manager_a, django_assert_max_num_queries
):
    hot = make_contact(manager_a, "Горячев")
    make_contact(manager_a, "Холоднов")
    signal(manager_a, hot, "ordered")
    signal(manager_a, hot, "met")
    client.force_login(manager_a)
    client.post(reverse("contacts:list_columns", args=["contact"]), {"columns": ["city", "lead"]})

    page = client.get(reverse("contacts:contact_list")).content.decode()

    assert "Горячий · 65" in page
    assert "Холодный" not in page  # the cold one's cell is empty
    for n in range(10):
        make_contact(manager_a, f"Новиков{n}")
    with django_assert_max_num_queries(30) as counted:
        client.get(reverse("contacts:contact_list"))
    assert sum("scoring_score" in q["sql"] for q in counted.captured_queries) == 1
