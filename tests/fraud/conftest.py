import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    # Messages are asserted in English; the default language (fr) gets its translations later.
    with translation.override("en"):
        yield


@pytest.fixture
def client(client):  # type: ignore[no-untyped-def]
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # pages too, through LocaleMiddleware
    return client
