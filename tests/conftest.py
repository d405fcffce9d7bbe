import pytest
from django.core.cache import cache

from payments import selectors
from payments.services import credentials


@pytest.fixture(autouse=True)
def _fast_hashing_and_clean_cache(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests read English by default; those about French or Arabic ask for it (URL, parameter, header).
    settings.LANGUAGE_CODE = "en"
    cache.clear()
    credentials._verified.clear()
    credentials._accounts.clear()
    selectors._descriptions_until = 0.0  # action-code descriptions are re-read in every test
    yield
    cache.clear()


def _seed_reference_data() -> None:
    """Currencies, action codes and payment methods, as the data migration writes them."""
    from importlib import import_module

    from django.apps import apps

    from payments.models import Currency

    if not Currency.objects.exists():
        import_module("payments.migrations.0002_reference_data").seed(apps, None)


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request):  # type: ignore[no-untyped-def]
    # Transactional tests end with a flush that empties even the data migrations' rows.
    marker = request.node.get_closest_marker("django_db")
    transactional = marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    if transactional or "live_server" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        _seed_reference_data()


@pytest.fixture(autouse=True)
def _celery_in_process(request, settings):  # type: ignore[no-untyped-def]
    """Tasks run in the test's process, as in the embedded mode, even when REDIS_URL points at a broker.

    Tests marked `real_celery` keep the broker: they start a worker and talk to it.
    """
    from clictopay.celery import app

    if request.node.get_closest_marker("real_celery"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    yield
    app.conf.task_always_eager = previous
