"""Changes of client data are logged whichever edge or service made them; logins too."""

import uuid

import pytest
from django.urls import reverse

from audit import context
from audit.models import AuditAction, AuditChannel, AuditEntry, AuditRole
from tests.api.conftest import token_client
from tickets import services
from tickets.choices import Status
from tickets.models import Issue

pytestmark = pytest.mark.django_db


def changes(**filters):
    return AuditEntry.objects.filter(
        action__in=(AuditAction.CREATE, AuditAction.CHANGE, AuditAction.DELETE), **filters
    )


def test_filing_an_issue_in_the_portal_logs_its_creation_by_the_contact(client, org):
    client.force_login(org.contact)

    client.post(
        reverse("portal:issue-create"),
        {
            "title": "Zaaksysteem geeft een foutmelding",
            "description": "Fout 500.",
            "category": "incident",
            "component": "Zaaksysteem",
            "priority": "P2",
            "submission_token": str(uuid.uuid4()),
        },
    )

    issue = Issue.objects.get()
    entry = changes(object_type="tickets.issue", action=AuditAction.CREATE).get()
    assert (entry.object_id, entry.user, entry.channel, entry.client) == (
        str(issue.pk),
        org.contact,
        AuditChannel.PORTAL,
        org.client,
    )
    assert entry.on_behalf_of == ""


def test_a_status_change_through_the_api_logs_the_fields_that_changed(org, issue):
    api = token_client(org.staff)

    api.patch(
        f"/api/v1/issues/{issue.reference}",
        {"status": "in_progress", "version": issue.version},
        format="json",
    )

    entry = changes(object_type="tickets.issue", action=AuditAction.CHANGE).get()
    assert (entry.user, entry.channel, entry.role) == (
        org.staff,
        AuditChannel.API,
        AuditRole.TEAM_MEMBER,
    )
    assert "status" in entry.detail["fields"]


def test_a_change_made_by_a_task_is_logged_as_the_systems(org, issue):
    services.issue_change_status(issue=issue, actor=org.staff, status=Status.IN_PROGRESS)

    entry = changes(object_type="tickets.issue", action=AuditAction.CHANGE).get()
    assert (entry.user, entry.role, entry.channel, entry.ip_address) == (
        None,
        AuditRole.SYSTEM,
        AuditChannel.SYSTEM,
        None,
    )


def test_an_issue_filed_for_a_contact_names_the_contact_it_was_filed_for(org):
    with context.acting(user=org.staff, channel=AuditChannel.ADMIN):
        issue = services.issue_create(
            client=org.client,
            requester=org.contact,
            title="Telefonisch gemeld",
            description="Via de servicedesk.",
            priority="P3",
        )

    entry = changes(
        object_type="tickets.issue", object_id=str(issue.pk), action=AuditAction.CREATE
    ).get()
    assert (entry.user, entry.on_behalf_of) == (org.staff, org.contact.username)


def test_an_alert_logs_the_monitoring_user_acting_for_the_monitoring_system(db):
    from rest_framework.test import APIClient

    from monitoring.models import SourceKind
    from monitoring.services import monitoring_source_create
    from tests.factories import agreement_with_targets
    from tests.monitoring.conftest import payload

    agreement = agreement_with_targets()
    _source, secret = monitoring_source_create(
        client=agreement.client,
        kind=SourceKind.ALERTMANAGER,
        name="prod",
        default_priority="P3",
    )

    APIClient().post(
        "/api/v1/monitoring/alertmanager",
        payload("alertmanager_firing"),
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )

    entry = changes(object_type="tickets.issue", action=AuditAction.CREATE).get()
    assert entry.user.username == f"monitoring-{agreement.client.code.lower()}"
    assert (entry.role, entry.on_behalf_of, entry.channel) == (
        AuditRole.SERVICE_ACCOUNT,
        "Prometheus Alertmanager: prod",
        AuditChannel.API,
    )


def test_a_change_to_a_contact_in_the_admin_is_logged_without_the_new_values(
    client, org, administrator
):
    client.force_login(administrator)
    user = org.contact

    client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        {
            "username": user.username,
            "first_name": "Annemarie",
            "last_name": user.last_name,
            "email": user.email,
            "client": org.client.pk,
            "is_active": "on",
            "preferred_language": "en",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
    )

    user.refresh_from_db()
    assert user.first_name == "Annemarie"
    entry = changes(object_type="accounts.user", object_id=str(user.pk)).first()
    assert "Annemarie" not in str(entry.detail)
    assert (entry.user, entry.role, entry.channel, entry.client) == (
        administrator,
        AuditRole.ADMINISTRATOR,
        AuditChannel.ADMIN,
        org.client,
    )


def test_logging_in_out_and_failing_are_logged_without_the_password(client, org):
    org.contact.set_password("juist-wachtwoord-1")
    org.contact.save()

    client.post(reverse("login"), {"username": org.contact.username, "password": "fout"})
    client.post(
        reverse("login"), {"username": org.contact.username, "password": "juist-wachtwoord-1"}
    )
    client.post(reverse("logout"))

    failed = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failed.detail == {"username": org.contact.username}
    assert "fout" not in str(failed.detail)
    assert AuditEntry.objects.get(action=AuditAction.LOGIN).user == org.contact
    assert AuditEntry.objects.get(action=AuditAction.LOGOUT).user == org.contact


def test_a_lockout_is_logged_with_the_account_and_the_address(client, org, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 2
    for _attempt in range(3):
        client.post(
            reverse("login"),
            {"username": org.contact.username, "password": "fout"},
            REMOTE_ADDR="10.0.0.8",
        )

    entry = AuditEntry.objects.filter(action=AuditAction.LOCKED_OUT).first()
    assert (entry.detail, entry.ip_address) == ({"username": org.contact.username}, "10.0.0.8")
