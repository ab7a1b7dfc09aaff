"""Reads of the configuration for the administrator's pages (the card itself reads ``schema``)."""

from __future__ import annotations

from django.db.models import Count

from crm.accounts.models import Role
from crm.fields.models import ChoiceList, ChoiceOption, FieldAccess, FieldDefinition, RecordType


def choice_lists() -> list[ChoiceList]:
    return list(ChoiceList.objects.annotate(option_count=Count("options")).order_by("name_ru", "id"))


def choice_list_get(pk: int) -> ChoiceList | None:
    return ChoiceList.objects.filter(pk=pk).first()


def options_of(choice_list: ChoiceList) -> list[ChoiceOption]:
    return list(choice_list.options.select_related("merged_into").order_by("order", "id"))


def definition_get(kind: str, pk: int) -> FieldDefinition | None:
    return FieldDefinition.objects.filter(kind=kind, pk=pk, is_standard=False).first()


def record_types(kind: str) -> list[RecordType]:
    return list(RecordType.objects.filter(kind=kind).order_by("order", "id"))


def record_type_get(kind: str, pk: int) -> RecordType | None:
    return RecordType.objects.filter(kind=kind, pk=pk).first()


def roles() -> list[Role]:
    return list(Role.objects.order_by("id"))


def access_levels(kind: str, key: str) -> dict[int, str]:
    return dict(FieldAccess.objects.filter(kind=kind, key=key).values_list("role_id", "level"))
