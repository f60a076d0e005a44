"""Project settings, read from the environment in this one place.

Every variable is listed with its default in docs/settings.md. Development defaults need no
servers (SQLite and kombu's filesystem broker); production mode (``DJANGO_PRODUCTION=1``)
refuses to start without ``SECRET_KEY`` and ``ALLOWED_HOSTS``.
"""

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.beat import BEAT_SCHEDULE

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


PRODUCTION = env_bool("DJANGO_PRODUCTION")
DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION)

# Data that the app writes (SQLite file, uploads, generated documents, the embedded broker).
DATA_DIR = Path(env("DATA_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if PRODUCTION:
    if DEBUG:
        # DEBUG pages show settings, SQL and source to anyone who triggers an error.
        raise ImproperlyConfigured("DJANGO_DEBUG must not be on when DJANGO_PRODUCTION=1.")
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_PRODUCTION=1.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_PRODUCTION=1.")
else:
    SECRET_KEY = SECRET_KEY or "django-insecure-development-only-key-not-for-production-use"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]", "testserver"]

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# How many reverse proxies in front of the app append to X-Forwarded-For; the audit log takes the
# client address the outermost trusted proxy saw. 0 = use REMOTE_ADDR (no proxy).
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "config.apps.PlatformStaticFilesConfig",
    "django.contrib.humanize",
    "guardian",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "viewflow",
    "viewflow.workflow",
    "accounts",
    "core",
    "office",
    "procurement",
    "evaluation",
    "delivery",
    "finance",
    "planning",
    "workflows",
    "portal",
    "api",
    "demo",
]

MIDDLEWARE = [
    # First: the time a bid arrived is when the request reached the server, before any queue.
    "core.middleware.ArrivalTimeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy header on every page (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The signed-in user read here: the database unreachable → 503 with Retry-After, not a 500.
    "core.middleware.SignedInUserMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "core.middleware.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # viewflow's site middleware, but anonymous visitors are sent to log in (not a 403).
    "config.middleware.SiteMiddleware",
    "viewflow.middleware.HotwireTurboMiddleware",
    # A rule's refusal (core PermissionDenied) → 404, an uncaught ServiceError → 400 page.
    "core.middleware.ServiceErrorMiddleware",
    # Database unreachable (PostgreSQL restarting) → 503 with Retry-After, not a 500.
    "core.middleware.DatabaseUnavailableMiddleware",
    # Privileged roles' sessions end after PRIVILEGED_SESSION_IDLE_MINUTES without a request.
    "accounts.middleware.PrivilegedSessionMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page (429).
    "axes.middleware.AxesMiddleware",
]
# The middleware is listed above; viewflow would otherwise append its own SiteMiddleware.
VIEWFLOW = {"AUTOREGISTER": False}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
        # Persistent connections suit gunicorn's long-lived workers (production); runserver
        # serves each request on a new thread, whose kept connection nobody closes: on
        # PostgreSQL they piled up (83 idle after 5,000 requests). Development closes them.
        conn_max_age=int(env("DB_CONN_MAX_AGE", "60" if PRODUCTION else "0")),
        # A kept connection is checked before each request reuses it: after PostgreSQL restarts
        # the first request reconnects instead of failing on the dead connection.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's, checking a kept connection without a round trip when nothing arrived on it
    # while it sat idle (core/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "core.postgresql"
