"""Settings, read from environment variables only (see the README's Configuration table).

With nothing set (and DEBUG on) the site runs on a laptop: SQLite, local-memory cache, an
embedded Celery broker in var/celery/, and emails written as .eml files to var/mail/.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from .mail import mailer_from_url


class _Env(environ.Env):
    """django-environ, but a value it cannot read stops the start naming its variable, and a
    boolean must look like one (django-environ reads "ture" or "maybe" as False)."""

    _BOOLEANS = (*environ.Env.BOOLEAN_TRUE_STRINGS, "false", "off", "no", "n", "0", "")
    _KINDS = {bool: "true or false", int: "a whole number", float: "a number"}

    @classmethod
    def parse_value(cls, value, cast):
        if cast is bool and isinstance(value, str) and value.strip().lower() not in cls._BOOLEANS:
            raise ValueError(value)
        return super().parse_value(value, cast)

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ValueError as error:
            kind = self._KINDS.get(cast, "readable")
            value = self.ENVIRON.get(var)
            raise ImproperlyConfigured(f"{var} must be {kind}, not {value!r}.") from error


env = _Env()


def _int(name: str, default: int, *, minimum: int = 1) -> int:
    value = env.int(name, default=default)
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be a whole number, at least {minimum}.")
    return value


def _rate(name: str, default: str) -> str:
    """A rate as django-ratelimit reads it: "20/m" is twenty a minute, "5/10m" five every ten
    minutes. Checked here: django-ratelimit itself would only fail at the first request."""
    value = env.str(name, default=default)
    if not re.fullmatch(r"[0-9]+/([1-9][0-9]*)?[smhd]", value):
        raise ImproperlyConfigured(f'{name} must be a rate such as "20/m" or "5/10m".')
    return value


def _urls(name: str) -> list[str]:
    """A comma-separated list of http(s) addresses."""
    urls = [url.strip() for url in env.list(name, default=[]) if url.strip()]
    for url in urls:
        if not re.fullmatch(r"https?://[^/\s]+(/\S*)?", url):
            raise ImproperlyConfigured(f"{name}: {url!r} is not an http(s) address.")
    return urls


def _timezones(name: str, default: list[str]) -> list[tuple[str, str]]:
    """Items "<tz database name>=<label>", e.g. "America/Los_Angeles=PT"."""
    zones = []
    for item in env.list(name, default=default):
        zone, sep, label = item.partition("=")
        if not sep or not zone.strip() or not label.strip():
            raise ImproperlyConfigured(f'{name}: {item!r} is not "<zone>=<label>", e.g. "UTC=UTC".')
        try:
            ZoneInfo(zone.strip())
        except (ZoneInfoNotFoundError, ValueError, OSError) as error:  # a folder: OSError
            raise ImproperlyConfigured(f"{name}: {zone!r} is not a known time zone.") from error
        zones.append((zone.strip(), label.strip()))
    return zones


BASE_DIR = Path(__file__).resolve().parent.parent
# What the site writes on a laptop: the embedded broker, the file cache, mails as files.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))


DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "development-only-secret-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]

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
    "markdownx",
    "corsheaders",
    "axes",
    "incidents",
    "incidents.notifications",
    "incidents.audit",
    "incidents.api",
    "incidents.pods",
    "incidents.operations",
    "incidents.monitoring",
    "incidents.metrics",
]

MIDDLEWARE = [
    # Outermost: a public answer's Vary, Cache-Control and surrogate keys, as its declaration
    # says, whatever the middleware inside added for one visitor.
    "incidents.cache.SharedCacheHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Every /api/ answer JSON (404, 405, 413, 500 included); bodies over the limit refused
    # before anything reads them; NUL characters refused; HEAD answered as GET, OPTIONS with
    # the methods the view takes.
    "statuspage.middleware.ApiJsonMiddleware",
    "statuspage.middleware.RequestSizeMiddleware",
    "statuspage.middleware.RefuseNulMiddleware",
    # The management API as Statuspage's scripts call it: `.json` paths, form-encoded bodies.
    "incidents.api.middleware.StatuspageRequestMiddleware",
    "statuspage.middleware.HeadAndOptionsMiddleware",
    # Outside the page cache: every answer, cached or not, gets the header of its own request.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "incidents.languages.RootLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "incidents.cache.PublicPageCacheMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "statuspage.middleware.DatabaseUnavailableMiddleware",
    # Last, as axes requires: it turns a locked-out login into its 429 answer, which then
    # passes back through every middleware above (security headers, CSP).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "statuspage.urls"
WSGI_APPLICATION = "statuspage.wsgi.application"

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
                "django.template.context_processors.csp",
                "incidents.context_processors.page",
                "incidents.context_processors.languages",
                "incidents.context_processors.staff_alerts",
            ],
        },
    },
]

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _sqlite = DATABASES["default"].setdefault("OPTIONS", {})
    # WAL lets the web process and the worker read while the other writes; synchronous=NORMAL
    # spares each commit a wait for the disk (a killed process still loses nothing), which
    # the mail sender's one commit per message needs.
    _sqlite.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
    # One writer at a time, and the others wait their turn instead of failing. A transaction
    # takes the write lock when it begins (IMMEDIATE): a deferred one that read first and then
    # tried to write would fail at once with "database is locked" when another process wrote
    # in between, whatever the timeout. The timeout is how long a writer waits (seconds).
    _sqlite.setdefault("transaction_mode", "IMMEDIATE")
    _sqlite.setdefault("timeout", _int("SQLITE_BUSY_TIMEOUT", 30, minimum=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Without a cache server, files under var/cache: shared by every process of the site (the web
# server's workers, the Celery worker that starts a maintenance, a management command), so a
# change made in one is seen by the others. Local memory would be one process's alone.
CACHES = {"default": env.cache_url("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "statuspage.cache.RedisCache"  # one client per pool
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache":
    # Culling (a third of the files past MAX_ENTRIES) could drop the last good copies.
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 10_000)

MAILERS = {"default": mailer_from_url(env.str("EMAIL_URL", default=""), VAR_DIR / "mail")}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Status <status@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]


# The client's address, for the admin login lockout and every rate limit. Behind a reverse
# proxy REMOTE_ADDR is the proxy's own: name instead (as a request.META key) a header the proxy
# sets, e.g. HTTP_X_REAL_IP. Its last address counts, the one the proxy itself added; a
# request that lacks the header reached us directly, and its REMOTE_ADDR is the client.
CLIENT_IP_HEADER = env.str("CLIENT_IP_HEADER", default="REMOTE_ADDR")
RATELIMIT_IP_META_KEY = "statuspage.throttling.client_ip"
AXES_CLIENT_IP_CALLABLE = "statuspage.throttling.client_ip"

# Failed admin logins (django-axes). ADMIN_LOGIN_FAILURES failures for one username from one
# address lock that pair for ADMIN_LOGIN_COOLOFF_MINUTES: locking the pair rather than the
# username keeps a stranger from locking a support engineer out from elsewhere. A success
# resets the count, and retrying while locked does not extend the lock (staff in a hurry
# during an outage). Attempts are rows in the database, which every process and host shares
# and which a superuser sees (and deletes, to unlock early) in the admin, Axes; the default
# file cache's counters would not be atomic (axes' check W001 warns of it).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked pair before any check
    "django.contrib.auth.backends.ModelBackend",
]
ADMIN_LOGIN_FAILURES = _int("ADMIN_LOGIN_FAILURES", 10)
ADMIN_LOGIN_COOLOFF_MINUTES = _int("ADMIN_LOGIN_COOLOFF_MINUTES", 15)
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = ADMIN_LOGIN_FAILURES
AXES_COOLOFF_TIME = timedelta(minutes=ADMIN_LOGIN_COOLOFF_MINUTES)
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_COOLOFF_MESSAGE = (
    "Too many failed logins for this username from your address. Logging in is locked for up "
    f"to {ADMIN_LOGIN_COOLOFF_MINUTES} minutes; an administrator can unlock it sooner."
)
# 429 with Retry-After (the cool-off).
AXES_LOCKOUT_CALLABLE = "statuspage.throttling.admin_lockout"

LANGUAGE_CODE = "en"
# English is the source and has no URL prefix; the others live under /<code>/ (see urls.py).
LANGUAGES = [
    ("en", _("English")),
    ("it", _("Italian")),
    ("de", _("German")),
    ("es", _("Spanish")),
    ("fr", _("French")),
    ("ja", _("Japanese")),
    ("pt-br", _("Brazilian Portuguese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
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

# Security: on by default in production, each can be turned off to serve plain http on a
# private address.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# HSTS: a year by default in production. Include subdomains and preload default on so that
# `check --deploy` is clean; turn them off when a subdomain must stay on plain http.
SECURE_HSTS_SECONDS = _int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True

# Content Security Policy (Django's own middleware). No page needs inline script or style:
# the public pages have none (they are cached and shared, so they must not carry a nonce),
# and the admin's own tags carry the per-request nonce. Images in staff-written Markdown may
# come from any https host.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", "https:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
if _csp_report_uri := env.str("CSP_REPORT_URI", default=""):
    SECURE_CSP["report-uri"] = _csp_report_uri

# Celery. With no broker configured, an embedded file-system broker under var/celery/ lets
# the web process, the worker and beat talk without any server.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    # kombu's file-system transport, with messages written whole before a worker can see them
    # (statuspage/broker.py).
    CELERY_BROKER_TRANSPORT = "statuspage.broker:Transport"
    _queue_dir = VAR_DIR / "celery" / "queue"
    _control_dir = VAR_DIR / "celery" / "control"
    for _folder in (_queue_dir, _control_dir):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "control_folder": str(_control_dir),
        "store_processed": False,
        # How often the worker looks for new messages (seconds; kombu's default is 1): a
        # notification starts within a quarter of a second of its confirmation.
        "polling_interval": 0.25,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "incidents.tasks.heartbeat", "schedule": 60.0},
    # Starts and completes scheduled maintenance, sends reminders (within a minute of the time).
    "maintenance-tick": {"task": "incidents.tasks.maintenance_tick", "schedule": 30.0},
    # Re-queues deliveries a killed worker left in flight; finishes notifications.
    "notifications-sweep": {"task": "notifications.sweep", "schedule": 60.0},
    # Emails staff when an incident's promised next update is late (once per promise).
    "overdue-updates": {"task": "incidents.tasks.remind_overdue_updates", "schedule": 60.0},
    # Applies the automated component changes whose flap interval has passed.
    "monitoring-settle": {"task": "monitoring.settle", "schedule": 15.0},
    # Warns staff (once per silence) of monitoring integrations whose heartbeat is late.
    "monitoring-heartbeats": {"task": "monitoring.heartbeats", "schedule": 60.0},
    # Polls the Prometheus-fed metrics (each once a minute); hourly, drops data past its use.
    "metrics-poll": {"task": "metrics.poll", "schedule": 60.0},
}

# markdownx renders its preview through our sanitizing renderer.
MARKDOWNX_MARKDOWNIFY_FUNCTION = "incidents.markdown.render_markdown"
MARKDOWNX_MEDIA_PATH = "markdownx/"

# Machine translation of incidents (incidents/machine_translation.py): a backend's dotted path,
# e.g. "incidents.machine_translation.LibreTranslate", or empty to translate by hand only.
MACHINE_TRANSLATION_BACKEND = env.str("MACHINE_TRANSLATION_BACKEND", default="")
LIBRETRANSLATE_URL = env.str("LIBRETRANSLATE_URL", default="")
LIBRETRANSLATE_API_KEY = env.str("LIBRETRANSLATE_API_KEY", default="")
if MACHINE_TRANSLATION_BACKEND.endswith(".LibreTranslate") and not LIBRETRANSLATE_URL:
    raise ImproperlyConfigured("LIBRETRANSLATE_URL must be set to use LibreTranslate.")

# System metrics (incidents/metrics/): the Prometheus server a Prometheus provider without an
# address of its own queries, and how long one query may take (seconds).
PROMETHEUS_URL = env.str("PROMETHEUS_URL", default="").rstrip("/")
if PROMETHEUS_URL and not re.fullmatch(r"https?://[^/\s]+(/\S*)?", PROMETHEUS_URL):
    raise ImproperlyConfigured(f"PROMETHEUS_URL: {PROMETHEUS_URL!r} is not an http(s) address.")
PROMETHEUS_TIMEOUT = env.float("PROMETHEUS_TIMEOUT", default=5.0)
if PROMETHEUS_TIMEOUT <= 0:
    raise ImproperlyConfigured("PROMETHEUS_TIMEOUT must be a positive number of seconds.")

# The status page itself.
STATUSPAGE_NAME = env.str("STATUSPAGE_NAME", default="Example Status")
STATUSPAGE_PAGE_ID = env.str("STATUSPAGE_PAGE_ID", default="demo0page0id")
# Zones every timestamp is shown in, as (tz database name, label). The date in front of a
# timeline row follows the last zone's calendar.
STATUS_TIMEZONES = _timezones("STATUS_TIMEZONES", ["UTC=UTC", "America/Los_Angeles=PT"])
# The "for more information" block on incident pages links to the status page and to support.
# The "Contact support" link of that block, until staff change it (the page's settings).
STATUS_SUPPORT_URL = env.str("STATUS_SUPPORT_URL", default="mailto:support@example.com")
STATUS_RECENT_DAYS = _int("STATUS_RECENT_DAYS", 7)
STATUS_RECENT_INCIDENTS = _int("STATUS_RECENT_INCIDENTS", 10)
# Minutes before a maintenance starts that its reminder goes out.
STATUS_MAINTENANCE_REMINDER = _int("STATUS_MAINTENANCE_REMINDER", 60)
# Days of the uptime bars.
STATUS_UPTIME_DAYS = _int("STATUS_UPTIME_DAYS", 90)

# "My status" (incidents/pods/): the components of this group are pods; every other component
# is a product that runs on every pod. Account lookups allowed per IP ("20/m": twenty a minute).
STATUS_POD_GROUP = env.str("STATUS_POD_GROUP", default="Pods")
POD_LOOKUP_RATE = _rate("POD_LOOKUP_RATE", "20/m")

# Subscriptions and notifications (incidents/notifications/).
# Sign-ups allowed per IP and per address, as django-ratelimit reads it: "5/10m" is five
# every ten minutes.
SUBSCRIBE_RATE = _rate("SUBSCRIBE_RATE", "5/10m")
# How long a confirmation link works, and a manage or unsubscribe link (seconds).
SUBSCRIBE_CONFIRM_MAX_AGE = _int("SUBSCRIBE_CONFIRM_MAX_AGE", 2 * 24 * 3600)
SUBSCRIBER_LINK_MAX_AGE = _int("SUBSCRIBER_LINK_MAX_AGE", 400 * 24 * 3600)
# A send needs an incident manager's approval above this many recipients, or when it would
# reach at least NOTIFY_WIDE_SHARE of all active subscribers while concerning less than that
# share of the components (and more than NOTIFY_WIDE_MIN_AUDIENCE people).
NOTIFY_APPROVAL_THRESHOLD = _int("NOTIFY_APPROVAL_THRESHOLD", 1000)
NOTIFY_WIDE_SHARE = env.float("NOTIFY_WIDE_SHARE", default=0.5)
NOTIFY_WIDE_MIN_AUDIENCE = _int("NOTIFY_WIDE_MIN_AUDIENCE", 20, minimum=0)
# Messages per SMTP connection, attempts per delivery, and when an in-flight delivery counts
# as abandoned by a dead worker (seconds).
NOTIFY_BATCH_SIZE = _int("NOTIFY_BATCH_SIZE", 100)
NOTIFY_MAX_ATTEMPTS = _int("NOTIFY_MAX_ATTEMPTS", 5)
NOTIFY_STUCK_AFTER = _int("NOTIFY_STUCK_AFTER", 600)
NOTIFY_SENDERS = _int("NOTIFY_SENDERS", 2)
# Webhook subscribers: plain http and private or loopback hosts only for local testing
# (allowed while DEBUG is on), seconds to wait for an answer, failed attempts in a row before a
# subscriber is disabled, and the "documentation" link of every payload.
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=DEBUG)
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=DEBUG)
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)
WEBHOOK_DISABLE_AFTER = _int("WEBHOOK_DISABLE_AFTER", 10)
WEBHOOK_DOCUMENTATION_URL = env.str(
    "WEBHOOK_DOCUMENTATION_URL",
    default="https://support.atlassian.com/statuspage/docs/enable-webhook-notifications/",
)
if WEBHOOK_TIMEOUT <= 0:
    raise ImproperlyConfigured("WEBHOOK_TIMEOUT must be a positive number of seconds.")
# Seconds before the first retry of a transient failure; doubles with each attempt (max 1 h).
NOTIFY_RETRY_BACKOFF = _int("NOTIFY_RETRY_BACKOFF", 30)
if not 0 < NOTIFY_WIDE_SHARE <= 1:
    raise ImproperlyConfigured("NOTIFY_WIDE_SHARE must be a fraction between 0 and 1.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Subscriber links and API keys never reach a log line (statuspage/logging.py).
    "filters": {"redact_secrets": {"()": "statuspage.logging.RedactSecrets"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]},
    },
    "loggers": {
        "django.request": {"filters": ["redact_secrets"]},
        "django.server": {
            "handlers": ["console"],
            "filters": ["redact_secrets"],
            "level": "INFO",
            "propagate": False,
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

FORMAT_MODULE_PATH = ["incidents.formats"]
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# The public API (Statuspage v2) is readable from any origin; the rest of the site is not.
CORS_ALLOW_ALL_ORIGINS = True
CORS_URLS_REGEX = r"^/api/v2/.*$"
# Management API requests per key, Statuspage-style; and wrong keys per client address, after
# which every request from that address is refused, right key or not, until the window ends.
API_RATE = _rate("API_RATE", "60/m")
API_AUTH_FAILURE_RATE = _rate("API_AUTH_FAILURE_RATE", "20/m")
# Monitoring payloads (`POST /hooks/<secret>/`) per client address, right secret or not.
HOOK_RATE = _rate("HOOK_RATE", "120/m")
# The shared caches (Varnish, a CDN's purge endpoint) told of every public change: each gets
# `PURGE` with the surrogate keys to drop in `xkey-purge`, from the worker (incidents.purge).
CACHE_PURGE_URLS = _urls("CACHE_PURGE_URLS")
CACHE_PURGE_TIMEOUT = 5  # seconds per purge request; a slow cache never holds a publish
# Memory per web process for answers replayed before Django (incidents.cache_replay.CachedAnswers).
ANSWER_CACHE_BYTES = 32 * 1024 * 1024
