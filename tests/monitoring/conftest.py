import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """seed_demo sets ten demo passwords; PBKDF2 makes that ~8 s per test on this machine. These tests log
    in by token, so a fast hasher changes nothing they check."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
