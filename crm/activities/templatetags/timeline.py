from typing import Any

from django import template

from crm.fields.schema import schema_for

register = template.Library()


@register.simple_tag
def option_label(option_id: Any) -> str:
    """A central list option's label by its stored id (a merged option reads as the one it became)."""
    option = schema_for("contact").option(option_id)
    return option.label if option else ""
