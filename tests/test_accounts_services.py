"""Users, departments, roles and tokens: administrators only, journaled, effective at once."""

import pytest

from crm.accounts.models import Role
from crm.accounts.services import (
    RoleInput,
    UserInput,
    department_create,
    role_save,
    user_create,
    user_update,
)
from crm.contacts.models import Contact
from crm.contacts.testing import make_contact
from crm.core.audit import SYSTEM
from crm.core.errors import PermissionDenied, ValidationFailed
from crm.core.models import AuditEntry


def test_only_an_administrator_creates_users(manager_a, head_a):
    for actor in (manager_a, head_a):
        with pytest.raises(PermissionDenied):
            user_create(
                actor=actor, data=UserInput(username="new", password="Very-long-pass-42"), source=SYSTEM
            )
    assert not type(manager_a).objects.filter(username="new").exists()


def test_administrator_creates_a_user_with_a_role_and_department(admin, dept_a):
    user = user_create(
        actor=admin,
        data=UserInput(
            username="novikov",
            last_name="Новиков",
            department_id=dept_a.pk,
            role_id=Role.objects.get(code="manager").pk,
            password="Very-long-pass-42",
        ),
        source=SYSTEM,
    )
    assert user.check_password("Very-long-pass-42")
    assert (user.department, user.role.code) == (dept_a, "manager")
    assert AuditEntry.objects.filter(object_type="accounts.user", object_id=user.pk, action="create").exists()


def test_a_weak_password_is_refused_at_the_password_field(admin):
    with pytest.raises(ValidationFailed) as exc:
        user_create(actor=admin, data=UserInput(username="x", password="123"), source=SYSTEM)
    assert {e.field for e in exc.value.errors} == {"password"}


def test_a_deactivated_user_loses_access_at_once(client, admin, manager_a):
    client.force_login(manager_a)
    assert client.get("/contacts/").status_code == 200
    data = UserInput(
        username=manager_a.username,
        department_id=manager_a.department_id,
        role_id=manager_a.role_id,
        is_active=False,
    )
    user_update(actor=admin, user_id=manager_a.pk, data=data, source=SYSTEM)
    assert client.get("/contacts/").status_code == 302


def test_activating_a_user_again_brings_back_neither_old_sessions_nor_old_tokens(client, admin, manager_a):
    from crm.accounts.models import ApiToken
    from crm.accounts.services import api_token_create

    _, token = api_token_create(actor=manager_a, name="script", source=SYSTEM)
    client.force_login(manager_a)
    api = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/api/v1/contacts", **api).status_code == 200

    def set_active(active: bool) -> None:
        data = UserInput(
            username=manager_a.username,
            department_id=manager_a.department_id,
            role_id=manager_a.role_id,
            is_active=active,
        )
        user_update(actor=admin, user_id=manager_a.pk, data=data, source=SYSTEM)

    set_active(False)
    set_active(True)

    assert client.get("/contacts/").status_code == 302  # the old session is gone: sign in again
    assert client.get("/api/v1/contacts", **api).status_code == 401
    assert ApiToken.objects.get(user=manager_a).revoked_at is not None
    entry = AuditEntry.objects.filter(object_type="accounts.user", object_id=manager_a.pk, action="update")
    assert "sessions_and_tokens" in entry.order_by("at").first().changes
    manager_a.refresh_from_db()
    client.force_login(manager_a)  # signing in again works
    assert client.get("/contacts/").status_code == 200


def test_moving_a_user_to_another_department_moves_their_cards_into_the_new_heads_view(
    admin, manager_a, head_a, dept_b
):
    contact = make_contact(manager_a)
    assert Contact.objects.visible_to(head_a).filter(pk=contact.pk).exists()
    data = UserInput(username=manager_a.username, department_id=dept_b.pk, role_id=manager_a.role_id)
    user_update(actor=admin, user_id=manager_a.pk, data=data, source=SYSTEM)
    assert Contact.objects.get(pk=contact.pk).department_id == dept_b.pk
    assert not Contact.objects.visible_to(head_a).filter(pk=contact.pk).exists()


def test_changing_a_roles_rights_applies_to_its_users_at_once(admin, support, manager_a):
    contact = make_contact(manager_a)
    assert Contact.objects.visible_to(support).filter(pk=contact.pk).exists()
    role = support.role
    role_save(
        actor=admin,
        role_id=role.pk,
        data=RoleInput(
            code=role.code,
            name_ru=role.name_ru,
            name_en=role.name_en,
            scope="own",
            permissions={"contact": ["view"], "company": []},
        ),
        source=SYSTEM,
    )
    support.refresh_from_db()
    assert not Contact.objects.visible_to(support).filter(pk=contact.pk).exists()
    entry = AuditEntry.objects.get(object_type="accounts.role", object_id=role.pk)
    assert entry.changes["scope"] == ["all", "own"]


def test_department_names_are_unique(admin, dept_a):
    with pytest.raises(ValidationFailed):
        department_create(actor=admin, name=dept_a.name.upper(), source=SYSTEM)
