"""The settings: local defaults, and a production mode that refuses to start half-configured."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args, env: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DATABASE"))}
    clean.pop("SECRET_KEY", None)
    clean.pop("EMAIL_URL", None)
    clean.pop("ALLOWED_HOSTS", None)
    clean["VAR_DIR"] = str(tmp_path / "var")
    return subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_secret_key_exits_with_one_clear_line(tmp_path):
    result = _manage("check", env={"DJANGO_ENV": "production"}, tmp_path=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "configuration error: SECRET_KEY must be set when DJANGO_ENV=production."
    ]
    assert "Traceback" not in result.stderr


def test_production_without_allowed_hosts_exits_with_one_clear_line(tmp_path):
    result = _manage(
        "check", env={"DJANGO_ENV": "production", "SECRET_KEY": "x" * 60}, tmp_path=tmp_path
    )
    assert result.returncode == 2
    assert "ALLOWED_HOSTS must be set" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_environment_name_is_refused(tmp_path):
    result = _manage("check", env={"DJANGO_ENV": "staging"}, tmp_path=tmp_path)
    assert result.returncode == 2
    assert "DJANGO_ENV must be 'local' or 'production'" in result.stderr


def test_production_configuration_passes_the_deployment_checks(tmp_path):
    env = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": "k3y-" + "a1B2c3D4e5" * 6,
        "ALLOWED_HOSTS": "support.example.org",
        "EMAIL_URL": "smtp://mail.example.org:25",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_local_mode_generates_and_keeps_a_secret_key(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = _manage("shell", "-c", code, env={}, tmp_path=tmp_path)
    second = _manage("shell", "-c", code, env={}, tmp_path=tmp_path)
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip().splitlines()[-1]
    assert len(key) >= 50
    assert second.stdout.strip().splitlines()[-1] == key


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "filesystem://localhost//"),
        ({"REDIS_URL": "redis://cache:6379/0"}, "redis://cache:6379/0"),
        (
            {"REDIS_URL": "redis://cache:6379/0", "CELERY_BROKER_URL": "redis://broker:6379/2"},
            "redis://broker:6379/2",
        ),
    ],
)
def test_broker_follows_the_environment(tmp_path, env, expected):
    code = "from django.conf import settings; print(settings.CELERY_BROKER_URL)"
    clean = {"REDIS_URL": "", "CELERY_BROKER_URL": "", **env}
    result = _manage("shell", "-c", code, env=clean, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


def test_email_url_configures_smtp(tmp_path):
    code = (
        "from django.conf import settings; "
        "print(settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT)"
    )
    result = _manage(
        "shell", "-c", code, env={"EMAIL_URL": "smtp://mailpit:1025"}, tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "django.core.mail.backends.smtp.EmailBackend mailpit 1025"
    )
