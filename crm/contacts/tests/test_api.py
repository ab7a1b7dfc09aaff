"""The REST API: tokens, the same services as the UI, one error shape."""

from crm.accounts.models import ApiToken
from crm.accounts.services import api_token_create, api_token_revoke
from crm.contacts.models import Contact
from crm.contacts.testing import make_contact
from crm.core.audit import SYSTEM
from crm.core.models import AuditEntry


def test_token_is_stored_only_as_a_hash(manager_a):
    token, raw = api_token_create(actor=manager_a, name="script", source=SYSTEM)
    assert raw.startswith("crm_")
    assert raw not in (token.key_hash, token.prefix)
    assert raw.startswith(token.prefix)
    assert ApiToken.objects.filter(key_hash__contains=raw).count() == 0


def test_create_contact_through_the_api_normalises_and_journals_as_api(api_client, manager_a):
    response = api_client(
        "post",
        "/api/v1/contacts",
        {
            "last_name": "петрова",
            "first_name": "анна",
            "phones": [{"value": "8 (912) 111-22-33 доб. 5"}],
            "emails": [{"value": "Anna@Firm.RU"}],
            "birthday": "--07-21",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["full_name"] == "Петрова Анна"
    assert body["phones"][0]["number"] == "+79121112233"
    assert body["phones"][0]["extension"] == "5"
    assert body["emails"][0]["address"] == "anna@firm.ru"
    assert body["birthday"] == "21.07"
    assert body["owner_id"] == manager_a.pk
    entry = AuditEntry.objects.get(object_id=body["id"], object_type="contacts.contact")
    assert (entry.channel, entry.ip, entry.actor) == ("api", "192.0.2.7", manager_a)


def test_bad_input_answers_422_with_field_code_and_message(api_client):
    response = api_client("post", "/api/v1/contacts", {"last_name": "Иванов", "phones": [{"value": "12"}]})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "phones.0"
    assert error["code"]
    assert error["message"]
    assert Contact.objects.count() == 0


def test_wrong_type_answers_422_in_the_same_shape(api_client):
    response = api_client("post", "/api/v1/contacts", {"last_name": "Иванов", "owner_id": "не число"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "owner_id"


def test_duplicate_answers_409_with_the_existing_cards_id(api_client, manager_a):
    existing = make_contact(manager_a, phone="+79121112233")
    response = api_client(
        "post", "/api/v1/contacts", {"last_name": "Другой", "phones": [{"value": "89121112233"}]}
    )
    assert response.status_code == 409
    assert response.json()["existing"] == [
        {"kind": "contact", "id": existing.pk, "field": "phones.0", "visible": True}
    ]
    assert Contact.objects.count() == 1


def test_patch_changes_only_the_given_fields(api_client, manager_a):
    contact = make_contact(manager_a, phone="+79121112233", email="a@firm.ru", city="Москва")
    response = api_client("patch", f"/api/v1/contacts/{contact.pk}", {"city": "Казань"})
    assert response.status_code == 200
    body = response.json()
    assert body["city"] == "Казань"
    assert [p["number"] for p in body["phones"]] == ["+79121112233"]
    assert [e["address"] for e in body["emails"]] == ["a@firm.ru"]
    assert AuditEntry.objects.filter(action="update").get().changes == {"city": ["Москва", "Казань"]}


def test_cursor_pagination_walks_every_contact_once(api_client, manager_a):
    for i in range(7):
        make_contact(manager_a, last_name=f"Фамилия{i}", phone=f"+7912000000{i}")
    seen, cursor = [], None
    while True:
        url = "/api/v1/contacts?limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = api_client("get", url).json()
        seen += [item["last_name"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == [f"Фамилия{i}" for i in range(7)]


def test_delete_and_restore_through_the_api(api_client, manager_a):
    contact = make_contact(manager_a)
    assert api_client("delete", f"/api/v1/contacts/{contact.pk}").status_code == 204
    assert api_client("get", f"/api/v1/contacts/{contact.pk}").status_code == 404
    assert api_client("post", f"/api/v1/contacts/{contact.pk}/restore").status_code == 200
    assert api_client("get", f"/api/v1/contacts/{contact.pk}").status_code == 200


def test_revoked_token_answers_401(api_client, manager_a):
    token = ApiToken.objects.get(user=manager_a)
    api_token_revoke(actor=manager_a, token_id=token.pk, source=SYSTEM)
    response = api_client("get", "/api/v1/contacts")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "unauthorized"


def test_deactivated_user_token_stops_working_at_once(api_client, manager_a):
    type(manager_a).objects.filter(pk=manager_a.pk).update(is_active=False)
    assert api_client("get", "/api/v1/contacts").status_code == 401


def test_request_without_a_token_answers_401(client):
    assert client.get("/api/v1/contacts").status_code == 401


def test_company_with_bad_inn_answers_422_naming_inn(api_client):
    response = api_client("post", "/api/v1/companies", {"name": "ООО Тест", "inn": "1234567890"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["inn"]


def test_openapi_lists_contacts_and_companies(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/contacts",
        "/api/v1/contacts/{contact_id}",
        "/api/v1/companies",
        "/api/v1/search",
    } <= set(paths)
