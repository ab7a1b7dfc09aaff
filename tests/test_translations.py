"""Russian and English, both complete: every string of the interface has its Russian translation."""

from pathlib import Path

import polib

CATALOGUE = Path(__file__).resolve().parent.parent / "crm" / "locale" / "ru" / "LC_MESSAGES" / "django.po"


def test_the_russian_catalogue_has_no_missing_or_doubtful_translations():
    po = polib.pofile(str(CATALOGUE))
    missing = [e.msgid for e in po.untranslated_entries()]
    doubtful = [e.msgid for e in po.fuzzy_entries()]
    assert (missing, doubtful) == ([], [])


def test_placeholders_survive_translation():
    po = polib.pofile(str(CATALOGUE))
    import re

    for entry in po.translated_entries():
        wanted = sorted(re.findall(r"%\(\w+\)[sd]|\{\w+\}", entry.msgid))
        translations = [entry.msgstr] if entry.msgstr else list(entry.msgstr_plural.values())
        for text in translations:
            assert sorted(re.findall(r"%\(\w+\)[sd]|\{\w+\}", text)) == wanted, entry.msgid
