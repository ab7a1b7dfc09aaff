"""Settings come from the environment: SQLite and its queue by default, PostgreSQL and Redis on demand."""

import json
import os
import subprocess
import sys

PROBE = (
    "import django, json; django.setup(); from django.conf import settings;"
    "from huey.contrib.djhuey import HUEY;"
    "print(json.dumps([settings.DATABASES['default']['ENGINE'], type(HUEY.storage).__name__]))"
)


def _probe(tmp_path, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    environment |= {"DJANGO_SETTINGS_MODULE": "crm.settings", "CRM_DATA_DIR": str(tmp_path), **env}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=environment, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_nothing_set_means_sqlite_and_a_sqlite_queue_with_a_generated_secret(tmp_path):
    assert _probe(tmp_path) == ["django.db.backends.sqlite3", "SqliteStorage"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_database_url_and_redis_url_switch_the_backends(tmp_path):
    engine, storage = _probe(
        tmp_path, DATABASE_URL="postgres://u@127.0.0.1:5432/x", REDIS_URL="redis://127.0.0.1:6379/0"
    )
    assert (engine, storage) == ("django.db.backends.postgresql", "RedisStorage")
