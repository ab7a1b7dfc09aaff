"""The OpenAPI description names each schema by its class name alone: two apps' schemas of one name would
silently share one description, and the fuzzer would hold one app's answers to the other's shape."""

from __future__ import annotations

from collections import Counter

from ninja import Schema

import crm.api.urls  # noqa: F401  (mounts every app's router, importing its schemas)


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def test_every_api_schema_has_a_name_of_its_own():
    ours = [c for c in _subclasses(Schema) if c.__module__.startswith("crm.")]
    names = Counter(c.__name__ for c in ours)

    assert [name for name, n in names.items() if n > 1] == []
