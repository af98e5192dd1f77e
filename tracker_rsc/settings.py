"""Tracker RSC settings: one file, every value from the environment with a safe local default.

The embedded default needs no services: SQLite in ``var/``, Celery over kombu's filesystem
transport in ``var/broker/``, and the LinkedIn sandbox served by this same Django process.
Production sets ``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY``, ``DEBUG=off`` and the real
LinkedIn URLs and credentials. The README lists every variable.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

import django_stubs_ext
import environ
from celery.schedules import crontab

# Lets the type-checked code write ``admin.ModelAdmin[Candidate]`` and ``forms.ModelForm[...]``
# (generic in django-stubs, not subscriptable in Django itself).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("TRACKER_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
env.read_env(BASE_DIR / ".env")  # optional; absent on most machines
for _folder in (VAR_DIR, VAR_DIR / "broker" / "queue", VAR_DIR / "broker" / "processed"):
    _folder.mkdir(parents=True, exist_ok=True)

# --- Fail closed: off unless set; with DEBUG off, tracker_rsc/checks.py refuses to start on
# a missing or known SECRET_KEY / ERASURE_HMAC_KEY, an empty ALLOWED_HOSTS or the sandbox on.
DEBUG = env.bool("DEBUG", default=False)
# The default key only exists so a fresh checkout runs with DEBUG=on; with DEBUG off it is
# refused (tracker_rsc.E001), so a deployment that forgets SECRET_KEY never starts.
INSECURE_LOCAL_SECRET_KEY = "insecure-local-only-key-change-me-" + "x" * 32
# An empty SECRET_KEY counts as unset, so the check can name it along with any other problem.
SECRET_KEY = env.str("SECRET_KEY", default="") or INSECURE_LOCAL_SECRET_KEY
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else []
)
# Erasure tombstones are HMAC-SHA256(key, sha256(identifier)): without the key a leaked
# tombstone table cannot be matched against a list of e-mails. A key of its own, not derived
# from SECRET_KEY, so rotating the session key never "un-erases" anybody; rotating this one
# needs the stored keys recomputed, which no one can do without the erased values.
INSECURE_LOCAL_ERASURE_HMAC_KEY = "insecure-local-erasure-key-change-me-" + "y" * 32
ERASURE_HMAC_KEY = env.str(
    "ERASURE_HMAC_KEY", default=INSECURE_LOCAL_ERASURE_HMAC_KEY if DEBUG else ""
)
# The simulated LinkedIn: on by default only with DEBUG (refused with DEBUG off, E003). When
# off it is not installed at all: no tables, admin pages, tasks, beat entries or URLs.
LINKEDIN_SANDBOX = env.bool("LINKEDIN_SANDBOX", default=DEBUG)
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",  # API tokens: hashed at rest, expiring, revocable
    "axes",  # login lockout after repeated failures (both login pages)
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files, not a CDN
    "tracker_rsc",
    *(["tracker_rsc.sandbox"] if LINKEDIN_SANDBOX else []),
    "candidates",
    "requisitions",
    "syncjobs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker_rsc.urls"
WSGI_APPLICATION = "tracker_rsc.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a worker writes; the timeout rides out short locks.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# AxesStandaloneBackend first: it refuses a locked-out username+IP before any password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
# WhiteNoise warns at every start when the folder is missing (before the first collectstatic).
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

# --- Object storage for uploaded files (CVs) --------------------------------------------------
# With a bucket, CVs live in S3-compatible object storage (django-storages), so a worker on
# another machine reads the file the web process stored. Variables as django-storages names
# them; without keys boto3's own chain (instance role, ~/.aws) applies. Files stay private:
# no public ACL, and any URL the storage hands out is signed and short-lived.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("AWS_LOCATION", default=""),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            # Two uploads named cv.pdf must never replace each other's file.
            "file_overwrite": False,
        },
    }

# --- Security (production when DEBUG is off) ----------------------------------------------
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# These depend on how the host terminates TLS; the README documents them.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "knox.auth.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Rates are read at request time (tracker_rsc.api.throttles), so tests can change them.
    "DEFAULT_THROTTLE_CLASSES": [
        "tracker_rsc.api.throttles.AnonThrottle",
        "tracker_rsc.api.throttles.UserThrottle",
        "tracker_rsc.api.throttles.WriteThrottle",
        "tracker_rsc.api.throttles.EraseThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/min"),
        "user": env.str("API_THROTTLE_USER", default="1200/min"),
        "write": env.str("API_THROTTLE_WRITE", default="300/min"),
        "erase": env.str("API_THROTTLE_ERASE", default="30/hour"),
    },
    "DEFAULT_PAGINATION_CLASS": "tracker_rsc.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["tracker_rsc.api.filtering.StrictFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "tracker_rsc.api.schema.ContractAutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tracker RSC API",
    "DESCRIPTION": "Candidates, requisitions, placements, activities and Skills Search.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}
# --- API contract: what the API speaks, and who may read its schema -----------------------
# JSON only, both ways: every answer is one the schema documents (the browsable API's HTML is
# not; the Swagger UI at /api/docs/ explores the API in a browser), and a body is JSON (form
# encodings cannot say null or an empty list); any other Content-Type is a documented 415.
REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = ["rest_framework.renderers.JSONRenderer"]
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = ["rest_framework.parsers.JSONParser"]
SPECTACULAR_SETTINGS |= {
    # The schema and its docs need a login: token first, so anonymous gets 401, not 403.
    "SERVE_AUTHENTICATION": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from drf-spectacular-sidecar's static files: no CDN, no third-party host.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI would otherwise send the schema to validator.swagger.io for a badge.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# --- API tokens, login lockout, callback flood bound ------------------------------------------
# django-rest-knox keeps only a SHA-512 digest of each token; a token expires after
# API_TOKEN_TTL_DAYS unless created with another lifetime (manage.py create_api_token).
REST_KNOX: dict[str, Any] = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=90)),
    "AUTH_HEADER_PREFIX": "Token",  # the header integrators already send
}
# django-axes: AXES_FAILURE_LIMIT failed logins for one username from one IP lock that pair
# out for AXES_COOLOFF_MINUTES (answered 429 with Retry-After); staff unlock it sooner by
# deleting its "Access attempts" row in the admin.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tracker_rsc.lockout.lockout_response"
# The client address: REMOTE_ADDR unless a trusted proxy sets a header (e.g. HTTP_X_REAL_IP);
# never X-Forwarded-For by default, which any client can write to dodge the lockout.
AXES_IPWARE_META_PRECEDENCE_ORDER = [env.str("AXES_CLIENT_IP_HEADER", default="REMOTE_ADDR")]
# Pushes whose signature fails are stored for audit up to this many per hour; beyond it the
# callback still answers but only counts them (syncjobs.notifications).
CALLBACK_REJECTED_PER_HOUR = env.int("CALLBACK_REJECTED_PER_HOUR", default=100)

# --- Redis and Celery ---------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
# Every task's hard time limit stays well below the visibility timeout, so a task that is
# still running is never redelivered to a second worker while the first one holds it.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
CELERY_TASK_TIME_LIMIT = env.int(
    "CELERY_TASK_TIME_LIMIT", default=min(900, CELERY_VISIBILITY_TIMEOUT // 2)
)
# A minute of grace before the hard limit, or a fifth of it when the limit is short (a short
# visibility timeout must not leave a soft limit of one second).
CELERY_TASK_SOFT_TIME_LIMIT = env.int(
    "CELERY_TASK_SOFT_TIME_LIMIT",
    default=max(1, CELERY_TASK_TIME_LIMIT - min(60, CELERY_TASK_TIME_LIMIT // 5)),
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # kombu's default is ``control/`` in the working directory, which left exchange files
        # wherever a process happened to start.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # kombu polls the folder (default every 1 s), so every task waited ~1 s before a
        # worker saw it. 50 ms makes the embedded default feel as immediate as Redis; an idle
        # worker pays a directory listing per poll (measured in bench/broker_latency.py).
        "polling_interval": env.float("CELERY_BROKER_POLLING_INTERVAL", default=0.05),
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        "socket_timeout": 5,
        "socket_connect_timeout": 5,
    }
# Processes per worker (celery's own default is the CPU count); `make prod-smoke` runs one each.
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=None)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True  # nothing reads results; state lives in SyncRun and friends
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must fail fast when the broker is down: the row is already committed and the
# periodic re-drive picks it up, so a web request never hangs on an outage.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "tracker_rsc.beat:SingleBeatScheduler"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The schedule is code. Each entry's task is idempotent and claims its own work, so a
# late or repeated firing does no harm; SingleBeatScheduler keeps it to one firing.
# Among them: seat sync (daily), InMail/notes sync (every 30 min), connection reconciliation
# (hourly) and the purged-export check (weekly).
CELERY_BEAT_SCHEDULE = {
    "outbox-redrive": {
        "task": "syncjobs.tasks.outbox_redrive",
        "schedule": timedelta(minutes=1),
    },
    "notification-sweep": {
        "task": "syncjobs.tasks.notification_sweep",
        "schedule": timedelta(minutes=2),
    },
    "integration-housekeeping": {  # a lost setup or bulk sync step is picked up again
        "task": "syncjobs.tasks.integration_housekeeping",
        "schedule": timedelta(minutes=5),
    },
    "stub-import-hourly": {
        "task": "syncjobs.tasks.stub_import_all",
        "schedule": crontab(minute=5),
    },
    "interaction-sync": {  # InMails and notes, windows of at most 12 h per contract
        "task": "syncjobs.tasks.interaction_sync_all",
        "schedule": crontab(minute="*/30"),
    },
    "connection-sync": {  # reconcile hiring project connections (pushes may be lost)
        "task": "syncjobs.tasks.connection_sync",
        "schedule": crontab(minute=35),
    },
    "seat-sync-daily": {  # LinkedIn seats
        "task": "syncjobs.tasks.seat_sync",
        "schedule": crontab(hour=3, minute=15),
    },
    "purge-check-weekly": {  # LinkedIn asks for purged-export notices at least every 30 days
        "task": "syncjobs.tasks.purge_check",
        "schedule": crontab(day_of_week=1, hour=4, minute=0),
    },
    "prune-daily": {  # retention: settled outbox events, handled notifications, old runs
        "task": "syncjobs.tasks.prune",
        "schedule": crontab(hour=2, minute=40),
    },
}
BEAT_LOCK_FILE = str(VAR_DIR / "celerybeat.lock")

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            # File-based so that web, worker and beat processes share one cache (the
            # LinkedIn token is shared this way in the embedded default).
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    )
}

# --- LinkedIn -----------------------------------------------------------------------------
_SANDBOX_BASE = f"{SITE_URL}/sandbox/linkedin"
LINKEDIN_API_URL = env.str(
    "LINKEDIN_API_URL",
    default=_SANDBOX_BASE if LINKEDIN_SANDBOX else "https://api.linkedin.com",
).rstrip("/")
LINKEDIN_TOKEN_URL = env.str(
    "LINKEDIN_TOKEN_URL",
    default=(
        f"{_SANDBOX_BASE}/oauth/v2/accessToken"
        if LINKEDIN_SANDBOX
        else "https://www.linkedin.com/oauth/v2/accessToken"
    ),
)
# Sign In with LinkedIn (OpenID Connect): where a recruiter signs in to bind their seat.
LINKEDIN_AUTHORIZATION_URL = env.str(
    "LINKEDIN_AUTHORIZATION_URL",
    default=(
        f"{_SANDBOX_BASE}/oauth/v2/authorization"
        if LINKEDIN_SANDBOX
        else "https://www.linkedin.com/oauth/v2/authorization"
    ),
)
# The sandbox's own registered application (what LinkedIn's developer portal holds): the
# sandbox checks token requests against it and signs its pushes with this secret, never with
# Tracker's LINKEDIN_CLIENT_SECRET, which only defaults to it so the local demo verifies.
LINKEDIN_SANDBOX_CLIENT_ID = env.str("LINKEDIN_SANDBOX_CLIENT_ID", default="sandbox-client")
LINKEDIN_SANDBOX_CLIENT_SECRET = env.str("LINKEDIN_SANDBOX_CLIENT_SECRET", default="sandbox-secret")
# The sandbox calls back (pushes, challenges) only under these origins: nothing it fetches is a
# URL a caller chose freely. Empty (the default): SITE_URL's origin, the Tracker it serves.
LINKEDIN_SANDBOX_CALLBACK_ORIGINS = env.list("LINKEDIN_SANDBOX_CALLBACK_ORIGINS", default=[])
LINKEDIN_CLIENT_ID = env.str(
    "LINKEDIN_CLIENT_ID", default=LINKEDIN_SANDBOX_CLIENT_ID if LINKEDIN_SANDBOX else ""
)
LINKEDIN_CLIENT_SECRET = env.str(
    "LINKEDIN_CLIENT_SECRET", default=LINKEDIN_SANDBOX_CLIENT_SECRET if LINKEDIN_SANDBOX else ""
)
LINKEDIN_VERSION = env.str("LINKEDIN_VERSION", default="202604")
LINKEDIN_TIMEOUT = env.float("LINKEDIN_TIMEOUT", default=20.0)
LINKEDIN_RECORDS_PER_MINUTE = env.int("LINKEDIN_RECORDS_PER_MINUTE", default=10_000)
LINKEDIN_REQUESTS_PER_DAY = env.int("LINKEDIN_REQUESTS_PER_DAY", default=100_000)
LINKEDIN_RATE_LIMIT_ENABLED = env.bool("LINKEDIN_RATE_LIMIT_ENABLED", default=True)
# Transient failures (429, 5xx, timeouts) are retried this often within one call, waiting a
# random 0..min(MAX_WAIT, BASE_WAIT * 2^n) seconds (full jitter) or the Retry-After asked for.
LINKEDIN_RETRY_ATTEMPTS = env.int("LINKEDIN_RETRY_ATTEMPTS", default=5)
LINKEDIN_RETRY_BASE_WAIT = env.float("LINKEDIN_RETRY_BASE_WAIT", default=1.0)
LINKEDIN_RETRY_MAX_WAIT = env.float("LINKEDIN_RETRY_MAX_WAIT", default=30.0)
LINKEDIN_EXPORTS_PER_SEAT_PER_MONTH = 300
if LINKEDIN_SANDBOX:
    # The sandbox's pushes whose delivery task was never queued (broker down) or was lost.
    CELERY_BEAT_SCHEDULE["sandbox-push-sweep"] = {
        "task": "sandbox.deliver_due_pushes",
        "schedule": timedelta(minutes=1),
    }

# --- Retention (``manage.py prune`` and the daily beat job) -------------------------------------
# Ages in days; 0 keeps that kind forever. What an audit needs is never pruned (erasure
# tombstones, member links, the admin log, held records, anything pending or failed).
PRUNE_OUTBOX_DAYS = env.int("PRUNE_OUTBOX_DAYS", default=30)
PRUNE_NOTIFICATIONS_DAYS = env.int("PRUNE_NOTIFICATIONS_DAYS", default=90)
PRUNE_SYNC_RUNS_DAYS = env.int("PRUNE_SYNC_RUNS_DAYS", default=180)
# Rows deleted per short transaction: small enough that no table is locked for long.
PRUNE_BATCH_SIZE = env.int("PRUNE_BATCH_SIZE", default=500)

# --- Error reporting and logs -----------------------------------------------------------------
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from tracker_rsc.observability import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# ``plain`` for people, ``json`` for a log pipeline: one object per line with the Celery task
# id and the sync run id (tracker_rsc.log_format).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
if LOG_FORMAT not in ("plain", "json"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"LOG_FORMAT must be 'plain' or 'json', not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "tracker_rsc.log_format.ContextFilter"},
        # The callback URL's token is a credential: every handler drops it from what it writes.
        "redact_callback_token": {"()": "tracker_rsc.log_redaction.CallbackTokenFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "tracker_rsc.log_format.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context", "redact_callback_token"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # runserver's access log has a handler of its own in Django's defaults: use ours.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
