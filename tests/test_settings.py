"""Settings read from the environment, checked in fresh interpreters (settings load once per process)."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# Everything settings.py reads: a test controls each of them.
CONTROLLED = (
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set for the browser tests; a deployment must not have it
    "DEBUG",
    "SECRET_KEY",
    "CARD_HASH_KEY",
    "CARD_HASH_KEY_ID",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "PUBLIC_BASE_URL",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
)
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "CARD_HASH_KEY": secrets.token_urlsafe(32),
    "ALLOWED_HOSTS": "pay.example.tn",
}
PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
from clictopay.celery import app
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": settings.DATABASES["default"]["NAME"],
    "atomic_requests": settings.DATABASES["default"]["ATOMIC_REQUESTS"],
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "celery_eager": app.conf.task_always_eager,
    "broker": settings.CELERY_BROKER_URL,
    "cache": settings.CACHES["default"]["BACKEND"],
    "debug": settings.DEBUG,
}))
"""


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if key not in CONTROLLED}
    clean |= {"DJANGO_SETTINGS_MODULE": "clictopay.settings"} | env
    return subprocess.run(  # noqa: S603  fixed arguments, our own interpreter
        [sys.executable, *args], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=120
    )


def setup(**env: str) -> subprocess.CompletedProcess[str]:
    return run(["-c", "import django; django.setup()"], **env)


def printed_settings(**env: str) -> dict:
    result = run(["-c", PRINT_SETTINGS], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_refuses_to_start_without_secret_key():
    result = setup(DEBUG="false", CARD_HASH_KEY="card-key", ALLOWED_HOSTS="pay.example.tn")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_card_hash_key():
    result = setup(DEBUG="false", SECRET_KEY=PRODUCTION["SECRET_KEY"], ALLOWED_HOSTS="pay.example.tn")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "CARD_HASH_KEY" in result.stderr


def test_production_refuses_empty_secrets():
    result = setup(DEBUG="false", SECRET_KEY="", CARD_HASH_KEY="", ALLOWED_HOSTS="pay.example.tn")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "CARD_HASH_KEY" in result.stderr


def test_production_refuses_the_development_secrets():
    dev_key = "dev-only-insecure-secret-key-never-use-in-production-0123456789abcdef"
    result = setup(**PRODUCTION | {"SECRET_KEY": dev_key})
    assert result.returncode != 0
    assert "development secrets" in result.stderr


def test_production_starts_with_its_secrets():
    result = setup(**PRODUCTION)
    assert result.returncode == 0, result.stderr


def test_development_starts_with_nothing_set():
    assert printed_settings()["debug"] is True


def test_deploy_check_passes_with_production_values():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_fails_in_debug_mode():
    # proves the check above can fail: DEBUG on is a deployment warning
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION | {"DEBUG": "true"}
    )
    assert result.returncode != 0


def test_sqlite_is_the_default_database():
    found = printed_settings()
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["atomic_requests"] is False


def test_database_url_selects_postgresql():
    found = printed_settings(DATABASE_URL="postgres://postgres@127.0.0.1:5432/clictopay_settings_test")
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["name"] == "clictopay_settings_test"
    assert found["atomic_requests"] is False


def test_celery_runs_eagerly_without_redis():
    found = printed_settings()
    assert found["eager"] is True
    assert found["celery_eager"] is True
    assert found["cache"].endswith("LocMemCache")


def test_redis_url_turns_celery_eager_mode_off():
    found = printed_settings(REDIS_URL="redis://127.0.0.1:6379/0")
    assert found["eager"] is False
    assert found["celery_eager"] is False
    assert found["broker"] == "redis://127.0.0.1:6379/0"
    assert found["cache"] == "django.core.cache.backends.redis.RedisCache"
