"""Invariant 2: every URL and every API endpoint, walked with every persona.

Each persona must see exactly the records of their scope; missing and forbidden both answer 404;
an inactive user gets nothing. A URL or endpoint added without an entry here fails the test, so
later apps must add theirs.
"""

from __future__ import annotations

import datetime
import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from crm.accounts.services import api_token_create
from crm.api.urls import api
from crm.contacts.models import Company, Contact
from crm.contacts.services import contact_delete
from crm.contacts.testing import make_company, make_contact
from crm.core.audit import SYSTEM

PERSONAS = ["manager_a", "manager_b", "head_a", "support", "admin", "inactive"]

# Which persona may view which record (by record key), per the role table.
VISIBLE = {
    "manager_a": {"c_a", "c_m1", "c_m2", "co_a", "trash_a"},
    "manager_b": {"c_b", "co_b"},
    "head_a": {"c_a", "c_a2", "c_m1", "c_m2", "co_a", "trash_a"},
    "support": {"c_a", "c_a2", "c_b", "c_m1", "c_m2", "co_a", "co_b", "trash_a"},
    "admin": {"c_a", "c_a2", "c_b", "c_m1", "c_m2", "co_a", "co_b", "trash_a"},
    "inactive": set(),
}
CAN = {  # (kind, action) the role allows at all
    "manager_a": {"contact": "view create edit delete", "company": "view create edit delete"},
    "manager_b": {"contact": "view create edit delete", "company": "view create edit delete"},
    "head_a": {
        "contact": "view create edit delete export import",
        "company": "view create edit delete export import",
    },
    "support": {"contact": "view create edit", "company": "view"},
    "admin": {
        "contact": "view create edit delete export import",
        "company": "view create edit delete export import",
    },
    "inactive": {"contact": "", "company": ""},
}
NAMES = {
    "c_a": "Альфов",
    "c_a2": "Бетов",
    "c_b": "Гаммов",
    "trash_a": "Дельтов",
    "co_a": "Альфа-Трейд",
    "co_b": "Гамма-Строй",
}


def may(persona: str, kind: str, action: str, key: str) -> bool:
    return key in VISIBLE[persona] and action in CAN[persona][kind].split()


@pytest.fixture
def world(personas, manager_a2):
    m = personas
    records = {
        "c_a": make_contact(m["manager_a"], last_name="Альфов", phone="+79160000001"),
        "c_a2": make_contact(manager_a2, last_name="Бетов", phone="+79160000002"),
        "c_b": make_contact(m["manager_b"], last_name="Гаммов", phone="+79160000003"),
        "trash_a": make_contact(m["manager_a"], last_name="Дельтов", phone="+79160000004"),
        "co_a": make_company(m["manager_a"], name="Альфа-Трейд"),
        "co_b": make_company(m["manager_b"], name="Гамма-Строй"),
    }
    contact_delete(actor=m["manager_a"], contact_id=records["trash_a"].pk, source=SYSTEM)
    from crm.fields.models import ChoiceList, FieldDefinition, RecordType

    records["list"] = ChoiceList.objects.get(key="industry")
    records["option"] = records["list"].options.first()
    records["field"] = FieldDefinition.objects.filter(kind="contact", is_standard=False).first()
    records["type"] = RecordType.objects.filter(kind="contact").first()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from crm.activities.services import EntryInput, attachment_add, entry_create

    for key, owner in (("c_a", "manager_a"), ("c_b", "manager_b")):
        records[f"entry_{key}"] = entry_create(
            actor=m[owner],
            data=EntryInput(kind="call", contact_id=records[key].pk, summary=f"Звонок {NAMES[key]}"),
            source=SYSTEM,
        )
    from crm.tasks.services import TaskInput, task_create

    tomorrow = timezone.now() + datetime.timedelta(days=1)
    records["task_a"] = task_create(
        actor=m["manager_a"],
        data=TaskInput(title="Перезвонить Альфову", due_at=tomorrow, contact_id=records["c_a"].pk),
        source=SYSTEM,
    )
    records["task_b"] = task_create(
        actor=m["manager_b"], data=TaskInput(title="Задача Гаммова", due_at=tomorrow), source=SYSTEM
    )
    records["file_c_a"] = attachment_add(
        actor=m["manager_a"],
        upload=SimpleUploadedFile("smeta.txt", "Смета Альфова".encode()),
        entry_id=records["entry_c_a"].pk,
        source=SYSTEM,
    )
    from crm.duplicates.models import DuplicatePair

    records["c_m1"] = make_contact(m["manager_a"], last_name="Слияев", phone="+79160000021")
    records["c_m2"] = make_contact(m["manager_a"], last_name="Slijaev", phone="+79160000022")
    from crm.imports.models import ExportJob
    from crm.imports.services import import_upload, template_save

    first, second = sorted((records["c_a"].pk, records["c_a2"].pk))
    records["pair"] = DuplicatePair.objects.create(first_id=first, second_id=second, score=0.9)
    records["export"] = ExportJob.objects.create(created_by=m["head_a"], file_format="csv")
    records["batch"] = import_upload(actor=m["head_a"], data="Фамилия\nОрлов\n".encode(), file_name="x.csv")
    records["template"] = template_save(actor=m["head_a"], name="Шаблон", mapping={}, on_duplicate="skip")
    return records


def _all_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern) and p.name:
                names.add(namespace + p.name)

    walk(get_resolver().url_patterns)
    return {n for n in names if not n.startswith("api:")}


ADMIN_PAGES = [
    "accounts:user_list",
    "accounts:user_create",
    "accounts:department_list",
    "accounts:role_list",
    "accounts:role_create",
    "accounts:journal",
    "fields:choice_list_index",
    "scoring:settings",
]
# Administrator pages that take arguments: url name -> arguments (built from the world's records).
ADMIN_PAGES_WITH_ARGS = {
    "fields:field_list": lambda w: ["contact"],
    "fields:field_create": lambda w: ["company"],
    "fields:field_edit": lambda w: ["contact", w["field"].pk],
    "fields:standard_field_edit": lambda w: ["contact", "phones"],
    "fields:choice_list": lambda w: [w["list"].pk],
    "fields:type_list": lambda w: ["contact"],
    "fields:type_create": lambda w: ["contact"],
    "fields:type_edit": lambda w: ["contact", w["type"].pk],
}
RECORD_PAGES = {  # url name -> (kind, action needed, record keys to try)
    "contacts:contact_detail": ("contact", "view", ["c_a", "c_a2", "c_b", "trash_a"]),
    "contacts:contact_edit": ("contact", "edit", ["c_a", "c_a2", "c_b"]),
    "contacts:company_detail": ("company", "view", ["co_a", "co_b"]),
    "contacts:company_edit": ("company", "edit", ["co_a", "co_b"]),
}
POST_ONLY = [
    "contacts:contact_delete",
    "contacts:contact_restore",
    "contacts:contact_comment",
    "contacts:company_delete",
    "contacts:company_restore",
    "contacts:company_comment",
    "accounts:language",
    "notifications:read",
    "notifications:telegram_link",
    "notifications:telegram_unlink",
    "notifications:calendar_renew",
    "imports:export_start",
    "scoring:rule_create",
    "duplicates:run",
]
POST_ONLY_WITH_ARGS = {
    "scoring:rule_edit": lambda w: [_first_rule()],
    "tasks:task_complete": lambda w: [w["task_a"].pk],
    "tasks:task_reopen": lambda w: [w["task_a"].pk],
    "tasks:task_cancel": lambda w: [w["task_a"].pk],
    "tasks:task_assign": lambda w: [w["task_a"].pk],
    "tasks:task_comment": lambda w: [w["task_a"].pk],
    "tasks:task_delete": lambda w: [w["task_a"].pk],
    "tasks:task_restore": lambda w: [w["task_a"].pk],
    "activities:entry_add": lambda w: ["contact", w["c_a"].pk],
    "activities:entry_delete": lambda w: [w["entry_c_a"].pk],
    "activities:entry_restore": lambda w: [w["entry_c_a"].pk],
    "fields:field_access": lambda w: ["contact", "city"],
    "fields:option_create": lambda w: [w["list"].pk],
    "fields:option_edit": lambda w: [w["list"].pk, w["option"].pk],
    "fields:option_merge": lambda w: [w["list"].pk, w["option"].pk],
    "fields:options_reorder": lambda w: [w["list"].pk],
    "imports:configure": lambda w: [w["batch"].pk],
    "imports:undo": lambda w: [w["batch"].pk],
    "imports:template_delete": lambda w: [w["template"].pk],
    "duplicates:dismiss": lambda w: [w["pair"].pk],
    "duplicates:unmerge": lambda w: [1],
}
PLAIN_PAGES = {  # url name -> kind and action a persona needs for a 200 ("" = any active user)
    "contacts:contact_list": ("contact", "view"),
    "contacts:contact_create": ("contact", "create"),
    "contacts:company_list": ("company", "view"),
    "contacts:company_create": ("company", "create"),
    "contacts:company_choices": ("", ""),
    "contacts:search": ("", ""),
    "contacts:trash": ("", ""),
    "accounts:profile": ("", ""),
    "tasks:my_day": ("", ""),
    "tasks:calendar": ("", ""),
    "tasks:day_list": ("", ""),
    "tasks:task_create": ("", ""),
    "tasks:without_next_step": ("", ""),
    "tasks:colleague_options": ("", ""),
    "notifications:list": ("", ""),
    "notifications:bell": ("", ""),
    "notifications:settings": ("", ""),
    "imports:batch_list": ("contact", "import"),
    "imports:upload": ("contact", "import"),
    "imports:sample": ("contact", "import"),
    "duplicates:queue": ("contact", "view"),
}
# An import's pages: its author and an administrator (with the import right) see them.
BATCH_PAGES = ["imports:batch_detail", "imports:progress", "imports:problems_csv"]
EXPORT_PAGES = ["imports:export_detail", "imports:export_progress"]  # its author's alone
BATCH_SEES = {"head_a", "admin"}
# Merging a pair: who may edit both of its cards (manager_a's c_a and manager_a2's c_a2).
MERGE_PAGE_SEES = {"head_a", "support", "admin"}
# Task pages: who sees a task (assignee, author, their head, anyone who sees its card) and who changes it.
TASK_SEES = {
    "task_a": {"manager_a", "head_a", "support", "admin"},
    "task_b": {"manager_b", "support", "admin"},
}
TASK_CHANGES = {"task_a": {"manager_a", "head_a", "admin"}, "task_b": {"manager_b", "admin"}}
# Timeline pages and files: visible exactly when the card is.
CARD_PART_PAGES = {
    "activities:timeline": [("contact", k) for k in ("c_a", "c_a2", "c_b", "trash_a")]
    + [("company", k) for k in ("co_a", "co_b")],
    "activities:file_download": [("contact", "c_a")],
}
SPECIAL = {
    "tasks:task_detail",
    "tasks:task_edit",
    "notifications:open",
    "activities:entry_edit",
    "tasks:slip_report",
    "tasks:calendar_feed",
    "home",
    "openapi",
    "accounts:login",
    "accounts:logout",
    "accounts:user_edit",
    "accounts:role_edit",
}


