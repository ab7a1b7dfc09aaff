"""vCard 2.1, 3.0 and 4.0 files: one row per card, its values under flat keys.

vobject does the line work: unfolding (a fold starts with a space or a TAB), vCard 2.1 quoted-printable
soft line breaks (the bytes are joined before decoding, so a break between the two bytes of one UTF-8
letter is harmless), ``CHARSET=`` (e.g. windows-1251), parameters, groups, and backslash escapes. Its
component layer is not used: it keeps only the first comma-separated part of a text value (``+7 495
555-20-00,134`` loses its extension, a 2.1 note loses all after its first comma) and gives up on a file
whose last card has no ``END:VCARD``. So the cards are cut here and each value is read from its line.

Keys of ``Row.cells`` (a key is present in every row, empty where the card has no such value):

====================  ==================================================================================
``version``           ``2.1``, ``3.0`` or ``4.0``
``kind``              KIND (4.0): ``individual``, ``org``, ``group``, ``location``
``uid``               UID as written (``urn:uuid:…``); a group's ``member.N`` point at these
``fn``                FN, the display name, as written (spaces not tidied)
``n.family``, ``n.given``, ``n.additional``, ``n.prefix``, ``n.suffix``: the parts of N
``nickname``          NICKNAME (or Android 2.1's ``X-ANDROID-CUSTOM:vnd.android.cursor.item/nickname``)
``org``, ``org.unit`` ORG: the organisation and the rest of its parts (the department), ``;``-joined
``title``, ``role``   TITLE, ROLE
``bday``              BDAY as written: ``1985-03-14``, ``19850314``, ``--07-21``, ``--1102``, or text
                      (``VALUE=text``: ``примерно 1980``); ``anniversary`` likewise
``gender``            GENDER as written (``F``, ``M``, ``O;text``)
``note``              NOTE, with its line breaks; several NOTE lines are joined by a line break
``categories``        CATEGORIES, comma-joined (all CATEGORIES lines of the card)
``tel.N``             the N-th TEL (from 1, in the order of the card), raw: ``+7 495 555-20-00,134``,
                      ``tel:+7-495-555-20-00;ext=134``; ``tel.N.type`` its types lower-cased and
                      comma-joined (``cell,voice``; an iOS label ``_$!<Mobile>!$_`` adds ``mobile``),
                      ``tel.N.label`` a custom iOS label (``item1.X-ABLabel:Дача``) as written,
                      ``tel.N.pref`` ``1`` or the PREF rank when the value is preferred
``email.N``           EMAIL, with ``.type``, ``.label``, ``.pref`` as for phones
``adr.N.pobox``, ``adr.N.extended``, ``adr.N.street``, ``adr.N.city``, ``adr.N.region``, ``adr.N.code``,
``adr.N.country``     the parts of ADR; with ``.type``, ``.label``, ``.pref``, and ``adr.N.formatted``
                      (4.0's ``LABEL=`` parameter, with its line breaks)
``url.N``             URL, with ``.type``, ``.label``, ``.pref``
``impp.N``            IMPP as written (``xmpp:…``, ``x-apple:olga_iv``), with ``.type``, ``.label``,
                      ``.pref`` and ``impp.N.service`` (iOS ``X-SERVICE-TYPE``, e.g. ``Telegram``)
``x-socialprofile.N`` iOS X-SOCIALPROFILE, with ``.type``, ``.label``, ``.pref``
``member.N``          MEMBER of a ``KIND:group`` card, as written
====================  ==================================================================================

PHOTO, LOGO, SOUND, KEY and unknown properties are skipped. Of 4.0 alternatives (``ALTID``, e.g. an FN in
Russian and in English) one is kept, the Russian one if there is one, else the first: they describe one
contact, not two.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext
from vobject.base import VObjectError, getLogicalLines, textLineToContentLine
from vobject.icalendar import stringToTextValues

from crm.imports.readers.encodings import Decoded
from crm.imports.readers.errors import NOT_A_VCARD, UnreadableFile, too_many_columns
from crm.imports.readers.table import MAX_COLUMNS, Problem, Row, Table, is_blank, long_cell_problem

N_PARTS = ("family", "given", "additional", "prefix", "suffix")
ADR_PARTS = ("pobox", "extended", "street", "city", "region", "code", "country")
REPEATED = {"TEL", "EMAIL", "ADR", "URL", "IMPP", "X-SOCIALPROFILE", "MEMBER"}
SCALARS = {"KIND", "UID", "FN", "TITLE", "ROLE", "BDAY", "ANNIVERSARY", "GENDER", "NICKNAME"}
# vCard 2.1 writes types bare (TEL;CELL;PREF:…); these bare words are encodings, not types.
NOT_TYPES = {"quoted-printable", "base64", "b", "8bit", "7bit", "pref"}
IOS_LABEL = re.compile(r"^_\$!<(.*)>!\$_$")
ANDROID_NICKNAME = "vnd.android.cursor.item/nickname"
PREFERRED_LANGUAGE = "ru"


@dataclass
class _Card:
    lines: list[Any] = field(default_factory=list)  # vobject ContentLine
    closed: bool = False


def read_vcards(decoded: Decoded, problems: list[Problem]) -> Table:
    rows: list[Row] = []
    skipped = 0
    keys: set[str] = set()
    for number, (card, unreadable) in enumerate(_cards(decoded.text), start=1):
        skipped += unreadable
        cells = card_cells(card.lines)
        keys.update(cells)
        if len(keys) > MAX_COLUMNS:  # every row gets every key: past this it is not a table of contacts
            raise too_many_columns(MAX_COLUMNS)
        problem = long_cell_problem(cells) if card.closed else gettext("vCard cut off (no END:VCARD)")
        rows.append(Row(number=number, cells=cells, problem=problem))
    if skipped:
        message = gettext("Lines of the file that could not be read and were skipped: {count}.")
        problems.append(Problem("unreadable-lines", message.format(count=skipped)))
    if not rows:
        raise UnreadableFile(NOT_A_VCARD)
    headers = sorted(keys, key=_natural)
    uniform = [
        Row(
            number=row.number,
            cells={key: row.cells.get(key, "") for key in headers},
            problem=row.problem,
            empty=all(is_blank(row.cells[key]) for key in row.cells if key != "version"),
        )
        for row in rows
    ]
    return Table(
        format="vcard",
        encoding=decoded.encoding,
        delimiter=None,
        headers=headers,
        rows=uniform,
        problems=problems,
    )


def _cards(text: str) -> Iterator[tuple[_Card, int]]:
    """Each card with the number of its lines that could not be read. A BEGIN before the open card's
    END, or the end of the file, leaves that card unclosed."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    card: _Card | None = None
    unreadable = 0
    for logical, number in getLogicalLines(io.StringIO(text), allowQP=True):
        try:
            line = textLineToContentLine(logical, number)
        # A malformed line, an unknown CHARSET, a value its CHARSET cannot decode, a repeated ENCODING.
        except (VObjectError, ValueError, LookupError, TypeError):
            if card is not None:
                unreadable += 1
            continue
        name, value = line.name, str(line.value).strip().upper()
        if name == "BEGIN" and value == "VCARD":
            if card is not None:
                yield card, unreadable
            card, unreadable = _Card(), 0
        elif name == "END" and value == "VCARD" and card is not None:
            card.closed = True
            yield card, unreadable
            card = None
        elif card is not None:
            card.lines.append(line)
    if card is not None:
        yield card, unreadable


