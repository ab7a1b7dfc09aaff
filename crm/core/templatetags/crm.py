import datetime
import re
from collections.abc import Callable
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

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


@register.simple_tag
def journal_value(field: str, value: Any, object_type: str = "") -> str:
    """A journal value as the reader should see it: choice codes as their labels, lists joined."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(_phones_shown(str(v)) for v in value)
    if isinstance(value, str):
        if _ISO_MOMENT.fullmatch(value):  # moments and dates are kept as ISO text; people read them local
            return _moment_shown(value)
        value = _phones_shown(value)
    if value is True:
        return "✓"
    if value is False:
        return "✗"
    labels = VALUE_LABELS.get(f"{object_type}:{field}") or VALUE_LABELS.get(field, {})
    return str(labels.get(value, value))


_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")


def _moment_shown(text: str) -> str:
    """ "2026-03-14T07:05:00.123456+00:00" as "14.03.2026 10:05" in the reader's time zone; a date alone as
    "14.03.2026"."""
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if len(text) == 10:
        return moment.strftime("%d.%m.%Y")
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%d.%m.%Y %H:%M")


_JOURNAL_PHONE = re.compile(r"\+\d{8,15}(?:;ext=(\d{1,10}))?")


def _phones_shown(text: str) -> str:
    """Phones the journal keeps as E.164 ("+79123456789;ext=5") in the national format people read."""
    from crm.core.normalize import format_phone

    return _JOURNAL_PHONE.sub(lambda m: format_phone(m.group(0).split(";")[0], m.group(1) or ""), text)


@register.filter
def rowkey(prefix: str, row: Any) -> str:
    """The error key of a repeated row: "phones" and 0 give "phones.0"."""
    return f"{prefix}.{row}"


# Keys shared by several kinds' journals; a kind's own fields register theirs under its object type.
FIELD_LABELS = {
    "comment": _("Comment"),
    "email": _("E-mail"),
    "company": _("Company"),
    "name": _("Name"),
    "username": _("Login"),
    "department": _("Department"),
    "role": _("Role"),
    "is_active": _("Active"),
    "language": _("Language"),
    "password": _("Password"),
    "code": _("Code"),
    "name_ru": _("Name (Russian)"),
    "name_en": _("Name (English)"),
    "scope": _("Scope"),
    "permissions": _("Rights"),
    "is_admin": _("Administrator"),
}
# Choice fields register their labels here (AppConfig.ready), so the journal keeps stable codes
# while people read words in their own language.
VALUE_LABELS: dict[str, dict[str, Any]] = {}


def register_value_labels(field: str, labels: dict[str, Any], object_type: str = "") -> None:
    """``object_type`` ("contacts.contact") keeps one kind's codes apart from another's of the same name."""
    VALUE_LABELS[f"{object_type}:{field}" if object_type else field] = labels


ACTION_LABELS = {
    "view": _("view"),
    "create": _("create"),
    "edit": _("edit"),
    "delete": _("delete"),
    "export": _("export"),
    "import": _("import"),
}
OBJECT_TYPE_LABELS = {
    "contacts.contact": _("Contact"),
    "contacts.company": _("Company"),
    "accounts.user": _("User"),
    "accounts.role": _("Role"),
    "accounts.department": _("Department"),
    "accounts.apitoken": _("API token"),
}


# Apps whose journal keys are configured at run time (custom fields) answer for them here.
LABEL_RESOLVERS: list[Callable[[str], str | None]] = []


def register_field_labels(labels: dict[str, Any], object_type: str = "") -> None:
    """Labels of journal keys; with ``object_type`` they belong to that kind alone (a contact's "status"
    is not a task's)."""
    if object_type:
        FIELD_LABELS.update({f"{object_type}:{key}": label for key, label in labels.items()})
    else:
        FIELD_LABELS.update(labels)


def register_object_type(label: str, name: Any) -> None:
    OBJECT_TYPE_LABELS[label] = name


def register_label_resolver(resolver: Callable[[str], str | None]) -> None:
    LABEL_RESOLVERS.append(resolver)


@register.filter
def field_label(name: str, object_type: str = "") -> str:
    """The journal's field keys in the reader's language (the kind's own label first)."""
    for key in (f"{object_type}:{name}", name):
        if key in FIELD_LABELS:
            return str(FIELD_LABELS[key])
    for resolver in LABEL_RESOLVERS:
        found = resolver(name)
        if found:
            return found
    return name


@register.filter
def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


@register.filter
def object_type_label(label: str) -> str:
    return str(OBJECT_TYPE_LABELS.get(label, label))


@register.filter
def duration(seconds: int | None) -> str:
    """Seconds as "4:05" or "1:02:09" (how call lengths are read)."""
    if seconds is None:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def phone(text: str) -> str:
    """A normalised number as the card shows it: "+79120001122 доб. 5" → "8 (912) 000-11-22 доб. 5"."""
    from crm.core.normalize import format_phone

    number, _sep, extension = (text or "").partition(" доб. ")
    return format_phone(number.strip(), extension.strip()) if number.startswith("+") else text


@register.simple_tag
def days_since(moment: Any) -> str:
    """ "today", "yesterday", "12 days ago": calendar days in the user's time zone."""
    from django.utils import timezone
    from django.utils.translation import gettext, ngettext

    if moment is None:
        return ""
    days = (timezone.localdate() - timezone.localtime(moment).date()).days
    if days <= 0:
        return gettext("today")
    if days == 1:
        return gettext("yesterday")
    return ngettext("%(days)d day ago", "%(days)d days ago", days) % {"days": days}


_SENTINEL = 987654321
_patterns: dict[str, str] = {}


@register.simple_tag
def path_to(name: str, pk: Any) -> str:
    """``{% url name pk %}`` for long lists: the URL is reversed once per name and process, then only the
    id changes (a reverse costs more than the rest of a list row)."""
    from django.urls import reverse

    pattern = _patterns.get(name)
    if pattern is None:
        pattern = _patterns[name] = reverse(name, args=[_SENTINEL])
    return pattern.replace(str(_SENTINEL), str(int(pk)))


# Where a journal entry's record opens, by its object type (a record that is gone simply answers 404).
RECORD_PAGES = {
    "contacts.contact": "contacts:contact_detail",
    "contacts.company": "contacts:company_detail",
    "tasks.task": "tasks:task_detail",
    "accounts.user": "accounts:user_edit",
    "accounts.role": "accounts:role_edit",
}


@register.simple_tag
def record_url(object_type: str, object_id: Any) -> str:
    from django.urls import NoReverseMatch, reverse

    name = RECORD_PAGES.get(object_type)
    if name is None or not object_id:
        return ""
    try:
        return reverse(name, args=[object_id])
    except NoReverseMatch:
        return ""
