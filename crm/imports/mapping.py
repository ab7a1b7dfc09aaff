"""Which column of a file goes to which field: suggestions from header synonyms and export presets.

A header is compared after ``header_key`` (case, Ё/Е, punctuation and runs of spaces do not matter:
Outlook's Russian export writes "Улица  2" with two spaces, Google writes "E-mail 1 - Value"). The
suggestion for a column comes, in order, from the preset the header row is recognised as (Google Contacts,
Outlook in English and Russian, HubSpot, amoCRM, Bitrix24, Mailchimp), from the synonyms below, from a
numbered group ("Phone 2 - Value"), and from a custom field's label. What is suggested is only a
suggestion: the user confirms or changes it in the wizard, and saves it as a template.

A ``Target`` names a declared standard field of a contact (``crm.contacts.declarations``), a custom field
(``custom:<key>``) or one of the import's own targets (``IMPORT_ONLY``), which the row builder turns into
fields (a full name split into its parts, an amoCRM row's kind, the source system's id).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from crm.contacts.declarations import declared

# Targets that are not a card's field by themselves.
IMPORT_ONLY = {
    "full_name": _("Full name (split into last, first and middle name)"),
    "external_id": _("ID in the source system"),
    "record_kind": _("Kind of record (person or company)"),
    "created_at": _("Created at"),
    "website": _("Website"),
    "nickname": _("Nickname"),
    "members": _("Members of a group (vCard)"),
    "company_inn": _("Company's INN"),
    "company_kpp": _("Company's KPP"),
    "company_ogrn": _("Company's OGRN"),
    "company_industry": _("Company's industry"),
    "company_legal_address": _("Company's legal address"),
    "company_phones": _("Company's phone"),
    "company_emails": _("Company's e-mail"),
}
# The company's own values, from the targets above, on a company row or on the company of a person's row.
COMPANY_TARGETS = {
    "company_inn": "inn",
    "company_kpp": "kpp",
    "company_ogrn": "ogrn",
    "company_industry": "industry",
    "company_legal_address": "legal_address",
}


@dataclass(frozen=True)
class Target:
    """Where a column's values go. ``kind`` is a phone's, e-mail's or messenger's kind ("" for the
    field's default); ``label_column`` names the column whose cell gives each value's kind and primary
    mark (Google's "Phone 1 - Label" beside "Phone 1 - Value")."""

    field: str
    kind: str = ""
    label_column: str = ""


@dataclass(frozen=True)
class Preset:
    """A known export: recognised by headers that all appear in it; its own columns' targets win over the
    synonyms (None: a column of that export that carries nothing for a card); dates in its order."""

    name: str
    title: str
    signature: frozenset[str]
    columns: Mapping[str, Target | None] = field(default_factory=dict)
    date_order: str = "DMY"


@dataclass(frozen=True)
class Suggestion:
    preset: Preset | None
    columns: dict[str, Target | None]  # by the file's own header, in the file's order

    @property
    def date_order(self) -> str:
        return self.preset.date_order if self.preset else "DMY"


def header_key(header: str) -> str:
    """ "E-mail 1 - Value" → "e mail 1 value"; "Телефон  " → "телефон"; "Ёмкость" → "емкость";
    "last_name" (a database's or an API's column) → "last name"."""
    folded = header.casefold().replace("ё", "е")
    return " ".join(re.sub(r"[\W_]+", " ", folded).split())


def _t(name: str, kind: str = "") -> Target:
    return Target(name, kind)


def _synonyms(pairs: Iterable[tuple[str, Target]]) -> dict[str, Target]:
    return {header_key(header): target for header, target in pairs}


def _each(target: Target, *headers: str) -> list[tuple[str, Target]]:
    return [(h, target) for h in headers]


# Headers people and other systems use, Russian and English. Ambiguous words are left out on purpose:
# "Title" is a job title in Google's export but "Mr./Ms." in Outlook's, so the presets decide it.
SYNONYMS: dict[str, Target] = _synonyms(
    [
        *_each(_t("last_name"), "Фамилия", "Last Name", "Surname", "Family Name", "Last"),
        *_each(_t("first_name"), "Имя", "First Name", "Given Name", "First", "Name (first)"),
        *_each(_t("middle_name"), "Отчество", "Middle Name", "Additional Name", "Patronymic"),
        *_each(
            _t("full_name"),
            "ФИО",
            "Ф.И.О.",
            "Полное имя",
            "Полное имя контакта",
            "Имя, Фамилия",
            "Контакт",
            "Контактное лицо",
            "Full Name",
            "Name",
            "Contact",
            "Contact Name",
            "Клиент",
        ),
        *_each(
            _t("phones"),
            "Телефон",
            "Телефоны",
            "Тел",
            "Тел.",
            "Номер телефона",
            "Контактный телефон",
            "Phone",
            "Phones",
            "Phone Number",
            "Telephone",
            "Tel",
            "Primary Phone",
            "Callback",
        ),
        *_each(
            _t("phones", "mobile"),
            "Мобильный",
            "Мобильный телефон",
            "Сотовый",
            "Сотовый телефон",
            "Моб. телефон",
            "Телефон переносной",
            "Mobile",
            "Mobile Phone",
            "Mobile Phone Number",
            "Cell",
            "Cell Phone",
            "Car Phone",
        ),
        *_each(
            _t("phones", "work"),
            "Рабочий телефон",
            "Рабочий прямой телефон",
            "Телефон раб. 2",
            "Телефон для рассылок",
            "Work Phone",
            "Business Phone",
            "Business Phone 2",
            "Assistant's Phone",
        ),
        *_each(_t("phones", "home"), "Домашний телефон", "Телефон дом. 2", "Home Phone", "Home Phone 2"),
        *_each(
            _t("phones", "fax"),
            "Факс",
            "Номер факса",
            "Рабочий факс",
            "Домашний факс",
            "Fax",
            "Business Fax",
            "Home Fax",
            "Other Fax",
        ),
        *_each(
            _t("phones", "other"),
            "Другой телефон",
            "Доп. телефон",
            "Номер пейджера",
            "Other Phone",
            "Pager",
            "Radio Phone",
            "TTY/TDD Phone",
        ),
        *_each(
            _t("emails"),
            "E-mail",
            "Email",
            "Почта",
            "Эл. почта",
            "Электронная почта",
            "Адрес эл. почты",
            "E-mail Address",
            "Email Address",
            "Mail",
            "E-mail для рассылок",
        ),
        *_each(_t("emails", "work"), "Рабочий email", "Рабочий e-mail", "Work Email", "Business Email"),
        *_each(
            _t("emails", "personal"),
            "Личный email",
            "Личный e-mail",
            "Частный e-mail",
            "Personal Email",
            "Home Email",
        ),
        *_each(
            _t("emails", "other"),
            "Другой email",
            "Другой e-mail",
            "Адрес 2 эл. почты",
            "Адрес 3 эл. почты",
            "E-mail 2 Address",
            "E-mail 3 Address",
            "Other Email",
        ),
        *_each(_t("messengers", "telegram"), "Telegram", "Телеграм", "Телеграмм", "Контакт Telegram"),
        *_each(_t("messengers", "whatsapp"), "WhatsApp", "Ватсап", "Вотсап", "Контакт WhatsApp"),
        *_each(_t("messengers", "viber"), "Viber", "Вайбер", "Контакт Viber"),
        *_each(_t("messengers", "skype"), "Skype", "Скайп", "Контакт Skype"),
        *_each(_t("messengers", "vk"), "VK", "ВКонтакте", "Контакт ВКонтакте", "Страница ВКонтакте"),
        *_each(
            _t("company_name"),
            "Компания",
            "Организация",
            "Название компании",
            "Компания контакта",
            "Название организации",
            "Company",
            "Company Name",
            "Organization",
            "Organization Name",
            "Organisation",
            "Associated Company",
            "Account Name",
        ),
        *_each(
            _t("position"),
            "Должность",
            "Позиция",
            "Job Title",
            "Position",
            "Organization Title",
            "Role",
        ),
        *_each(
            _t("city"),
            "Город",
            "Населенный пункт",
            "City",
            "Town",
            "Business City",
            "Home City",
            "Other City",
        ),
        *_each(_t("address"), "Адрес", "Почтовый адрес", "Address", "Postal Address", "Street Address"),
        *_each(_t("company_inn"), "ИНН", "INN", "ИНН компании", "ИНН организации", "Company INN", "TIN"),
        *_each(_t("company_kpp"), "КПП", "KPP", "КПП компании", "КПП организации"),
        *_each(_t("company_ogrn"), "ОГРН", "OGRN", "ОГРНИП", "ОГРН компании"),
        *_each(_t("company_industry"), "Сфера деятельности", "Отрасль", "Industry"),
        *_each(
            _t("company_phones", "work"),
            "Основной телефон организации",
            "Телефон компании",
            "Телефон организации",
            "Company Main Phone",
            "Company Phone",
        ),
        *_each(
            _t("company_emails", "work"),
            "E-mail компании",
            "Email компании",
            "Company Email",
            "Company E-mail",
        ),
        *_each(_t("company_legal_address"), "Юридический адрес", "Юр. адрес", "Юрадрес", "Legal Address"),
        *_each(
            _t("birthday"),
            "Дата рождения",
            "День рождения",
            "ДР",
            "Birthday",
            "Birth Date",
            "Date of Birth",
            "DOB",
        ),
        *_each(_t("source"), "Источник", "Источник контакта", "Source", "Lead Source", "Original Source"),
        *_each(
            _t("owner_id"),
            "Ответственный",
            "Ответственный менеджер",
            "Ответственный за контакт",
            "Менеджер",
            "Owner",
            "Contact owner",
            "Account Owner",
        ),
        *_each(_t("status_id"), "Статус", "Status", "Статус клиента"),
        *_each(_t("tags"), "Теги", "Тэги", "Метки", "Tags", "Labels", "Categories", "Категории", "Группы"),
        *_each(
            _t("notes"),
            "Комментарий",
            "Комментарии",
            "Примечание",
            "Примечания",
            "Примечание 1",
            "Примечание 2",
            "Примечание 3",
            "Примечание 4",
            "Примечание 5",
            "Заметки",
            "Заметка",
            "Описание",
            "Notes",
            "Note",
            "Comment",
            "Comments",
            "Description",
        ),
        *_each(_t("external_id"), "ID", "Record ID", "Внешний ID", "External ID"),
        *_each(
            _t("created_at"),
            "Дата создания",
            "Дата создания контакта",
            "Создан",
            "Create Date",
            "Created",
            "Created At",
            "Date Created",
        ),
        *_each(
            _t("website"),
            "Сайт",
            "Веб-сайт",
            "Web",
            "Website",
            "Web Page",
            "Personal Web Page",
            "Корпоративный сайт",
            "Личная страница",
            "Веб-страница",
        ),
        *_each(_t("nickname"), "Nickname", "Прозвище", "Псевдоним"),
    ]
)

# Google's numbered groups: "Phone 2 - Value" beside "Phone 2 - Label", "Address 1 - City".
_NUMBERED = re.compile(r"^(e mail|phone|address|website|im) (\d+) (value|formatted|city|type|label)$")


# A vCard's repeated properties as the reader names them: "tel.2" beside "tel.2.type".
_VCARD_NUMBERED = re.compile(r"^(tel|email|impp|member) (\d+)$")
_VCARD_FIELDS = {"tel": "phones", "email": "emails", "impp": "messengers", "member": "members"}


def _numbered(key: str, headers_by_key: Mapping[str, str]) -> Target | None:
    if vcard := _VCARD_NUMBERED.match(key):
        prop, number = vcard.groups()
        label = "service" if prop == "impp" else "type"
        return Target(_VCARD_FIELDS[prop], label_column=headers_by_key.get(f"{prop} {number} {label}", ""))
    match = _NUMBERED.match(key)
    if not match:
        return None
    group, number, part = match.groups()
    label_column = headers_by_key.get(f"{group} {number} label") or headers_by_key.get(
        f"{group} {number} type"
    )
    if group in ("e mail", "phone") and part == "value":
        return Target("emails" if group == "e mail" else "phones", label_column=label_column or "")
    if group == "address" and number == "1" and part in ("formatted", "city"):
        return Target("address" if part == "formatted" else "city")
    if group == "website" and part == "value":
        return Target("website")
    return None


def _ignored(*headers: str) -> dict[str, Target | None]:
    return {header_key(h): None for h in headers}


def _signature(*headers: str) -> frozenset[str]:
    return frozenset(header_key(h) for h in headers)


def _mapped(pairs: Mapping[str, Target | None]) -> dict[str, Target | None]:
    return {header_key(h): t for h, t in pairs.items()}


PRESETS: list[Preset] = [
    Preset(
        "vcard",
        "vCard",
        _signature("version", "fn"),
        _mapped(
            {
                "fn": _t("full_name"),
                "n.family": _t("last_name"),
                "n.given": _t("first_name"),
                "n.additional": _t("middle_name"),
                "nickname": _t("nickname"),
                "org": _t("company_name"),
                "title": _t("position"),
                "bday": _t("birthday"),
                "note": _t("notes"),
                "categories": _t("tags"),
                "kind": _t("record_kind"),
                "uid": _t("external_id"),
                "adr.1.city": _t("city"),
                "adr.1.street": _t("address"),
                "url.1": _t("website"),
            }
        )
        | _ignored("version", "org.unit", "gender", "anniversary", "adr.1.formatted"),
        date_order="YMD",
    ),
    Preset(
        "google",
        "Google Contacts",
        _signature("first name", "last name", "file as", "labels"),
        _mapped({"Organization Title": _t("position"), "Name Prefix": None, "Name Suffix": None})
        | _ignored("Phonetic First Name", "Phonetic Middle Name", "Phonetic Last Name", "File As", "Photo"),
        date_order="YMD",
    ),
    Preset(
        "google_legacy",
        "Google Contacts (before 2020)",
        _signature("name", "given name", "family name", "group membership"),
        _mapped({"Name": _t("full_name"), "Group Membership": _t("tags")}) | _ignored("Yomi Name"),
        date_order="YMD",
    ),
    Preset(
        "outlook",
        "Outlook",
        _signature("first name", "last name", "e mail address", "business phone"),
        _mapped({"Title": None, "Company": _t("company_name"), "Job Title": _t("position")})
        | _ignored(
            "Suffix", "Given Yomi", "Surname Yomi", "Company Yomi", "E-mail Type", "E-mail Display Name"
        ),
        date_order="MDY",
    ),
    Preset(
        "outlook_ru",
        "Outlook (русский)",
        _signature("обращение", "имя", "фамилия", "организация", "телефон переносной"),
        _mapped({"Адрес эл. почты": _t("emails"), "Заметки": _t("notes"), "Категории": _t("tags")})
        | _ignored(
            "Обращение", "Суффикс", "Тип эл. почты", "Краткое имя эл. почты", "Пол", "Важность", "Частное"
        ),
    ),
    Preset(
        "hubspot",
        "HubSpot",
        _signature("record id", "contact owner"),
        _mapped({"Record ID": _t("external_id"), "Associated Company": _t("company_name")})
        | _ignored(
            "Primary Associated Company ID",
            "Last Activity Date",
            "Marketing contact status",
            "Lifecycle Stage",
            "Lead Status",
        ),
        date_order="YMD",
    ),
    Preset(
        "amocrm",
        "amoCRM / Kommo",
        _signature("тип", "полное имя контакта", "ответственный"),
        _mapped({"Тип": _t("record_kind"), "Полное имя контакта": _t("full_name"), "Web": _t("website")})
        | _ignored(
            "Кем создан контакт",
            "Сделки",
            "Дата редактирования",
            "Кем редактирован",
            "Пользовательское соглашение",
            "cid",
            "uid",
            "tid",
        ),
    ),
    Preset(
        "bitrix24",
        "Битрикс24",
        _signature("id", "имя", "фамилия", "тип контакта", "ответственный"),
        _ignored(
            "Обращение",
            "Фотография",
            "Дополнительно об источнике",
            "Кем создан",
            "Дата изменения",
            "Кем изменен",
            "Экспорт",
            "Тип контакта",
        ),
    ),
    Preset(
        "mailchimp",
        "Mailchimp",
        _signature("Email Address", "MEMBER_RATING", "OPTIN_TIME"),
        _mapped({"Email Address": _t("emails"), "TAGS": _t("tags"), "NOTES": _t("notes")})
        | _ignored(
            "MEMBER_RATING",
            "OPTIN_TIME",
            "OPTIN_IP",
            "CONFIRM_TIME",
            "CONFIRM_IP",
            "LATITUDE",
            "LONGITUDE",
            "GMTOFF",
            "DSTOFF",
            "TIMEZONE",
            "CC",
            "REGION",
            "LAST_CHANGED",
            "LEID",
            "EUID",
        ),
        date_order="MDY",
    ),
]


def detect_preset(headers: Iterable[str]) -> Preset | None:
    """The export a header row comes from: the preset whose signature it holds, the most specific first."""
    keys = {header_key(h) for h in headers}
    known = [p for p in PRESETS if p.signature <= keys]
    return max(known, key=lambda p: len(p.signature)) if known else None


def importable_fields() -> set[str]:
    """Every target a column may be mapped to (custom fields aside)."""
    return {d.attr for d in declared("contact") if d.importable and d.attr != "company_id"} | set(IMPORT_ONLY)


def suggest(
    headers: Sequence[str], custom_labels: Mapping[str, str | Iterable[str]] | None = None
) -> Suggestion:
    """A target (or None) for each header of a file. ``custom_labels``: a custom field's label (or its
    labels in each language) by its key."""
    preset = detect_preset(headers)
    headers_by_key = {header_key(h): h for h in headers}
    custom = {
        header_key(label): key
        for key, labels in (custom_labels or {}).items()
        for label in ([labels] if isinstance(labels, str) else labels)
    }
    columns: dict[str, Target | None] = {}
    for header in headers:
        key = header_key(header)
        if not key:
            columns[header] = None
        elif preset is not None and key in preset.columns:
            columns[header] = preset.columns[key]
        elif key in SYNONYMS:
            columns[header] = SYNONYMS[key]
        elif key in custom:
            columns[header] = Target(f"custom:{custom[key]}")
        else:
            columns[header] = _numbered(key, headers_by_key)
    return Suggestion(preset, columns)


_KIND_CHOICES: dict[str, tuple[tuple[str, Any], ...]] = {
    "phones": (
        ("", _("Phone")),
        ("mobile", _("Mobile phone")),
        ("work", _("Work phone")),
        ("home", _("Home phone")),
        ("fax", _("Fax")),
        ("other", _("Other phone")),
    ),
    "emails": (
        ("", _("E-mail")),
        ("work", _("Work e-mail")),
        ("personal", _("Personal e-mail")),
        ("other", _("Other e-mail")),
    ),
    "messengers": (
        ("telegram", "Telegram"),
        ("whatsapp", "WhatsApp"),
        ("viber", "Viber"),
        ("skype", "Skype"),
        ("vk", _("VK")),
        ("other", _("Other messenger")),
    ),
}


def target_choices(custom: Sequence[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """Every field a column may go to, as (saved spec, label), for the wizard's drop-downs: the declared
    contact fields (phones, e-mails and messengers by kind), the import's own targets, then ``custom``
    fields given as (key, label)."""
    choices: list[tuple[str, str]] = []
    for decl in declared("contact"):
        if not decl.importable or decl.attr == "company_id":
            continue
        if decl.attr in _KIND_CHOICES:
            for kind, label in _KIND_CHOICES[decl.attr]:
                choices.append((f"{decl.attr}:{kind}" if kind else decl.attr, str(label)))
        else:
            choices.append((decl.attr, str(decl.label)))
    choices += [(name, str(label)) for name, label in IMPORT_ONLY.items() if name != "members"]
    choices += [(f"custom:{key}", label) for key, label in custom]
    return choices


def columns_from(
    mapping: Mapping[str, str], suggested: Mapping[str, Target | None]
) -> dict[str, Target | None]:
    """A saved mapping ({header: "phones:work"}) as targets; "" leaves a column out. A column the user kept
    on its suggested field keeps the suggestion's label column (Google's "Phone 1 - Label")."""
    result: dict[str, Target | None] = {}
    # In the file's order (a stored mapping may come back in another: PostgreSQL's jsonb sorts its keys),
    # which decides, say, which of two phone columns gives the main phone.
    ordered = [h for h in suggested if h in mapping] + [h for h in mapping if h not in suggested]
    for header in ordered:
        spec = mapping[header]
        name, _sep, kind = spec.partition(":") if not spec.startswith("custom:") else (spec, "", "")
        hint = suggested.get(header)
        label_column = hint.label_column if hint is not None and hint.field == name else ""
        result[header] = Target(name, kind, label_column) if name else None
    return result


def spec_of(target: Target | None) -> str:
    if target is None:
        return ""
    return f"{target.field}:{target.kind}" if target.kind else target.field
