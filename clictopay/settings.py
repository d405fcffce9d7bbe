"""Settings, read from the environment.

With nothing set this is a self-contained development setup: SQLite, Celery tasks run in-process,
DEBUG on and throw-away secrets. Production (DEBUG=false) refuses to start without real secrets.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET_KEY = "dev-only-insecure-secret-key-never-use-in-production-0123456789abcdef"  # noqa: S105
_DEV_CARD_HASH_KEY = "dev-only-card-hash-key"

SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
# Keyed hash of card numbers (blacklist look-ups). The id is stored with each hash so the key can rotate.
CARD_HASH_KEY = env.str("CARD_HASH_KEY", default=_DEV_CARD_HASH_KEY if DEBUG else "")
CARD_HASH_KEY_ID = env.str("CARD_HASH_KEY_ID", default="k1")
# Retired card-hash keys, "id:key,id:key" (e.g. "k0:oldsecret"): hashes stored under them, such as
# blacklist entries, still match after CARD_HASH_KEY rotates. Keys cannot contain commas.
CARD_HASH_OLD_KEYS: dict[str, str] = {}
for _item in env.list("CARD_HASH_OLD_KEYS", default=[]):
    _old_id, _colon, _old_key = _item.partition(":")
    if not (_old_id and _colon and _old_key) or _old_id == CARD_HASH_KEY_ID:
        raise ImproperlyConfigured("CARD_HASH_OLD_KEYS: give id:key pairs, ids unlike CARD_HASH_KEY_ID.")
    CARD_HASH_OLD_KEYS[_old_id] = _old_key

if not DEBUG:
    missing = [
        name for name, value in (("SECRET_KEY", SECRET_KEY), ("CARD_HASH_KEY", CARD_HASH_KEY)) if not value
    ]
    if missing:
        raise ImproperlyConfigured(f"DEBUG is off: set {', '.join(missing)} in the environment.")
    if SECRET_KEY == _DEV_SECRET_KEY or CARD_HASH_KEY == _DEV_CARD_HASH_KEY:
        raise ImproperlyConfigured("DEBUG is off: the development secrets cannot be used in production.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Public base URL of the gateway, used in formUrl; empty means the request's own scheme and host.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="").rstrip("/")
# Addresses or networks (CIDR) of our own reverse proxies: only requests arriving from them may name
# the buyer's address in X-Forwarded-For; anyone else could forge it to dodge country rules.
# In development, loopback counts as a proxy so the demo can play a buyer abroad with a header.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=["127.0.0.1", "::1"] if DEBUG else [])

INSTALLED_APPS = [
    "modeltranslation",  # must precede the admin
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "django_tables2",
    "django_countries",  # country names, translated, for people (bankCountryName, rules)
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "payments",
    "payments.notifications",
    "payments.legacy",
    "payments.theming",
    "fraud",
    "backoffice",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "backoffice.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the lockout page
]

ROOT_URLCONF = "clictopay.urls"
WSGI_APPLICATION = "clictopay.wsgi.application"

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
            ],
        },
    },
]

# Databases: SQLite by default; DATABASE_URL (postgres://...) selects PostgreSQL through psycopg 3.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # select_for_update is a no-op on SQLite: IMMEDIATE transactions serialise writers instead.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # A new connection per request divides API throughput by about six: keep them.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # transactions belong to services
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_TIMEZONE = "Africa/Tunis"
# Remittance to the bank: orders deposited before HH:MM (Africa/Tunis) belong to that day's remittance.
REMITTANCE_CUTOFF = env.str("REMITTANCE_CUTOFF", default="23:00")
try:
    _cutoff_hour, _cutoff_minute = (int(part) for part in REMITTANCE_CUTOFF.split(":"))
    if not (0 <= _cutoff_hour < 24 and 0 <= _cutoff_minute < 60):
        raise ValueError(REMITTANCE_CUTOFF)
except ValueError as _error:
    raise ImproperlyConfigured("REMITTANCE_CUTOFF: give a time as HH:MM, e.g. 23:00.") from _error
# A remittance STARTED longer ago than this (seconds) was interrupted: it is flagged and waits for a human.
REMITTANCE_STUCK_AFTER = env.int("REMITTANCE_STUCK_AFTER", default=1800)
# How far before its cut-off a remittance looks for paid orders not yet remitted: longer than any hold
# period, so that the daily run reads days of orders, not years. `run_remittance --lookback-days`
# reaches further back after a long outage.
REMITTANCE_LOOKBACK_DAYS = env.int("REMITTANCE_LOOKBACK_DAYS", default=35)
CELERY_BEAT_SCHEDULE = {
    # every minute: decline orders whose payment window has closed (action code -2007)
    "orders-expire-due": {"task": "payments.tasks.orders_expire_due", "schedule": crontab()},
    # daily at the cut-off (default 23:00 Africa/Tunis): the day's remittance to the bank
    "remittance-daily": {
        "task": "payments.tasks.remittance_daily",
        "schedule": crontab(hour=_cutoff_hour, minute=_cutoff_minute),
    },
    # hourly at :17: release pre-authorization holds older than their contract's hold period
    "holds-reverse-expired": {"task": "payments.tasks.holds_reverse_expired", "schedule": crontab(minute=17)},
    # every minute: send again the shop notifications whose retry time has come
    "callbacks-retry-due": {
        "task": "payments.notifications.tasks.callbacks_retry_due",
        "schedule": crontab(),
    },
    # every minute: tell legacy-form shops the outcome of ended payments, retry unacknowledged calls
    "legacy-announce-due": {"task": "payments.legacy.tasks.legacy_announce_due", "schedule": crontab()},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Staff sign-in (back-office and admin): django-axes refuses a user name from an address after
# AXES_FAILURE_LIMIT failures, for AXES_COOLOFF_TIME; the back-office then asks for a TOTP code.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: a locked-out sign-in never reaches the password check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "fraud.ip.client_ip"  # the same trusted-proxy rule as everywhere else
AXES_LOCKOUT_TEMPLATE = "backoffice/locked_out.html"
LOGIN_URL = "backoffice:login"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English")), ("ar", _("Arabic"))]
MODELTRANSLATION_DEFAULT_LANGUAGE = "fr"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("fr", "en")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Africa/Tunis"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "media/"  # only theming/logos/ under it is public (see clictopay/urls.py)

# Failed API sign-ins: this many failures from one address within the window block it for a while.
API_AUTH_MAX_FAILURES = env.int("API_AUTH_MAX_FAILURES", default=10)
API_AUTH_FAILURE_WINDOW = env.int("API_AUTH_FAILURE_WINDOW", default=300)
API_AUTH_BLOCK_SECONDS = env.int("API_AUTH_BLOCK_SECONDS", default=900)
# Verified API credentials are remembered (as a keyed hash) so the slow password hash runs once.
API_AUTH_CACHE_SECONDS = env.int("API_AUTH_CACHE_SECONDS", default=300)

# The acquirer that authorizes cards; the simulator answers for the test cards of the protocol.
ACQUIRER_CLASS = env.str("ACQUIRER_CLASS", default="payments.acquirer.simulator.SimulatorAcquirer")

# Notifications to shops (protocol section 6). Seconds to wait before each retry when the shop did not
# answer 200: 3 retries 30 s apart, then back-off; after the last one the delivery is marked failed.
CALLBACK_RETRY_DELAYS = env.list("CALLBACK_RETRY_DELAYS", cast=int, default=[30, 30, 30, 300, 1800, 7200])
if any(delay < 0 for delay in CALLBACK_RETRY_DELAYS):
    raise ImproperlyConfigured("CALLBACK_RETRY_DELAYS: give seconds, e.g. 30,30,30,300,1800,7200.")
CALLBACK_TIMEOUT = env.int("CALLBACK_TIMEOUT", default=10)  # seconds for one HTTP request to a shop
# Eager Celery (no REDIS_URL) would send in the buyer's request: use a background thread instead.
CALLBACK_EAGER_BACKGROUND = env.bool("CALLBACK_EAGER_BACKGROUND", default=True)

if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
