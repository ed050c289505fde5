"""Reads of client data are logged wherever they happen, with the fields NEN 7513 asks for."""

import pytest
from django.core import mail
from django.urls import reverse

from audit.models import AuditAction, AuditChannel, AuditEntry, AuditRole
from tests.api.conftest import token_client
from tests.portal.helpers import issue_file, log_in, organisation
from tickets import services

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"


def reads(**filters):
    return AuditEntry.objects.filter(
        action__in=(AuditAction.VIEW, AuditAction.LIST, AuditAction.SEARCH), **filters
    )


def test_opening_an_issue_in_the_portal_logs_who_where_what_and_for_which_client(
    client, org, issue, settings
):
    settings.AUDIT_SYSTEM_NAME = "support-acc"
    log_in(client, org.contact)

    client.get(
        reverse("portal:issue-detail", args=[issue.reference]),
        HTTP_USER_AGENT=BROWSER,
        REMOTE_ADDR="198.51.100.7",
    )

    entry = reads(object_type="tickets.issue", object_id=str(issue.pk)).get()
    assert (entry.action, entry.user, entry.user_label, entry.role) == (
        AuditAction.VIEW,
        org.contact,
        org.contact.username,
        AuditRole.CONTACT,
    )
    assert (entry.channel, entry.ip_address, entry.user_agent) == (
        AuditChannel.PORTAL,
        "198.51.100.7",
        BROWSER,
    )
    assert (entry.object_repr, entry.client, entry.system) == (
        issue.reference,
        org.client,
        "support-acc",
    )
    assert entry.path == reverse("portal:issue-detail", args=[issue.reference])
    assert entry.occurred_at is not None


def test_the_conversation_on_an_issue_page_is_logged_as_read_with_the_issue_client(
    client, org, issue
):
    comment = services.comment_create(issue=issue, author=org.staff, body="Opgelost in 2.4")
    log_in(client, org.contact)

    client.get(reverse("portal:issue-detail", args=[issue.reference]))

    entry = reads(object_type="tickets.comment", object_id=str(comment.pk)).get()
    assert (entry.action, entry.client) == (AuditAction.LIST, org.client)


def test_a_search_logs_its_terms_and_each_issue_it_returned(client, org):
    found = issue_file(org, title="Storing bij parkeervergunning")
    issue_file(org, title="Iets anders")
    log_in(client, org.contact)

    client.get(reverse("portal:issue-list"), {"q": "parkeervergunning"})

    [entry] = reads(action=AuditAction.SEARCH)
    assert entry.object_id == str(found.pk)
    assert entry.detail["query"] == {"q": ["parkeervergunning"]}


def test_a_search_that_finds_nothing_still_logs_what_was_sought(client, org, issue):
    log_in(client, org.contact)

    client.get(reverse("portal:issue-list"), {"q": "BSN 123456782"})

    [entry] = reads(action=AuditAction.SEARCH)
    assert (entry.object_type, entry.detail["query"]) == ("", {"q": ["BSN 123456782"]})


def test_a_list_logs_only_the_rows_it_showed(client, org, settings):
    for n in range(3):
        issue_file(org, title=f"Melding {n}")
    log_in(client, org.contact)

    client.get(reverse("portal:issue-list"))

    assert reads(action=AuditAction.LIST, object_type="tickets.issue").count() == 3


def test_counting_issues_reads_no_personal_data_and_logs_nothing(org, issue):
    from tickets.selectors import issue_list_for_user

    issues = issue_list_for_user(user=org.contact)

    assert issues.count() == 1
    assert issues.filter(pk=issue.pk).exists()
    assert not reads().exists()


def test_the_admin_logs_a_staff_members_view_with_role_and_channel(client, org, issue):
    client.force_login(org.staff)

    client.get(reverse("admin:tickets_issue_change", args=[issue.pk]))

    entry = reads(object_type="tickets.issue", action=AuditAction.VIEW).get()
    assert (entry.user, entry.role, entry.channel) == (
        org.staff,
        AuditRole.TEAM_MEMBER,
        AuditChannel.ADMIN,
    )


def test_the_api_logs_the_token_holder_as_the_reader(org, issue):
    api = token_client(org.contact)

    api.get(f"/api/v1/issues/{issue.reference}")

    entry = reads(object_type="tickets.issue").get()
    assert (entry.user, entry.channel, entry.action) == (
        org.contact,
        AuditChannel.API,
        AuditAction.VIEW,
    )


def test_reads_of_clients_agreements_and_users_are_logged(client, org, administrator):
    client.force_login(administrator)

    client.get(reverse("admin:clients_client_changelist"))
    client.get(reverse("admin:sla_agreement_change", args=[org.agreement.pk]))
    client.get(reverse("admin:accounts_user_change", args=[org.contact.pk]))

    assert reads(object_type="clients.client", client=org.client).exists()
    assert reads(object_type="sla.agreement", action=AuditAction.VIEW).get().client == org.client
    user_read = reads(object_type="accounts.user", action=AuditAction.VIEW).get()
    assert (user_read.object_id, user_read.role) == (str(org.contact.pk), AuditRole.ADMINISTRATOR)


def test_a_client_admin_reading_the_colleagues_page_logs_each_colleague(client, org):
    log_in(client, org.admin)

    client.get(reverse("accounts:colleague-list"))

    read = set(reads(object_type="accounts.user").values_list("object_id", flat=True))
    assert {str(org.contact.pk), str(org.admin.pk)} <= read
    assert reads(object_type="accounts.user").first().role == AuditRole.CLIENT_ADMIN


def test_downloading_an_attachment_is_logged_as_a_view_of_it(client, org, issue):
    from tests.portal.helpers import pdf

    [attachment] = services.attachment_add(issue=issue, uploaded_by=org.contact, files=[pdf()])
    log_in(client, org.contact)

    client.get(reverse("portal:attachment-download", args=[attachment.pk]))

    entry = reads(object_type="tickets.attachment", action=AuditAction.VIEW).get()
    assert (entry.object_id, entry.client) == (str(attachment.pk), org.client)


def test_an_email_about_an_issue_is_logged_as_sent_to_its_recipient(
    org, issue, django_capture_on_commit_callbacks
):
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(issue=issue, author=org.staff, body="We kijken ernaar.")

    assert mail.outbox
    entry = AuditEntry.objects.get(action=AuditAction.SEND, user=org.contact)
    assert (entry.channel, entry.object_id, entry.client) == (
        AuditChannel.EMAIL,
        str(issue.pk),
        org.client,
    )


def test_a_user_of_another_client_leaves_no_read_of_data_it_cannot_see(client, org, issue):
    other = organisation("ZWL")
    log_in(client, other.contact)

    response = client.get(reverse("portal:issue-detail", args=[issue.reference]))

    assert response.status_code == 404
    assert not reads(object_type="tickets.issue").exists()


def test_the_reads_of_one_request_are_written_in_one_insert(client, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(20):
        issue_file(org, title=f"Melding {n}")
    log_in(client, org.contact)

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("portal:issue-list"))

    inserts = [q for q in queries.captured_queries if "INSERT INTO" in q["sql"]]
    assert len(inserts) == 1
    assert reads(action=AuditAction.LIST).count() == 20
