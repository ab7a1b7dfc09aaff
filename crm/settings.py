"""Settings come from the environment only; nothing here needs editing for a deployment.

Without DATABASE_URL the product runs on an embedded SQLite database (WAL) in ``var/``;
``DATABASE_URL=postgres://…`` switches to PostgreSQL. ``REDIS_URL`` moves the background
queue from SQLite to Redis.
"""

import datetime
import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("CRM_DATA_DIR", BASE_DIR / "var"))
DATA_DIR.mkdir(parents=True, exist_ok=True)
TESTING = "pytest" in sys.modules or os.environ.get("CRM_TESTING") == "1"


def _secret_key() -> str:
    """Generated on first run and kept in var/ (ignored by git), unless the environment gives one."""
    if key := os.environ.get("DJANGO_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


SECRET_KEY = _secret_key()
DEBUG = _env_bool("CRM_DEBUG")
ALLOWED_HOSTS = os.environ.get("CRM_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CRM_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "huey.contrib.djhuey",
    "ninja",
    "axes",
    "csp",
    "crm.core",
    "crm.accounts",
    "crm.fields",
    "crm.contacts",
    "crm.notifications",
    "crm.scoring",
    "crm.tasks",
    "crm.activities",
    "crm.deals",
    "crm.segments",
    "crm.imports",
    "crm.duplicates",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "crm.accounts.middleware.UserLanguageMiddleware",
    "crm.core.middleware.RefuseUnstorableInput",
    "crm.fields.middleware.SchemaMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as its documentation asks: answers a locked-out sign-in with our page (AXES_LOCKOUT_CALLABLE).
    "axes.middleware.AxesMiddleware",
]

# Guessing passwords and API tokens (django-axes): after AXES_FAILURE_LIMIT failures an account, and
# separately an address, is refused for AXES_COOLOFF_TIME; every lock-out is journaled (accounts.signals).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "crm.accounts.backends.UserWithRoleBackend",  # ModelBackend, the role read with the user
    "crm.accounts.api_auth.ApiTokenBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("CRM_LOGIN_ATTEMPTS", "10"))  # an office shares one address
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("CRM_LOGIN_LOCK_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # the account, and the address, each on its own
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "crm.accounts.lockout.locked_out"
AXES_VERBOSE = False

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "crm" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm.accounts.context_processors.navigation",
            ],
        },
    },
]

SQLITE_PATH = DATA_DIR / "crm.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{SQLITE_PATH}", conn_max_age=int(os.environ.get("CRM_CONN_MAX_AGE", "60"))
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers and one writer work at once; IMMEDIATE takes the write lock at BEGIN so two
        # writers queue on busy_timeout instead of failing with "database is locked" mid-transaction.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA temp_store=MEMORY; PRAGMA mmap_size=268435456; PRAGMA cache_size=-65536;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if TESTING else DATABASES["default"]["CONN_MAX_AGE"]
    # Tests use a file too, not Django's shared-cache memory database: its table locks fail at once
    # instead of waiting, so concurrent requests to the live server would not behave as in production.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "contacts:contact_list"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "crm" / "locale"]
