"""Deals go to a file like cards do (issue 15): the deals list with its filters, a segment of deals, or
deals chosen in the list, as the user sees them, with the fields their role sees."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from crm.core.audit import SYSTEM
from crm.core.errors import ValidationFailed
from crm.deals.testing import make_deal
from crm.fields import services as field_services
from crm.imports.models import ExportJob, ImportStatus
from crm.imports.readers import read
from crm.imports.services import export_run, export_start
from crm.segments import services as segment_services
from crm.segments.services import SegmentInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def deals(head_a, manager_a, manager_b):
    return {
        "big": make_deal(manager_a, title="Большая поставка", amount=250_000, tags=["Опт"]),
        "small": make_deal(head_a, title="Малая поставка", amount=20_000),
        "other": make_deal(manager_b, title="Чужая поставка", amount=900_000),
    }


def rows_in(job):
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.error
    with default_storage.open(job.file.name, "rb") as handle:
        return sorted(
            (r.cells for r in read(handle.read(), f"x.{job.file.name.rsplit('.', 1)[1]}").rows),
            key=lambda c: c["Заголовок"],
        )


def test_the_deals_list_exports_the_deals_its_user_sees_with_its_filters(deals, head_a):
    job = export_start(actor=head_a, file_format="xlsx", kind="deal", query="amount_from=100000")

    export_run(job_id=job.pk)

    rows = rows_in(job)
    assert [r["Заголовок"] for r in rows] == ["Большая поставка"]  # the other department's is not theirs
    assert (rows[0]["Сумма"], rows[0]["Валюта"], rows[0]["Теги"]) == ("250000.00", "RUB", "Опт")
    assert rows[0]["Воронка"] == "Продажи"
    assert rows[0]["Исход"] == "В работе"


def test_a_segment_of_deals_and_chosen_deals_are_exported(deals, head_a):
    definition = {"match": "all", "rules": [{"field": "title", "op": "contains", "value": "поставка"}]}
    segment = segment_services.segment_save(
        actor=head_a,
        segment_id=None,
        data=SegmentInput(name="Поставки", kind="deal", definition=definition),
        source=SYSTEM,
    )
    whole = export_start(actor=head_a, file_format="csv", segment_id=segment.pk)
    chosen = export_start(
        actor=head_a, file_format="csv1251", kind="deal", ids=[deals["small"].pk, deals["other"].pk]
    )

    export_run(job_id=whole.pk)
    export_run(job_id=chosen.pk)

    assert [r["Заголовок"] for r in rows_in(whole)] == ["Большая поставка", "Малая поставка"]
    assert [r["Заголовок"] for r in rows_in(chosen)] == ["Малая поставка"]


def test_an_amount_hidden_from_the_role_is_not_in_the_file(deals, head_a, admin):
    field_services.field_access_set(
        actor=admin, kind="deal", key="amount", levels={head_a.role_id: "hidden"}, source=SYSTEM
    )
    job = export_start(actor=head_a, file_format="csv", kind="deal")

    export_run(job_id=job.pk)

    assert all("Сумма" not in r for r in rows_in(job))


def test_deals_go_to_no_vcard_and_a_role_without_the_right_exports_none(deals, head_a, manager_a):
    with pytest.raises(ValidationFailed):
        export_start(actor=head_a, file_format="vcf", kind="deal")
    from crm.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        export_start(actor=manager_a, file_format="csv", kind="deal")  # a manager exports nothing
    assert not ExportJob.objects.exists()


def test_the_deals_list_offers_the_export_and_starts_it(client, deals, head_a):
    client.force_login(head_a)

    page = client.get(reverse("deals:deal_list")).content.decode()
    started = client.post(
        reverse("imports:export_start"), {"kind": "deal", "format": "xlsx", "query": "q=Большая"}
    )

    job = ExportJob.objects.get()
    assert 'data-testid="export-form"' in page
    assert 'value="vcf"' not in page
    assert started.url == reverse("imports:export_detail", args=[job.pk])
    assert (job.kind, job.query) == ("deal", "q=Большая")
