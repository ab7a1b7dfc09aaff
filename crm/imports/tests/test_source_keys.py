"""An imported card keeps where it came from: its ids in the source system (shown on the card, and how a
later export of that system finds it again) and the date it was created there."""

import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from crm.contacts.models import Contact
from crm.imports.models import SourceKey
from crm.imports.services import import_file, import_undo

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "samples"
MOSCOW = ZoneInfo("Europe/Moscow")
HUBSPOT = (
    "Record ID,First Name,Last Name,Email,Mobile Phone Number,Contact owner,Create Date\n"
    "7001,Олег,Смирнов,oleg@smirnov.example,+79160007001,,2021-03-04 09:15\n"
)


def _import(actor, text, **options):
    return import_file(actor=actor, data=text.encode(), file_name="hubspot.csv", **options)


def test_a_card_keeps_every_source_id_of_its_rows_and_the_earliest_creation_date(admin):
    import_file(actor=admin, data=(SAMPLES / "hubspot.csv").read_bytes(), file_name="hubspot.csv")
    olga = Contact.objects.get(emails__address="olga.ivanova@stroymontazh.example")
    keys = SourceKey.objects.filter(contact=olga).order_by("value")
    assert [(k.system, k.value) for k in keys] == [("hubspot", "51234567801"), ("hubspot", "51234567802")]
    assert olga.created_at == datetime.datetime(2023, 10, 15, 14, 32, tzinfo=MOSCOW)


def test_an_amocrm_card_keeps_its_creation_time(admin):
    import_file(actor=admin, data=(SAMPLES / "amocrm_contacts.csv").read_bytes(), file_name="amo.csv")
    olga = Contact.objects.get(phones__number="+79165550101")
    assert olga.created_at == datetime.datetime(2023, 10, 15, 14, 32, 10, tzinfo=MOSCOW)


def test_a_later_export_of_the_same_system_finds_the_card_by_its_id_even_with_new_phones(admin):
    _import(admin, HUBSPOT)
    card = Contact.objects.get(last_name="Смирнов")
    moved = HUBSPOT.replace("+79160007001", "+79160009999").replace("oleg@", "o.smirnov@")
    report = _import(admin, moved, on_duplicate="fill")
    assert report.counts() == {"created": 0, "updated": 1, "attached": 0, "skipped": 0, "rejected": 0}
    card.refresh_from_db()
    assert sorted(p.number for p in card.phones.all()) == ["+79160007001", "+79160009999"]
    assert SourceKey.objects.filter(contact=card).count() == 1
    assert Contact.objects.count() == 1

    skipped = _import(admin, moved)  # skip: the card is found by its id, and left as it is
    assert skipped.counts()["skipped"] == 1


def test_a_plain_files_row_ids_are_kept_but_never_match(admin):
    text = "ID,Фамилия,Телефон\n1,Орлов,+79160001111\n"
    import_file(actor=admin, data=text.encode(), file_name="a.csv")
    report = import_file(
        actor=admin, data=text.replace("+79160001111", "+79160002222").encode(), file_name="b.csv"
    )
    assert report.counts()["created"] == 1  # "1" in one list and "1" in another are not one client
    assert list(SourceKey.objects.values_list("system", "value")) == [("file", "1"), ("file", "1")]


def test_a_future_or_impossible_creation_date_is_not_taken(admin):
    text = HUBSPOT.replace("2021-03-04 09:15", "2999-01-01 00:00")
    before = datetime.datetime.now(tz=MOSCOW)
    _import(admin, text)
    assert Contact.objects.get().created_at >= before


def test_the_card_shows_its_ids_in_other_systems(client, admin):
    _import(admin, HUBSPOT)
    card = Contact.objects.get()
    client.force_login(admin)
    page = client.get(reverse("contacts:contact_detail", args=[card.pk])).content.decode()
    assert 'data-testid="card-source-keys"' in page
    assert "HubSpot" in page
    assert "7001" in page


def test_undoing_the_import_keeps_the_trashed_cards_ids_for_a_restore(admin):
    report = _import(admin, HUBSPOT)
    import_undo(actor=admin, batch_id=report.batch.pk)
    assert SourceKey.objects.count() == 1
    assert Contact.objects.filter(deleted_at=None).count() == 0
