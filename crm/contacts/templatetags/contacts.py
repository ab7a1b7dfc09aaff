from django import template

from crm.core.normalize import format_phone

register = template.Library()


@register.filter
def phone(number: str, extension: str = "") -> str:
    """E.164 shown the way people write it: 8 (912) 345-67-89."""
    return format_phone(number, extension or "") if number else ""
