import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """seed_demo sets ten demo passwords; PBKDF2 makes that ~8 s per test on this machine. These tests log
    in by token, so a fast hasher changes nothing they check."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def monitoring_defaults(db):
    """A transactional test (ours or another app's) ends with a flush, which empties what the data migration
    seeded — and with --reuse-db the next run starts from that. Seed again (get_or_create: a no-op when the
    rows are there), so every test here sees the defaults of DESIGN §5."""
    import importlib

    from django.apps import apps

    importlib.import_module("monitoring.migrations.0002_seed_rules_and_systems").seed(apps, None)