if DATABASES["default"]["ENGINE"] == "core.postgresql" and env_bool(
        "DB_PREPARED_STATEMENTS", True):
    # Django's queries bind their values in the client and are never prepared; a statement run
    # through a server-side binding cursor is prepared after this many runs on a connection.
    # Only core.db's few statements do: the signed-in user with the memberships (every page),
    # a row by its key (the bid page) and the bid intake's insert (its planning was half its
    # cost in a deadline rush). DB_PREPARED_STATEMENTS=0 behind a pooler in transaction mode
    # that cannot keep prepared statements (PgBouncer before 1.21).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # The web server, the celery worker and beat share one SQLite file: WAL lets readers run
    # beside the writer, and IMMEDIATE transactions take the write lock up front instead of
    # failing with "database is locked" when a read transaction later tries to write.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: django-axes refuses a locked-out username+address before any password is checked
    # (accounts/backends.py: a standalone backend, it grants no permissions).
    "accounts.backends.LoginAttemptBackend",
    # Django's model permissions; a role group counts only with its active membership.
    "accounts.backends.MembershipModelBackend",
    # Object questions: relationship rules of every app plus guardian grants (core/authz.py).
    "core.authz.RuleBackend",
]
# guardian warns when its own backend is missing; core.authz.RuleBackend reads guardian's grants.
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row
GUARDIAN_MONKEY_PATCH_USER = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes): AXES_FAILURE_LIMIT wrong passwords for one username from one
# address lock that pair out for AXES_COOLOFF_MINUTES; the lock ends by itself, or an admin lifts
# it (admin site "访问尝试" or `manage.py axes_reset_username NAME`, docs/deployment.md).
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A login during the lock does not restart the cool-off (an attacker cannot keep a user locked).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The same client address as the audit log (TRUSTED_PROXY_COUNT), not a forgeable header.
AXES_CLIENT_IP_CALLABLE = "core.middleware.request_client_address"
AXES_LOCKOUT_CALLABLE = "accounts.views.login_locked_out"
AXES_HTTP_RESPONSE_CODE = 429
# Successful logins are not logged a second time (the session and audit log cover them).
AXES_DISABLE_ACCESS_LOG = True
# No "AXES: BEGIN" line on every manage.py run (a nightly cron job would mail it); failed logins
# are still logged with their username and address.
AXES_VERBOSE = False

# Sessions: residents keep Django's two weeks; privileged roles' sessions end after this many
# idle minutes (accounts.middleware.PrivilegedSessionMiddleware).
PRIVILEGED_SESSION_ROLES = ["admin", "purchaser", "finance", "expert"]
PRIVILEGED_SESSION_IDLE_SECONDS = 60 * int(env("PRIVILEGED_SESSION_IDLE_MINUTES", "120"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "portal:index"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# zh-hans numbers grouped by three with commas (3,000,000.00), as official documents print them.
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Uploads live outside the web root and are only served through permission-checking views.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "files"), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        ),
    },
}
# Outside production WhiteNoise serves straight from the apps' static folders (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
MEDIA_ROOT = DATA_DIR / "files"
# Several web nodes and workers (docs/deployment.md, "Several machines"): uploads and generated
# PDFs go to S3-compatible object storage (MinIO on an intranet) shared by every node. The bucket
# stays private: downloads are streamed through our permission-checking views (core/views.py),
# never redirected to the bucket; a URL asked of the storage anyway is signed and short-lived.
FILE_STORAGE = env("FILE_STORAGE", "s3" if env("AWS_STORAGE_BUCKET_NAME") else "local")
if FILE_STORAGE not in {"local", "s3"}:
    raise ImproperlyConfigured("FILE_STORAGE must be 'local' or 's3'.")
