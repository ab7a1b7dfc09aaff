"""Exporting a segment's members or the cards chosen in a list (R5's bulk "export"): the cards the user
sees, as the segment stands when the file is written, through the list's own export."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from crm.contacts.testing import make_contact
from crm.core.audit import SYSTEM
from crm.core.errors import NotFound, ValidationFailed
from crm.imports.models import ExportJob, ImportStatus
from crm.imports.readers import read
from crm.imports.services import export_run, export_start
from crm.segments import services as segment_services
from crm.segments.services import SegmentInput

pytestmark = pytest.mark.django_db

IN_KAZAN = {"match": "all", "rules": [{"field": "city", "op": "is", "value": "Казань"}]}


@pytest.fixture
def cards(head_a, manager_a, manager_b):
    return {
        "own": make_contact(head_a, last_name="Главов", city="Казань"),
        "dept": make_contact(manager_a, last_name="Отделов", city="Пермь"),
        "other": make_contact(manager_b, last_name="Чужов", city="Казань"),
    }


def kazan(actor):
    data = SegmentInput(name="Казань", definition=IN_KAZAN)
    return segment_services.segment_save(actor=actor, segment_id=None, data=data, source=SYSTEM)


def names_in(job):
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.error
    with default_storage.open(job.file.name, "rb") as handle:
        return sorted(r.cells["Фамилия"] for r in read(handle.read(), "x.csv").rows)


def test_a_segment_exports_its_members_as_they_stand_when_the_file_is_written(cards, head_a):
    segment = kazan(head_a)
    job = export_start(actor=head_a, file_format="csv", segment_id=segment.pk, query="city=Пермь")
    make_contact(head_a, last_name="Новиков", city="Казань")  # joined before the worker got to it

    export_run(job_id=job.pk)

    assert names_in(job) == ["Главов", "Новиков"]  # "Чужов" is another department's; the query is unused
    assert (job.segment_id, job.query, job.kind) == (segment.pk, "", "contact")


def test_chosen_cards_export_those_of_them_the_user_sees(cards, head_a):
    job = export_start(actor=head_a, file_format="csv", ids=[cards["dept"].pk, cards["other"].pk])

    export_run(job_id=job.pk)

    assert names_in(job) == ["Отделов"]


@pytest.mark.parametrize(("ids", "code"), [([], "required"), (list(range(1, 10_002)), "too_many")])
def test_a_choice_of_no_cards_or_too_many_is_refused(cards, head_a, ids, code):
    with pytest.raises(ValidationFailed) as refused:
        export_start(actor=head_a, file_format="csv", ids=ids)
    assert [(e.field, e.code) for e in refused.value.errors] == [("ids", code)]
    assert not ExportJob.objects.exists()


def test_a_segment_not_shared_with_the_user_cannot_be_exported(cards, head_a, admin):
    segment = kazan(admin)
    with pytest.raises(NotFound):
        export_start(actor=head_a, file_format="csv", segment_id=segment.pk)
    assert not ExportJob.objects.exists()


def test_a_segment_put_in_the_trash_before_the_worker_ran_fails_the_export(cards, head_a):
    segment = kazan(head_a)
    job = export_start(actor=head_a, file_format="csv", segment_id=segment.pk)
    segment_services.segment_delete(actor=head_a, segment_id=segment.pk, source=SYSTEM)

    with pytest.raises(NotFound):
        export_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.file.name or "") == (ImportStatus.FAILED, "")


def test_the_segment_page_and_the_selection_bar_export(client, cards, head_a, manager_a):
    segment = kazan(head_a)
    client.force_login(head_a)
    page = client.get(reverse("segments:segment_detail", args=[segment.pk])).content.decode()
    listed = client.get(reverse("contacts:contact_list")).content.decode()
    assert f'name="segment" value="{segment.pk}"' in page
    assert 'value="export"' in listed

    by_segment = client.post(reverse("imports:export_start"), {"segment": segment.pk, "format": "xlsx"})
    chosen = client.post(
        reverse("imports:export_start"),
        {"kind": "contact", "chosen": "1", "ids": [cards["dept"].pk], "format": "csv", "verb": "export"},
    )

    first, second = ExportJob.objects.order_by("pk")
    assert (first.segment_id, first.file_format, second.ids) == (segment.pk, "xlsx", [cards["dept"].pk])
    assert by_segment.url == reverse("imports:export_detail", args=[first.pk])
    assert chosen.url == reverse("imports:export_detail", args=[second.pk])
    client.force_login(manager_a)  # no export right: neither offered
    shared = segment_services.segment_save(
        actor=head_a,
        segment_id=segment.pk,
        data=SegmentInput(name="Казань", definition=IN_KAZAN, shared=True),
        source=SYSTEM,
    )
    page = client.get(reverse("segments:segment_detail", args=[shared.pk])).content.decode()
    assert 'data-testid="export-form"' not in page
    assert 'value="export"' not in client.get(reverse("contacts:contact_list")).content.decode()


def test_the_api_exports_a_segment(client, cards, head_a):
    from crm.accounts.services import api_token_create

    segment = kazan(head_a)
    _, raw = api_token_create(actor=head_a, name="t", source=SYSTEM)
    started = client.post(
        "/api/v1/exports",
        {"segment_id": segment.pk, "format": "csv"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )

    assert started.status_code == 202
    job = ExportJob.objects.get()
    export_run(job_id=job.pk)
    assert names_in(job) == ["Главов"]
