"""The configuration's write rules: administrators only, stable keys, journaled, seen by the next read."""

from __future__ import annotations

import pytest

from crm.core.audit import SYSTEM
from crm.core.errors import PermissionDenied, ValidationFailed
from crm.core.models import AuditEntry
from crm.fields import services
from crm.fields.models import AccessLevel, ChoiceList, FieldDefinition, FieldType
from crm.fields.schema import schema_for
from crm.fields.services import FieldInput, StandardFieldInput


def test_only_administrators_change_the_configuration(manager_a):
    with pytest.raises(PermissionDenied):
        services.field_save(
            actor=manager_a, kind="contact", data=FieldInput(key="x", label_ru="Икс"), source=SYSTEM
        )
    with pytest.raises(PermissionDenied):
        services.choice_list_save(actor=manager_a, key="y", name_ru="Игрек", source=SYSTEM)
    assert not FieldDefinition.objects.filter(key="x").exists()
    assert not ChoiceList.objects.filter(key="y").exists()


@pytest.mark.parametrize(
    ("key", "code"),
    [("Bad Key", "invalid_key"), ("1abc", "invalid_key"), ("city", "reserved_key"), ("tariff", "duplicate")],
)
def test_a_key_must_be_a_new_lowercase_slug(admin, key, code):
    with pytest.raises(ValidationFailed) as caught:
        services.field_save(
            actor=admin, kind="contact", data=FieldInput(key=key, label_ru="Поле"), source=SYSTEM
        )
    assert [e.code for e in caught.value.errors] == [code]


def test_a_new_field_is_seen_at_once_and_its_key_and_type_never_change(admin):
    field = services.field_save(
        actor=admin,
        kind="contact",
        data=FieldInput(key="budget", field_type=FieldType.MONEY, label_ru="Бюджет", default="1 000"),
        source=SYSTEM,
    )
    spec = schema_for("contact").fields["budget"]
    assert (spec.field_type, spec.default) == ("money", 100000)
    services.field_save(
        actor=admin,
        kind="contact",
        field_id=field.pk,
        data=FieldInput(key="other", field_type=FieldType.TEXT, label_ru="Бюджет сделки"),
        source=SYSTEM,
    )
    field.refresh_from_db()
    assert (field.key, field.field_type, field.label_ru) == ("budget", "money", "Бюджет сделки")
    changes = AuditEntry.objects.filter(object_type="fields.fielddefinition", action="update").get().changes
    assert set(changes) == {"label_ru", "default"}


def test_a_choice_field_needs_a_list(admin):
    with pytest.raises(ValidationFailed) as caught:
        services.field_save(
            actor=admin,
            kind="contact",
            data=FieldInput(key="kind", field_type=FieldType.CHOICE, label_ru="Вид"),
            source=SYSTEM,
        )
    assert caught.value.by_field().keys() == {"choice_list_id"}


def test_a_switched_off_standard_field_is_hidden_even_from_administrators(admin):
    services.standard_field_save(
        actor=admin, kind="contact", key="birthday", data=StandardFieldInput(is_active=False), source=SYSTEM
    )
    schema = schema_for("contact")
    assert schema.level(admin, "birthday") == AccessLevel.HIDDEN
    assert "birthday" not in {s.key for s in schema.active()}


def test_field_access_is_per_role_and_journaled(admin, manager_a, head_a):
    services.field_access_set(
        actor=admin, kind="contact", key="notes", levels={manager_a.role_id: "read"}, source=SYSTEM
    )
    schema = schema_for("contact")
    assert schema.level(manager_a, "notes") == AccessLevel.READ
    assert schema.level(head_a, "notes") == AccessLevel.EDIT
    entry = AuditEntry.objects.get(object_type="fields.fielddefinition")
    assert entry.changes == {"access.manager": ["edit", "read"]}