if FILE_STORAGE == "s3":
    if not env("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("AWS_STORAGE_BUCKET_NAME must be set when FILE_STORAGE=s3.")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL"),
            "region_name": env("AWS_S3_REGION_NAME"),
            # None: boto3's own chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, instance role).
            "access_key": env("AWS_S3_ACCESS_KEY_ID"),
            "secret_key": env("AWS_S3_SECRET_ACCESS_KEY"),
            # MinIO and most intranet S3 servers have no wildcard DNS for virtual-host buckets.
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE", "path"),
            "signature_version": "s3v4",
            "location": env("AWS_LOCATION", ""),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": int(env("AWS_QUERYSTRING_EXPIRE", "60")),
            # Never overwrite an object: names are random, a clash gets a new name as on disk.
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "private, no-store"},
        },
    }
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
UPLOAD_MAX_BYTES = int(env("UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))
UPLOAD_MAX_TOTAL_BYTES = int(env("UPLOAD_MAX_TOTAL_BYTES", str(5 * UPLOAD_MAX_BYTES)))
# A bid sent with "Prefer: respond-async" is kept whole (sealed) in a BidIntake row and entered
# after the answer (procurement.services.intake); a larger one is entered in the request.
BID_INTAKE_MAX_BYTES = int(env("BID_INTAKE_MAX_BYTES", str(DATA_UPLOAD_MAX_MEMORY_SIZE)))
# The bid page records a bid that arrives this many minutes or less before its tender's
# deadline as an intake (answered at once, entered right after: procurement.services.intake);
# earlier it is entered in the request. 0: always in the request.
BID_PAGE_INTAKE_MINUTES = int(env("BID_PAGE_INTAKE_MINUTES", "30"))
# Office files (.docx/.xlsx/.pptx are zip files): what their entries may unpack to in total, how
# far beyond the file's own size, and how many entries they may hold (core/uploads.py).
UPLOAD_ARCHIVE_MAX_BYTES = int(env("UPLOAD_ARCHIVE_MAX_BYTES", str(50 * 1024 * 1024)))
UPLOAD_ARCHIVE_MAX_RATIO = int(env("UPLOAD_ARCHIVE_MAX_RATIO", "100"))
UPLOAD_ARCHIVE_MAX_ENTRIES = int(env("UPLOAD_ARCHIVE_MAX_ENTRIES", "5000"))

# E-mail: console in development, SMTP when EMAIL_HOST is set.
EMAIL_HOST = env("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(env("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
else:
    EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "noreply@sanshe.local")

# Redis broker: publishing fails fast when Redis is down (one retry, a 2 s connect timeout)
# instead of holding the request ~6 s; the outbox rows are swept later (core/queue.py). The
# worker keeps reconnecting by its own settings (broker_connection_retry, _max_retries).
REDIS_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
    "socket_connect_timeout": 2,
}
# Celery: Redis when CELERY_BROKER_URL is set, else kombu's filesystem transport (no server).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
BROKER_DIR = DATA_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", f"file://{BROKER_DIR / 'results'}")
    # kombu's filesystem transport and celery's file:// result backend need existing folders.
    for _sub in ("queue", "processed", "control", "results"):
        (BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_BROKER_TRANSPORT_OPTIONS
    CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
if PRODUCTION and CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem queue is a folder on one disk: tasks sent by another machine's web node
    # would never reach the worker, and it has no visibility timeout for a killed worker's task.
    raise ImproperlyConfigured("CELERY_BROKER_URL must point at Redis when DJANGO_PRODUCTION=1.")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE  # entries live in config/beat.py

# Cache and sessions. API throttles count in the cache and must be the same on every web node
# (django-axes keeps its lockouts in the database, shared already): CACHE_URL
# (redis://host:6379/2, a database of its own: clearing the cache empties that database) puts
# the cache in Redis and sessions in the cache backed by the database. Without it each process
# has its own memory cache (one node only).
CACHE_URL = env("CACHE_URL")
MULTI_NODE = env_bool("MULTI_NODE")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "sanshe"),
            "TIMEOUT": 300,
        },
    }
    # Read from Redis, written through to the database: a Redis restart logs nobody out.
    SESSION_ENGINE = "core.sessions"  # Django's cached_db, surviving a Redis outage
elif PRODUCTION and MULTI_NODE:
    raise ImproperlyConfigured("CACHE_URL (Redis) must be set when MULTI_NODE=1: lockouts, "
                               "throttles and sessions must be shared by every node.")
if PRODUCTION and MULTI_NODE and FILE_STORAGE != "s3":
    raise ImproperlyConfigured("FILE_STORAGE=s3 (AWS_STORAGE_BUCKET_NAME) must be set when "
                               "MULTI_NODE=1: a file uploaded on one node is read on another.")
