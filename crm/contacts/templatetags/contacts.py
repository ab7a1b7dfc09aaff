from django import template
from django.utils.translation import gettext_lazy as _

from crm.contacts.normalize import format_phone

register = template.Library()


@register.filter
def phone(number: str, extension: str = "") -> str:
    """E.164 shown the way people write it: 8 (912) 345-67-89."""
    return format_phone(number, extension or "") if number else ""


FIELD_LABELS = {
    "last_name": _("Last name"),
    "first_name": _("First name"),
    "middle_name": _("Middle name"),
    "phones": _("Phones"),
    "emails": _("E-mails"),
    "messengers": _("Messengers"),
    "city": _("City"),
    "address": _("Address"),
    "birthday": _("Birthday"),
    "source": _("Source"),
    "owner": _("Responsible manager"),
    "base_type": _("Base type"),
    "status": _("Status"),
    "is_key": _("Key client"),
    "tags": _("Tags"),
    "notes": _("Notes"),
    "company": _("Company"),
    "position": _("Position"),
    "comment": _("Comment"),
    "name": _("Name"),
    "legal_form": _("Legal form"),
    "inn": _("INN"),
    "kpp": _("KPP"),
    "ogrn": _("OGRN"),
    "industry": _("Industry"),
    "website": _("Website"),
    "size": _("Size"),
    "phone": _("Phone"),
    "phone_ext": _("Extension"),
    "email": _("E-mail"),
}


@register.filter
def field_label(name: str) -> str:
    """The journal's field keys in the reader's language."""
    return str(FIELD_LABELS.get(name, name))
