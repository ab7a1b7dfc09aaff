"""Any bytes under any name: ``read`` returns a Table or raises UnreadableFile, never another exception."""

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.imports.readers import Table, UnreadableFile, read

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = st.sampled_from(
    ["contacts.csv", "contacts.xlsx", "contacts.xls", "contacts.vcf", "export.txt", "noname"]
)
# Starts that steer the bytes into each reader: ZIP and OLE2 magic, HTML, vCard, BOMs.
PREFIXES = st.sampled_from(
    [
        b"",
        b"PK\x03\x04",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"<table><tr><td>",
        b'<meta charset="koi8-r"><table>',
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nNOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=x-unknown:=D0=",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
    ]
)
VCARD_LINES = st.sampled_from(
    [
        "N:Иванова;Ольга;;;",
        "ADR;TYPE=home:;;ул. Ленина\\, 5;Казань",
        "item1.TEL;type=pref:+7 903",
        "item1.X-ABLabel:_$!<Mobile>!$_",
        'TEL;PREF=x;TYPE="cell,voice";VALUE=uri:tel:+7;ext=1',
        "FN;ALTID=1;LANGUAGE=en:Olga",
        "FN;ALTID=1:Ольга",
        "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:=D0=",
        "NOTE;ENCODING=QUOTED-PRINTABLE;ENCODING=B:=D0",
        "=B0",
        " folded",
        "\tfolded",
        "X-ANDROID-CUSTOM:vnd.android.cursor.item/nickname",
        "MEMBER:urn:uuid:1",
        "BEGIN:VCARD",
        "END:VCARD",
        "",
    ]
)
CELLS = st.text(alphabet=st.sampled_from('ая Ё,;\t"\r\n=+@\\:'), max_size=12) | st.text(max_size=12)


def _outcome(data: bytes, filename: str) -> Table | None:
    try:
        return read(data, filename)
    except UnreadableFile as refused:
        message = str(refused)
    assert message
    return None


@SETTINGS
@given(prefix=PREFIXES, data=st.binary(max_size=2048), filename=NAMES)
def test_any_bytes_give_a_table_or_a_plain_refusal(prefix, data, filename):
    _outcome(prefix + data, filename)


@SETTINGS
@given(
    rows=st.lists(st.lists(CELLS, max_size=8), max_size=10),
    delimiter=st.sampled_from([",", ";", "\t"]),
    codec=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1251", "koi8_r"]),
)
def test_any_delimited_text_gives_a_table_or_a_plain_refusal(rows, delimiter, codec):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    try:
        data = buffer.getvalue().encode(codec)
    except UnicodeEncodeError:
        data = buffer.getvalue().encode("utf-8")
    outcome = _outcome(data, "contacts.csv")
    if outcome is not None:
        assert all(len(row.cells) == len(outcome.headers) for row in outcome.rows)
        assert "" not in outcome.headers


@SETTINGS
@given(lines=st.lists(VCARD_LINES | CELLS, max_size=20), version=st.sampled_from(["2.1", "3.0", "4.0"]))
def test_any_vcard_text_gives_a_table_or_a_plain_refusal(lines, version):
    text = f"BEGIN:VCARD\nVERSION:{version}\n" + "\n".join(lines)
    _outcome(text.encode(), "contacts.vcf")