if PRODUCTION and MULTI_NODE and DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL when MULTI_NODE=1.")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # API tokens (docs/api.md) also open the schema and the pre-v1 endpoints; second, so
        # those still answer an anonymous client 403 (v1 views put the token first: 401).
        "api.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # AutoSchema plus each view's error responses (400/401/403/404/415/429), core/api_schema.py.
    "DEFAULT_SCHEMA_CLASS": "core.api_schema.ErrorDocumentingAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.exceptions.api_exception_handler",
    # Requests per user (signed in) and per client address (anonymous); over the rate the API
    # answers 429 with a Chinese message and Retry-After. Counted in the default cache: per
    # process until CACHES points at a shared cache (Redis) for several workers.
    "DEFAULT_THROTTLE_CLASSES": [
        # DRF's, letting requests through while Redis (CACHE_URL) is unreachable.
        "core.throttling.AnonRateThrottle",
        "core.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", "30/minute"),
        "user": env("API_THROTTLE_USER", "300/minute"),
        # Per API token (/api/v1/, api.throttling.TokenRateThrottle), besides its user's rate.
        "token": env("API_THROTTLE_TOKEN", "120/minute"),
    },
    # Throttles key anonymous clients by this address: the one REMOTE_ADDR/X-Forwarded-For entry
    # TRUSTED_PROXY_COUNT trusts (DRF's own NUM_PROXIES reading of the same header).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# API tokens (/api/v1/, api.services.token_issue): default and longest validity in days.
API_TOKEN_DEFAULT_DAYS = int(env("API_TOKEN_DEFAULT_DAYS", "90"))
API_TOKEN_MAX_DAYS = int(env("API_TOKEN_MAX_DAYS", "365"))
SPECTACULAR_SETTINGS = {
    "TITLE": "三社联动服务项目采购与评价平台 API",
    "VERSION": "1.0.0",
    # The back-office API schema is for signed-in users; the public portal has its own pages.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # The schema does not describe its own endpoint (docs/api.md does): what the fuzzing
    # (tests/fuzz) runs against is the API.
    "SERVE_INCLUDE_SCHEMA": False,
    # One name for the status choices shared by several /api/v1/ components (api/serializers.py).
    "ENUM_NAME_OVERRIDES": {"TenderStatusEnum": "procurement.models.Tender.Status",
                            "ContractStatusEnum": "procurement.models.Contract.Status"},
}

# Production hardening; `manage.py check --deploy` passes with DJANGO_PRODUCTION=1.
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Content-Security-Policy (django-csp), in every mode so development shows what production
# refuses. Scripts only from our own static files: no inline <script>, no on*= handlers, no
# javascript: links, no eval (our behaviour lives in static/*/*.js, e.g. static/office/office.js).
# Styles also allow 'unsafe-inline': viewflow's bundled Material templates and scripts write
# style attributes and Turbo injects its progress-bar <style>; an injected style cannot run code,
# and everything else stays 'self'. docs/deployment.md, "Content-Security-Policy".
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}

# Open contracting data (portal/ocds, docs/ocds.md). Register a prefix with the Open
# Contracting Partnership before publishing: ocids must be globally unique.
OCDS = {
    "OCID_PREFIX": env("OCDS_OCID_PREFIX", "ocds-sanshe"),
    "PUBLISHER_NAME": env("OCDS_PUBLISHER_NAME", "三社联动服务项目采购平台"),
    "PUBLISHER_URI": env("OCDS_PUBLISHER_URI", ""),
    "LICENSE": env("OCDS_LICENSE", "https://creativecommons.org/licenses/by/4.0/"),
}