TIME_ZONE = os.environ.get("CRM_TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "crm" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING or DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = DATA_DIR / "media"
# Attachments go to local disk by default, or to S3-compatible storage (MinIO, Yandex Object Storage, AWS)
# when a bucket is named. Files are never served from MEDIA_URL: downloads go through a permission check.
if os.environ.get("CRM_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["CRM_S3_BUCKET"],
            "endpoint_url": os.environ.get("CRM_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("CRM_S3_REGION") or None,
            "access_key": os.environ.get("CRM_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("CRM_S3_SECRET_KEY") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
# Mail: a real SMTP server when CRM_SMTP_HOST is set; otherwise messages are written to var/mail (tests use
# Django's in-memory outbox).
if os.environ.get("CRM_SMTP_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["CRM_SMTP_HOST"]
    EMAIL_PORT = int(os.environ.get("CRM_SMTP_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("CRM_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("CRM_SMTP_PASSWORD", "")
    EMAIL_USE_TLS = _env_bool("CRM_SMTP_TLS", default=EMAIL_PORT == 587)
    EMAIL_USE_SSL = _env_bool("CRM_SMTP_SSL", default=EMAIL_PORT == 465)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("CRM_MAIL_FROM", "CRM <crm@localhost>")
EMAIL_TIMEOUT = 15
# Links in e-mails and Telegram messages point here: where `crm run` serves (CRM_HOST, CRM_PORT) unless
# the product is reached by another address (a reverse proxy's), given as CRM_BASE_URL.
_SERVED_HOST = os.environ.get("CRM_HOST", "127.0.0.1")
_SERVED_HOST = "localhost" if _SERVED_HOST in ("0.0.0.0", "::", "") else _SERVED_HOST  # listening everywhere
CRM_BASE_URL = os.environ.get("CRM_BASE_URL") or f"http://{_SERVED_HOST}:{os.environ.get('CRM_PORT', '8000')}"
# How often an open page asks for the unread count (seconds).
CRM_NOTIFY_POLL_SECONDS = int(os.environ.get("CRM_NOTIFY_POLL_SECONDS", "20"))
CRM_TELEGRAM_BOT_TOKEN = os.environ.get("CRM_TELEGRAM_BOT_TOKEN", "")
CRM_TELEGRAM_BOT_NAME = os.environ.get("CRM_TELEGRAM_BOT_NAME", "")
CRM_TELEGRAM_API_URL = os.environ.get("CRM_TELEGRAM_API_URL", "https://api.telegram.org")
CRM_MAX_UPLOAD_BYTES = int(os.environ.get("CRM_MAX_UPLOAD_MB", "25")) * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
# Behind HTTPS (CRM_HTTPS=1; CRM_SECURE_COOKIES=1 is its older name): secure cookies, redirects to HTTPS
# and HSTS, which `manage.py check --deploy` asks for. Behind a proxy that terminates TLS, the proxy must
# send X-Forwarded-Proto.
HTTPS = _env_bool("CRM_HTTPS") or _env_bool("CRM_SECURE_COOKIES")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = int(os.environ.get("CRM_HSTS_SECONDS", str(365 * 24 * 3600))) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS and _env_bool("CRM_HSTS_SUBDOMAINS")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy on every page (django-csp): scripts and styles only from the product's own
# bundle, no inline script and no eval (Alpine's CSP build parses the templates' expressions itself;
# decision 0007), nothing framed, forms posted only here. Inline style attributes (progress bars) are
# allowed; inline scripts and event handlers are not.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Background work: SQLite storage beside the database unless Redis is configured.
REDIS_URL = os.environ.get("REDIS_URL", "")
HUEY = {
    "name": "crm",
    "immediate": TESTING,
    "utc": True,
    "consumer": {"workers": int(os.environ.get("CRM_WORKERS", "2")), "worker_type": "thread"},
}
if REDIS_URL:
    HUEY |= {"huey_class": "huey.RedisHuey", "url": REDIS_URL}
else:
    HUEY |= {"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "huey.sqlite3")}

# Product settings.
CRM_TRASH_RETENTION_DAYS = int(os.environ.get("CRM_TRASH_RETENTION_DAYS", "90"))
CRM_EXACT_COUNT_LIMIT = int(os.environ.get("CRM_EXACT_COUNT_LIMIT", "10000"))
# Past this many by the planner's estimate (PostgreSQL), a list's total is the estimate, not a count.
CRM_COUNT_TRUST_ESTIMATE_FROM = int(os.environ.get("CRM_COUNT_TRUST_ESTIMATE_FROM", "100000"))
CRM_DEFAULT_PHONE_REGION = os.environ.get("CRM_DEFAULT_PHONE_REGION", "RU")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CRM_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "huey": {"propagate": False},  # the consumer logs through its own handler
    },
}
