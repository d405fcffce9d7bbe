import pytest
from django.core.cache import cache

from payments.services import credentials


@pytest.fixture(autouse=True)
def _fast_hashing_and_clean_cache(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    credentials._verified.clear()
    yield
    cache.clear()