# Deals: seen like cards (owner, a head's department, an "all" scope) by roles with the deal "view" right;
# changed by those whose role also has "edit" (support only looks); pipelines are the administrator's.
DEAL_URLS = {
    "deals:board",
    "deals:pipeline_board",
    "deals:column",
    "deals:deal_list",
    "deals:deal_create",
    "deals:deal_fields",
    "deals:client_choices",
    "deals:deal_detail",
    "deals:deal_edit",
    "deals:deal_move",
    "deals:deal_check",
    "deals:deal_delete",
    "deals:deal_restore",
    "deals:pipeline_list",
    "deals:pipeline_create",
    "deals:pipeline_edit",
    "deals:deal_lines",
    "deals:product_list",
    "deals:product_create",
    "deals:product_edit",
    "deals:order_create",
    "deals:order_detail",
    "deals:order_pay",
    "deals:order_cancel",
    "deals:order_delete",
    "deals:order_restore",
}
# An order is seen with its client's card (c_a: manager_a's), by roles that view deals.
ORDER_SEES = {"manager_a", "head_a", "support", "admin"}
ORDER_CHANGES = {"manager_a", "head_a", "admin"}
DEAL_SEES = {
    "deal_a": {"manager_a", "head_a", "support", "admin"},
    "deal_b": {"manager_b", "support", "admin"},
}
DEAL_CHANGES = {"deal_a": {"manager_a", "head_a", "admin"}, "deal_b": {"manager_b", "admin"}}
DEAL_ROLES = {"manager_a", "manager_b", "head_a", "support", "admin"}  # have the "view" right on deals
DEAL_CREATORS = {"manager_a", "manager_b", "head_a", "admin"}
DEAL_EXPORTERS = {"head_a", "admin"}


