"""What a cell of an exported file means, before the card's own rules see it.

Exports put several phones in one cell ("+7 916 555-01-01, +7 916 555 01 01", Google's " ::: "), write
placeholders where nothing is known ("н/д", "0.0.00", "test@test.ru"), mark a Google value's kind and
primary in a label cell ("* Work"), put BBCode in comments (Bitrix24) and one name in one cell in either
order. These functions only read text; the card's normalisers (``crm.core.normalize``) and the services
still decide what is valid.
"""

from __future__ import annotations

import datetime
import re

from crm.core import normalize as norm

# Values that stand for "nothing" in real files: kept out of the card, never a key for matching.
_PLACEHOLDER_TEXT = frozenset(
    {"н/д", "нд", "н.д.", "нет", "нету", "-", "--", "—", "–", "?", "null", "none", "nil", "n/a", "na", "#н/д"}
    | {"не указан", "не указано", "не указана", "неизвестно", "unknown", "нет данных", "0.0.00", "00.00.0000"}
)
_PLACEHOLDER_BY_FIELD = {
    "phones": frozenset({"0", "00000000000", "9999999999", "89999999999", "79999999999", "+79999999999"}),
    "emails": frozenset(
        {"test@test.ru", "test@test.com", "test@mail.ru", "a@a.ru", "no@no.ru", "nomail@mail.ru"}
    ),
    "birthday": frozenset({"01.01.1900", "1900-01-01", "1/1/1900", "01.01.1901"}),
}


def is_placeholder(text: str, field: str = "") -> bool:
    value = " ".join(text.split()).casefold()
    return value in _PLACEHOLDER_TEXT or value in _PLACEHOLDER_BY_FIELD.get(field, ())


# A comma followed by a space or another full number separates phones; a comma right before a few digits
# is the iPhone's pause, an extension ("+7 495 555-20-00,134"), which the phone normaliser reads.
_PHONE_SPLIT = re.compile(r"\s*(?::::|;(?!\s*ext\s*=)|\n|,\s+|,(?=\s*\+|\s*[0-9][0-9\s()\-]{8,}))\s*")
_EMAIL_SPLIT = re.compile(r"\s*(?::::|[;,\n]|\s)\s*")


def split_values(text: str, field: str) -> list[str]:
    """The separate values of a multi-value cell, placeholders left out."""
    pattern = _PHONE_SPLIT if field == "phones" else _EMAIL_SPLIT if field == "emails" else None
    parts = pattern.split(text) if pattern else [text]
    return [p.strip() for p in parts if p.strip() and not is_placeholder(p, field)]


_PHONE_LABELS = {
    "mobile": "mobile",
    "_$!<mobile>!$_": "mobile",
    "_$!<work>!$_": "work",
    "_$!<home>!$_": "home",
    "cell": "mobile",
    "iphone": "mobile",
    "мобильный": "mobile",
    "сотовый": "mobile",
    "work": "work",
    "business": "work",
    "main": "work",
    "рабочий": "work",
    "home": "home",
    "домашний": "home",
    "fax": "fax",
    "work fax": "fax",
    "home fax": "fax",
    "факс": "fax",
}
_EMAIL_LABELS = {
    "work": "work",
    "рабочий": "work",
    "home": "personal",
    "personal": "personal",
    "личный": "personal",
    "домашний": "personal",
}


# Words of a vCard TYPE list that say nothing about the kind.
_VCARD_NOISE = frozenset({"internet", "voice", "pref", "x400", "msg", "text", "video", "other"})


def label_kind(label: str, field: str) -> tuple[str, bool]:
    """A label cell's kind and primary mark: Google's "* Work" gives ("work", True) (a leading "*" marks
    the primary value); a vCard TYPE list "internet,work" gives ("work", False), "pref" in it marks the
    primary; a label the product has no kind for gives "other"; an empty one, the field's default ("")."""
    text = label.strip()
    words = [" ".join(w.split()).casefold() for w in text.lstrip("*").split(",")]
    primary = text.startswith("*") or "pref" in words
    kinds = _PHONE_LABELS if field == "phones" else _EMAIL_LABELS
    meaningful = [w for w in words if w and w not in _VCARD_NOISE]
    if not meaningful:
        return ("other" if "other" in words else ""), primary
    return next((kinds[w] for w in meaningful if w in kinds), "other"), primary


# Google's own groups, written without the "* " in its vCard and Outlook exports.
_GOOGLE_GROUPS = frozenset({"mycontacts", "starred", "other contacts"})
_GOOGLE_SYSTEM_LABEL = re.compile(r"^\*\s")


_MESSENGER_WORDS = {
    "telegram": "telegram",
    "tg": "telegram",
    "телеграм": "telegram",
    "whatsapp": "whatsapp",
    "viber": "viber",
    "skype": "skype",
    "vk": "vk",
    "вконтакте": "vk",
    "max": "max",
}


def messenger_of(text: str, label: str = "", kind: str = "") -> tuple[str, str]:
    """(kind, handle) of a messenger cell: "x-apple:olga_iv" with the service "Telegram", "skype:orlov",
    "xmpp:anna.li@chat.example" (a kind the product does not know: "other")."""
    scheme, colon, rest = text.strip().partition(":")
    handle = rest.strip() if colon and " " not in scheme and not scheme.isdecimal() else text.strip()
    for word in (label, scheme if colon else "", kind):
        found = _MESSENGER_WORDS.get(word.strip().casefold())
        if found:
            return found, handle
    return kind or "other", handle


