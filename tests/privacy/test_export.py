"""A client admin downloads everything held about their own organisation, as JSON."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api.services import api_token_create
from audit.models import AuditAction, AuditEntry
from clients import export
from monitoring.services import monitoring_source_create, monitoring_user_for
from paqt_support.exceptions import NotAllowedError
from tests.portal.helpers import issue_file, log_in, pdf, png
from tickets import services

URL = reverse("portal:client-export")


def download(client, user) -> tuple:
    """Log ``user`` in, post for the export, and return the response and the parsed file."""
    log_in(client, user)
    response = client.post(URL)
    body = b"".join(response.streaming_content)
    return response, json.loads(body), body.decode()


@pytest.fixture
def busy(org):
    """An issue with a public reply and file, an internal note and file, and a follower."""
    issue = issue_file(org, title="Zaaksysteem traag")
    services.comment_create(
        issue=issue, author=org.contact, body="Het is nog steeds traag.", files=[png()]
    )
    services.comment_create(
        issue=issue,
        author=org.staff,
        body="Interne notitie: klant belt veel.",
        is_internal=True,
        files=[pdf("intern.pdf")],
    )
    services.attachment_add(issue=issue, uploaded_by=org.staff, files=[pdf("log.pdf")])
    services.attachment_add(
        issue=issue, uploaded_by=org.staff, files=[pdf("geheim.pdf")], is_internal=True
    )
    services.issue_watch(issue=issue, actor=org.admin, watcher=org.admin)
    return issue


def test_page_explains_the_export_and_offers_a_button(client, org):
    log_in(client, org.admin)

    response = client.get(URL)

    assert response.status_code == 200
    text = response.content.decode()
    assert "internal notes" in text
    assert f'action="{URL}"' in text
    assert 'method="post"' in text


def test_client_admin_navigation_links_to_the_export_and_a_contact_sees_no_link(client, org):
    log_in(client, org.admin)
    assert URL in client.get(reverse("portal:issue-list")).content.decode()

    log_in(client, org.contact)
    assert URL not in client.get(reverse("portal:issue-list")).content.decode()


def test_download_is_json_named_after_the_client_and_the_date(client, org):
    response, document, _text = download(client, org.admin)

    today = datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        f'attachment; filename="VRB-export-{today:%Y-%m-%d}.json"'
    )
    assert "no-store" in response["Cache-Control"]
    assert document["format"] == "paqt-support/client-export"
    assert document["format_version"] == 1
    assert document["exported_at"]
    assert document["exported_by"] == org.admin.username


def test_export_holds_the_client_its_agreements_and_their_targets(client, org):
    _response, document, _text = download(client, org.admin)

    assert document["client"]["code"] == "VRB"
    assert document["client"]["name"] == org.client.name
    [agreement] = document["agreements"]
    assert agreement["name"] == org.agreement.name
    targets = {t["priority"]: t for t in agreement["priority_targets"]}
    assert set(targets) == {"P1", "P2", "P3", "P4"}
    assert targets["P1"]["first_response_business_minutes"] == 60
    assert targets["P4"]["resolution_business_minutes"] is None


def test_export_holds_the_contacts_with_service_accounts_marked(client, org):
    monitoring = monitoring_user_for(client=org.client)
    api_token_create(user=org.contact, name="Rapportage-script")

    _response, document, _text = download(client, org.admin)

    contacts = {c["username"]: c for c in document["contacts"]}
    assert set(contacts) == {org.contact.username, org.admin.username, monitoring.username}
    assert contacts[org.contact.username]["email"] == org.contact.email
    assert contacts[org.admin.username]["is_client_admin"] is True
    assert contacts[monitoring.username]["is_service_account"] is True
    assert contacts[org.contact.username]["is_service_account"] is False
    assert [t["name"] for t in contacts[org.contact.username]["api_tokens"]] == [
        "Rapportage-script"
    ]


def test_export_holds_no_password_hash_token_or_monitoring_secret(client, org):
    token, token_secret = api_token_create(user=org.contact, name="Rapportage-script")
    source, source_secret = monitoring_source_create(
        client=org.client, kind="alertmanager", name="Prometheus", default_priority="P2"
    )
    source.sentry_client_secret = "sentry-client-secret-value"
    source.save(update_fields=["sentry_client_secret"])

    _response, document, text = download(client, org.admin)

    assert document["monitoring_sources"] == [
        {
            "name": "Prometheus",
            "kind": "alertmanager",
            "default_priority": "P2",
            "resolves_automatically": True,
            "is_active": True,
            "created_at": document["monitoring_sources"][0]["created_at"],
            "last_signal_at": None,
        }
    ]
    for secret in (
        org.contact.password,
        org.admin.password,
        token_secret,
        token.key_hash,
        token.prefix,
        source_secret,
        source.secret_hash,
        source.prefix,
        "sentry-client-secret-value",
    ):
        assert secret not in text
    assert "password" not in text


def test_export_holds_issues_with_public_replies_files_history_clocks_and_followers(
    client, org, busy
):
    _response, document, _text = download(client, org.admin)

    [issue] = document["issues"]
    assert document["issue_count"] == 1
    assert issue["reference"] == busy.reference
    assert issue["title"] == "Zaaksysteem traag"
    assert issue["requester"] == {"contact_id": org.contact.pk, "name": str(org.contact)}
    assert [r["message"] for r in issue["replies"]] == ["Het is nog steeds traag."]
    files = {f["name"]: f for f in issue["files"]}
    assert set(files) == {"screenshot.png", "log.pdf"}
    shot = files["screenshot.png"]
    assert shot["content_type"] == "image/png"
    assert shot["size_bytes"] > 0
    assert shot["uploaded_by"]["name"] == str(org.contact)
    assert shot["reply_id"] == issue["replies"][0]["reply_id"]
    assert shot["download_url"].endswith(
        reverse("portal:attachment-download", args=[shot["file_id"]])
    )
    assert {f["contact_id"] for f in issue["followers"]} == {org.contact.pk, org.admin.pk}
    assert "created" in [event["event"] for event in issue["history"]]
    clocks = {c["kind"]: c for c in issue["sla_clocks"]}
    assert set(clocks) == {"response", "resolution"}
    assert clocks["response"]["due_at"]
    assert clocks["response"]["breached"] is False


def test_export_leaves_out_internal_notes_files_and_events(client, org, busy):
    _response, document, text = download(client, org.admin)

    [issue] = document["issues"]
    assert "Interne notitie" not in text
    assert "intern.pdf" not in text
    assert "geheim.pdf" not in text
    assert busy.events.filter(is_internal=True).exists()
    assert {event["event"] for event in issue["history"]}.isdisjoint(
        {"note_added", "sla_started", "assigned"}
    )


def test_export_holds_nothing_of_another_client(client, org, other_org):
    issue_file(org, title="Eigen melding van Vrijburg")
    issue_file(other_org, title="Melding van Zwaluwen")
    monitoring_source_create(
        client=other_org.client, kind="sentry", name="Sentry van ZWL", default_priority="P2"
    )

    _response, document, text = download(client, other_org.admin)

    assert [i["title"] for i in document["issues"]] == ["Melding van Zwaluwen"]
    assert document["client"]["code"] == "ZWL"
    assert "Vrijburg" not in text
    assert org.contact.username not in text
    assert org.admin.username not in text
    assert org.contact.email not in text


def test_export_is_recorded_in_the_access_log(client, org, busy):
    download(client, org.admin)

    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert entry.user == org.admin
    assert entry.client_id == org.client.pk
    assert entry.object_type == "clients.client"
    assert entry.object_id == str(org.client.pk)
    assert entry.detail["issues"] == 1
    assert entry.detail["contacts"] == 2
    assert entry.channel == "portal"


def test_query_count_does_not_grow_with_the_issues(client, org):
    issue_file(org)
    log_in(client, org.admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.post(URL)
            b"".join(response.streaming_content)
        return len(captured)

    one = queries()
    for number in range(29):
        issue = issue_file(org, title=f"Melding {number}")
        services.comment_create(issue=issue, author=org.contact, body="Nog iets.", files=[png()])
        services.issue_watch(issue=issue, actor=org.contact, watcher=org.admin)
    thirty = queries()

    assert one == thirty


def test_contact_who_is_no_client_admin_is_refused(client, org):
    log_in(client, org.contact)

    assert client.get(URL).status_code == 404
    assert client.post(URL).status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()


def test_staff_are_sent_to_the_admin(client, org):
    log_in(client, org.staff)

    response = client.post(URL)

    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_anonymous_visitor_is_sent_to_the_login(client, org):
    response = client.post(URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_service_refuses_a_contact_who_is_no_client_admin(org):
    with pytest.raises(NotAllowedError):
        export.client_export(admin=org.contact)
