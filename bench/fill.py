"""``python -m bench fill``: a realistic Russian client base, loaded straight into the tables.

This is a benchmark fixture, not a product path: 1,000,000 cards through ``crm.contacts.services`` would
take hours, so the rows are written in bulk (COPY on PostgreSQL, executemany in large transactions on
SQLite) with the secondary indexes dropped during the load and rebuilt after it. The rows are built to
look exactly like what the services write: E.164 phones with their 7-digit tail, lower-case e-mails,
``name_key`` from ``crm.contacts.normalize.name_key``, ``department`` copied from the owner, one primary
phone / e-mail / employment, a status history row for each status set, a "create" journal entry per
card, the FTS5 tables filled on SQLite and the typo vocabulary (``SearchWord``) rebuilt. Values are
sampled from lists with ``random.Random(seed)``.

Custom fields (``bench/custom.py``): 20 contact fields are defined through ``crm.fields.services`` before
the load; every card gets its record type, custom values in the stored formats and its completeness in
the same rows, and the filterable fields' expression indexes are built after the load by the product's
``crm.fields.indexes.ensure_index``, outside the load's transaction.
"""

from __future__ import annotations

import datetime
import json
import random
import re
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from bench import data
from bench.custom import CustomValues, ensure_fields, filterable_specs
from bench.data import words
from crm.accounts.models import Department, Role, User
from crm.contacts.models import (
    Company,
    CompanyEmail,
    CompanyPhone,
    Contact,
    ContactEmail,
    ContactMessenger,
    ContactPhone,
    ContactStatus,
    Employment,
    StatusChange,
    Tag,
)
from crm.contacts.services import search_index
from crm.contacts.services.card_values import snapshot
from crm.core.audit import diff
from crm.core.models import AuditEntry
from crm.core.names import sound_key
from crm.core.normalize import name_key
from crm.fields import indexes
from crm.fields.schema import schema_for

OUT_DIR = Path(settings.BASE_DIR) / "var" / "bench"
CHUNK = 20_000
YEARS = 3
DEPARTMENTS = [
    "Отдел продаж Москва",
    "Отдел продаж Санкт-Петербург",
    "Отдел продаж Регионы",
    "Отдел корпоративных продаж",
    "Отдел по работе с партнерами",
]
ADMIN, MANAGER = "bench_admin", "bench_m01"  # the users `measure` logs in as

# Column order of every bulk-loaded table; checked against the models so a schema change fails loudly.
COLUMNS: dict[Any, tuple[str, ...]] = {
    Company: tuple(f.column for f in Company._meta.local_concrete_fields),
    Company.tags.through: ("id", "company_id", "tag_id"),
    Contact: tuple(f.column for f in Contact._meta.local_concrete_fields),
    Contact.tags.through: ("id", "contact_id", "tag_id"),
    ContactPhone: words(
        "id contact_id number extension tail kind is_primary note verified_at verified_by_id "
        "verification_method position is_shared"
    ),
    ContactEmail: words(
        "id contact_id address kind is_primary verified_at verified_by_id verification_method position"
    ),
    CompanyPhone: words(
        "id company_id number extension tail kind is_primary note verified_at verified_by_id "
        "verification_method position is_shared"
    ),
    CompanyEmail: words(
        "id company_id address kind is_primary verified_at verified_by_id verification_method position"
    ),
    ContactMessenger: ("id", "contact_id", "kind", "handle", "position"),
    Employment: ("id", "contact_id", "company_id", "position", "is_primary"),
    StatusChange: ("id", "contact_id", "from_status_id", "to_status_id", "at", "by_id"),
    AuditEntry: words(
        "id at actor_id actor_name channel ip action object_type object_id object_repr changes batch"
    ),
}


def _default(field: Any) -> Any:
    value = field.get_default()
    return json.dumps(value) if isinstance(value, dict | list) else value


# What a card column the fill leaves alone holds (cards' columns follow the models and the declarations).
DEFAULTS = {
    model: {f.column: _default(f) for f in model._meta.local_concrete_fields} for model in (Company, Contact)
}


def national(e164: str, extension: str = "") -> str:
    """crm.contacts.normalize.format_phone for Russian numbers, without parsing: 8 (916) 123-45-67."""
    d = e164[2:]
    return f"8 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}" + (f" доб. {extension}" if extension else "")


