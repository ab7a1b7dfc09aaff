from typing import Any

from django import template
from django.utils.html import format_html_join

register = template.Library()


@register.filter
def errors_for(errors: dict[str, list[str]] | None, field: Any) -> list[str]:
    return (errors or {}).get(str(field), [])


@register.filter
def get(mapping: dict[str, Any] | None, key: Any) -> Any:
    return (mapping or {}).get(str(key))


@register.simple_tag
def field_errors(errors: dict[str, list[str]] | None, field: str) -> str:
    messages = (errors or {}).get(field, [])
    return format_html_join(
        "", '<div class="field-error" data-error-for="{}">{}</div>', ((field, m) for m in messages)
    )


@register.filter
def invalid(errors: dict[str, list[str]] | None, field: Any) -> str:
    return " is-invalid" if (errors or {}).get(str(field)) else ""


@register.filter
def journal_value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if value is True:
        return "✓"
    if value is False:
        return "✗"
    return str(value)


@register.filter
def rowkey(prefix: str, row: Any) -> str:
    """The error key of a repeated row: "phones" and 0 give "phones.0"."""
    return f"{prefix}.{row}"