# Procurement and evaluation rules marked [practice] in RULES.md: configuration, not constants.
PLATFORM_RULES = {
    "OPEN_TENDER_THRESHOLD": Decimal(env("RULE_OPEN_TENDER_THRESHOLD", "2000000.00")),
    "LARGE_COMMITTEE_BUDGET": Decimal("10000000.00"),
    "GRADE_BANDS": [("excellent", 90), ("good", 80), ("fair", 60), ("poor", 0)],
    "INDICATOR_WEIGHTS": {"budget": 10, "output": 50, "effect": 30, "satisfaction": 10},
    "ACHIEVEMENT_STEPS": [(Decimal("1.00"), Decimal("1")), (Decimal("0.80"), Decimal("2") / 3),
                          (Decimal("0.60"), Decimal("1") / 3)],
    "PARTY_WEIGHTS": {"purchaser": 30, "community": 20, "third_party": 30, "residents": 10,
                      "self": 10},
    "FINAL_TRANCHE_FACTOR_BY_GRADE": {"excellent": "1.00", "good": "1.00", "fair": "0.80",
                                       "poor": "0.00"},
    "BUDGET_CATEGORY_CAPS": {"personnel": {"min": 70}, "management": {"min": 10, "max": 15}},
    "DEFAULT_TRANCHES": [30, 40, 30],
    "SERVICE_RECORD_DEADLINE_HOURS": 24,
    "CLARIFICATION_MIN_DAYS_TENDER": 15,
    "CLARIFICATION_MIN_DAYS_CONSULTATION": 5,
    # Calendar days before a task's due date from which the inbox warns (即将到期).
    "DEADLINE_WARNING_DAYS": 5,
    # Task reminders (workflows.reminders): owners are reminded this many working days before a
    # task's due date (and on its last working day); the weekly digest goes out on this weekday
    # (0 = Monday … 6 = Sunday; the next working day of the week when that day is off).
    "REMINDER_WORKING_DAYS": int(env("RULE_REMINDER_WORKING_DAYS", "2")),
    "REMINDER_DIGEST_WEEKDAY": int(env("RULE_REMINDER_DIGEST_WEEKDAY", "0")),
}

# The audit log proves itself (core.audit, docs/deployment.md "Audit log"): rows are chained
# with an HMAC whose key lives outside the database, and the chain head is exported daily
# (anchor) to a directory the database cannot rewrite and by e-mail; verify_audit checks both.
AUDIT_HMAC_KEY = env("AUDIT_HMAC_KEY", "")
if PRODUCTION and not AUDIT_HMAC_KEY:
    raise ImproperlyConfigured("AUDIT_HMAC_KEY must be set when DJANGO_PRODUCTION=1.")
AUDIT_ANCHOR_DIR = Path(env("AUDIT_ANCHOR_DIR", str(DATA_DIR / "audit-anchors")))
# Sealed bids are encrypted at rest until opening (core.crypto, procurement.sealing,
# docs/security.md): key-encryption keys outside the database, "id:base64" entries, the first
# current. SEALING_KEKS (environment) or SEALING_KEK_FILE; in development a key file is generated
# under DATA_DIR; production refuses to start without one.
SEALING_KEKS = env("SEALING_KEKS", "")
SEALING_KEK_FILE = env("SEALING_KEK_FILE", "" if PRODUCTION else str(DATA_DIR / "sealing-kek"))
SEALING_KEK_AUTOCREATE = not PRODUCTION and not env("SEALING_KEK_FILE", "")
if PRODUCTION and not (SEALING_KEKS or SEALING_KEK_FILE):
    raise ImproperlyConfigured("SEALING_KEKS or SEALING_KEK_FILE must be set when DJANGO_PRODUCTION=1.")
AUDIT_ANCHOR_EMAILS = env_list("AUDIT_ANCHOR_EMAILS")
# Task reminders go out in the app (a notification) and by e-mail; each can be switched off.
REMINDER_IN_APP = env_bool("REMINDER_IN_APP", default=True)
REMINDER_EMAIL = env_bool("REMINDER_EMAIL", default=True)
