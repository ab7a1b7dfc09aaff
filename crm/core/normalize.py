"""Pure normalisation of what people type or export: phones, e-mails, names, dates, amounts, requisites.

No models, no settings: importers, forms, the API and telephony webhooks all share these rules, so one
client written in five different ways still becomes one card. Messages are lazy and never rendered here.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import phonenumbers
from django.utils.translation import gettext_lazy as _
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    Message = str | _StrPromise


class NormalizationError(ValueError):
    """A value that cannot be normalised: ``code`` is for programs, ``message`` (lazy) is for people."""

    def __init__(self, code: str, message: Message) -> None:
        # Only the code goes to ValueError, so str(exc) and logs never force a translation lookup.
        super().__init__(code)
        self.code = code
        self.message = message

    def __reduce__(self) -> tuple[type[NormalizationError], tuple[str, Message]]:
        # Background jobs pickle exceptions; the default would call __init__ with args=(code,) only.
        return (type(self), (self.code, self.message))


# ---------------------------------------------------------------------------------------------- phones
_MSG_PHONE_SHORT = _("Enter a phone number with at least 10 digits, e.g. +7 912 345-67-89.")
_MSG_PHONE_LONG = _("This phone number has too many digits. Enter one number per field.")
_MSG_PHONE_MANY = _("Enter one phone number per field.")
_MSG_PHONE_CHARS = _("A phone number may contain only digits, spaces, brackets, dashes and a leading +.")
_MSG_PHONE_EXCEL = _("Excel turned this phone into a number like 3.75E+11, losing digits. Enter it again.")
_MSG_PHONE_COUNTRY = _("Unknown country code. Write an international number as + and the country code.")
_MSG_PHONE_IMPOSSIBLE = _("This phone number cannot exist: check the country code and the number of digits.")

_PNF = phonenumbers.PhoneNumberFormat
_VR = phonenumbers.ValidationResult
_REASONS = {
    _VR.TOO_SHORT: ("too_short", _MSG_PHONE_SHORT),
    _VR.IS_POSSIBLE_LOCAL_ONLY: ("too_short", _MSG_PHONE_SHORT),
    _VR.TOO_LONG: ("too_long", _MSG_PHONE_LONG),
}


@dataclass(frozen=True)
class Phone:
    e164: str
    extension: str
    note: str

    @functools.cached_property
    def region(self) -> str:
        """The number's country, worked out when asked: a write stores only the number (an import of a
        million rows would spend a tenth of its time here)."""
        return _region(phonenumbers.parse(self.e164, None))


_LETTER = r"[^\W\d_]"
_SCIENTIFIC = re.compile(r"^[+-]?[0-9]+(?:[.,][0-9]+)?\s*e\s*[+-]?[0-9]+$", re.IGNORECASE)
_TEL_PREFIX = re.compile(r"^tel:\s*", re.IGNORECASE)
_PAREN_NOTE = re.compile(rf"\(([^()]*{_LETTER}[^()]*)\)")
_PAREN_EXTENSION = re.compile(r"\((\s*(?:доб|ext|x|#)[^()]*)\)\s*$", re.IGNORECASE)
# "x" only right after the number, so a word like "Telex" in a note is never an extension marker.
_EXTENSION = re.compile(
    r"\s*(?:;\s*ext\s*=|\b(?:ext|доб|добавочный|вн)\b\.?|(?<=[0-9\s)])x|#|[,;])\s*([0-9]{1,7})\s*$",
    re.IGNORECASE,
)
_TRAILING_NOTE = re.compile(rf"\s+({_LETTER}[^0-9]*)$")
_LEADING_NOTE = re.compile(rf"^({_LETTER}[^0-9+]*?)[\s:\-]*(?=[+0-9(])")
_PHONE_CHARS = re.compile(r"^\+?[0-9\s().\-‐‑‒–—]*$")
_SEPARATORS = re.compile(r"[,;/]|.\+")
# Regions whose people dial 8 for the trunk and write bare 10-digit national numbers.
_TRUNK_EIGHT = {"RU", "KZ"}


def _split_notes(text: str) -> tuple[str, str, list[str]]:
    """Return (number text, extension, notes) with notes like "(WhatsApp)" or "моб." taken out."""
    text = _PAREN_EXTENSION.sub(r" \1", text)  # "(доб. 134)" is an extension, not a note
    notes = [note.strip() for note in _PAREN_NOTE.findall(text)]
    text, extension = _PAREN_NOTE.sub(" ", text).strip(), ""
    if trailing := _TRAILING_NOTE.search(text):
        notes.append(trailing.group(1).strip(" ,;"))
        text = text[: trailing.start()]
    if ext := _EXTENSION.search(text):
        extension = ext.group(1)
        text = text[: ext.start()]
    if leading := _LEADING_NOTE.match(text):
        notes.append(leading.group(1).strip())
        text = text[leading.end() :]
    return text.strip(), extension, [n for n in notes if n]


def _candidate(digits: str, plus: bool, default_region: str) -> str:
    """The text handed to phonenumbers, after the Russian habits (8..., 7..., 10 bare digits)."""
    if not plus and digits.startswith("00"):
        digits, plus = digits[2:], True
    elif not plus and digits.startswith("810") and len(digits) > 11:  # Russian international prefix 8-10
        digits, plus = digits[3:], True
    if plus:
        return "+" + digits
    if default_region.upper() in _TRUNK_EIGHT:
        if len(digits) < 10:
            raise NormalizationError("too_short", _MSG_PHONE_SHORT)
        if len(digits) == 10:
            return "+7" + digits
        if len(digits) == 11 and digits[0] in "78":
            return "+7" + digits[1:]
        # Anything else this long starts with a country code: 375..., 49..., as Excel keeps them.
        return "+" + digits
    # Elsewhere a leading 0 is the trunk prefix; long digit runs without it carry a country code.
    return "+" + digits if len(digits) >= 11 and not digits.startswith("0") else digits


def _region(number: phonenumbers.PhoneNumber) -> str:
    region = phonenumbers.region_code_for_number(number)
    if region:
        return region
    # Numbers outside the metadata's valid ranges (test blocks, new ranges) still need a country.
    if number.country_code == 7:
        return "KZ" if str(number.national_number).startswith("7") else "RU"
    return phonenumbers.region_code_for_country_code(number.country_code or 0)


# The common case of a Russian number and nothing else ("8 (912) 345-67-89", "+7 912 345 67 89"): what the
# full path below would make of it, without asking phonenumbers to parse it (an import spends most of its
# time there). A national number starting with 0 is left to the full path.
_PLAIN_RU = re.compile(
    r"^(\+7|7|8)?[\s(\-]*([1-9][0-9]{2})[\s)\-]*([0-9]{3})[\s\-]*([0-9]{2})[\s\-]*([0-9]{2})$"
)


def _plain_russian(text: str, default_region: str) -> Phone | None:
    match = _PLAIN_RU.match(text)
    if match is None or (match.group(1) is None and default_region.upper() not in _TRUNK_EIGHT):
        return None
    return Phone(e164="+7" + "".join(match.groups()[1:]), extension="", note="")


def normalize_phone(raw: str, default_region: str = "RU") -> Phone:
    text = unicodedata.normalize("NFKC", raw).strip().lstrip("'").strip()
    return _plain_russian(text, default_region) or _normalize_phone_fully(text, default_region)


def _normalize_phone_fully(text: str, default_region: str) -> Phone:
    text = _TEL_PREFIX.sub("", text)
    if not text:
        raise NormalizationError("too_short", _MSG_PHONE_SHORT)
    if _SCIENTIFIC.match(text):
        raise NormalizationError("invalid_phone", _MSG_PHONE_EXCEL)
    text, extension, notes = _split_notes(text)
    if _SEPARATORS.search(text):
        raise NormalizationError("multiple_phones", _MSG_PHONE_MANY)
    if not _PHONE_CHARS.match(text):
        raise NormalizationError("invalid_phone", _MSG_PHONE_CHARS)
    digits = re.sub(r"[^0-9]", "", text)
    if len(digits) > 17:  # E.164 allows 15; more is two numbers glued together
        raise NormalizationError("too_long", _MSG_PHONE_LONG)
    candidate = _candidate(digits, text.startswith("+"), default_region)
    try:
        number = phonenumbers.parse(candidate, default_region.upper())
    except phonenumbers.NumberParseException as exc:
        if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            raise NormalizationError("invalid_phone", _MSG_PHONE_COUNTRY) from None
        raise NormalizationError("too_short", _MSG_PHONE_SHORT) from None
    reason = phonenumbers.is_possible_number_with_reason(number)
    # Russia and Kazakhstan always have 10 national digits; the metadata also allows odd service lengths.
    if number.country_code == 7 and (length := len(phonenumbers.national_significant_number(number))) != 10:
        reason = _VR.TOO_SHORT if length < 10 else _VR.TOO_LONG
    if reason != _VR.IS_POSSIBLE:
        raise NormalizationError(*_REASONS.get(reason, ("invalid_phone", _MSG_PHONE_IMPOSSIBLE)))
    e164 = phonenumbers.format_number(number, _PNF.E164)
    return Phone(e164=e164, extension=extension, note=", ".join(notes))


def format_phone(e164: str, extension: str = "") -> str:
    if extension:
        from django.utils.translation import gettext

        # Translators: the extension of a phone number, as in "8 (495) 555-20-00 доб. 134".
        word = gettext("ext.")  # outside the f-string, where makemessages finds it
        suffix = f" {word} {extension}"
    else:
        suffix = ""
    if len(e164) == 12 and e164.startswith("+79") and e164[1:].isdecimal():
        # A Russian mobile number, most of any base: phonenumbers' national format, written directly.
        return f"8 ({e164[2:5]}) {e164[5:8]}-{e164[8:10]}-{e164[10:]}{suffix}"
    if len(e164) == 12 and e164.startswith("+7") and e164[1:].isdecimal():
        # Other numbers of Russia and Kazakhstan: an export of a million cards formats over a million
        # numbers, so each layout phonenumbers gives is kept by the number's first five national digits
        # (what its metadata chooses a layout by: crm/core/tests/test_phone_layouts.py; 70,000 at most)
        # and laid over the next number that starts the same way.
        layout = _LAYOUTS.get(e164[:7])
        if layout is None:
            layout = _LAYOUTS[e164[:7]] = _layout_of(e164)
        if layout:
            return layout % tuple(e164[2:]) + suffix
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164 + suffix  # display must never fail on a legacy value
    return _formatted(number) + suffix


_LAYOUTS: dict[str, str] = {}


def _formatted(number: phonenumbers.PhoneNumber) -> str:
    style = _PNF.NATIONAL if _region(number) == "RU" else _PNF.INTERNATIONAL
    return str(phonenumbers.format_number(number, style))


def _layout_of(e164: str) -> str:
    """The way phonenumbers writes this +7 number, with a ``%s`` for each of its 10 national digits
    ("8 (%s%s%s) %s%s%s-%s%s-%s%s"), or "" when its digits do not come out in order."""
    try:
        text = _formatted(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return ""
    national = e164[2:]
    positions = [i for i, char in enumerate(text) if char.isdecimal()]
    if len(positions) < 10 or "".join(text[i] for i in positions[-10:]) != national:
        return ""
    layout = list(text.replace("%", "%%"))
    for i in positions[-10:]:
        layout[i] = "%s"
    return "".join(layout)


_QUERY_CHARS = re.compile(r"^[0-9\s()+\-.]+$")


def phone_digits_query(raw: str) -> str | None:
    text = raw.strip()
    if not _QUERY_CHARS.match(text):
        return None
    digits = re.sub(r"[^0-9]", "", text)
    return digits if len(digits) >= 5 else None


def phone_tail(e164: str, length: int = 7) -> str:
    digits = re.sub(r"[^0-9]", "", e164)
    return digits[-length:] if length > 0 else ""


# ---------------------------------------------------------------------------------------------- e-mails
_MSG_EMAIL_INVALID = _("Enter a valid e-mail address, e.g. name@company.ru.")
_MSG_EMAIL_NO_ZONE = _('The e-mail domain has no zone, e.g. "yandex" instead of "yandex.ru".')
_MSG_EMAIL_X500 = _("This is an internal Exchange (X.500) address, not an e-mail address.")

_SERVICE_LOCAL = re.compile(
    r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer[-_.]?daemon|postmaster|bounces?)(?:[-_.].*)?$"
)
_ROLE_WORDS = (
    "info sales office support admin administrator hello contact contacts mail email help helpdesk hr job "
    "jobs career careers team marketing billing accounts accounting finance buh buhgalteria bux zakaz zakazy "
    "order orders zakupki snab secretary reception priem priemnaya manager press media service feedback "
    "enquiries inquiries webmaster hostmaster abuse security legal kadry ofis shop store opt dostavka client "
    "clients partner partners tender tenders"
)
_ROLE_LOCAL = frozenset(_ROLE_WORDS.split())


# The common case (ivan.petrov@firma.ru): plain ASCII that email-validator would return unchanged. Anything
# else (other characters, IDN or "xn--" domains, doubled hyphens, special-use zones) takes the full path.
_PLAIN_EMAIL = re.compile(
    r"^(?=.{6,254}$)(?=[^@]{1,64}@)[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@"
    r"(?!.*--)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
_SPECIAL_ZONES = tuple(SPECIAL_USE_DOMAIN_NAMES)


def _plain_email(text: str) -> str | None:
    if _PLAIN_EMAIL.match(text):
        domain = text.rsplit("@", 1)[1]
        if not any(domain == zone or domain.endswith("." + zone) for zone in _SPECIAL_ZONES):
            return text
    return None


def normalize_email(raw: str) -> str:
    text = raw.strip()
    if text[:7].lower() == "mailto:":
        text = text[7:].split("?", 1)[0].strip()
    if not text:
        raise NormalizationError("invalid_email", _MSG_EMAIL_INVALID)
    if text.startswith("/"):  # Outlook's "EX" type: /o=ExchangeLabs/ou=.../cn=Recipients/cn=...
        raise NormalizationError("invalid_email", _MSG_EMAIL_X500)
    text = text.lower()
    if plain := _plain_email(text):
        return plain
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        local, at, domain = text.rpartition("@")
        if local and at and domain and "." not in domain and "@" not in local:
            raise NormalizationError("invalid_email", _MSG_EMAIL_NO_ZONE) from None
        raise NormalizationError("invalid_email", _MSG_EMAIL_INVALID) from None


def _local_part(email: str) -> str:
    local, at, _domain = email.strip().lower().rpartition("@")
    return local.split("+", 1)[0] if at else ""


def is_service_email(email: str) -> bool:
    return bool(_SERVICE_LOCAL.match(_local_part(email)))


def is_role_email(email: str) -> bool:
    """Role mailboxes and service addresses: both are "not a person"."""
    local = _local_part(email)
    if not local:
        return False
    head, *rest = re.split(r"[-_.]", local)
    # "info2", "sales-msk", "info.spb" are roles; "hr.ivanova" is a person in HR.
    role = head.rstrip("0123456789") in _ROLE_LOCAL and all(len(t) <= 3 for t in rest)
    return role or is_service_email(email)


# ---------------------------------------------------------------------------------------------- names
# Kept lower-case when not the first word: Turkic patronymic parts can also end a "Surname Name Patronymic"
# line, while Western particles always precede a surname ("Anna Le" must stay capitalised).
_PATRONYMIC_PARTICLES = frozenset({"оглы", "кызы", "улы", "уулу", "гызы"})
_SURNAME_PARTICLES = frozenset(
    {"фон", "ван", "де", "ди", "дер", "ибн", "бин", "von", "van", "der", "den", "de", "di", "da", "du", "del"}
    | {"della", "dos", "das", "la", "le", "ibn", "bin"}
)
_NAME_PART = re.compile(r"([-'’.])")  # "." so that initials "и.и." become "И.И."


def _title_part(part: str) -> str:
    if not (part.isupper() or part.islower()):
        return part  # McDonald, DiCaprio: someone chose this case on purpose
    for i, char in enumerate(part):
        if char.isalpha():
            # title() rather than upper(): "ß" must become "Ss", or the result is ALL CAPS again.
            return part[:i] + char.title() + part[i + 1 :].lower()
    return part


def normalize_name(raw: str) -> str:
    words = unicodedata.normalize("NFC", raw).split()
    result = []
    for index, word in enumerate(words):
        lowered = word.lower()
        inner = 0 < index < len(words) - 1
        particle = (index > 0 and lowered in _PATRONYMIC_PARTICLES) or (
            inner and lowered in _SURNAME_PARTICLES
        )
        if particle and (word.isupper() or word.islower()):
            result.append(lowered)
        else:
            result.append("".join(_title_part(p) for p in _NAME_PART.split(word)))
    return " ".join(result)


_APOSTROPHES = frozenset("'’ʼ`´")


# Words of letters and digits with single spaces between them: what most names are, and what the full
# path below leaves as it is but for case and "ё".
_PLAIN_WORDS = re.compile(r"[^\W_]+(?: [^\W_]+)*")


def name_key(text: str) -> str:
    if _PLAIN_WORDS.fullmatch(text) and unicodedata.is_normalized("NFKC", text):
        return text.lower().replace("ё", "е")
    return _name_key_fully(text)


def _name_key_fully(text: str) -> str:
    chars = []
    for char in unicodedata.normalize("NFKC", text).lower().replace("ё", "е"):
        category = unicodedata.category(char)
        if char in _APOSTROPHES:
            continue  # O'Brien and OBrien are one key
        if category == "Pd":
            chars.append("-")
        elif category[0] in "PS":
            chars.append(" ")
        else:
            chars.append(char)
    return " ".join("".join(chars).split())


# ---------------------------------------------------------------------------------------------- dates
_MSG_DATE_FORMAT = _("Enter a date as DD.MM.YYYY, e.g. 14.03.1985.")
_MSG_DATE_IMPOSSIBLE = _("This date does not exist, e.g. 31 February.")
_MSG_DATE_RANGE = _("Enter a date between 01.01.1900 and 31.12.2199.")
_MSG_OFFSET = _("Give the time with a real time zone offset, from −12:00 to +14:00.")
# The offsets the world's time zones use. Python takes up to ±24 hours; PostgreSQL refuses beyond ±15:59,
# which made a moment like "…+22:30" a server error on PostgreSQL alone.
EARLIEST_OFFSET = datetime.timedelta(hours=-12)
LATEST_OFFSET = datetime.timedelta(hours=14)

# The dates a CRM can mean. Beyond them a value is a typo or a probe, and near the ends of what Python and
# the databases hold, converting it to UTC overflows (0001-01-01 at +05:00 has no UTC; PostgreSQL stores it
# "BC" and every later read of the row fails).
EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2199, 12, 31)
EARLIEST_MOMENT = datetime.datetime(1900, 1, 2, tzinfo=datetime.UTC)


def check_date_range(value: datetime.date | datetime.datetime) -> None:
    """Refuse a date or a moment outside ``EARLIEST``–``LATEST``, judged on its own calendar date, before
    any conversion that could overflow."""
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise NormalizationError("out_of_range", _MSG_DATE_RANGE)
    offset = value.utcoffset() if isinstance(value, datetime.datetime) else None
    if offset is not None and not EARLIEST_OFFSET <= offset <= LATEST_OFFSET:
        raise NormalizationError("invalid_offset", _MSG_OFFSET)


@dataclass(frozen=True)
class PartialDate:
    """A calendar date whose year may be unknown (birthdays from vCard --MM-DD, Mailchimp MM/DD)."""

    year: int | None
    month: int
    day: int

    def __post_init__(self) -> None:
        # A leap year stands in for an unknown one, so 29 February stays a valid birthday.
        try:
            datetime.date(2000 if self.year is None else self.year, self.month, self.day)
            if self.year is not None and self.year < 1000:
                raise ValueError(self.year)
        except (ValueError, TypeError):
            raise NormalizationError("invalid_date", _MSG_DATE_IMPOSSIBLE) from None
        if self.year is not None:
            check_date_range(datetime.date(self.year, self.month, self.day))

    def as_date(self) -> datetime.date | None:
        return None if self.year is None else datetime.date(self.year, self.month, self.day)


_MONTH_FORMS = (
    "января январь january;февраля февраль february;марта март march;апреля апрель april;мая май may;"
    "июня июнь june;июля июль july;августа август august;сентября сентябрь september;"
    "октября октябрь october;ноября ноябрь november;декабря декабрь december"
)
_MONTHS = {number: forms.split() for number, forms in enumerate(_MONTH_FORMS.split(";"), start=1)}
_YEAR_WORD = re.compile(r"(?<=[0-9])\s*(?:года|г\.?)$")
_VCARD_YEARLESS = re.compile(r"^--([0-9]{2})-?([0-9]{2})$")
_COMPACT = re.compile(r"^([0-9]{4})([0-9]{2})([0-9]{2})$")
_NUMERIC = re.compile(r"^([0-9]{1,4})([./-])([0-9]{1,2})(?:\2([0-9]{1,4}))?$")
_YEAR = r"([0-9]{4}|[0-9]{2})"
_DAY_MONTH = re.compile(rf"^([0-9]{{1,2}})(?:st|nd|rd|th)?[\s./-]*({_LETTER}+)\.?(?:[\s,./-]+{_YEAR})?$")
_MONTH_DAY = re.compile(rf"^({_LETTER}+)\.?\s*([0-9]{{1,2}})(?:st|nd|rd|th)?(?:,?\s+{_YEAR})?$")


def _month(word: str) -> int:
    # Any unambiguous prefix of 3+ letters: "мар", "сент", "Sept", "Mar".
    found = {m for m, forms in _MONTHS.items() for form in forms if len(word) >= 3 and form.startswith(word)}
    if len(found) != 1:
        raise NormalizationError("invalid_date", _MSG_DATE_FORMAT)
    return found.pop()


def _year(text: str | None) -> int | None:
    if text is not None and len(text) not in (2, 4):
        raise NormalizationError("invalid_date", _MSG_DATE_FORMAT)
    if text is None or len(text) == 4:
        return None if text is None else int(text)
    return (2000 if int(text) < 30 else 1900) + int(text)


def parse_date(raw: str) -> PartialDate:
    text = _YEAR_WORD.sub("", " ".join(raw.lower().split()))
    if not text:
        raise NormalizationError("invalid_date", _MSG_DATE_FORMAT)
    if match := _VCARD_YEARLESS.match(text):
        return PartialDate(None, int(match.group(1)), int(match.group(2)))
    if match := _COMPACT.match(text):
        return PartialDate(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if match := _NUMERIC.match(text):
        first, sep, second, third = match.groups()
        if len(first) == 4:
            if third is None or len(third) > 2:
                raise NormalizationError("invalid_date", _MSG_DATE_FORMAT)
            return PartialDate(int(first), int(second), int(third))
        if len(first) > 2 or (sep == "-" and third is None):  # a yearless "07-21" could be either order
            raise NormalizationError("invalid_date", _MSG_DATE_FORMAT)
        a, b = int(first), int(second)
        # "/" is the US export habit (Outlook, Mailchimp): M/D unless the first part cannot be a month.
        # "." and "-" are Russian: D.M unless the second part cannot be a month.
        month_first = a <= 12 if sep == "/" else a <= 12 < b
        month, day = (a, b) if month_first else (b, a)
        return PartialDate(_year(third), month, day)
    if match := _DAY_MONTH.match(text):
        return PartialDate(_year(match.group(3)), _month(match.group(2)), int(match.group(1)))
    if match := _MONTH_DAY.match(text):
        return PartialDate(_year(match.group(3)), _month(match.group(1)), int(match.group(2)))
    raise NormalizationError("invalid_date", _MSG_DATE_FORMAT)


# ---------------------------------------------------------------------------------------------- amounts
_MSG_NUMBER = _("Enter a number, e.g. 1 234,56.")
_MSG_NUMBER_CURRENCY = _("Enter the amount in roubles: other currencies are not converted here.")

_RUB = r"(?:₽|руб(?:лей|ля|ль)?\.?|р\.?|rub\.?|rur)"
_RUB_EDGES = re.compile(rf"^{_RUB}\s*|\s*{_RUB}$", re.IGNORECASE)
_FOREIGN = re.compile(r"[$€£¥₸]|(?<![a-z])(?:usd|eur|gbp|cny|kzt|byn|uah)(?![a-z])", re.IGNORECASE)
_AMOUNT = re.compile(r"^([+\-−]?)\s*([0-9][0-9 .,]*)$")


def _grouped(text: str, thousands: str) -> str:
    groups = re.split(rf"[ {re.escape(thousands)}]", text) if thousands else text.split(" ")
    if len(groups) > 1 and not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
        raise NormalizationError("invalid_number", _MSG_NUMBER)
    return "".join(groups)


def parse_decimal(raw: str) -> decimal.Decimal:
    # NFKC turns the NBSP and narrow NBSP that Excel and amoCRM put between thousands into plain spaces.
    text = unicodedata.normalize("NFKC", raw).strip()
    if _FOREIGN.search(text):
        raise NormalizationError("invalid_number", _MSG_NUMBER_CURRENCY)
    match = _AMOUNT.match(_RUB_EDGES.sub("", text).strip())
    if not match:
        raise NormalizationError("invalid_number", _MSG_NUMBER)
    sign, body = match.groups()
    sign = "-" if sign in ("-", "−") else ""
    if "," in body and "." in body:
        decimal_sep = "," if body.rfind(",") > body.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
    elif body.count(",") == 1 or body.count(".") == 1:
        # A lone separator is decimal: "1234,5" from Russian Excel, "1234.56" from everything else.
        decimal_sep, thousands = ("," if "," in body else "."), ""
    else:
        decimal_sep, thousands = "", ("," if "," in body else ".")
    whole, _sep, fraction = body.rpartition(decimal_sep) if decimal_sep else (body, "", "")
    if decimal_sep and (not fraction.isdecimal() or not whole.strip()):
        raise NormalizationError("invalid_number", _MSG_NUMBER)
    digits = _grouped(whole.strip(), thousands)
    if not digits.isdecimal():
        raise NormalizationError("invalid_number", _MSG_NUMBER)
    return decimal.Decimal(sign + digits + ("." + fraction if fraction else ""))


# ---------------------------------------------------------------------------------------------- requisites
_MSG_INN_LENGTH = _("An INN has 10 digits (organisation) or 12 digits (individual), digits only.")
_MSG_INN_REGION = _("An INN cannot start with 00.")
_MSG_INN_CHECKSUM = _("The INN check digits do not match: there is a typo in the number.")
_MSG_KPP = _("A KPP has 9 characters: 4 digits, 2 digits or capital Latin letters, 3 digits.")
_MSG_OGRN_LENGTH = _("An OGRN has 13 digits and an OGRNIP has 15 digits, digits only.")
_MSG_OGRN_KIND = _("An OGRN starts with 1 or 5, and an OGRNIP starts with 3.")
_MSG_OGRN_CHECKSUM = _("The OGRN check digit does not match: there is a typo in the number.")

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN11_WEIGHTS = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_KPP = re.compile(r"^[0-9]{4}[0-9A-Z]{2}[0-9]{3}$")


def _inn_check(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10)


def normalize_inn(raw: str) -> str:
    inn = "".join(raw.split())
    if not inn.isascii() or not inn.isdecimal() or len(inn) not in (10, 12):
        raise NormalizationError("invalid_inn", _MSG_INN_LENGTH)
    if inn.startswith("00"):  # no such region; "0000000000" is the usual placeholder
        raise NormalizationError("invalid_inn", _MSG_INN_REGION)
    checks = [(9, _INN10_WEIGHTS)] if len(inn) == 10 else [(10, _INN11_WEIGHTS), (11, _INN12_WEIGHTS)]
    if any(inn[i] != _inn_check(inn[:i], weights) for i, weights in checks):
        raise NormalizationError("invalid_inn", _MSG_INN_CHECKSUM)
    return inn


def normalize_kpp(raw: str) -> str:
    kpp = "".join(raw.split()).upper()
    if not _KPP.match(kpp):
        raise NormalizationError("invalid_kpp", _MSG_KPP)
    return kpp


def normalize_ogrn(raw: str) -> str:
    ogrn = "".join(raw.split())
    if not ogrn.isascii() or not ogrn.isdecimal() or len(ogrn) not in (13, 15):
        raise NormalizationError("invalid_ogrn", _MSG_OGRN_LENGTH)
    # 2, 4, 6-9 start ГРН record numbers, which have the same shape but are not registration numbers.
    if (len(ogrn) == 13 and ogrn[0] not in "15") or (len(ogrn) == 15 and ogrn[0] != "3"):
        raise NormalizationError("invalid_ogrn", _MSG_OGRN_KIND)
    modulus = 11 if len(ogrn) == 13 else 13
    if int(ogrn[:-1]) % modulus % 10 != int(ogrn[-1]):
        raise NormalizationError("invalid_ogrn", _MSG_OGRN_CHECKSUM)
    return ogrn
