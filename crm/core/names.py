"""What a Russian name is, whichever way it was written: Ё or Е, Cyrillic or Latin in any common scheme
(Юрий / Iurii / Yuriy / Jurij; Хохлов / Khokhlov / Hohlov), typed in the wrong keyboard layout ("Bdfyjd"
for "Иванов"), or a familiar form (Саша for Александр). Every spelling is brought to one sound key, so
two names compare by what they sound like; first names also to their full form.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import cyrtranslit

DIMINUTIVES_FILE = Path(__file__).parent / "data" / "diminutives_ru.txt"

_LAYOUT = str.maketrans(
    "qwertyuiop[]asdfghjkl;'zxcvbnm,.`QWERTYUIOP{}ASDFGHJKL:\"ZXCVBNM<>~",
    "йцукенгшщзхъфывапролджэячсмитьбюёЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮЁ",
)
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN_WORD = re.compile(r"^[a-z\[\];',.`]+$", re.IGNORECASE)

# Latin spellings folded to one: longest first, so "shch" is read before "sh" and "kh" before "h".
_FOLDS = (
    ("shch", "s"),
    ("shh", "s"),
    ("cz", "c"),
    ("sch", "s"),
    ("tch", "c"),
    ("zh", "z"),
    ("kh", "h"),
    ("ch", "c"),
    ("sh", "s"),
    ("ts", "c"),
    ("tz", "c"),
    ("yu", "u"),
    ("iu", "u"),
    ("ju", "u"),
    ("ya", "a"),
    ("ia", "a"),
    ("ja", "a"),
    ("yo", "e"),
    ("jo", "e"),
    ("ye", "e"),
    ("je", "e"),
    ("ks", "x"),
    ("ck", "k"),
    ("ph", "f"),
    ("w", "v"),
    ("q", "k"),
    ("y", "i"),
    ("j", "i"),
)


@functools.lru_cache(maxsize=200_000)
def sound_key(name: str) -> str:
    """A name as it sounds, in plain Latin letters: "Юрий", "Iurii", "Yuriy" and "Jurij" share one key,
    as do "Хохлов", "Khokhlov" and "Hohlov", "Семёнов" and "Semenov"."""
    text = name.strip().lower().replace("ё", "е").replace("ъ", "").replace("ь", "")
    if not text:
        return ""
    if _CYRILLIC.search(text):
        text = cyrtranslit.to_latin(text, "ru").lower()
    text = re.sub(r"[^a-z]", "", text)
    for old, new in _FOLDS:
        text = text.replace(old, new)
    text = re.sub(r"(.)\1+", r"\1", text)  # doubled letters: "Алла" / "Ala", "Khokhlova" / "Hohlova"
    return re.sub(r"(?<=.)(ii|i)$", "i", text)


def from_wrong_layout(text: str) -> str | None:
    """ "Bdfyjd" typed on a Latin layout meaning "Иванов"; None when the text cannot be that."""
    word = text.strip()
    if not word or not _LATIN_WORD.match(word):
        return None
    converted = word.translate(_LAYOUT)
    vowels = sum(1 for c in converted.lower() if c in "аеёиоуыэюя")
    return converted if converted and 0.2 <= vowels / len(converted) <= 0.7 else None


@functools.cache
def _diminutives() -> dict[str, frozenset[str]]:
    forms: dict[str, set[str]] = {}
    for line in DIMINUTIVES_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        full, _sep, rest = line.partition(":")
        names = [full.strip(), *(n.strip() for n in rest.split(",") if n.strip())]
        for name in names:
            forms.setdefault(sound_key(name), set()).add(sound_key(full.strip()))
    return {key: frozenset(value) for key, value in forms.items()}


def full_forms(first_name: str) -> frozenset[str]:
    """The sound keys of the full names a first name can stand for: {"aleksandr", "aleksandra"} for
    "Саша"; the name's own key when it is no known familiar form."""
    key = sound_key(first_name)
    if not key:
        return frozenset()
    return _diminutives().get(key, frozenset({key}))


@functools.cache
def _forms_of_full() -> dict[str, frozenset[str]]:
    forms: dict[str, set[str]] = {}
    for form, fulls in _diminutives().items():
        for full in fulls:
            forms.setdefault(full, {full}).add(form)
    return {key: frozenset(value) for key, value in forms.items()}


def first_name_keys(name: str) -> frozenset[str]:
    """Every sound key a first name typed in search may stand for: its spellings (the wrong layout too),
    the full names they are forms of, and every other form of those: "Саша" finds Александр, Александра,
    Шура and Саша; "Aleksandr" finds Саша."""
    keys: set[str] = set()
    for key in spellings(name):
        for full in _diminutives().get(key, frozenset({key})):
            keys |= _forms_of_full().get(full, frozenset({full}))
        keys.add(key)
    return frozenset(keys)


def is_known_first_name(name: str) -> bool:
    """A name the dictionary knows (a full or familiar form), so a mismatch with another known one is real."""
    return sound_key(name) in _diminutives()


def spellings(name: str) -> set[str]:
    """The sound keys a written name may mean: itself, and what it says typed in the other layout."""
    keys = {sound_key(name)}
    fixed = from_wrong_layout(name)
    if fixed:
        keys.add(sound_key(fixed))
    return {k for k in keys if k}
