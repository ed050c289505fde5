"""What the benchmarks that serve this project over HTTP share: seeding, sessions, processes.

``benchmarks/helpdesk_compare.py`` and ``benchmarks/load/run.py`` seed a PostgreSQL database
as ``benchmarks/admin_queue.py`` does, start gunicorn on it, and log people in with a
session that passed the second factor, as a person who entered their app's code has.
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def seed(*, issues: int, open_share: float) -> None:
    """Migrate the database of ``DATABASE_URL`` and seed it once, in this process.

    Sets Django up with ``admin_queue.py``'s environment, then puts the second factor back
    on: the sessions made afterwards carry a verified authenticator app.
    """
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import admin_queue
    from django.conf import settings
    from django.core.management import call_command

    from tickets.models import Issue

    settings.TWO_FACTOR_ENFORCED = True
    call_command("migrate", verbosity=0)
    if not Issue.objects.exists():
        admin_queue._populate(argparse.Namespace(issues=issues, open_share=open_share))


def verified_browser(user):
    """Return a test client logged in as ``user`` with a verified authenticator app."""
    from django.test import Client

    from tests.two_factor import login_with_second_factor

    return login_with_second_factor(Client(), user)


def session_of(browser) -> str:
    """Return the value of ``browser``'s session cookie."""
    from django.conf import settings

    return browser.cookies[settings.SESSION_COOKIE_NAME].value


def site_env(*, database_url: str, var_dir: Path, secret_key: str, **extra: str) -> dict:
    """Return the environment of a process of this project serving ``database_url``.

    The secret key is shared with the seeding process, whose sessions are signed with it.
    """
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "VAR_DIR": str(var_dir),
        "SECRET_KEY": secret_key,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def gunicorn(*, port: int, workers: int, env: dict) -> subprocess.Popen:
    """Start gunicorn with ``workers`` sync workers serving this project on ``port``."""
    return subprocess.Popen(  # noqa: S603 - our own command, our own arguments
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "paqt_support.wsgi",
         "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip


def request(port: int, method: str, path: str, *, headers=None, body=None):
    """Send one request on a fresh connection, as gunicorn's sync workers close each one."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_for(port: int) -> None:
    """Return once something answers HTTP on ``port``; exit after a minute of silence."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            request(port, "GET", "/healthz")
            return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"nothing answers on port {port}")


def psql(server: str, sql: str, *, database: str = "postgres") -> str:
    """Run ``sql`` on ``database`` of ``server`` (a URL without database)."""
    return subprocess.run(  # noqa: S603
        ["psql", f"{server}/{database}", "-qAtc", sql],  # noqa: S607
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
