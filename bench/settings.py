"""Benchmark settings: the project's own settings plus two reference views (see bench/reference.py)."""

from clictopay.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# Quiet: a log line per request would measure the console, not the gateway.
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