def check_digit(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(c) * w for c, w in zip(digits, weights, strict=True)) % 11 % 10)


def inn10(rng: random.Random) -> str:
    digits = f"{rng.randint(1, 92):02d}{rng.randrange(10**7):07d}"
    return digits + check_digit(digits, (2, 4, 10, 3, 5, 9, 4, 6, 8))


def inn12(rng: random.Random) -> str:
    digits = f"{rng.randint(1, 92):02d}{rng.randrange(10**8):08d}"
    digits += check_digit(digits, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8))
    return digits + check_digit(digits, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8))


def ogrn(rng: random.Random, individual: bool) -> str:
    if individual:
        head = f"3{rng.randint(4, 24):02d}{rng.randrange(10**11):011d}"
        return head + str(int(head) % 13 % 10)
    head = f"1{rng.randint(2, 24):02d}{rng.randrange(10**9):09d}"
    return head + str(int(head) % 11 % 10)


class Loader:
    """Bulk writes for the current database: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self.pg = self.vendor == "postgresql"
        if self.vendor not in ("postgresql", "sqlite"):
            raise SystemExit(f"unsupported database: {self.vendor}")

    def ts(self, seconds: float) -> str:
        """A timestamp as Django stores it: UTC; SQLite keeps it as naive text."""
        value = datetime.datetime.fromtimestamp(seconds, datetime.UTC).isoformat(" ")
        return value if self.pg else value[:-6]

    def prepare(self) -> None:
        """Session settings for the load (run before the transaction)."""
        connection.ensure_connection()
        with connection.cursor() as cursor:
            if self.pg:
                cursor.execute("SET maintenance_work_mem = '1GB'")
            else:
                for pragma in (
                    "journal_mode=DELETE",
                    "synchronous=OFF",
                    "foreign_keys=OFF",
                    "cache_size=-1000000",
                ):
                    cursor.execute(f"PRAGMA {pragma}")

    def begin_load(self) -> None:
        if self.pg:  # rows are consistent by construction: skip the per-row foreign key triggers
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")

    def drop_indexes(self, tables: Iterable[str]) -> list[tuple[str, str]]:
        """Drop the non-constraint indexes of ``tables``; return their names and the statements rebuilding
        them."""
        statements = []
        with connection.cursor() as cursor:
            for table in tables:
                if self.pg:
                    cursor.execute(
                        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT EXISTS "
                        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                        [table],
                    )
                else:
                    cursor.execute(
                        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                        "AND sql IS NOT NULL",
                        [table],
                    )
                for name, sql in cursor.fetchall():
                    cursor.execute(f'DROP INDEX "{name}"' if not self.pg else f"DROP INDEX {name}")
                    statements.append((name, sql))
        return statements

    def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        names = ", ".join(columns)
        if self.pg:
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:  # the sqlite3 connection itself, bypassing Django's placeholder rewriting
            marks = ", ".join("?" * len(columns))
            connection.connection.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    def finish(self, tables: list[str], rebuild: list[str], first_ids: dict[str, int]) -> None:
        with connection.cursor() as cursor:
            for sql in rebuild:
                cursor.execute(sql)
            if self.pg:
                for table in tables:
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {table}))",
                        [table],
                    )
            else:
                for kind in ("contact", "company"):
                    cursor.execute(
                        f"INSERT INTO contacts_{kind}_fts (rowid, name) "
                        f"SELECT id, name_key FROM contacts_{kind} WHERE id >= %s",
                        [first_ids[f"contacts_{kind}"]],
                    )

    def analyze(self, tables: list[str]) -> None:
        with connection.cursor() as cursor:
            if self.pg:  # VACUUM also sets the visibility map, as autovacuum would on a live database
                for table in tables:
                    cursor.execute(f"VACUUM ANALYZE {table}")
            else:
                cursor.execute("ANALYZE")
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                cursor.execute("PRAGMA journal_mode=WAL")


class Generator:
    """Builds the rows of every table, chunk by chunk, from one seeded random stream."""

    def __init__(self, loader: Loader, seed: int, users: dict[str, Any], first_ids: dict[str, int]) -> None:
        self.rng = random.Random(seed)
        self.end = time.time()
        # A stream of its own, so the standard columns stay what they were before custom fields existed.
        self.custom = CustomValues(seed * 7 + 3, users["user_ids"], self.end)
        self.company_schema = schema_for("company")
        self.loader = loader
        self.owners = users["owners"]  # [(id, department_id, full name)]
        self.manager_id = users["manager_id"]
        self.statuses = list(ContactStatus.objects.values_list("pk", "name"))
        self.tags = list(Tag.objects.filter(name__in=data.TAGS).values_list("pk", "name"))
        self.ids = dict(first_ids)
        self.rows: dict[str, list[tuple[Any, ...]]] = {table: [] for table in first_ids}
        self.start = self.end - YEARS * 365 * 86400
        self.phones: set[str] = set()
        self.emails: set[str] = set()
        self.inns: set[str] = set()
        self.latin: dict[str, str] = {}
        self.companies: list[tuple[int, str, str]] = []  # (id, name, domain)
        self.by_owner: dict[int, list[tuple[int, str, str]]] = {}
        self.sample: dict[str, list[Any]] = {"contacts": [], "manager_contacts": [], "inns": []}
        self.name_weights = [1 / (rank + 20) for rank in range(len(data.LAST_NAMES))]
        self.male_weights = [1 / (rank + 8) for rank in range(len(data.MALE_FIRST))]
        self.female_weights = [1 / (rank + 8) for rank in range(len(data.FEMALE_FIRST))]

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table] - 1

    def add(self, model: Any, *row: Any) -> None:
        table = model._meta.db_table
        self.rows[table].append((self.next_id(table), *row))

    def add_named(self, model: Any, values: dict[str, Any]) -> None:
        """A card's row by column name; a column the fill does not set takes its field's default, so a
        standard field declared tomorrow needs no change here."""
        table = model._meta.db_table
        defaults = DEFAULTS[model]
        pk = self.next_id(table)
        self.rows[table].append(
            tuple(pk if c == "id" else values[c] if c in values else defaults[c] for c in COLUMNS[model])
        )

    def flush(self) -> None:
        for model, columns in COLUMNS.items():
            table = model._meta.db_table
            self.loader.write(table, columns, self.rows[table])
            self.rows[table] = []

    def to_latin(self, word: str) -> str:
        if word not in self.latin:
            self.latin[word] = word.lower().translate(data.TRANSLIT).replace(" ", "")
        return self.latin[word]

    def moment(self, fraction: float) -> float:
        """Creation times rise with the id (as they do when cards are added), with some jitter."""
        jitter = self.rng.uniform(-43200, 43200)
        return min(self.end, self.start + fraction * (self.end - self.start) + jitter)

    def journal(
        self, at: float, owner: tuple[int, int, str], kind: str, pk: int, title: str, snap: dict
    ) -> None:
        changes = diff({}, snap)
        self.add(
            AuditEntry,
            self.loader.ts(at),
            owner[0],
            owner[2],
            "import",
            None,
            "create",
            f"contacts.{kind}",
            pk,
            title[:255],
            json.dumps(changes),
            None,  # no batch: the fixture stands for a base built over years
        )

    def unique_phone(self, prefix: str, digits: int) -> str:
        while True:
            number = f"+7{prefix}{self.rng.randrange(10**digits):0{digits}d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    # ------------------------------------------------------------------------------------------ companies
    def company(self, fraction: float, sample: bool) -> None:
        rng, ts = self.rng, self.loader.ts
        pk = self.ids[Company._meta.db_table]
        owner = rng.choice(self.owners)
        legal_form = rng.choice(data.LEGAL_FORMS)
        individual = legal_form == "ИП"
        if individual:
            last, first, middle = (
                rng.choice(data.LAST_NAMES)[0],
                rng.choice(data.MALE_FIRST),
                rng.choice(data.PATRONYMICS)[0],
            )
            name = f"{last} {first} {middle}"
        elif rng.random() < 0.2:
            name = rng.choice(["Торговый дом ", "Группа ", ""]) + rng.choice(data.LAST_NAMES)[0]
        else:
            name = rng.choice(data.COMPANY_ROOTS) + rng.choice(data.COMPANY_TAILS)
            if rng.random() < 0.3:
                name += " " + rng.choice(["Плюс", "Групп", "Регион", "Центр", "Про", "М", "Урал", "Сибирь"])
        while True:
            inn = inn12(rng) if individual else inn10(rng)
            if inn not in self.inns:
                self.inns.add(inn)
                break
        kpp = "" if individual else f"{inn[:4]}01001"
        domain = f"{self.to_latin(name)[:20]}{pk % 1000}.ru"
        city = rng.choices(data.CITIES, data.CITY_WEIGHTS)[0]
        created = self.moment(fraction)
        updated = created if rng.random() < 0.5 else rng.uniform(created, self.end)
        row = {
            "notes": rng.choice(data.NOTES),
            "source": rng.choices(data.SOURCES, data.SOURCE_WEIGHTS)[0],
            "city": city,
            "address": f"г. {city}, ул. Ленина, д. {rng.randint(1, 150)}" if rng.random() < 0.5 else "",
            "is_key": rng.random() < 0.05,
            "name": name,
            "legal_form": legal_form,
            "inn": inn,
            "kpp": kpp,
            "ogrn": ogrn(rng, individual),
            "industry": rng.choice(data.INDUSTRIES),
            "website": f"https://{domain}" if rng.random() < 0.5 else "",
            "size": rng.choice(["1–10", "11–50", "51–200", "201–1000", ""]),
        }
        phone = self.unique_phone(data.CITY_CODES.get(city, "495"), 7) if rng.random() < 0.7 else ""
        email = f"info@{domain}" if rng.random() < 0.6 and f"info@{domain}" not in self.emails else ""
        self.add_named(
            Company,
            row
            | {
                "owner_id": owner[0],
                "department_id": owner[1],
                "created_at": ts(created),
                "updated_at": ts(updated),
                "created_by_id": owner[0],
                "name_key": name_key(name),
            },
        )
        tags = rng.sample(self.tags, rng.choice((1, 1, 2))) if rng.random() < 0.2 else []
        for tag_id, _name in tags:
            self.add(Company.tags.through, pk, tag_id)
        phones, emails = [], []
        if phone:
            self.add(CompanyPhone, pk, phone, "", phone[-7:], "work", True, "", None, None, "", 0, False)
            phones.append(
                {"number": phone, "extension": "", "kind": "work", "is_primary": True}
                | {"note": "", "verification": "", "shared": False}
            )
        if email:
            self.emails.add(email)
            self.add(CompanyEmail, pk, email, "work", True, None, None, "", 0)
            emails.append({"address": email, "kind": "work", "is_primary": True, "verification": ""})
        values = {k: row[k] for k in ("name", "legal_form", "inn", "kpp", "ogrn", "industry", "website")}
        values |= {k: row[k] for k in ("size", "city", "address", "source", "notes", "is_key")}
        values |= {"phones": phones, "emails": emails, "legal_address": "", "owner_id": owner[0]}
        values["tags"] = [t for _i, t in tags]
        snap = snapshot("company", self.company_schema, values, {"owner": owner[2]}, None, {})
        self.journal(created, owner, "company", pk, name, snap)
        self.companies.append((pk, name, domain))
        self.by_owner.setdefault(owner[0], []).append((pk, name, domain))
        if sample:
            self.sample["inns"].append(inn)

    # ------------------------------------------------------------------------------------------ contacts
    def contact(self, fraction: float, sample: bool) -> None:
        rng, ts = self.rng, self.loader.ts
        pk = self.ids[Contact._meta.db_table]
        owner = rng.choice(self.owners)
        male = rng.random() < 0.48
        last = rng.choices(data.LAST_NAMES, self.name_weights)[0][0 if male else 1]
        if male:
            first = rng.choices(data.MALE_FIRST, self.male_weights)[0]
        else:
            first = rng.choices(data.FEMALE_FIRST, self.female_weights)[0]
        middle = rng.choice(data.PATRONYMICS)[0 if male else 1] if rng.random() < 0.85 else ""
        full = " ".join(p for p in (last, first, middle) if p)
        created = self.moment(fraction)
        updated = created if rng.random() < 0.4 else rng.uniform(created, self.end)
        deleted = rng.uniform(updated, self.end) if rng.random() < 0.005 else None
        status = rng.choice(self.statuses) if rng.random() < 0.7 else None
        birthday = None
        if rng.random() < 0.6:
            month = rng.randint(1, 12)
            birthday = (rng.randint(1, (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]), month)
            birthday += (rng.randint(1955, 2004) if rng.random() < 0.8 else None,)
        city = rng.choices(data.CITIES, data.CITY_WEIGHTS)[0]
        base_type = rng.choice(data.BASE_TYPES)
        source = rng.choices(data.SOURCES, data.SOURCE_WEIGHTS)[0]
        notes = rng.choice(data.NOTES) if rng.random() < 0.2 else ""
        is_key = rng.random() < 0.05
        mine = owner[0] == self.manager_id
        sampled = deleted is None and (
            sample or (mine and len(self.sample["manager_contacts"]) < 100 and pk % 7 == 0)
        )
        row = {
            "owner_id": owner[0],
            "department_id": owner[1],
            "notes": notes,
            "source": source,
            "city": city,
            "is_key": is_key,
            "created_at": ts(created),
            "updated_at": ts(updated),
            "created_by_id": owner[0],
            "deleted_at": ts(deleted) if deleted else None,
            "deleted_by_id": owner[0] if deleted else None,
            "last_name": last,
            "first_name": first,
            "middle_name": middle,
            "birth_day": birthday[0] if birthday else None,
            "birth_month": birthday[1] if birthday else None,
            "birth_year": birthday[2] if birthday else None,
            "base_type": base_type,
            "status_id": status[0] if status else None,
            "status_changed_at": ts(created) if status else None,
            "name_key": name_key(full),
            "name_sound": sound_key(last),
            "first_sound": sound_key(first),
        }
        if status:
            self.add(StatusChange, pk, None, status[0], ts(created), owner[0])

        # Phones: a unique mobile, and for 30 % a second mobile or a work line with an extension.
        phones = [(self.unique_phone("9", 9), "", "mobile")]
        if rng.random() < 0.3:
            if rng.random() < 0.5:
                phones.append((self.unique_phone("9", 9), "", "mobile"))
            else:
                ext = str(rng.randint(100, 999)) if rng.random() < 0.4 else ""
                phones.append((self.unique_phone(data.CITY_CODES.get(city, "495"), 7), ext, "work"))
        for i, (number, ext, kind) in enumerate(phones):
            self.add(ContactPhone, pk, number, ext, number[-7:], kind, i == 0, "", None, None, "", i, False)

        # Employment at one of the owner's companies for 60 %.
        company = None
        if self.companies and rng.random() < 0.6:
            own = self.by_owner.get(owner[0])
            company = rng.choice(own or self.companies)
            position = rng.choice(data.POSITIONS)
            self.add(Employment, pk, company[0], position, True)

        # E-mails: 90 % have one, 10 % of those a second (the work address when employed).
        emails = []
        latin_first, latin_last = self.to_latin(first), self.to_latin(last)
        for _ in range(int(rng.random() < 0.9) + int(rng.random() < 0.1)):
            if company and not emails and rng.random() < 0.4:
                address = f"{latin_first[0]}.{latin_last}@{company[2]}"
                kind = "work"
            else:
                login = rng.choice(
                    (
                        f"{latin_first}.{latin_last}",
                        f"{latin_last}.{latin_first[0]}",
                        f"{latin_last}{rng.randint(1, 99)}",
                        f"{latin_first[0]}{latin_last}{rng.randint(60, 99)}",
                    )
                )
                address = f"{login}@{rng.choice(data.MAIL_DOMAINS)}"
                kind = "personal"
            while address in self.emails:
                local, domain = address.split("@")
                address = f"{local}{rng.randint(1, 9)}@{domain}"
            self.emails.add(address)
            emails.append((address, kind))
        for i, (address, kind) in enumerate(emails):
            self.add(ContactEmail, pk, address, kind, i == 0, None, None, "", i)

        messengers = []
        if rng.random() < 0.3:
            messengers.append(f"@{latin_first}_{latin_last}{pk % 1000}")
            self.add(ContactMessenger, pk, "telegram", messengers[0], 0)

        tags = rng.sample(self.tags, rng.choice((1, 1, 2, 3))) if rng.random() < 0.3 else []
        for tag_id, _name in tags:
            self.add(Contact.tags.through, pk, tag_id)

        # Custom values (every bench field on the sampled cards, which `measure` opens) and completeness.
        person = {"pk": pk, "latin_first": latin_first, "latin_last": latin_last}
        person["city_code"] = data.CITY_CODES.get(city, "495")
        type_id, custom = self.custom.card(base_type, sampled, person)
        filled = {"phones": True, "emails": bool(emails), "company": company is not None, "source": True}
        completeness = self.custom.completeness(type_id, filled, custom)
        self.add_named(
            Contact,
            row | {"record_type_id": type_id, "custom": json.dumps(custom), "completeness": completeness},
        )

        values = {
            "last_name": last,
            "first_name": first,
            "middle_name": middle,
            "phones": [
                {"number": n, "extension": e, "kind": k, "is_primary": i == 0, "note": "", "verification": ""}
                for i, (n, e, k) in enumerate(phones)
            ],
            "emails": [
                {"address": a, "kind": k, "is_primary": i == 0, "verification": ""}
                for i, (a, k) in enumerate(emails)
            ],
            "messengers": [{"kind": "telegram", "handle": m} for m in messengers],
            "company_id": company[0] if company else None,
            "company_name": "",
            "position": position if company else "",
            "status_id": status[0] if status else None,
            "city": city,
            "address": "",
            "birthday": birthday or (None, None, None),
            "source": source,
            "owner_id": owner[0],
            "base_type": base_type,
            "is_key": is_key,
            "tags": [t for _i, t in tags],
            "notes": notes,
        }
        refs = {
            "owner": owner[2],
            "status": status[1] if status else None,
            "company": company[1] if company else None,
        }
        # The product's own journal snapshot (crm.contacts.services.card_values), not a copy of it.
        snap = snapshot("contact", self.custom.schema, values, refs, type_id, custom, self.custom.names)
        self.journal(created, owner, "contact", pk, full, snap)

        if sampled:
            entry = {"id": pk, "owner_id": owner[0], "last_name": last, "phone": phones[0][0]}
            entry["email"] = emails[0][0] if emails else None
            entry["custom_values"] = len(custom)
            self.sample["manager_contacts" if mine and not sample else "contacts"].append(entry)


def ensure_users(seed: int) -> dict[str, Any]:
    """5 departments, a head for each, 50 managers across them and an administrator (roles from 0002)."""
    rng = random.Random(seed + 1)
    roles = {r.code: r for r in Role.objects.filter(code__in=("manager", "head", "admin"))}
    departments = [Department.objects.get_or_create(name=name)[0] for name in DEPARTMENTS]
    password = make_password("bench")
    wanted = [(ADMIN, "admin", None)]
    wanted += [(f"bench_h{i + 1}", "head", d) for i, d in enumerate(departments)]
    wanted += [(f"bench_m{i + 1:02d}", "manager", departments[i % len(departments)]) for i in range(50)]
    for username, role, department in wanted:
        if User.objects.filter(username=username).exists():
            continue
        male = rng.random() < 0.5
        last = rng.choice(data.LAST_NAMES)[0 if male else 1]
        first = rng.choice(data.MALE_FIRST if male else data.FEMALE_FIRST)
        User.objects.create(
            username=username,
            password=password,
            first_name=first,
            last_name=last,
            email=f"{username}@example.ru",
            role=roles[role],
            department=department,
        )
    owners = [
        (u.pk, u.department_id, u.get_full_name())
        for u in User.objects.filter(
            username__startswith="bench_", role__code__in=("manager", "head")
        ).select_related("role")
        for _ in range(1 if u.role.code == "head" else 2)  # heads own fewer cards than managers
    ]
    manager_id = User.objects.get(username=MANAGER).pk
    for name in data.TAGS:
        Tag.objects.get_or_create(key=name.casefold(), defaults={"name": name})
    bench_users = User.objects.filter(username__startswith="bench_").order_by("pk")
    user_ids = list(bench_users.values_list("pk", flat=True))
    return {"owners": owners, "manager_id": manager_id, "user_ids": user_ids}


def misspell(rng: random.Random, word: str, known: set[str]) -> str:
    """One letter of ``word`` (not the first or last) replaced, giving a name that does not exist."""
    vowels, consonants = "аеиоуыя", "бвгдзклмнпрстфхч"
    while True:
        i = rng.randint(1, len(word) - 2)
        pool = vowels if word[i] in vowels else consonants
        typo = word[:i] + rng.choice(pool.replace(word[i], "")) + word[i + 1 :]
        if typo not in known:
            return typo


def sample_path() -> Path:
    """One sample file per database, so filling a scratch database never clobbers the big one's."""
    name = re.sub(r"\W+", "_", str(connection.settings_dict["NAME"])).strip("_")
    return OUT_DIR / f"sample-{connection.vendor}-{name[-60:]}.json"