def card_cells(lines: list[Any]) -> dict[str, str]:
    version = next((str(line.value).strip() for line in lines if line.name == "VERSION"), "")
    unescape = version != "2.1"  # 2.1 has no backslash escapes in plain text values
    labels = {
        line.group.lower(): str(line.value).strip()
        for line in lines
        if line.name == "X-ABLABEL" and line.group
    }
    cells: dict[str, str] = {}
    counts: dict[str, int] = {}
    if version:
        cells["version"] = version
    for line in _without_alternatives(lines):
        name = line.name
        if name in SCALARS:
            text = _text(line, unescape)
            if text and not cells.get(name.lower()):
                cells[name.lower()] = text
        elif name == "N":
            for part, value in zip(N_PARTS, _parts(line, unescape), strict=False):
                if value:
                    cells[f"n.{part}"] = value
        elif name == "ORG":
            parts = [part for part in _parts(line, unescape) if part]
            if parts:
                cells["org"] = parts[0]
            if len(parts) > 1:
                cells["org.unit"] = ";".join(parts[1:])
        elif name == "NOTE":
            text = _text(line, unescape)
            if text:
                cells["note"] = f"{cells['note']}\n{text}" if cells.get("note") else text
        elif name == "CATEGORIES":
            text = _text(line, unescape)
            if text:
                cells["categories"] = f"{cells['categories']},{text}" if cells.get("categories") else text
        elif name == "X-ANDROID-CUSTOM":
            parts = _parts(line, unescape)
            if len(parts) > 1 and parts[0] == ANDROID_NICKNAME and parts[1] and not cells.get("nickname"):
                cells["nickname"] = parts[1]
        elif name in REPEATED:
            _add_repeated(cells, counts, line, unescape, labels)
    return cells


