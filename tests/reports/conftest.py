import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The demo organisation sets ten passwords per test; a fast hasher keeps this module's tests quick
    (nothing here is about password strength)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