@pytest.fixture
def deals(world, personas):
    from crm.deals.testing import make_deal, make_order, make_product

    return {
        "deal_a": make_deal(personas["manager_a"], title="Сделка Альфова", contact_id=world["c_a"].pk),
        "deal_b": make_deal(personas["manager_b"], title="Сделка Гаммова"),
        "order_a": make_order(personas["manager_a"], contact_id=world["c_a"].pk, number="Заказ Альфова"),
        "product": make_product(sku="ST-1", name="Станок"),
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_deal_pages_answer_each_persona_by_their_rights(client, personas, world, deals, persona):
    from crm.deals.models import Deal
    from crm.deals.testing import stage, starter_pipeline

    user = personas[persona]
    client.force_login(user)
    active = user.is_active

    def check(url, expected, method="get", data=None):
        response = getattr(client, method)(url, data or {})
        assert response.status_code == (expected if active else 302), f"{persona} {method} {url}"
        return response

    pipeline = starter_pipeline()
    viewer = persona in DEAL_ROLES
    check(reverse("deals:board"), 200 if viewer else 404)
    check(reverse("deals:pipeline_board", args=[pipeline.pk]), 200 if viewer else 404)
    check(reverse("deals:column", args=[pipeline.stages.first().pk]), 200 if viewer else 404)
    board = check(reverse("deals:deal_list"), 200 if viewer else 404)
    if active and viewer:
        shown = board.content.decode()
        for key in DEAL_SEES:
            assert (deals[key].title in shown) == (persona in DEAL_SEES[key]), f"{persona} list {key}"
    check(reverse("deals:deal_create"), 200 if persona in DEAL_CREATORS else 404)
    exported = check(
        reverse("imports:export_start"),
        302 if persona in DEAL_EXPORTERS else 404,
        "post",
        {"kind": "deal", "format": "csv"},
    )
    if active and persona in DEAL_EXPORTERS:  # only the deals they see: the worker runs as them
        from crm.imports.services import export_run

        job = export_run(job_id=int(exported.url.rstrip("/").rsplit("/", 1)[1]))
        assert job.rows_done == sum(persona in DEAL_SEES[key] for key in DEAL_SEES), persona
    check(reverse("deals:client_choices"), 200)
    check(reverse("deals:deal_fields"), 200 if persona in DEAL_CREATORS else 404)
    fields_of_a = reverse("deals:deal_fields") + f"?deal={deals['deal_a'].pk}"
    check(fields_of_a, 200 if persona in DEAL_SEES["deal_a"] else 404)
    for name in ("deals:pipeline_list", "deals:pipeline_create"):
        check(reverse(name), 200 if persona == "admin" else 404)
    check(reverse("deals:pipeline_edit", args=[pipeline.pk]), 200 if persona == "admin" else 404)
    for name in (
        "deals:deal_move",
        "deals:deal_check",
        "deals:deal_delete",
        "deals:deal_restore",
        "deals:deal_lines",
    ):
        check(reverse(name, args=[deals["deal_a"].pk]), 405)
    check(reverse("deals:product_list"), 200 if viewer else 404)
    check(reverse("deals:product_create"), 200 if persona == "admin" else 404)
    check(reverse("deals:product_edit", args=[deals["product"].pk]), 200 if persona == "admin" else 404)
    check(reverse("deals:order_create"), 200 if persona in DEAL_CREATORS else 404)
    order = deals["order_a"].pk
    check(reverse("deals:order_detail", args=[order]), 200 if persona in ORDER_SEES else 404)
    for name in ("deals:order_pay", "deals:order_cancel", "deals:order_delete", "deals:order_restore"):
        check(reverse(name, args=[order]), 405)
    check(
        reverse("deals:order_pay", args=[order]),
        302 if persona in ORDER_CHANGES else 404,
        "post",
        {"amount": "1"},
    )
    for key in ("deal_a", "deal_b"):
        pk = deals[key].pk
        sees, changes = persona in DEAL_SEES[key], persona in DEAL_CHANGES[key]
        check(reverse("deals:deal_detail", args=[pk]), 200 if sees else 404)
        check(reverse("deals:deal_edit", args=[pk]), 200 if changes else 404)
        check(
            reverse("deals:deal_move", args=[pk]),
            302 if changes else 404,
            "post",
            {"stage_id": stage("Оплата").pk},
        )
        assert (Deal.objects.get(pk=pk).stage.name == "Оплата") == (active and changes)
        check(reverse("deals:deal_delete", args=[pk]), 302 if changes else 404, "post")
        assert (Deal.objects.get(pk=pk).deleted_at is not None) == (active and changes)


@pytest.mark.parametrize("persona", PERSONAS)
def test_deal_api_answers_each_persona_by_their_rights(client, personas, world, deals, persona, settings):
    from crm.deals.testing import lost_stage, stage

    settings.AXES_FAILURE_LIMIT = 10_000
    user = personas[persona]
    active = user.is_active
    call = api_caller(client, user, persona)

    call("GET", "/api/v1/pipelines")
    listed = call("GET", "/api/v1/deals").json() if active else {"items": []}
    assert {d["id"] for d in listed["items"]} == {deals[k].pk for k in DEAL_SEES if persona in DEAL_SEES[k]}
    for key in ("deal_a", "deal_b"):
        pk = deals[key].pk
        sees, changes = persona in DEAL_SEES[key], persona in DEAL_CHANGES[key]
        change = 200 if changes else (403 if sees else 404)
        call("GET", f"/api/v1/deals/{pk}", expected=200 if sees else 404)
        call("GET", f"/api/v1/deals/{pk}/history", expected=200 if sees else 404)
        call("PATCH", f"/api/v1/deals/{pk}", {"amount": "5000"}, expected=change)
        call("POST", f"/api/v1/deals/{pk}/move", {"stage_id": stage("Оплата").pk}, expected=change)
        call(
            "POST",
            f"/api/v1/deals/{pk}/move",
            {"stage_id": lost_stage().pk},
            expected=422 if changes else change,
        )
        call("DELETE", f"/api/v1/deals/{pk}", expected=204 if changes else change)
        call("POST", f"/api/v1/deals/{pk}/restore", expected=200 if changes else 404)
    call("POST", "/api/v1/deals", {"title": "Своя сделка"}, expected=201 if persona in DEAL_CREATORS else 403)
    for key in ("deal_a", "deal_b"):
        sees, changes = persona in DEAL_SEES[key], persona in DEAL_CHANGES[key]
        call(
            "PUT",
            f"/api/v1/deals/{deals[key].pk}/lines",
            {"lines": [{"product_id": deals["product"].pk, "quantity": "2"}]},
            expected=200 if changes else (403 if sees else 404),
        )

    # Products: everyone who works with deals reads the catalogue; an administrator edits it.
    product = deals["product"].pk
    call("GET", "/api/v1/products")
    admin_only = 201 if persona == "admin" else 403
    call("POST", "/api/v1/products", {"sku": f"N-{persona}", "name": "Новый"}, expected=admin_only)
    call(
        "PUT",
        f"/api/v1/products/{product}",
        {"sku": "ST-1", "name": "Станок"},
        expected=200 if persona == "admin" else 403,
    )

    # Orders: seen with the client's card; written with the deal rights.
    order = deals["order_a"].pk
    orders = call("GET", "/api/v1/orders").json() if active else {"items": []}
    assert {o["id"] for o in orders["items"]} == ({order} if persona in ORDER_SEES else set())
    sees, changes = persona in ORDER_SEES, persona in ORDER_CHANGES
    call("GET", f"/api/v1/orders/{order}", expected=200 if sees else 404)
    call(
        "POST",
        f"/api/v1/orders/{order}/payments",
        {"amount": "1"},
        expected=201 if changes else (403 if sees else 404),
    )
    created = 201 if persona in DEAL_CREATORS and sees else (403 if persona not in DEAL_CREATORS else 404)
    call("POST", "/api/v1/orders", {"contact_id": world["c_a"].pk, "amount": "10"}, expected=created)
    call("DELETE", f"/api/v1/orders/{order}", expected=204 if changes else (403 if sees else 404))
    call("POST", f"/api/v1/orders/{order}/restore", expected=200 if changes else 404)


# Segments: a private one is its owner's and the administrator's; a shared one everyone's, each reading its
# members among their own cards; only the owner and an administrator change either.
SEGMENT_URLS = {
    "segments:segment_list",
    "segments:segment_create",
    "segments:segment_preview",
    "segments:segment_trash",
    "segments:segment_detail",
    "segments:segment_count",
    "segments:segment_edit",
    "segments:segment_report",
    "segments:segment_delete",
    "segments:segment_restore",
    "segments:segment_bulk",
    "segments:bulk_list",
    "segments:bulk_detail",
    "segments:bulk_undo",
    "segments:bulk_selection",
    "segments:segment_menu",
    "contacts:list_columns",
}
# A bulk action is its author's and the administrator's to follow and undo.
BULK_SEES = {"manager_a", "admin"}
SEGMENT_SEES = {
    "own": {"manager_a", "admin"},
    "shared": {"manager_a", "manager_b", "head_a", "support", "admin"},
}
SEGMENT_CHANGES = {"own": {"manager_a", "admin"}, "shared": {"admin"}}


@pytest.fixture
def segments(world, personas):
    from crm.segments.services import SegmentInput, segment_save

    def save(owner, name, shared):
        data = SegmentInput(name=name, definition={"match": "all", "rules": []}, shared=shared)
        return segment_save(actor=personas[owner], segment_id=None, data=data, source=SYSTEM)

    return {
        "own": save("manager_a", "Сегмент Альфова", False),
        "shared": save("admin", "Общий сегмент", True),
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_segment_pages_answer_each_persona_by_their_rights(client, personas, world, segments, persona):
    from crm.segments.models import Segment

    user = personas[persona]
    client.force_login(user)
    active = user.is_active

    def check(url, expected, method="get", data=None):
        response = getattr(client, method)(url, data or {})
        assert response.status_code == (expected if active else 302), f"{persona} {method} {url}"
        return response

    listed = check(reverse("segments:segment_list"), 200)
    for key, segment in segments.items():
        if active:
            assert (segment.name in listed.content.decode()) == (persona in SEGMENT_SEES[key]), persona
    check(reverse("segments:segment_create"), 200)
    check(reverse("segments:segment_trash"), 200)
    check(reverse("segments:segment_preview"), 405)
    check(reverse("segments:segment_preview"), 200, "post", {"kind": "contact", "definition": "{}"})
    for key, segment in segments.items():
        sees, changes = persona in SEGMENT_SEES[key], persona in SEGMENT_CHANGES[key]
        members = check(reverse("segments:segment_detail", args=[segment.pk]), 200 if sees else 404)
        if active and sees:  # an empty segment: every card the persona sees, and no other
            shown = members.content.decode()
            for card in ("c_a", "c_a2", "c_b"):
                assert (NAMES[card] in shown) == (card in VISIBLE[persona]), f"{persona} {key} {card}"
        check(reverse("segments:segment_count", args=[segment.pk]), 200 if sees else 404)
        check(reverse("segments:segment_report", args=[segment.pk]), 200 if sees else 404)
        check(reverse("segments:segment_edit", args=[segment.pk]), 200 if changes else 404)
        for name in ("segments:segment_delete", "segments:segment_restore"):
            check(reverse(name, args=[segment.pk]), 405)
        check(reverse("segments:segment_delete", args=[segment.pk]), 302 if changes else 404, "post")
        assert (Segment.objects.get(pk=segment.pk).deleted_at is not None) == (active and changes)
        check(reverse("segments:segment_restore", args=[segment.pk]), 302 if changes else 404, "post")
        assert Segment.objects.get(pk=segment.pk).deleted_at is None
        check(reverse("segments:segment_bulk", args=[segment.pk]), 405)
        started = {"verb": "tag", "tag": f"Метка {persona}"}
        check(reverse("segments:segment_bulk", args=[segment.pk]), 302 if sees else 404, "post", started)
    check(reverse("segments:bulk_list"), 200)
    check(reverse("segments:segment_menu") + "?kind=contact", 200)
    check(reverse("segments:segment_menu") + "?kind=deal", 200 if persona in DEAL_ROLES else 404)
    check(reverse("segments:segment_menu") + "?kind=task", 200)  # tasks are everyone's work
    chosen_tasks = {"kind": "task", "ids": [1], "verb": "status", "task_status": "done"}
    check(reverse("segments:bulk_selection"), 302, "post", chosen_tasks)
    check(reverse("segments:bulk_selection"), 405)
    chosen = {"kind": "contact", "ids": [world["c_a"].pk, world["c_b"].pk], "verb": "tag", "tag": "Выбранные"}
    check(reverse("segments:bulk_selection"), 302, "post", chosen)
    check(reverse("contacts:list_columns", args=["contact"]), 405)
    check(reverse("contacts:list_columns", args=["contact"]), 302, "post", {"columns": ["city"]})
    deal_columns = reverse("contacts:list_columns", args=["deal"])
    check(deal_columns, 302 if persona in DEAL_ROLES else 404, "post", {"columns": ["stage"]})
    check(reverse("contacts:list_columns", args=["task"]), 302, "post", {"columns": ["due"]})  # everyone's
    check(reverse("contacts:list_columns", args=["order"]), 404, "post", {"columns": ["city"]})
    action = _bulk_of_manager_a(personas)
    check(reverse("segments:bulk_detail", args=[action.pk]), 200 if persona in BULK_SEES else 404)
    check(reverse("segments:bulk_undo", args=[action.pk]), 405)
    check(reverse("segments:bulk_undo", args=[action.pk]), 302 if persona in BULK_SEES else 404, "post")


def _bulk_of_manager_a(personas):
    from crm.segments.services import bulk_run, bulk_start

    action = bulk_start(
        actor=personas["manager_a"], verb="tag", params={"tag": "Акция"}, ids=[1], source=SYSTEM
    )
    return bulk_run(action_id=action.pk)


@pytest.mark.parametrize("persona", PERSONAS)
def test_segment_api_answers_each_persona_by_their_rights(
    client, personas, world, segments, persona, settings
):
    settings.AXES_FAILURE_LIMIT = 10_000
    user = personas[persona]
    active = user.is_active
    call = api_caller(client, user, persona)

    listed = call("GET", "/api/v1/segments").json() if active else []
    assert {s["id"] for s in listed} == {segments[k].pk for k in SEGMENT_SEES if persona in SEGMENT_SEES[k]}
    call("GET", "/api/v1/segments/fields?kind=contact")
    call("POST", "/api/v1/segments/evaluate", {"kind": "company", "definition": {}})
    call("POST", "/api/v1/segments", {"name": f"Свой {persona}"}, expected=201)
    tasks = call("POST", "/api/v1/segments", {"name": f"Задачи {persona}", "kind": "task"}, expected=201)
    if active:  # everyone has their tasks: a segment of them, and its pages
        call("GET", f"/api/v1/segments/{tasks.json()['id']}/tasks")
        call("GET", f"/api/v1/segments/{tasks.json()['id']}/deals", expected=404)
    call("POST", "/api/v1/bulk", {"ids": [world["c_a"].pk], "verb": "tag", "tag": "Акция"}, expected=202)
    call("GET", "/api/v1/bulk")
    action = _bulk_of_manager_a(personas)
    call("GET", f"/api/v1/bulk/{action.pk}", expected=200 if persona in BULK_SEES else 404)
    call("POST", f"/api/v1/bulk/{action.pk}/undo", expected=202 if persona in BULK_SEES else 404)
    for key, segment in segments.items():
        pk = segment.pk
        sees, changes = persona in SEGMENT_SEES[key], persona in SEGMENT_CHANGES[key]
        change = 200 if changes else (403 if sees else 404)
        call("GET", f"/api/v1/segments/{pk}", expected=200 if sees else 404)
        counted = call("GET", f"/api/v1/segments/{pk}/count", expected=200 if sees else 404)
        members = call("GET", f"/api/v1/segments/{pk}/contacts", expected=200 if sees else 404)
        if active and sees:
            people = {"c_a", "c_a2", "c_b", "c_m1", "c_m2"} & VISIBLE[persona]
            assert counted.json()["count"] == len(people)
            assert {c["id"] for c in members.json()["items"]} == {world[k].pk for k in people}
        call("GET", f"/api/v1/segments/{pk}/companies", expected=404)
        call("GET", f"/api/v1/segments/{pk}/tasks", expected=404)
        call(
            "POST",
            f"/api/v1/segments/{pk}/bulk",
            {"verb": "tag", "tag": "Акция"},
            expected=202 if sees else 404,
        )
        call("PUT", f"/api/v1/segments/{pk}", {"name": "Переименован"}, expected=change)
        call("DELETE", f"/api/v1/segments/{pk}", expected=204 if changes else change)
        call("POST", f"/api/v1/segments/{pk}/restore", expected=200 if changes else 404)


def test_every_url_is_in_the_matrix():
    covered = set(ADMIN_PAGES) | set(RECORD_PAGES) | set(POST_ONLY) | set(PLAIN_PAGES) | SPECIAL
    covered |= set(ADMIN_PAGES_WITH_ARGS) | set(POST_ONLY_WITH_ARGS) | set(CARD_PART_PAGES) | set(BATCH_PAGES)
    covered |= set(EXPORT_PAGES) | {"imports:export_download", "duplicates:merge"} | DEAL_URLS | SEGMENT_URLS
    assert _all_url_names() - covered == set(), "add the new URL to tests/test_access_matrix.py"


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_answers_each_persona_by_their_rights(client, personas, world, persona):
    user = personas[persona]
    client.force_login(user)
    active = user.is_active
    expect_login = 302  # an inactive user's session is refused: back to the login page

    def check(url, expected):
        response = client.get(url)
        assert response.status_code == (expected if active else expect_login), f"{persona} GET {url}"
        return response

    for name in ADMIN_PAGES:
        check(reverse(name), 200 if persona == "admin" else 404)
    for name, args in ADMIN_PAGES_WITH_ARGS.items():
        check(reverse(name, args=args(world)), 200 if persona == "admin" else 404)
    for name, args in POST_ONLY_WITH_ARGS.items():
        check(reverse(name, args=args(world)), 405)
    check(reverse("accounts:user_edit", args=[user.pk]), 200 if persona == "admin" else 404)
    check(reverse("accounts:role_edit", args=[user.role_id]), 200 if persona == "admin" else 404)
    for name, (kind, action, keys) in RECORD_PAGES.items():
        for key in keys:
            allowed = may(persona, kind, action, key) and key != "trash_a"
            check(reverse(name, args=[world[key].pk]), 200 if allowed else 404)
    for name, (kind, action) in PLAIN_PAGES.items():
        allowed = not kind or action in CAN[persona][kind].split()
        check(reverse(name), 200 if allowed else 404)
    for name in POST_ONLY:
        args = [world["c_a"].pk] if "contact_" in name else [world["co_a"].pk] if "company_" in name else []
        check(reverse(name, args=args), 405)
    for kind, key in CARD_PART_PAGES["activities:timeline"]:
        seen = may(persona, kind, "view", key) and key != "trash_a"
        page = check(reverse("activities:timeline", args=[kind, world[key].pk]), 200 if seen else 404)
        if active and seen and key in ("c_a", "c_b"):
            assert f"Звонок {NAMES[key]}" in page.content.decode()
    seen = may(persona, "contact", "view", "c_a")
    check(reverse("activities:file_download", args=[world["file_c_a"].pk]), 200 if seen else 404)
    # Only the author (or an administrator) corrects an entry; others do not even find the form.
    author = persona in ("manager_a", "admin")
    check(reverse("activities:entry_edit", args=[world["entry_c_a"].pk]), 200 if author else 404)
    for key in ("task_a", "task_b"):
        check(reverse("tasks:task_detail", args=[world[key].pk]), 200 if persona in TASK_SEES[key] else 404)
        check(reverse("tasks:task_edit", args=[world[key].pk]), 200 if persona in TASK_CHANGES[key] else 404)
    check(reverse("tasks:slip_report"), 200 if persona in ("head_a", "support", "admin") else 404)
    for name in BATCH_PAGES:
        check(reverse(name, args=[world["batch"].pk]), 200 if persona in BATCH_SEES else 404)
    for name in EXPORT_PAGES:
        check(reverse(name, args=[world["export"].pk]), 200 if persona == "head_a" else 404)
    check(reverse("imports:export_download", args=[world["export"].pk]), 404)  # no file yet, for anyone
    check(reverse("duplicates:merge", args=[world["pair"].pk]), 200 if persona in MERGE_PAGE_SEES else 404)
    check(reverse("home"), 302)
    assert client.get(reverse("accounts:logout")).status_code == 405  # logging out is a POST, for anyone


@pytest.mark.parametrize("persona", PERSONAS)
def test_lists_search_and_trash_show_exactly_the_personas_records(client, personas, world, persona):
    user = personas[persona]
    client.force_login(user)
    if not user.is_active:  # nothing at all: every list sends them back to sign in
        for name in ("contacts:contact_list", "contacts:company_list", "contacts:search", "contacts:trash"):
            response = client.get(reverse(name), {"q": "Иван"})
            assert response.status_code == 302, name
            assert "/login/" in response["Location"]
        return
    pages = {
        "contact": client.get(reverse("contacts:contact_list")).content.decode(),
        "company": client.get(reverse("contacts:company_list")).content.decode(),
    }
    search = client.get(reverse("contacts:search"), {"q": "Иван"}).content.decode()
    trash = client.get(reverse("contacts:trash")).content.decode()
    for key, name in NAMES.items():
        kind = "company" if key.startswith("co_") else "contact"
        on_list = key in VISIBLE[persona] and key != "trash_a" and "view" in CAN[persona][kind].split()
        assert (name in pages[kind]) == on_list, f"{persona} list {key}"
        if kind == "contact":
            assert (name in search) == on_list, f"{persona} search {key}"
    assert ("Дельтов" in trash) == may(persona, "contact", "delete", "trash_a")


@pytest.mark.parametrize("persona", PERSONAS)
def test_forbidden_posts_answer_404_and_change_nothing(client, personas, world, persona):
    user = personas[persona]
    client.force_login(user)
    for key in ("c_a", "c_a2", "c_b"):
        pk = world[key].pk
        response = client.post(reverse("contacts:contact_delete", args=[pk]))
        if user.is_active and may(persona, "contact", "delete", key):
            assert response.status_code == 302
            assert Contact.objects.get(pk=pk).deleted_at is not None
        else:
            assert response.status_code in (302, 404) if not user.is_active else response.status_code == 404
            assert Contact.objects.get(pk=pk).deleted_at is None
    pk = world["trash_a"].pk
    response = client.post(reverse("contacts:contact_restore", args=[pk]))
    restored = Contact.objects.get(pk=pk).deleted_at is None
    assert restored == (user.is_active and may(persona, "contact", "delete", "trash_a"))
    for key in ("co_a", "co_b"):
        pk = world[key].pk
        client.post(reverse("contacts:company_comment", args=[pk]), {"text": "проверка"})
        commented = Company.objects.get(pk=pk).comments.exists()
        assert commented == (user.is_active and may(persona, "company", "view", key))


# The API: the same rights, by token.

API_ENDPOINTS = {
    ("POST", "/api/v1/scoring/signals"),
    ("GET", "/api/v1/contacts/{contact_id}/score"),
    ("GET", "/api/v1/scoring/settings"),
    ("PUT", "/api/v1/scoring/settings"),
    ("GET", "/api/v1/scoring/rules"),
    ("POST", "/api/v1/scoring/rules"),
    ("PUT", "/api/v1/scoring/rules/{rule_id}"),
    ("GET", "/api/v1/contacts"),
    ("POST", "/api/v1/contacts"),
    ("GET", "/api/v1/contacts/{contact_id}"),
    ("PUT", "/api/v1/contacts/{contact_id}"),
    ("PATCH", "/api/v1/contacts/{contact_id}"),
    ("DELETE", "/api/v1/contacts/{contact_id}"),
    ("POST", "/api/v1/contacts/{contact_id}/restore"),
    ("GET", "/api/v1/search"),
    ("GET", "/api/v1/companies"),
    ("POST", "/api/v1/companies"),
    ("GET", "/api/v1/companies/{company_id}"),
    ("PUT", "/api/v1/companies/{company_id}"),
    ("PATCH", "/api/v1/companies/{company_id}"),
    ("DELETE", "/api/v1/companies/{company_id}"),
    ("POST", "/api/v1/companies/{company_id}/restore"),
    ("GET", "/api/v1/timeline"),
    ("POST", "/api/v1/timeline"),
    ("GET", "/api/v1/timeline/choices"),
    ("GET", "/api/v1/timeline/{entry_id}"),
    ("PATCH", "/api/v1/timeline/{entry_id}"),
    ("DELETE", "/api/v1/timeline/{entry_id}"),
    ("POST", "/api/v1/timeline/{entry_id}/restore"),
    ("POST", "/api/v1/files"),
    ("GET", "/api/v1/files/{file_id}"),
    ("DELETE", "/api/v1/files/{file_id}"),
    ("GET", "/api/v1/tasks"),
    ("POST", "/api/v1/tasks"),
    ("GET", "/api/v1/tasks/{task_id}"),
    ("PATCH", "/api/v1/tasks/{task_id}"),
    ("DELETE", "/api/v1/tasks/{task_id}"),
    ("POST", "/api/v1/tasks/{task_id}/complete"),
    ("POST", "/api/v1/tasks/{task_id}/reopen"),
    ("POST", "/api/v1/tasks/{task_id}/assign"),
    ("GET", "/api/v1/tasks/{task_id}/comments"),
    ("POST", "/api/v1/tasks/{task_id}/comments"),
    ("GET", "/api/v1/duplicates"),
    ("POST", "/api/v1/duplicates/{pair_id}/dismiss"),
    ("POST", "/api/v1/merges"),
    ("POST", "/api/v1/merges/{merge_id}/undo"),
    ("POST", "/api/v1/imports"),
    ("GET", "/api/v1/imports"),
    ("GET", "/api/v1/imports/{import_id}"),
    ("GET", "/api/v1/imports/{import_id}/problems"),
    ("POST", "/api/v1/imports/{import_id}/undo"),
    ("POST", "/api/v1/exports"),
    ("GET", "/api/v1/exports/{export_id}"),
    ("GET", "/api/v1/exports/{export_id}/file"),
    ("GET", "/api/v1/pipelines"),
    ("GET", "/api/v1/deals"),
    ("POST", "/api/v1/deals"),
    ("GET", "/api/v1/deals/{deal_id}"),
    ("PATCH", "/api/v1/deals/{deal_id}"),
    ("DELETE", "/api/v1/deals/{deal_id}"),
    ("POST", "/api/v1/deals/{deal_id}/move"),
    ("POST", "/api/v1/deals/{deal_id}/restore"),
    ("GET", "/api/v1/deals/{deal_id}/history"),
    ("PUT", "/api/v1/deals/{deal_id}/lines"),
    ("GET", "/api/v1/products"),
    ("POST", "/api/v1/products"),
    ("PUT", "/api/v1/products/{product_id}"),
    ("GET", "/api/v1/orders"),
    ("POST", "/api/v1/orders"),
    ("GET", "/api/v1/orders/{order_id}"),
    ("POST", "/api/v1/orders/{order_id}/payments"),
    ("DELETE", "/api/v1/orders/{order_id}"),
    ("POST", "/api/v1/orders/{order_id}/restore"),
    ("GET", "/api/v1/segments"),
    ("POST", "/api/v1/segments"),
    ("GET", "/api/v1/segments/fields"),
    ("POST", "/api/v1/segments/evaluate"),
    ("GET", "/api/v1/segments/{segment_id}"),
    ("PUT", "/api/v1/segments/{segment_id}"),
    ("DELETE", "/api/v1/segments/{segment_id}"),
    ("POST", "/api/v1/segments/{segment_id}/restore"),
    ("GET", "/api/v1/segments/{segment_id}/count"),
    ("GET", "/api/v1/segments/{segment_id}/contacts"),
    ("GET", "/api/v1/segments/{segment_id}/companies"),
    ("GET", "/api/v1/segments/{segment_id}/deals"),
    ("GET", "/api/v1/segments/{segment_id}/tasks"),
    ("POST", "/api/v1/segments/{segment_id}/bulk"),
    ("POST", "/api/v1/bulk"),
    ("GET", "/api/v1/bulk"),
    ("GET", "/api/v1/bulk/{action_id}"),
    ("POST", "/api/v1/bulk/{action_id}/undo"),
}


def test_every_api_endpoint_is_in_the_matrix():
    schema = api.get_openapi_schema()
    found = {(method.upper(), path) for path, methods in schema["paths"].items() for method in methods}
    assert found == API_ENDPOINTS, "add the new endpoint to tests/test_access_matrix.py"


def _token(user):
    from django.contrib.auth import get_user_model

    # Tokens are created while active; a leaver's token must stop working once they are deactivated.
    was_active = user.is_active
    get_user_model().objects.filter(pk=user.pk).update(is_active=True)
    user.is_active = True
    _, raw = api_token_create(actor=user, name="matrix", source=SYSTEM)
    get_user_model().objects.filter(pk=user.pk).update(is_active=was_active)
    user.is_active = was_active
    return raw


def api_caller(client, user, persona):
    """``call(method, url, body, expected)``: a JSON request with the persona's token, asserting the
    answer (an inactive persona's is always 401)."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {_token(user)}"}

    def call(method, url, body=None, expected=200):
        response = getattr(client, method.lower())(
            url,
            data=json.dumps(body) if body is not None else None,
            content_type="application/json",
            **headers,
        )
        assert response.status_code == (expected if user.is_active else 401), f"{persona} {method} {url}"
        return response

    return call


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_api_endpoint_answers_each_persona_by_their_rights(client, personas, world, persona, settings):
    # The inactive persona's token is refused dozens of times from one address, which would lock the
    # address (crm/accounts/tests/test_throttling.py): here each refusal itself is the point.
    settings.AXES_FAILURE_LIMIT = 10_000
    user = personas[persona]
    active = user.is_active
    call = api_caller(client, user, persona)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {_token(user)}"}

    listed = call("GET", "/api/v1/contacts").json() if active else {"items": []}
    visible_contacts = {world[k].pk for k in VISIBLE[persona] if k.startswith("c_")}
    if "view" not in CAN[persona]["contact"].split():
        visible_contacts = set()
    assert {item["id"] for item in listed["items"]} == visible_contacts
    companies = call("GET", "/api/v1/companies").json() if active else {"items": []}
    assert {item["id"] for item in companies["items"]} == {
        world[k].pk for k in VISIBLE[persona] if k.startswith("co_")
    }
    hits = call("GET", "/api/v1/search?q=Иван").json() if active else []
    assert {h["id"] for h in hits if h["kind"] == "contact"} == visible_contacts

    # The timeline: entries and files follow their card's visibility; only the author changes an entry.
    call("GET", "/api/v1/timeline/choices")
    for key in ("c_a", "c_b"):
        seen = may(persona, "contact", "view", key)
        entry = world[f"entry_{key}"]
        listed = call("GET", f"/api/v1/timeline?contact_id={world[key].pk}", expected=200 if seen else 404)
        if active and seen:
            assert [e["id"] for e in listed.json()["items"]] == [entry.pk]
        call("GET", f"/api/v1/timeline/{entry.pk}", expected=200 if seen else 404)
        author = persona == ("manager_a" if key == "c_a" else "manager_b") or persona == "admin"
        call(
            "PATCH",
            f"/api/v1/timeline/{entry.pk}",
            {"result": "Уточнено"},
            expected=200 if seen and author else (403 if seen else 404),
        )
        call(
            "POST",
            "/api/v1/timeline",
            {"kind": "note", "contact_id": world[key].pk, "summary": "Заметка"},
            expected=201 if seen else 404,
        )
    seen = may(persona, "contact", "view", "c_a")
    call("GET", f"/api/v1/files/{world['file_c_a'].pk}", expected=200 if seen else 404)

    # Upload a file, trash one, trash and restore an entry: the uploader or author, or an administrator;
    # others who see the card get 403.
    from django.core.files.uploadedfile import SimpleUploadedFile

    from crm.activities.services import entry_delete

    seen = may(persona, "contact", "view", "c_a")
    change = 204 if seen and persona in ("manager_a", "admin") else (403 if seen else 404)
    upload = client.post(
        "/api/v1/files",
        {"file": SimpleUploadedFile("akt.txt", "Акт".encode()), "contact_id": world["c_a"].pk},
        **headers,
    )
    assert upload.status_code == ((201 if seen else 404) if active else 401), f"{persona} POST /files"
    call("DELETE", f"/api/v1/files/{world['file_c_a'].pk}", expected=change)
    entry = world["entry_c_a"]
    call("DELETE", f"/api/v1/timeline/{entry.pk}", expected=change)
    if change != 204:
        entry_delete(actor=personas["admin"], entry_id=entry.pk, source=SYSTEM)
    call("POST", f"/api/v1/timeline/{entry.pk}/restore", expected=200 if change == 204 else change)

    # Tasks: seen by assignee, author, their head and whoever sees the card; changed by the first three.
    listed_tasks = call("GET", "/api/v1/tasks").json() if active else {"items": []}
    assert {t["id"] for t in listed_tasks["items"]} == {
        world[k].pk for k in TASK_SEES if persona in TASK_SEES[k]
    }
    for key in ("task_a", "task_b"):
        pk = world[key].pk
        sees, changes = persona in TASK_SEES[key], persona in TASK_CHANGES[key]
        call("GET", f"/api/v1/tasks/{pk}", expected=200 if sees else 404)
        call("GET", f"/api/v1/tasks/{pk}/comments", expected=200 if sees else 404)
        call("POST", f"/api/v1/tasks/{pk}/comments", {"text": "Принято"}, expected=201 if sees else 404)
        change = 200 if changes else (403 if sees else 404)
        call("PATCH", f"/api/v1/tasks/{pk}", {"priority": 3}, expected=change)
        call("POST", f"/api/v1/tasks/{pk}/complete", expected=change)
        call("POST", f"/api/v1/tasks/{pk}/reopen", expected=change)
        call("POST", f"/api/v1/tasks/{pk}/assign", {"assignee_id": user.pk}, expected=change)
    call(
        "POST", "/api/v1/tasks", {"title": "Своя задача", "due_at": "2030-01-01T10:00:00+03:00"}, expected=201
    )

    # Duplicates: a pair is dismissed by who may edit both cards; a merge needs the right to change the
    # survivor and to delete the other card (both manager_a's).
    call("GET", "/api/v1/duplicates")
    both = may(persona, "contact", "edit", "c_a") and may(persona, "contact", "edit", "c_a2")
    call("POST", f"/api/v1/duplicates/{world['pair'].pk}/dismiss", expected=200 if both else 404)
    mergeable = may(persona, "contact", "edit", "c_a") and "delete" in CAN[persona]["contact"].split()
    merge = call(
        "POST",
        "/api/v1/merges",
        {"survivor_id": world["c_m1"].pk, "merged_id": world["c_m2"].pk},
        expected=201 if mergeable else 404,
    )
    if active and mergeable:
        call("POST", f"/api/v1/merges/{merge.json()['id']}/undo")
    else:
        call("POST", "/api/v1/merges/999999/undo", expected=404)

    # Import: the role right "import"; an import is its author's (an administrator sees every one). Export:
    # the right "export"; an export is its author's alone.
    can_import = "import" in CAN[persona]["contact"].split()
    batch_answer = 200 if persona in BATCH_SEES else (404 if can_import else 403)
    call("GET", "/api/v1/imports", expected=200 if can_import else 403)
    call("GET", f"/api/v1/imports/{world['batch'].pk}", expected=batch_answer)
    call("GET", f"/api/v1/imports/{world['batch'].pk}/problems", expected=batch_answer)
    # Not started yet: no one undoes it, and those who do not see it are told nothing about it.
    call(
        "POST",
        f"/api/v1/imports/{world['batch'].pk}/undo",
        expected=422 if batch_answer == 200 else batch_answer,
    )
    submitted = client.post(
        "/api/v1/imports",
        {"file": SimpleUploadedFile("x.csv", "Фамилия\nОрлова\n".encode())},
        **headers,
    )
    assert submitted.status_code == ((202 if can_import else 403) if active else 401), (
        f"{persona} POST /imports"
    )
    can_export = "export" in CAN[persona]["contact"].split()
    call("POST", "/api/v1/exports", {"format": "csv"}, expected=202 if can_export else 403)
    deals_out = 202 if persona in DEAL_EXPORTERS else 403
    call("POST", "/api/v1/exports", {"kind": "deal", "format": "xlsx"}, expected=deals_out)
    call("GET", f"/api/v1/exports/{world['export'].pk}", expected=200 if persona == "head_a" else 404)
    call("GET", f"/api/v1/exports/{world['export'].pk}/file", expected=404)  # not written yet

    for key in ("c_a", "c_a2", "c_b", "trash_a"):
        pk = world[key].pk
        seen = key in VISIBLE[persona] and key != "trash_a"
        call("GET", f"/api/v1/contacts/{pk}", expected=200 if seen else 404)
        edit = 200 if seen and may(persona, "contact", "edit", key) else (403 if seen else 404)
        call("PATCH", f"/api/v1/contacts/{pk}", {"city": "Тверь"}, expected=edit)
        call(
            "PUT",
            f"/api/v1/contacts/{pk}",
            {
                "last_name": NAMES[key],
                "city": "Тверь",
                "phones": [{"value": str(Contact.objects.get(pk=pk).phones.get())}],
            },
            expected=edit,
        )
        assert (Contact.objects.get(pk=pk).city == "Тверь") == (active and edit == 200)
    restore = 200 if may(persona, "contact", "delete", "trash_a") else 404
    call("POST", f"/api/v1/contacts/{world['trash_a'].pk}/restore", expected=restore)
    delete = 204 if may(persona, "contact", "delete", "c_a") else (403 if "c_a" in VISIBLE[persona] else 404)
    call("DELETE", f"/api/v1/contacts/{world['c_a'].pk}", expected=delete)
    created = call(
        "POST",
        "/api/v1/contacts",
        {"last_name": "Новиков", "phones": [{"value": "+79160000099"}]},
        expected=201 if "create" in CAN[persona]["contact"].split() else 403,
    )

    for key in ("co_a", "co_b"):
        pk = world[key].pk
        seen = key in VISIBLE[persona]
        call("GET", f"/api/v1/companies/{pk}", expected=200 if seen else 404)
        edit = 200 if may(persona, "company", "edit", key) else (403 if seen else 404)
        call("PATCH", f"/api/v1/companies/{pk}", {"city": "Тверь"}, expected=edit)
        call("PUT", f"/api/v1/companies/{pk}", {"name": NAMES[key], "city": "Тверь"}, expected=edit)
    delete = (
        204 if may(persona, "company", "delete", "co_a") else (403 if "co_a" in VISIBLE[persona] else 404)
    )
    call("DELETE", f"/api/v1/companies/{world['co_a'].pk}", expected=delete)
    restore = 200 if delete == 204 else 404
    call("POST", f"/api/v1/companies/{world['co_a'].pk}/restore", expected=restore)
    call(
        "POST",
        "/api/v1/companies",
        {"name": "ООО Новая"},
        expected=201 if "create" in CAN[persona]["company"].split() else 403,
    )
    del created
    sees, changes = persona in TASK_SEES["task_a"], persona in TASK_CHANGES["task_a"]
    call("DELETE", f"/api/v1/tasks/{world['task_a'].pk}", expected=204 if changes else (403 if sees else 404))


def test_the_openapi_description_is_public_and_stable(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "CRM API"
    assert client.get("/api/v1/docs").status_code == 200


# One read rule per kind: what a list shows and what a single record answers (the getter the pages use
# and the guard the services use) agree, for every kind and persona, on a mixed base.


class _Undo(Exception):
    """Rolls back a write a test makes only to learn how the service's guard answers."""


def _attempt(write) -> str:
    """How a service answers: "done" (then undone), "forbidden" (it found the record, the action is
    not the user's) or "missing" (NotFound: for this user the record does not exist)."""
    from django.db import transaction

    from crm.core.errors import NotFound, PermissionDenied

    try:
        with transaction.atomic():
            write()
            raise _Undo
    except _Undo:
        return "done"
    except PermissionDenied:
        return "forbidden"
    except NotFound:
        return "missing"


def _found(get) -> bool:
    from crm.core.errors import NotFound

    try:
        get()
    except NotFound:
        return False
    return True


@pytest.fixture
def roleless(dept_a):
    """A new colleague in department A whose role is not set yet."""
    from crm.accounts.testing import UserFactory

    return UserFactory(username="roleless", department=dept_a, role=None)


@pytest.fixture
def mixed(world, personas, manager_a2, roleless, dept_b):
    """The matrix's world plus the awkward cases: a person (with an entry on them and their company)
    moved to department B, a colleague moved to department B with their cards and tasks, a task assigned
    to a user without a role, a file on a card, and trashed companies, entries and tasks."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from crm.accounts.services import UserInput, user_update
    from crm.activities.services import EntryInput, attachment_add, entry_create, entry_delete
    from crm.contacts.inputs import contact_input_from
    from crm.contacts.services import company_delete, contact_update
    from crm.tasks.services import TaskInput, task_create, task_delete

    m = personas
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    moving = make_contact(m["manager_a"], last_name="Переездов", phone="+79160000011")
    world["entry_moved"] = entry_create(
        actor=m["manager_a"],
        data=EntryInput(
            kind="call", contact_id=moving.pk, company_id=world["co_a"].pk, summary="До переезда"
        ),
        source=SYSTEM,
    )
    data = contact_input_from(moving)
    data.owner_id = m["manager_b"].pk
    contact_update(actor=m["admin"], contact_id=moving.pk, data=data, source=SYSTEM)
    colleague_card = make_contact(manager_a2, last_name="Коллегов", phone="+79160000012")
    task_create(
        actor=manager_a2,
        data=TaskInput(title="Задача коллеги", due_at=tomorrow, contact_id=colleague_card.pk),
        source=SYSTEM,
    )
    data = UserInput(username=manager_a2.username, department_id=dept_b.pk, role_id=manager_a2.role_id)
    user_update(actor=m["admin"], user_id=manager_a2.pk, data=data, source=SYSTEM)
    task_create(
        actor=m["manager_a"],
        data=TaskInput(title="Для новичка", due_at=tomorrow, assignee_id=roleless.pk),
        source=SYSTEM,
    )
    gone = task_create(
        actor=m["manager_a"], data=TaskInput(title="Удалённая", due_at=tomorrow), source=SYSTEM
    )
    task_delete(actor=m["manager_a"], task_id=gone.pk, source=SYSTEM)
    gone_entry = entry_create(
        actor=m["manager_a"],
        data=EntryInput(kind="note", contact_id=world["c_a"].pk, summary="Удалённая заметка"),
        source=SYSTEM,
    )
    entry_delete(actor=m["manager_a"], entry_id=gone_entry.pk, source=SYSTEM)
    company_delete(
        actor=m["manager_a"], company_id=make_company(m["manager_a"], name="ООО Закрытая").pk, source=SYSTEM
    )
    attachment_add(
        actor=m["manager_b"],
        upload=SimpleUploadedFile("dogovor.txt", "Договор Гаммова".encode()),
        contact_id=world["c_b"].pk,
        source=SYSTEM,
    )
    return world


def _listed(user) -> dict[str, set[int]]:
    """What the lists show the user: the card lists, the timelines of every card they can open (with
    their files), the task list, and the trash."""
    from crm.activities import selectors as timeline
    from crm.activities.models import Attachment
    from crm.contacts import selectors as cards
    from crm.tasks import selectors as tasks

    contacts = {c.pk for c in cards.contact_list(user=user, filters=cards.ContactFilters(), limit=200).items}
    companies = {c.pk for c in cards.company_list(user=user, filters=cards.CompanyFilters(), limit=200).items}
    entries: set[int] = set()
    files: set[int] = set()
    for kind, ids in (("contact", contacts), ("company", companies)):
        for pk in ids:
            record = timeline.card_for(user=user, kind=kind, pk=pk)
            page = timeline.timeline(user=user, kind=kind, record=record, limit=200)
            entries |= {e.pk for e in page.items}
            files |= {f.pk for e in page.items for f in e.files}
    # A file on no entry goes with its card (no list of its own shows it).
    on_cards = Attachment.objects.filter(entry=None, deleted_at=None)
    files |= {a.pk for a in on_cards if a.contact_id in contacts or a.company_id in companies}
    trashed_contacts, trashed_companies = cards.trash_list(user=user)
    return {
        "contact": contacts,
        "company": companies,
        "entry": entries,
        "file": files,
        "task": {t.pk for t in tasks.task_list(user=user, status="", limit=200).items},
        "trashed contact": {c.pk for c in trashed_contacts},
        "trashed company": {c.pk for c in trashed_companies},
        "trashed entry": {e.pk for e in timeline.trashed_entries(user=user)},
        "trashed task": {t.pk for t in tasks.trashed_tasks(user=user)},
    }


def _record_rules(user):
    """For each kind, whether the user gets one record: the page's getter and the service's own guard
    must answer alike (a write the guard lets through is rolled back). A trashed record is one the user
    may restore, as the trash lists what they could restore."""
    from crm.activities import selectors as timeline
    from crm.activities import services as timeline_services
    from crm.contacts import selectors as cards
    from crm.contacts import services as card_services
    from crm.tasks import selectors as tasks
    from crm.tasks import services as task_services

    me = {"actor": user, "source": SYSTEM}

    def agreeing(get, write):
        def rule(pk):
            found, service = _found(lambda: get(user=user, pk=pk)), _attempt(lambda: write(pk))
            assert found == (service != "missing"), f"{user.username}: page and service disagree on {pk}"
            return found

        return rule

    def restored(restore):
        return lambda pk: _attempt(lambda: restore(pk)) == "done"

    return {
        "contact": agreeing(
            cards.contact_get, lambda pk: card_services.contact_comment(contact_id=pk, text="?", **me)
        ),
        "company": agreeing(
            cards.company_get, lambda pk: card_services.company_comment(company_id=pk, text="?", **me)
        ),
        "entry": agreeing(
            timeline.entry_get, lambda pk: timeline_services.entry_update(entry_id=pk, data={}, **me)
        ),
        "file": agreeing(
            timeline.attachment_for_download,
            lambda pk: timeline_services.attachment_delete(attachment_id=pk, **me),
        ),
        "task": agreeing(tasks.task_get, lambda pk: task_services.task_comment(task_id=pk, text="?", **me)),
        "trashed contact": restored(lambda pk: card_services.contact_restore(contact_id=pk, **me)),
        "trashed company": restored(lambda pk: card_services.company_restore(company_id=pk, **me)),
        "trashed entry": restored(lambda pk: timeline_services.entry_restore(entry_id=pk, **me)),
        "trashed task": restored(lambda pk: task_services.task_restore(task_id=pk, **me)),
    }


@pytest.mark.parametrize("persona", [*PERSONAS, "manager_a2", "roleless"])
def test_every_kinds_list_and_single_record_rules_agree(request, mixed, persona):
    from crm.activities.models import Attachment, Entry
    from crm.tasks.models import Task

    user = request.getfixturevalue(persona) if persona in ("manager_a2", "roleless") else None
    user = user or request.getfixturevalue("personas")[persona]
    user.refresh_from_db()
    every = {
        "contact": Contact.objects.all(),
        "company": Company.objects.all(),
        "entry": Entry.objects.all(),
        "file": Attachment.objects.all(),
        "task": Task.objects.all(),
        "trashed contact": Contact.objects.all(),
        "trashed company": Company.objects.all(),
        "trashed entry": Entry.objects.all(),
        "trashed task": Task.objects.all(),
    }
    listed = _listed(user) if user.is_active else {kind: set() for kind in every}
    rules = _record_rules(user)
    for kind, records in every.items():
        ids = set(records.values_list("pk", flat=True))
        assert listed[kind] == {pk for pk in ids if rules[kind](pk)}, f"{persona}: {kind}"


def test_an_entry_on_a_person_who_moved_stays_with_the_company_and_its_author_corrects_it(
    client, mixed, manager_a, manager_b
):
    """The entry was logged on a person and their company; the person moved to department B. It stays
    on the company's timeline for its author, opens, shows the edit button, and the correction saves."""
    from crm.activities.selectors import entry_get, timeline
    from crm.activities.services import entry_update
    from crm.activities.visibility import may_change

    entry, company = mixed["entry_moved"], mixed["co_a"]
    assert not Contact.objects.visible_to(manager_a).filter(pk=entry.contact_id).exists()
    on_company = timeline(user=manager_a, kind="company", record=company).items
    assert entry.pk in {e.pk for e in on_company}
    assert may_change(manager_a, entry_get(user=manager_a, pk=entry.pk))
    client.force_login(manager_a)
    assert client.get(reverse("activities:entry_edit", args=[entry.pk])).status_code == 200
    entry_update(actor=manager_a, entry_id=entry.pk, data={"result": "Уточнено"}, source=SYSTEM)
    assert entry_get(user=manager_a, pk=entry.pk).result == "Уточнено"
    # The person's new manager sees it through the person, and may not change another's entry.
    assert not may_change(manager_b, entry_get(user=manager_b, pk=entry.pk))


def test_a_user_without_a_role_sees_and_works_their_own_tasks_and_nothing_else(client, mixed, roleless):
    from crm.tasks.models import Task
    from crm.tasks.selectors import task_list
    from crm.tasks.services import task_complete

    theirs = Task.objects.get(assignee=roleless)
    assert [t.pk for t in task_list(user=roleless, status="").items] == [theirs.pk]
    client.force_login(roleless)
    assert client.get(reverse("tasks:task_detail", args=[theirs.pk])).status_code == 200
    assert "Для новичка" in client.get(reverse("tasks:my_day")).content.decode()
    task_complete(actor=roleless, task_id=theirs.pk, source=SYSTEM)
    assert not Contact.objects.visible_to(roleless).exists()
    assert client.get(reverse("tasks:task_detail", args=[mixed["task_a"].pk])).status_code == 404


# Every POST the interface has, with every persona: allowed → done (a redirect), forbidden → 404 and
# nothing changed, inactive → back to the login page and nothing changed.


def _fresh_task(world, personas):
    from crm.tasks.services import TaskInput, task_create

    return task_create(
        actor=personas["manager_a"],
        data=TaskInput(
            title="Задача для проверки прав",
            due_at=timezone.now() + datetime.timedelta(days=1),
            contact_id=world["c_a"].pk,
        ),
        source=SYSTEM,
    )


def _closed(task, personas):
    from crm.tasks.services import task_complete

    task_complete(actor=personas["manager_a"], task_id=task.pk, source=SYSTEM)


def _trashed(task, personas):
    from crm.tasks.services import task_delete

    task_delete(actor=personas["manager_a"], task_id=task.pk, source=SYSTEM)


TASK_POSTS = {  # url name -> (who may: seeing or changing task_a, prepare, form, done?)
    "tasks:task_complete": ("changes", None, {}, lambda t: t.status == "done"),
    "tasks:task_reopen": ("changes", _closed, {}, lambda t: t.status == "open"),
    "tasks:task_cancel": ("changes", None, {}, lambda t: t.status == "cancelled"),
    "tasks:task_assign": ("changes", None, {"assignee_id": "a2"}, None),  # checked below: the new assignee
    "tasks:task_comment": ("sees", None, {"text": "Проверка прав"}, lambda t: t.comments.exists()),
    "tasks:task_delete": ("changes", None, {}, lambda t: t.deleted_at is not None),
    "tasks:task_restore": ("changes", _trashed, {}, lambda t: t.deleted_at is None),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(TASK_POSTS))
def test_every_task_action_answers_each_persona_by_their_rights(
    client, personas, world, manager_a2, persona, name
):
    from crm.tasks.models import Task

    who, prepare, form, done = TASK_POSTS[name]
    task = _fresh_task(world, personas)
    if prepare is not None:
        prepare(task, personas)
    user = personas[persona]
    client.force_login(user)
    data = {k: (manager_a2.pk if v == "a2" else v) for k, v in form.items()}
    response = client.post(reverse(name, args=[task.pk]), data)
    allowed = user.is_active and persona in (TASK_SEES if who == "sees" else TASK_CHANGES)["task_a"]
    task = Task.objects.model._base_manager.get(pk=task.pk)
    if allowed:
        assert response.status_code == 302, f"{persona} {name}"
        if name == "tasks:task_assign":
            assert task.assignee_id == manager_a2.pk
        else:
            assert done(task), f"{persona} {name} did nothing"
    else:
        assert response.status_code == (404 if user.is_active else 302), f"{persona} {name}"
        if not user.is_active:
            assert "/login/" in response["Location"]
        if name == "tasks:task_comment":
            assert not task.comments.exists()
        elif name == "tasks:task_assign":
            assert task.assignee_id == personas["manager_a"].pk
        else:
            assert not done(task), f"{persona} {name} changed the task"


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_other_post_answers_each_persona_by_their_rights(client, personas, world, persona):
    from crm.contacts.services import company_delete
    from crm.notifications.services import preferences_of

    user = personas[persona]
    client.force_login(user)
    active = user.is_active

    def post(name, args=(), data=None):
        response = client.post(reverse(name, args=list(args)), data or {})
        if not active:
            assert response.status_code == 302, f"{persona} {name}"
            assert "/login/" in response["Location"], f"{persona} {name}"
        return response

    # A comment on a card: whoever sees the card.
    response = post("contacts:contact_comment", [world["c_a"].pk], {"text": "Проверка прав"})
    commented = Contact.objects.get(pk=world["c_a"].pk).comments.exists()
    assert commented == (active and may(persona, "contact", "view", "c_a"))
    if active:
        assert response.status_code == (302 if commented else 404)

    # A company to the trash, and back: whoever may delete it.
    co = world["co_a"]
    response = post("contacts:company_delete", [co.pk])
    deleted = Company.objects.model._base_manager.get(pk=co.pk).deleted_at is not None
    assert deleted == (active and may(persona, "company", "delete", "co_a"))
    if active:
        assert response.status_code == (302 if deleted else 404)
    if not deleted:
        company_delete(actor=personas["admin"], company_id=co.pk, source=SYSTEM)
    response = post("contacts:company_restore", [co.pk])
    restored = Company.objects.model._base_manager.get(pk=co.pk).deleted_at is None
    assert restored == (active and may(persona, "company", "delete", "co_a"))

    # A saved import template: whoever may import deletes it.
    from crm.imports.models import ImportTemplate

    response = post("imports:template_delete", [world["template"].pk])
    gone = not ImportTemplate.objects.filter(pk=world["template"].pk).exists()
    assert gone == (active and "import" in CAN[persona]["contact"].split())
    if active:
        assert response.status_code == (302 if gone else 404)

    # One's own settings: any active user, for themselves.
    token = preferences_of(user).calendar_token
    post("notifications:calendar_renew")
    assert (preferences_of(user).calendar_token != token) == active
    post("notifications:telegram_link")
    assert bool(preferences_of(user).telegram_link_code) == (
        active and bool(preferences_of(user).telegram_link_code)
    )
    post("notifications:telegram_unlink")
    assert preferences_of(user).telegram_chat_id == ""

    # Signing out: a POST, for anyone.
    assert client.post(reverse("accounts:logout")).status_code == 302


# Every form page submitted with every persona: the administrator's forms by the administrator alone, the
# card and task forms by whoever the role table allows; a refusal is 404 and stores nothing.


def _admin_forms(world, personas):
    from crm.accounts.models import Department, Role, User
    from crm.fields.models import ChoiceList, FieldDefinition, RecordType

    stamp = "formmatrix"
    return {  # name -> (url, data, "was it stored?")
        "user_create": (
            reverse("accounts:user_create"),
            {
                "username": f"u_{stamp}",
                "password": "Long-enough-pass-42",
                "role_id": personas["manager_a"].role_id,
                "department_id": personas["manager_a"].department_id,
                "language": "ru",
                "is_active": "1",
            },
            lambda: User.objects.filter(username=f"u_{stamp}").exists(),
        ),
        "department": (
            reverse("accounts:department_list"),
            {"name": f"Отдел {stamp}"},
            lambda: Department.objects.filter(name=f"Отдел {stamp}").exists(),
        ),
        "role_create": (
            reverse("accounts:role_create"),
            {"code": f"r_{stamp}", "name_ru": "Роль проверки", "name_en": "Check role", "scope": "own"},
            lambda: Role.objects.filter(code=f"r_{stamp}").exists(),
        ),
        "field_create": (
            reverse("fields:field_create", args=["contact"]),
            {"key": f"f_{stamp}", "field_type": "text", "label_ru": "Поле проверки"},
            lambda: FieldDefinition.objects.filter(key=f"f_{stamp}").exists(),
        ),
        "type_create": (
            reverse("fields:type_create", args=["contact"]),
            {"key": f"t_{stamp}", "name_ru": "Тип проверки", "name_en": "Check type", "is_active": "1"},
            lambda: RecordType.objects.filter(key=f"t_{stamp}").exists(),
        ),
        "choice_list": (
            reverse("fields:choice_list_index"),
            {"key": f"l_{stamp}", "name_ru": "Список проверки"},
            lambda: ChoiceList.objects.filter(key=f"l_{stamp}").exists(),
        ),
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_administrators_form_is_submitted_by_each_persona(client, personas, world, persona):
    user = personas[persona]
    client.force_login(user)
    for name, (url, data, stored) in _admin_forms(world, personas).items():
        response = client.post(url, data)
        if persona == "admin":
            assert response.status_code == 302, f"{persona} {name}: {response.status_code}"
            assert stored(), f"{persona} {name} stored nothing"
        else:
            assert response.status_code == (404 if user.is_active else 302), f"{persona} {name}"
            assert not stored(), f"{persona} {name} stored"


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_card_and_task_form_is_submitted_by_each_persona(client, personas, world, persona):
    from crm.tasks.models import Task

    user = personas[persona]
    client.force_login(user)
    active = user.is_active

    def submit(url, data):
        response = client.post(url, data)
        if not active:
            assert response.status_code == 302, url
            assert "/login/" in response["Location"]
        return response

    # New cards: whoever may create them.
    submit(reverse("contacts:contact_create"), {"last_name": "Формов", "phone_value": ""})
    created = Contact.objects.filter(last_name="Формов").exists()
    assert created == (active and "create" in CAN[persona]["contact"].split()), persona
    submit(reverse("contacts:company_create"), {"name": "ООО Форма"})
    created = Company.objects.filter(name="ООО Форма").exists()
    assert created == (active and "create" in CAN[persona]["company"].split()), persona

    # Edits: whoever may edit that card.
    for key in ("c_a", "c_b"):
        card = world[key]
        response = submit(
            reverse("contacts:contact_edit", args=[card.pk]),
            {"last_name": NAMES[key], "city": "Псков", "phone_value": str(card.phones.get())},
        )
        edited = Contact.objects.get(pk=card.pk).city == "Псков"
        allowed = active and may(persona, "contact", "edit", key)
        assert edited == allowed, f"{persona} edit {key}"
        if active and not allowed:
            assert response.status_code == 404
    for key in ("co_a", "co_b"):
        response = submit(
            reverse("contacts:company_edit", args=[world[key].pk]), {"name": NAMES[key], "city": "Псков"}
        )
        edited = Company.objects.get(pk=world[key].pk).city == "Псков"
        allowed = active and may(persona, "company", "edit", key)
        assert edited == allowed, f"{persona} edit {key}"

    # Tasks: anyone active creates their own; editing follows the task rights.
    due = {"due_date": "2030-03-14", "due_time": "10:00", "priority": "2", "remind": "none"}
    submit(reverse("tasks:task_create"), {"title": f"Задача формы {persona}", **due})
    assert Task.objects.filter(title=f"Задача формы {persona}").exists() == active
    task = world["task_a"]
    submit(reverse("tasks:task_edit", args=[task.pk]), {"title": "Переименована", **due})
    renamed = Task.objects.get(pk=task.pk).title == "Переименована"
    assert renamed == (active and persona in TASK_CHANGES["task_a"]), persona


def _first_rule() -> int:
    from crm.scoring.models import Rule

    return Rule.objects.order_by("pk").values_list("pk", flat=True)[0]


@pytest.mark.parametrize("persona", PERSONAS)
def test_scoring_api_answers_each_persona_by_their_rights(client, personas, world, persona, settings):
    settings.AXES_FAILURE_LIMIT = 10_000
    user = personas[persona]
    active, admin = user.is_active, persona == "admin"
    call = api_caller(client, user, persona)

    sent = call(
        "POST", "/api/v1/scoring/signals", {"signals": [{"action": "met", "contact_id": world["c_a"].pk}]}
    )
    seen = may(persona, "contact", "view", "c_a")
    if active:
        assert sent.json()["unknown"] == ([] if seen else [0])
    for key in ("c_a", "c_b"):
        call(
            "GET",
            f"/api/v1/contacts/{world[key].pk}/score",
            expected=200 if may(persona, "contact", "view", key) else 404,
        )
    settings_body = {"half_life_days": 30, "hot_from": 60, "warm_from": 25}
    call("GET", "/api/v1/scoring/settings", expected=200 if admin else 403)
    call("PUT", "/api/v1/scoring/settings", settings_body, expected=200 if admin else 403)
    call("GET", "/api/v1/scoring/rules", expected=200 if admin else 403)
    rule = {"action": "page_visited", "address_contains": f"/{persona}", "points": 5}
    call("POST", "/api/v1/scoring/rules", rule, expected=201 if admin else 403)
    call(
        "PUT",
        f"/api/v1/scoring/rules/{_first_rule()}",
        {"action": "email_opened", "points": 6},
        expected=200 if admin else 403,
    )