def _add_repeated(
    cells: dict[str, str], counts: dict[str, int], line: Any, unescape: bool, labels: dict[str, str]
) -> None:
    prefix = line.name.lower()
    if line.name == "ADR":
        parts = dict(zip(ADR_PARTS, _parts(line, unescape), strict=False))
        if not any(parts.values()):
            return
        number = counts[prefix] = counts.get(prefix, 0) + 1
        key = f"{prefix}.{number}"
        cells.update({f"{key}.{part}": value for part, value in parts.items() if value})
        if formatted := _param(line, "LABEL"):
            cells[f"{key}.formatted"] = formatted.replace("\\n", "\n").replace("\\N", "\n")
    else:
        value = _text(line, unescape)
        if not value:
            return
        number = counts[prefix] = counts.get(prefix, 0) + 1
        key = f"{prefix}.{number}"
        cells[key] = value
        if service := _param(line, "X-SERVICE-TYPE"):
            cells[f"{key}.service"] = service
    types, pref = _types(line)
    label = labels.get(line.group.lower()) if line.group else None
    if label and (ios := IOS_LABEL.match(label)):
        types.append(ios.group(1).lower())
    elif label:
        cells[f"{key}.label"] = label
    if types:
        cells[f"{key}.type"] = ",".join(dict.fromkeys(types))
    if pref:
        cells[f"{key}.pref"] = pref


def _types(line: Any) -> tuple[list[str], str]:
    words = [word for value in line.params.get("TYPE", []) for word in str(value).split(",")]
    words += [str(word) for word in line.singletonparams]
    types = [word.strip().lower() for word in words if word.strip()]
    pref = _param(line, "PREF") or ("1" if "pref" in types else "")
    return [word for word in types if word not in NOT_TYPES], pref


def _param(line: Any, name: str) -> str:
    values = line.params.get(name) or [""]
    return str(values[0]).strip()


def _text(line: Any, unescape: bool) -> str:
    value = str(line.value)
    if unescape:
        # vobject splits at unescaped commas; joining them back keeps the value whole.
        value = ",".join(stringToTextValues(value))
    return value.strip()


def _parts(line: Any, unescape: bool) -> list[str]:
    parts = stringToTextValues(str(line.value), listSeparator=";", charList=";")
    if unescape:
        parts = [",".join(stringToTextValues(part)) for part in parts]
    return [part.strip() for part in parts]


def _without_alternatives(lines: list[Any]) -> list[Any]:
    """Of the lines sharing a property name and an ALTID, the Russian one, else the first."""
    chosen: dict[tuple[str, str], Any] = {}
    for line in lines:
        altid = _param(line, "ALTID")
        if not altid:
            continue
        key = (line.name, altid)
        if key not in chosen or (
            _param(line, "LANGUAGE").lower().startswith(PREFERRED_LANGUAGE)
            and not _param(chosen[key], "LANGUAGE").lower().startswith(PREFERRED_LANGUAGE)
        ):
            chosen[key] = line
    return [
        line
        for line in lines
        if not _param(line, "ALTID") or chosen[(line.name, _param(line, "ALTID"))] is line
    ]


def _natural(key: str) -> tuple[tuple[int, int | str], ...]:
    # tel.2 before tel.10
    return tuple((0, int(part)) if part.isdecimal() else (1, part) for part in key.split("."))