def tags_of(text: str) -> list[str]:
    """Tags from one cell: comma-, semicolon- or " ::: "-separated, Mailchimp's quoted list
    ("VIP","Blog, news"), Google's system labels ("* myContacts", "* starred") left out."""
    if text.lstrip().startswith('"'):
        quoted = re.findall(r'"((?:[^"]|"")*)"', text)
        parts = [q.replace('""', '"') for q in quoted]
    else:
        parts = re.split(r"\s*(?::::|[,;\n])\s*", text)
    tags: list[str] = []
    for part in parts:
        tag = " ".join(part.split())
        system = _GOOGLE_SYSTEM_LABEL.match(tag) or tag.startswith("*") or tag.casefold() in _GOOGLE_GROUPS
        if tag and not system and tag not in tags:
            tags.append(tag)
    return tags


def is_starred(text: str) -> bool:
    """Google's "* starred" label: the user's favourite, a key client here."""
    return any(" ".join(p.split()).casefold() == "* starred" for p in re.split(r":::|,", text))


_BBCODE = re.compile(r"\[/?(?:b|i|u|s|url|color|size|quote|code|list|\*|img)(?:=[^\]]*)?\]", re.IGNORECASE)


def strip_bbcode(text: str) -> str:
    return _BBCODE.sub("", text)


# -- names ---------------------------------------------------------------------------------------------
_PATRONYMIC = re.compile(r"(?:вич|вна|ична|инична|ьич)$", re.IGNORECASE)
_TURKIC = frozenset({"оглы", "кызы", "улы", "уулу", "гызы"})
_SURNAME = re.compile(
    r"(?:ов|ев|ёв|ин|ын|ова|ева|ёва|ина|ына|ский|ская|цкий|цкая|ской|ой|ых|их|енко|ко|ук|юк|дзе|швили|ян|янц)$",
    re.IGNORECASE,
)
_INITIAL = re.compile(r"^[^\W\d_]\.?$|^[^\W\d_]\.[^\W\d_]\.?$")


def looks_like_surname(word: str) -> bool:
    """A Russian surname's ending (-ов, -ева, -ский, -енко…): how a swapped first and last name shows."""
    return len(word) > 4 and bool(_SURNAME.search(word)) and not _PATRONYMIC.search(word)


def is_patronymic(word: str) -> bool:
    return len(word) > 4 and bool(_PATRONYMIC.search(word))


def _is_patronymic(words: list[str], index: int) -> int:
    """How many words a patronymic starting at ``index`` takes (0: none): "Сергеевна", "Али оглы"."""
    if index < len(words) and _PATRONYMIC.search(words[index]) and len(words[index]) > 4:
        return 1
    if index + 1 < len(words) and words[index + 1].casefold() in _TURKIC:
        return 2
    return 0


def split_full_name(text: str) -> tuple[str, str, str]:
    """(last, first, middle) from one cell, whatever the order: "Иванова Ольга Сергеевна",
    "Ольга Сергеевна Иванова", "Olga Ivanova", "Семёнов А. В.", "Гусейнов Рустам Али оглы"."""
    words = text.split()
    if not words:
        return "", "", ""
    if len(words) == 1:
        word = words[0]
        return (word, "", "") if _SURNAME.search(word) and len(word) > 4 else ("", word, "")
    # Surname, first name, patronymic: the patronymic ends the line.
    for start in range(2, len(words)):
        taken = _is_patronymic(words, start)
        if taken and start + taken == len(words):
            return " ".join(words[: start - 1]), words[start - 1], " ".join(words[start:])
    # First name, patronymic, surname.
    taken = _is_patronymic(words, 1)
    if taken and len(words) > 1 + taken:
        return " ".join(words[1 + taken :]), words[0], " ".join(words[1 : 1 + taken])
    # Surname and initials.
    if all(_INITIAL.match(w) for w in words[1:]):
        initials = " ".join(words[1:])
        first, _, middle = initials.partition(" ")
        if not middle and first.count(".") == 2:
            first, middle = first[:2], first[2:]
        return words[0], first, middle
    if len(words) == 2:
        first_word, second_word = words
        latin = first_word.isascii() and second_word.isascii()
        second_is_surname = bool(_SURNAME.search(second_word)) and not _SURNAME.search(first_word)
        if latin or second_is_surname:
            return second_word, first_word, ""
        return first_word, second_word, ""
    return words[-1], words[0], " ".join(words[1:-1])


# -- dates ---------------------------------------------------------------------------------------------
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_SERIAL = re.compile(r"^[0-9]{5}(?:\.0+)?$")
_TIME = re.compile(r"(?<=[0-9])[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9:]+)?$")
_SLASHED = re.compile(r"^([0-9]{1,2})/([0-9]{1,2})(?:/([0-9]{2,4}))?$")


_CLOCK = re.compile(r"(?<=[0-9])[ T]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?")


def time_of(text: str) -> datetime.time | None:
    """The time of day a timestamp cell carries ("15.10.2023 14:32:10"), if any."""
    match = _CLOCK.search(text.strip())
    if not match:
        return None
    hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        return datetime.time(hour, minute, second)
    except ValueError:
        return None


def partial_date(text: str, order: str = "DMY") -> norm.PartialDate:
    """A date as the file's habit writes it: an Excel serial number (45214), a timestamp's date, "3/4/1985"
    in the export's own order (the card's parser reads "/" month first, as Outlook and Mailchimp write it;
    a Russian file's preset says day first), then the card's own parser."""
    value = text.strip()
    if _SERIAL.match(value):
        serial = _EXCEL_EPOCH + datetime.timedelta(days=int(float(value)))
        return norm.PartialDate(serial.year, serial.month, serial.day)
    value = _TIME.sub("", value)
    if order == "DMY" and (match := _SLASHED.match(value)):
        day, month, year = match.groups()
        text_dmy = f"{day}.{month}" + (f".{year}" if year else "")
        return norm.parse_date(text_dmy)
    return norm.parse_date(value)