def check_schema() -> None:
    for model, columns in COLUMNS.items():
        actual = {f.column for f in model._meta.local_concrete_fields}
        if actual != set(columns):
            raise SystemExit(
                f"{model._meta.db_table} changed ({sorted(actual ^ set(columns))}): update bench/fill.py"
            )


def run(*, contacts: int, companies: int, seed: int, append: bool) -> Path:
    check_schema()
    loader = Loader()
    existing = Contact.objects.count()
    if existing and not append:
        raise SystemExit(f"The database already has {existing} contacts: pass --append to add more.")
    started = time.perf_counter()
    users = ensure_users(seed)
    if ensure_fields(User.objects.select_related("role").get(username=ADMIN)):
        print("20 custom fields created through crm.fields.services")
    tables = [model._meta.db_table for model in COLUMNS]
    first_ids = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
            first_ids[table] = cursor.fetchone()[0]
    gen = Generator(loader, seed + existing, users, first_ids)
    if append:
        gen.phones.update(ContactPhone.objects.values_list("number", flat=True))
        gen.phones.update(CompanyPhone.objects.values_list("number", flat=True))
        gen.emails.update(CompanyEmail.objects.values_list("address", flat=True))
        gen.emails.update(ContactEmail.objects.values_list("address", flat=True))
        gen.inns.update(Company.objects.values_list("inn", flat=True))
        for pk, name, website, owner_id in Company.objects.values_list("pk", "name", "website", "owner_id"):
            company = (pk, name, (website or "https://company.ru").split("//", 1)[1])
            gen.companies.append(company)
            gen.by_owner.setdefault(owner_id, []).append(company)
    loader.prepare()
    with transaction.atomic():
        loader.begin_load()
        dropped = loader.drop_indexes(tables)
        # The custom fields' expression indexes are built by the product's own code after the load.
        rebuild = [sql for name, sql in dropped if not name.startswith("cf_")]
        print(f"{loader.vendor}: dropped {len(dropped)} secondary indexes for the load")
        stride = max(companies // 100, 1)
        for i in range(companies):
            gen.company(i / companies, sample=i % stride == stride // 2)
            if (i + 1) % CHUNK == 0:
                gen.flush()
        gen.flush()
        print(f"{companies:,} companies in {time.perf_counter() - started:.0f} s")
        stride = max(contacts // 200, 1)
        for i in range(contacts):
            gen.contact(i / contacts, sample=i % stride == stride // 2)
            if (i + 1) % (CHUNK * 5) == 0:
                gen.flush()
                print(f"{i + 1:,} contacts in {time.perf_counter() - started:.0f} s", flush=True)
        gen.flush()
        loaded = time.perf_counter()
        loader.finish(tables, rebuild, first_ids)
        done = "indexes rebuilt" if loader.pg else "indexes rebuilt and FTS5 filled"
        print(f"{done} in {time.perf_counter() - loaded:.0f} s")
    finished = time.perf_counter()
    specs = filterable_specs()
    for spec in specs:  # outside the transaction: CREATE INDEX CONCURRENTLY on PostgreSQL, then ANALYZE
        indexes.ensure_index(spec)
    print(f"{len(specs)} custom field indexes (ensure_index) in {time.perf_counter() - finished:.0f} s")
    finished = time.perf_counter()
    vocabulary = (
        search_index.rebuild_vocabulary()
    )  # the typo vocabulary the services keep, from the loaded names
    loader.analyze(tables)
    print(f"{vocabulary:,} vocabulary words and ANALYZE in {time.perf_counter() - finished:.0f} s")
    print(f"total {time.perf_counter() - started:.0f} s")
    return write_sample(gen, seed)


def write_sample(gen: Generator, seed: int) -> Path:
    rng = random.Random(seed + 2)
    known = {form for pair in data.LAST_NAMES for form in pair}
    for entry in gen.sample["contacts"] + gen.sample["manager_contacts"]:
        entry["name_prefix"] = entry["last_name"][: rng.choice((3, 4))]
        entry["misspelled"] = misspell(rng, entry["last_name"], known)
    sample = {
        "vendor": connection.vendor,
        "database": str(connection.settings_dict["NAME"]),
        "contact_count": Contact.objects.count(),
        "admin": ADMIN,
        "manager": MANAGER,
        "segment": gen.custom.segment(),
        **gen.sample,
    }
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = sample_path()
    path.write_text(json.dumps(sample, ensure_ascii=False, indent=1))
    print(f"sample of known values: {path}")
    return path
