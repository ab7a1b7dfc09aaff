"""Test factories for accounts. Domain records (contacts, companies) are made through services."""

import factory

from crm.accounts.models import Department, Role, User


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Отдел {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Тест"
    last_name = factory.Sequence(lambda n: f"Пользователь{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw-test-12345")
    role = factory.LazyFunction(lambda: Role.objects.get(code="manager"))

    @factory.post_generation
    def persist(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            self.save()
