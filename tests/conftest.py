"""Shared fixtures: mail in memory, media in a temporary folder, an empty cache, live services."""

import os
from pathlib import Path

import pytest

pytest_plugins = ["tests.organisations"]

TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    if os.environ.get("REDIS_URL"):
        return
    skip = pytest.mark.skip(
        reason="needs a real Redis and worker processes; runs on the real-services run "
        "(set REDIS_URL, as .ci/run does)"
    )
    for item in items:
        if "live_services" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MAIL_DIR = tmp_path / "mail"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # A deliberately slow hash is the point in production and only a cost in tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache(request):
    """Start every test with no request counted: rate limits count in the cache, across tests.

    Not for the tests with real workers: with Redis the cache shares its database with the
    broker, whose queue bindings a flush would remove.
    """
    from django.core.cache import cache

    if "live_services" not in request.keywords:
        cache.clear()


@pytest.fixture(autouse=True)
def _plain_login_and_sessions(settings):
    """Switch off django-axes and the session write on every request, for all but tests/security.

    The test client's login() calls authenticate() without a request, which axes refuses. The
    session write adds the same few queries to every page, which would blur the query counts
    that the list tests assert. tests/security switches both back on where it tests them.
    """
    settings.AXES_ENABLED = False
    settings.SESSION_SAVE_EVERY_REQUEST = False


@pytest.fixture(autouse=True)
def _two_factor_only_where_tested(request, settings):
    """Switch off two-factor enforcement except in the tests that are about it.

    Most tests log staff in with force_login() and go straight to their page; they would
    all meet the page asking for a code. tests/security and tests/accounts/test_two_factor*
    run with it on, as production does (tests/two_factor.py logs in with a second factor).
    """
    parts = request.path.resolve().relative_to(TESTS).parts
    settings.TWO_FACTOR_ENFORCED = parts[0] == "security" or (
        parts[0] == "accounts" and parts[-1].startswith("test_two_factor")
    )


@pytest.fixture(autouse=True)
def _english(settings):
    """Run tests in English so their assertions read as the source strings do.

    The product's own default, Dutch, is asserted in tests/accounts/test_language.py.
    """
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Run tasks in-process unless a test talks to real workers."""
    from paqt_support.celery import app

    if "live_services" in request.keywords:
        yield
        return
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def admin_user(db, django_user_model):
    """Replace pytest-django's admin user with one who reads English, as the tests do."""
    return django_user_model.objects.create_superuser(
        username="admin", email="admin@example.org", password="password", preferred_language="en"
    )


@pytest.fixture(autouse=True)
def _outbox_delivers_at_once(request, monkeypatch):
    """Deliver queued mail at once: a test runs inside one transaction that never commits.

    The services' own side effects still wait for the commit.
    """
    if "live_services" in request.keywords:
        return
    from mail import outbox

    monkeypatch.setattr(outbox, "after_commit", lambda func, *args: func(*args))
