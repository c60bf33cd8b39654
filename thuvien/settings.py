"""Settings for thuvien, read from THUVIEN_* environment variables only (see docs/settings.md)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def env(name: str, default: str | None = None) -> str | None:
    """Return THUVIEN-style variable NAME, or the content of the file named by NAME_FILE."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = env(name)
    if value is None or value.strip() == "":
        return default
    return [part.strip() for part in value.split(",") if part.strip()]


DATA_DIR = Path(env("THUVIEN_DATA_DIR", "./var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("THUVIEN_DEBUG", False)
TESTING = env_bool("THUVIEN_TESTING", False)


def _secret_key() -> str:
    configured = env("THUVIEN_SECRET_KEY")
    if configured:
        return configured
    # The embedded default keeps a generated key in the data directory so sessions survive restarts.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("THUVIEN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("THUVIEN_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = (env("THUVIEN_SITE_URL", "http://127.0.0.1:8000") or "").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "thuvien.audit",
    "thuvien.ops",
    "thuvien.demo",
    "thuvien.network",
    "thuvien.accounts",
    "thuvien.catalog",
    "thuvien.patrons",
    "thuvien.circulation",
    "thuvien.search",
    "thuvien.digital",
    "thuvien.reports",
    "thuvien.interop.sip2",
    "thuvien.interop.oaipmh",
    "thuvien.interop.opendata",
    "thuvien.interop.z3950",
    "thuvien.interop.copycat",
    "thuvien.interop.iiif",
    "thuvien.staff",
    "thuvien.opac",
    "thuvien.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "thuvien.opac.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "thuvien.urls"
WSGI_APPLICATION = "thuvien.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "staff:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "thuvien.opac.context.site",
                "thuvien.staff.context.staff_nav",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------------
_database_url = env("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "thuvien.sqlite3"),
            # A connection per request costs its PRAGMAs and a cold page cache (~4 ms): keep them.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                # WAL lets readers go on while the worker writes; IMMEDIATE avoids lock upgrades failing.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": env("THUVIEN_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# --- search ---------------------------------------------------------------------------------
SEARCH_INDEX_DIR = Path(env("THUVIEN_INDEX_DIR", str(DATA_DIR / "index"))).resolve()
# Seconds between outbox polls of the worker (an edit is findable within about twice this).
SEARCH_POLL_INTERVAL = float(env("THUVIEN_SEARCH_POLL_INTERVAL", "0.5") or 0.5)
SEARCH_WRITER_HEAP = env_int("THUVIEN_SEARCH_WRITER_HEAP_MB", 256) * 1024 * 1024

# --- catalogue ------------------------------------------------------------------------------
# Which local field carries holdings, and which subfield means what (Koha's 952 by default).
MARC_HOLDINGS_TAG = env("THUVIEN_MARC_HOLDINGS_TAG", "952")
MARC_HOLDINGS_MAP = env(
    "THUVIEN_MARC_HOLDINGS_MAP",
    "home_library=a,current_library=b,barcode=p,call_number=o,item_type=y,location=c,price=g,acquired_on=d",
)
DEFAULT_LIBRARY_CODE = env("THUVIEN_DEFAULT_LIBRARY", "")

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env("THUVIEN_TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_TZ = True

# --- static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("THUVIEN_STATIC_ROOT", str(DATA_DIR / "static"))).resolve()
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# JavaScript libraries come from npm (package.json), never copied into the repository.
_node_modules = PROJECT_DIR / "node_modules"
if (_node_modules / "htmx.org" / "dist").is_dir():
    STATICFILES_DIRS.append(("vendor/htmx", _node_modules / "htmx.org" / "dist"))
if (_node_modules / "mirador" / "dist").is_dir():
    STATICFILES_DIRS.append(("vendor/mirador", _node_modules / "mirador" / "dist"))
if (_node_modules / "leaflet" / "dist").is_dir():
    STATICFILES_DIRS.append(("vendor/leaflet", _node_modules / "leaflet" / "dist"))
# Map tiles for the library register and the dashboards' map. Empty: no background map (markers and the
# list still work). Production sites point it at a tile server they may use.
MAP_TILE_URL = env("THUVIEN_MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env("THUVIEN_MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors")
MEDIA_ROOT = Path(env("THUVIEN_MEDIA_ROOT", str(DATA_DIR / "media"))).resolve()
MEDIA_URL = "/media/"
# Files only permission-checked views may send (inspection evidence); never served by a web server.
PRIVATE_MEDIA_ROOT = Path(env("THUVIEN_PRIVATE_ROOT", str(DATA_DIR / "private"))).resolve()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("THUVIEN_MANIFEST_STATIC", False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True

# --- security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
_https = env_bool("THUVIEN_HTTPS", False)
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_SSL_REDIRECT = env_bool("THUVIEN_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("THUVIEN_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("THUVIEN_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("THUVIEN_HSTS_PRELOAD", False)
if env_bool("THUVIEN_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

EMAIL_BACKEND = env("THUVIEN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("THUVIEN_DEFAULT_FROM_EMAIL", "thuvien@localhost")
EMAIL_HOST = env("THUVIEN_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("THUVIEN_EMAIL_PORT", 25)
EMAIL_HOST_USER = env("THUVIEN_EMAIL_USER", "") or ""
EMAIL_HOST_PASSWORD = env("THUVIEN_EMAIL_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("THUVIEN_EMAIL_TLS", False)
EMAIL_TIMEOUT = 20

# Union catalogue: OAI-PMH provider (/oai) and open data (/du-lieu-mo/). Empty values fall back to
# what the provider works out (the site's host name, the site's sender address).
OAI_REPOSITORY_NAME = env("THUVIEN_OAI_REPOSITORY_NAME", "Mục lục liên hợp thuvien") or ""
OAI_REPOSITORY_IDENTIFIER = env("THUVIEN_OAI_REPOSITORY_IDENTIFIER", "") or ""
OAI_ADMIN_EMAIL = env("THUVIEN_OAI_ADMIN_EMAIL", "") or ""
OAI_PAGE_SIZE = env_int("THUVIEN_OAI_PAGE_SIZE", 500)
OPEN_DATA_DIR = Path(env("THUVIEN_OPEN_DATA_DIR", "") or DATA_DIR / "opendata")
OPEN_DATA_LICENSE = (
    env("THUVIEN_OPEN_DATA_LICENSE", "https://creativecommons.org/publicdomain/zero/1.0/") or ""
)
OPEN_DATA_DUMP_INTERVAL_HOURS = env_int("THUVIEN_OPEN_DATA_DUMP_INTERVAL_HOURS", 24)
OPEN_DATA_PUBLISHER = env("THUVIEN_OPEN_DATA_PUBLISHER", "") or ""

# Copy cataloguing: the SRU server (/sru), the Z39.50 server (thuvien z3950d) and the client.
SRU_DEFAULT_RECORDS = env_int("THUVIEN_SRU_DEFAULT_RECORDS", 10)
SRU_MAX_RECORDS = env_int("THUVIEN_SRU_MAX_RECORDS", 100)
Z3950_HOST = env("THUVIEN_Z3950_HOST", "127.0.0.1") or "127.0.0.1"
Z3950_PORT = env_int("THUVIEN_Z3950_PORT", 2100)
Z3950_AUTH = env("THUVIEN_Z3950_AUTH", "optional") or "optional"  # none | optional | required
Z3950_MAX_SESSIONS = env_int("THUVIEN_Z3950_MAX_SESSIONS", 200)
Z3950_IDLE_TIMEOUT = env_int("THUVIEN_Z3950_IDLE_TIMEOUT", 300)
Z3950_MAX_MESSAGE = env_int("THUVIEN_Z3950_MAX_MESSAGE", 1024 * 1024)
COPYCAT_TIMEOUT = env_int("THUVIEN_COPYCAT_TIMEOUT", 15)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("THUVIEN_LOG_LEVEL", "WARNING")},
    "loggers": {"thuvien": {"level": env("THUVIEN_LOG_LEVEL", "INFO"), "propagate": True}},
}

# --- readers and circulation ------------------------------------------------------------------
# Key for personal fields stored encrypted (the citizen ID). Set it in production and keep it with the
# backups: without it the encrypted fields cannot be read. By default it is derived from the secret key.
FIELD_KEY = env("THUVIEN_FIELD_KEY", "") or ""
# PINs are 4–8 digits; rate limiting protects them, so the hash is a cheaper PBKDF2 than passwords'.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "thuvien.patrons.identity.PinHasher",
]
PIN_MAX_FAILURES = env_int("THUVIEN_PIN_MAX_FAILURES", 5)
PIN_LOCK_MINUTES = env_int("THUVIEN_PIN_LOCK_MINUTES", 15)
# A reader owing more than this (đồng) may not borrow or renew until he pays.
FINE_BLOCK_THRESHOLD = env_int("THUVIEN_FINE_BLOCK_THRESHOLD", 50000)
# Returned loans lose their reader after this many days unless the reader keeps his history.
LOAN_ANONYMISE_DAYS = env_int("THUVIEN_LOAN_ANONYMISE_DAYS", 30)
# What a lost copy costs when the copy has no price.
LOST_ITEM_DEFAULT_FEE = env_int("THUVIEN_LOST_ITEM_FEE", 100000)
# Days before the due date when the "due soon" e-mail goes out.
DUE_SOON_DAYS = env_int("THUVIEN_DUE_SOON_DAYS", 2)

# --- digital library (docs/digital.md) --------------------------------------------------------
DIGITAL_ROOT = Path(env("THUVIEN_DIGITAL_ROOT", "") or DATA_DIR / "digital").resolve()
DIGITAL_CACHE_DIR = Path(env("THUVIEN_DIGITAL_CACHE_DIR", "") or DATA_DIR / "cache").resolve()
# Library networks (CIDR, comma-separated): requests from there may read restricted material on site.
DIGITAL_LIBRARY_NETWORKS = env_list("THUVIEN_DIGITAL_LIBRARY_NETWORKS", [])
# Upload limits: one file, a whole ingest (after unpacking), pixels per page (decompression bombs).
DIGITAL_MAX_UPLOAD_MB = env_int("THUVIEN_DIGITAL_MAX_UPLOAD_MB", 500)
DIGITAL_MAX_UNPACKED_MB = env_int("THUVIEN_DIGITAL_MAX_UNPACKED_MB", 4000)
DIGITAL_MAX_PAGE_PIXELS = env_int("THUVIEN_DIGITAL_MAX_PAGE_PIXELS", 200_000_000)
DIGITAL_MAX_PAGES = env_int("THUVIEN_DIGITAL_MAX_PAGES", 5000)
# ClamAV: the clamd socket ("/run/clamav/clamd.ctl" or "tcp://host:3310"); empty: uploads are not scanned.
DIGITAL_CLAMD = env("THUVIEN_CLAMD", "") or ""
# OCR: the tesseract program and its languages; pages are OCR'd by the worker, one task per page.
DIGITAL_TESSERACT = env("THUVIEN_TESSERACT", "tesseract") or "tesseract"
DIGITAL_OCR_LANGUAGES = env("THUVIEN_OCR_LANGUAGES", "vie") or "vie"
# IIIF: the largest image (width × height) a restricted object's reader may request at once.
DIGITAL_RESTRICTED_MAX_AREA = env_int("THUVIEN_DIGITAL_RESTRICTED_MAX_AREA", 2_000_000)
# Queue OCR for the pages of an ingest at once (the worker runs it); tests turn it off where not needed.
DIGITAL_OCR_ON_INGEST = env_bool("THUVIEN_DIGITAL_OCR_ON_INGEST", True)
# Seconds tesseract may spend on one page before the page is marked failed (retryable).
DIGITAL_OCR_TIMEOUT = env_int("THUVIEN_DIGITAL_OCR_TIMEOUT", 600)
# IIIF: the largest image one response may hold for open material and staff (pixels).
DIGITAL_IIIF_MAX_AREA = env_int("THUVIEN_DIGITAL_IIIF_MAX_AREA", 100_000_000)
# IIIF: seconds browsers and shared caches may keep open material's images.
DIGITAL_IIIF_MAX_AGE = env_int("THUVIEN_DIGITAL_IIIF_MAX_AGE", 3600)
# IIIF tile cache bounds: total size, and days an unused entry is kept.
DIGITAL_IIIF_CACHE_MAX_MB = env_int("THUVIEN_DIGITAL_IIIF_CACHE_MAX_MB", 2048)
DIGITAL_IIIF_CACHE_MAX_AGE_DAYS = env_int("THUVIEN_DIGITAL_IIIF_CACHE_MAX_AGE_DAYS", 30)
