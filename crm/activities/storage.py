"""Stored files follow their rows: when an attachment row is deleted for good (a card purged from the
trash takes its entries and files with it, by cascade), its file leaves the storage once the deletion
commits. A cascade issues no service call per row, hence a post_delete receiver here."""

from __future__ import annotations

from typing import Any

from django.db import transaction


def remove_stored_file(sender: Any, instance: Any, **kwargs: Any) -> None:
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))
