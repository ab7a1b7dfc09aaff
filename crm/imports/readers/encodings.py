"""Bytes to text for the text formats (CSV, HTML tables, vCard).

The choice is only ever among the encodings Russian exports really use: UTF-8 (with or without a BOM),
UTF-16 with a BOM (Excel's "Unicode text"), Windows-1251 and KOI8-R. A detector left free to choose among
all code pages confuses Russian text with mac-cyrillic, cp1125 or an East Asian code page, so
charset-normalizer is asked to decide between the two legacy Cyrillic code pages only, after UTF-8.
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass

from charset_normalizer import from_bytes
from django.utils.translation import gettext

from crm.imports.readers.errors import BINARY, UnreadableFile
from crm.imports.readers.table import Problem

LEGACY = ("cp1251", "koi8_r")
# Names as Python spells them, for Table.encoding.
NAMES = {"cp1251": "windows-1251", "koi8_r": "koi8-r"}
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16-be"),
)
# Text never holds these; a few per cent of them is what binary data decoded as text looks like.
ALLOWED_CONTROLS = frozenset("\t\n\r\f\v\x1a")
SAMPLE_CHARS = 65_536
# Python's names of the character sets HTML pages declare; other codecs (rot13, idna, zlib) are not text.
PAGE_CHARSETS = ("utf-8", "utf-16", "cp125", "cp866", "koi8", "iso8859", "mac-", "ascii", "windows-")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # as shown to the user: utf-8, utf-16-le, windows-1251, koi8-r
    replaced: bool = False  # some bytes could not be decoded and became U+FFFD


def decode(data: bytes, *, declared: str | None = None) -> Decoded:
    """The text of ``data``; ``declared`` is an encoding the file names itself (an HTML meta charset),
    which wins over guessing but not over a byte order mark."""
    for bom, codec, name in BOMS:
        if data.startswith(bom):
            return _checked(_decode(data, codec, name))
    if declared is not None and (codec_name := _text_codec(declared)) is not None:
        return _checked(_decode(data, codec_name, declared.lower()))
    if b"\x00" in data:
        raise UnreadableFile(BINARY)
    try:
        return _checked(Decoded(data.decode("utf-8"), "utf-8"))
    except UnicodeDecodeError as error:
        if error.reason == "unexpected end of data" and error.start >= len(data) - 3:
            # A UTF-8 file cut inside its last letter: keep it UTF-8 rather than read it as Windows-1251.
            return _checked(Decoded(data.decode("utf-8", errors="replace"), "utf-8", replaced=True))
    best = from_bytes(data, cp_isolation=list(LEGACY)).best()
    # charset-normalizer gives up on text it finds odd (one letter repeated, mostly digits); Windows-1251 is
    # then the likelier of the two, and binary data still fails the check for control characters.
    codec = best.encoding if best is not None and best.encoding in LEGACY else "cp1251"
    return _checked(_decode(data, codec, NAMES[codec]))


def replaced_problem() -> Problem:
    message = gettext("Some characters could not be read and were replaced with «�».")
    return Problem("replaced-characters", message)


def _text_codec(name: str) -> str | None:
    """The codec a page names, if it is a character set a page may name (not ``rot13``, ``idna``…)."""
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return codec if codec.startswith(PAGE_CHARSETS) else None


def _decode(data: bytes, codec: str, name: str) -> Decoded:
    try:
        return Decoded(data.decode(codec), name)
    except UnicodeDecodeError:
        return Decoded(data.decode(codec, errors="replace"), name, replaced=True)


def _checked(decoded: Decoded) -> Decoded:
    sample = decoded.text[:SAMPLE_CHARS]
    controls = sum(
        1 for char in sample if unicodedata.category(char) == "Cc" and char not in ALLOWED_CONTROLS
    )
    if "\x00" in sample or controls > max(2, len(sample) // 100):
        raise UnreadableFile(BINARY)
    return decoded
