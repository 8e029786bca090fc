"""Newsdesk settings: one module, driven by the environment (see .env.example)."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env is a convenience for developers; real deployments set the environment.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEV_SECRET_KEY = "django-insecure-newsdesk-dev-only-key"  # noqa: S105 - refused when DEBUG is off

# Off unless asked for: a deployment that forgets the variable gets production settings. The
# Makefile's development commands (make run, make test, the benches) turn it on.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters "
        "when DJANGO_DEBUG is off."
    )

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "annotations",
]

MIDDLEWARE = [
    # Outermost, so that every response gets the security headers, including those the
    # middleware below returns early (413, 400, redirects) and every error page.
    "newsdesk.headers.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before any view (or the CSRF check) reads the body; after auth so the 413 page has a user.
    "newsdesk.security.RequestSizeLimitMiddleware",
    # After the size check, so an oversized body is refused before it is read.
    "newsdesk.encoding.UndecodableInputMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "newsdesk.error_pages.DatabaseUnavailableMiddleware",
    # Last, so that its lock-out page goes out through every security middleware above.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsdesk.urls"

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
                "annotations.context_processors.newsroom_roles",
            ],
        },
    },
]

WSGI_APPLICATION = "newsdesk.wsgi.application"
ASGI_APPLICATION = "newsdesk.asgi.application"

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/newsdesk"
# The app's login: a role that reads and writes rows and owns nothing (docs/database.md).
DATABASES = {"default": env.db_url("DATABASE_URL", default=DEFAULT_DATABASE_URL)}
# A Unix-socket directory arrives percent-encoded in the URL host (postgres://u@%2Fpath/db).
DATABASES["default"]["HOST"] = unquote(DATABASES["default"].get("HOST", ""))
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
# Reconnect transparently after a PostgreSQL restart instead of failing the next request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Server-side parameter binding lets psycopg prepare a statement on a connection once it has
# run there five times: the desk's row query and the family refresh are then planned once per
# connection, not on every request (bench/review.py: their round trips fell from 2.1 and 0.8 ms
# to 1.2 and 0.2 ms). Turn it off behind a pooler that cannot keep prepared statements
# (PgBouncer in transaction mode before 1.21).
if env.bool("DJANGO_DB_PREPARED_STATEMENTS", default=True):
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
# The schema owner's login, for schema work only: `migrate` is run with it as DATABASE_URL
# (make run, docker-compose), and the test suite creates, migrates and flushes its database
# with it. Unset, it is the app's own login (one role for everything, not recommended).
NEWSDESK_DATABASE_OWNER = env.db_url(
    "DATABASE_OWNER_URL", default=env.str("DATABASE_URL", default=DEFAULT_DATABASE_URL)
)
NEWSDESK_DATABASE_OWNER["HOST"] = unquote(NEWSDESK_DATABASE_OWNER.get("HOST", ""))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "newsdesk",
        # Redis outages must not take the web down with them: the cache is an optimisation.
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security (production values whenever DEBUG is off) ---
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No inline scripts or styles anywhere: htmx is loaded from our own static files and its
# indicator <style> injection is turned off in base.html's htmx-config meta tag. Sent on every
# response by newsdesk/headers.py, with the headers above.
NEWSDESK_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# The desk uses none of these browser features; nothing embedded may ask for them either.
NEWSDESK_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# --- Log-in limits: django-axes counting in PostgreSQL (newsdesk/login_limits.py) ---
# Every authenticate() call (desk login, admin login, any later form) asks axes' backend first.
# Policy, with the numbers, in docs/login-limits.md.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend that reads the user's roles in the same query as the user.
    "annotations.roles.RoleModelBackend",
]
AXES_HANDLER = "newsdesk.login_limits.LoginLimitHandler"
# Failures are counted per (username, address); the per-username backoff is ours.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("NEWSDESK_LOGIN_FAILURE_LIMIT", default=5)
NEWSDESK_LOGIN_LOCKOUT_SECONDS = env.int("NEWSDESK_LOGIN_LOCKOUT_SECONDS", default=15 * 60)
NEWSDESK_LOGIN_BACKOFF_AFTER = env.int("NEWSDESK_LOGIN_BACKOFF_AFTER", default=10)
NEWSDESK_LOGIN_BACKOFF_SECONDS = env.int("NEWSDESK_LOGIN_BACKOFF_SECONDS", default=30)
NEWSDESK_LOGIN_BACKOFF_MAX_SECONDS = env.int("NEWSDESK_LOGIN_BACKOFF_MAX_SECONDS", default=15 * 60)
NEWSDESK_LOGIN_KNOWN_ADDRESS_DAYS = env.int("NEWSDESK_LOGIN_KNOWN_ADDRESS_DAYS", default=30)
# How long failures are remembered (axes deletes older attempts).
AXES_COOLOFF_TIME = timedelta(hours=env.int("NEWSDESK_LOGIN_MEMORY_HOURS", default=24))
# A refused attempt checks no password and is not counted: a lock ends when it says it will.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "newsdesk.login_limits.attempted_username"
AXES_CLIENT_IP_CALLABLE = "newsdesk.login_limits.client_address"
AXES_LOCKOUT_CALLABLE = "newsdesk.login_limits.lockout_response"

# --- Limits enforced at the boundary (forms, serializers, CLI) ---
NEWSDESK_MAX_ARTICLE_CHARS = env.int("NEWSDESK_MAX_ARTICLE_CHARS", default=500_000)
NEWSDESK_MAX_NOTE_CHARS = env.int("NEWSDESK_MAX_NOTE_CHARS", default=5_000)
NEWSDESK_MAX_QUERY_CHARS = env.int("NEWSDESK_MAX_QUERY_CHARS", default=500)
# Search relevance ranks only the newest this-many matches (found by walking the publication
# index), so latency follows the page, not the number of matches: finding them costs about
# N / (share of quotes matching) row visits, whatever the corpus size. Older matches stay
# reachable by sorting by date or narrowing the dates. 500 keeps the p95 at 1M quotes within
# 3x of 100k (bench/search.py); see docs/search.md.
NEWSDESK_SEARCH_RANK_CANDIDATES = env.int("NEWSDESK_SEARCH_RANK_CANDIDATES", default=500)
# A receiver that hangs is cut off after this many seconds and the delivery retried later.
NEWSDESK_WEBHOOK_TIMEOUT = env.float("NEWSDESK_WEBHOOK_TIMEOUT", default=10.0)
# Attempts before a delivery is given up as failed.
NEWSDESK_WEBHOOK_MAX_ATTEMPTS = env.int("NEWSDESK_WEBHOOK_MAX_ATTEMPTS", default=10)
# Retries wait 2**n seconds up to this cap, which stays below the broker's visibility timeout so
# a delayed retry is never redelivered while it waits.
NEWSDESK_WEBHOOK_BACKOFF_CAP = env.int("NEWSDESK_WEBHOOK_BACKOFF_CAP", default=1800)
NEWSDESK_NEWSROOM_NAME = env.str("NEWSDESK_NEWSROOM_NAME", default="Newsdesk")
# Fetching an article by URL on the new-article page (annotations/services/fetch.py): the whole
# fetch, redirects included, takes at most this long and reads at most this many bytes.
NEWSDESK_FETCH_TIMEOUT = env.float("NEWSDESK_FETCH_TIMEOUT", default=10.0)
NEWSDESK_FETCH_MAX_BYTES = env.int("NEWSDESK_FETCH_MAX_BYTES", default=5 * 1024 * 1024)
# Private, loopback and link-local addresses are refused unless this is on (an intranet CMS).
NEWSDESK_FETCH_ALLOW_PRIVATE = env.bool("NEWSDESK_FETCH_ALLOW_PRIVATE", default=False)
# The largest file the new-article page accepts (a JSONL or CSV batch of many articles).
NEWSDESK_MAX_UPLOAD_BYTES = env.int("NEWSDESK_MAX_UPLOAD_BYTES", default=50 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)

# --- Django REST Framework ---
REST_FRAMEWORK = {
    # The key class first: its WWW-Authenticate header makes missing credentials a 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "annotations.api.auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "annotations.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "newsdesk_api": env.str("NEWSDESK_API_RATE", default="1200/min"),
    },
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bodies only (a form or multipart body is a 415): browsers use the desk's own pages,
    # and a schema offering three media types made generated clients send fields twice.
    "DEFAULT_PARSER_CLASSES": ["annotations.api.parsers.BoundedJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Newsdesk API",
    "DESCRIPTION": (
        "Articles, quotations and fact-check verdicts for the CMS; the guide with a quick start "
        "is docs/api.md.\n\n"
        "**Keys.** An admin creates each API key for an owner (a user) and a scope; the key is "
        "shown once. It acts as its owner narrowed by its scope: `read` keys only read, "
        "`review` keys also create and update articles and speakers and decide quotes, and only "
        "while the owner is an editor.\n\n"
        "**Speakers.** Pre-highlighting looks the name in the text (`speaker_mention`) up among "
        "the registry's names and aliases, ignoring case, spacing and curly apostrophes. A name "
        "it cannot resolve (or an alias two speakers share) leaves `speaker` null with "
        "`speaker_mention` set, and no speaker record is created. The quote list's `speaker` "
        "filter searches the registry, not mentions: add the person, or an alias, through "
        "/api/v1/speakers/; quotes extracted afterwards resolve to them, and editors assign "
        "earlier ones on the desk."
    ),
    "VERSION": "1.0.0",
    # 3.1: `null` is a type, so nullable references are `oneOf: [{$ref}, {type: null}]`, which
    # strict validators and client generators read alike.
    "OAS_VERSION": "3.1.0",
    # Operation ids and tags from the path after /api/v1/: articles_list, quotes_review_create.
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "QuoteStatusEnum": "annotations.models.Quote.Status",
        "PrehighlightStatusEnum": "annotations.models.Article.PrehighlightStatus",
        "AnchorEnum": "annotations.models.Quote.Anchor",
        "SpeakerKindEnum": "annotations.models.Speaker.Kind",
        "FamilyLinkKindEnum": "annotations.models.QuoteFamilyMember.Kind",
    },
}

# --- Celery ---
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=180)
CELERY_TIMEZONE = TIME_ZONE
# Publishing must fail fast when Redis is down so that saving an article never hangs;
# the sweep picks the article up later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, int] = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    # An unacknowledged task of a killed worker is redelivered after this many seconds.
    "visibility_timeout": env.int("CELERY_BROKER_VISIBILITY_TIMEOUT", default=3600),
}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Pre-highlight pipeline (docs/pipeline.md) ---
# A `queued` article older than this is re-published by the sweep (the broker may have been
# down when it was saved).
NEWSDESK_PREHIGHLIGHT_REQUEUE_AFTER = env.int("NEWSDESK_PREHIGHLIGHT_REQUEUE_AFTER", default=120)
# A worker refreshes the heartbeat of its running claims at most this often (and at least
# this often while it works: the extractor takes well under a second per article).
NEWSDESK_PREHIGHLIGHT_HEARTBEAT_SECONDS = env.float(
    "NEWSDESK_PREHIGHLIGHT_HEARTBEAT_SECONDS", default=5.0
)
# A `running` claim whose heartbeat is older than this belongs to a dead (or stuck) worker: the
# sweep re-queues it, and its worker can no longer store over whoever takes it next.
NEWSDESK_PREHIGHLIGHT_STALE_SECONDS = env.float("NEWSDESK_PREHIGHLIGHT_STALE_SECONDS", default=20.0)
if NEWSDESK_PREHIGHLIGHT_STALE_SECONDS < 3 * NEWSDESK_PREHIGHLIGHT_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "NEWSDESK_PREHIGHLIGHT_STALE_SECONDS must be at least three heartbeats "
        "(NEWSDESK_PREHIGHLIGHT_HEARTBEAT_SECONDS), or live claims would be taken over."
    )
NEWSDESK_PREHIGHLIGHT_SWEEP_LIMIT = env.int("NEWSDESK_PREHIGHLIGHT_SWEEP_LIMIT", default=500)
if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] < 60:
    # A short timeout is only useful if abandoned messages are looked for just as often.
    CELERY_BROKER_TRANSPORT_OPTIONS["unacked_restore_interval"] = 1
    CELERY_BROKER_TRANSPORT_OPTIONS["unacked_restore_throttle"] = 1
# Celery's Django fixup otherwise closes the database connection around EVERY task, and a
# fresh PostgreSQL backend (connect, catalog cache, text-search dictionaries) costs more than
# pre-highlighting a whole article; reuse it for this many tasks (x2 counts pre/post-run).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=100)
CELERY_BEAT_SCHEDULE = {
    # Often enough that a dead worker's claims are re-queued within stale + 10 s (about 30 s).
    "prehighlight-sweep": {
        "task": "annotations.prehighlight_sweep",
        "schedule": env.float("NEWSDESK_PREHIGHLIGHT_SWEEP_EVERY", default=10.0),
    },
    # Upload batches waiting (broker down) or left by a dead worker are queued again.
    "ingest-sweep": {
        "task": "annotations.ingest_sweep",
        "schedule": env.float("NEWSDESK_INGEST_SWEEP_EVERY", default=60.0),
    },
    # Deliveries left pending (broker down at review time, worker died) are re-queued.
    "webhook-sweep": {
        "task": "annotations.webhook_sweep",
        "schedule": env.float("NEWSDESK_WEBHOOK_SWEEP_EVERY", default=60.0),
    },
}
