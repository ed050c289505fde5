"""Sources are made in the admin or on the command line; their secret is shown once."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from monitoring.models import MonitoringSource
from monitoring.services import monitoring_source_authenticate
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_the_command_prints_a_working_secret_once(client_):
    out = StringIO()

    call_command(
        "create_monitoring_source",
        client_.code,
        "--kind",
        "alertmanager",
        stdout=out,
        stderr=StringIO(),
    )

    secret = out.getvalue().strip()
    source = MonitoringSource.objects.get()
    assert secret not in source.secret_hash
    assert monitoring_source_authenticate(secret=secret) == source


def test_the_command_refuses_an_unknown_client(db):
    with pytest.raises(CommandError, match="There is no client 'NOPE'"):
        call_command("create_monitoring_source", "NOPE", "--kind", "sentry", stdout=StringIO())


def test_the_admin_adds_a_source_and_shows_its_secret_once(client_):
    browser = Client()
    browser.force_login(StaffFactory(is_superuser=True))

    response = browser.post(
        "/admin/monitoring/monitoringsource/add/",
        {
            "client": client_.pk,
            "kind": "sentry",
            "name": "Sentry zaaksysteem",
            "default_priority": "P2",
            "auto_resolve": "on",
            "is_active": "on",
        },
        follow=True,
    )

    assert response.status_code == 200
    [message] = [str(m) for m in response.context["messages"] if "shown only now" in str(m)]
    secret = message.rsplit(" ", 1)[-1]
    assert monitoring_source_authenticate(secret=secret).name == "Sentry zaaksysteem"
