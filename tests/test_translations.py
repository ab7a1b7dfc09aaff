"""Russian and English, both complete: every string of the interface has its Russian translation."""

import re
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


GETTEXT_CALLS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}


def _source_messages() -> dict[str, str]:
    """Every constant string the Python code marks for translation, with where it is."""
    import ast

    root = CATALOGUE.parents[3]
    found: dict[str, str] = {}
    for path in sorted(root.glob("**/*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            args = node.args[1:] if name.startswith("pgettext") else node.args
            first = args[0] if name in GETTEXT_CALLS and args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.setdefault(first.value, f"{path.relative_to(root)}:{node.lineno}")
    return found


_CALL = re.compile(r"\b(n?p?gettext)\(((?:\s*u'(?:[^'\\]|\\.)*'\s*,?)+)")
_LITERAL = re.compile(r"u('(?:[^'\\]|\\.)*')")


def _template_messages() -> dict[str, str]:
    """Every message the templates mark ({% translate %}, {% blocktranslate %}), as Django's own
    extraction (``templatize``, what makemessages uses) sees it."""
    import ast

    from django.utils.translation.template import templatize

    root = CATALOGUE.parents[3]
    found: dict[str, str] = {}
    for path in sorted(root.glob("**/templates/**/*.html")):
        for call in _CALL.finditer(templatize(path.read_text(encoding="utf-8"), origin=str(path))):
            literals = [ast.literal_eval(m) for m in _LITERAL.findall(call.group(2))]
            msgid = literals[1] if call.group(1).startswith(("pgettext", "npgettext")) else literals[0]
            found.setdefault(msgid, str(path.relative_to(root)))
    return found


def test_every_message_the_code_marks_for_translation_is_in_the_russian_catalogue():
    po = polib.pofile(str(CATALOGUE))
    known = {e.msgid for e in po}
    missing = {msgid: where for msgid, where in _source_messages().items() if msgid not in known}
    assert missing == {}


def test_every_message_the_templates_mark_for_translation_is_in_the_russian_catalogue(settings):
    po = polib.pofile(str(CATALOGUE))
    known = {e.msgid for e in po}
    missing = {msgid: where for msgid, where in _template_messages().items() if msgid not in known}
    assert missing == {}
