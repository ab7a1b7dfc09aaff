"""Every write of contacts and companies. UI, API, demo data and tests all call these."""

from crm.contacts.services.company import (
    companies_delete,
    company_comment,
    company_create,
    company_delete,
    company_purge,
    company_restore,
    company_update,
)
from crm.contacts.services.completeness import completeness_recount
from crm.contacts.services.contact import (
    comments_move,
    contact_comment,
    contact_companies_add,
    contact_create,
    contact_delete,
    contact_purge,
    contact_restore,
    contact_update,
    contacts_create,
    contacts_delete,
    contacts_update,
    locked_editable_cards,
)
from crm.contacts.services.lines import contact_lines_release, contact_lines_return
from crm.contacts.services.list_layouts import list_layout_save
from crm.contacts.services.trash import trash_purge_expired

__all__ = [
    "comments_move",
    "companies_delete",
    "company_comment",
    "company_create",
    "company_delete",
    "company_purge",
    "company_restore",
    "company_update",
    "completeness_recount",
    "contact_comment",
    "contact_companies_add",
    "contact_create",
    "contact_delete",
    "contact_lines_release",
    "contact_lines_return",
    "contact_purge",
    "contact_restore",
    "contact_update",
    "contacts_create",
    "contacts_delete",
    "contacts_update",
    "list_layout_save",
    "locked_editable_cards",
    "trash_purge_expired",
]
