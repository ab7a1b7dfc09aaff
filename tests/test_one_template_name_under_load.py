"""A saved import template is one per name — also when several people save the same new name at once: one
template, each save either creating it or replacing it, none refused, every save journaled."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from crm.core.models import AuditEntry
from crm.imports.models import ImportTemplate
from crm.imports.services import template_save

pytestmark = pytest.mark.django_db(transaction=True)

SAVERS = 8


def test_saving_one_new_template_name_at_once_keeps_one_template(head_a):
    gate = threading.Barrier(SAVERS)

    def save(index: int) -> int:
        try:
            gate.wait(timeout=5)
            template = template_save(
                actor=head_a, name="Выгрузка amoCRM", mapping={"Город": "city"}, on_duplicate="skip"
            )
            return template.pk
        finally:
            connection.close()  # each thread's own connection

    with ThreadPoolExecutor(max_workers=SAVERS) as pool:
        ids = list(pool.map(save, range(SAVERS)))
    assert len(set(ids)) == 1
    assert ImportTemplate.objects.count() == 1
    actions = sorted(
        AuditEntry.objects.filter(object_type="imports.importtemplate").values_list("action", flat=True)
    )
    assert actions.count("create") == 1
    assert len(actions) >= 1  # a save that found the same mapping already there changed nothing to journal
