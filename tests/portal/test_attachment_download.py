"""Downloading a file: only for those who may see its issue, always as a download."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import StaffFactory
from tests.portal.helpers import issue_file, log_in, pdf, png
from tickets import services


def _download(client, attachment):
    return client.get(reverse("portal:attachment-download", args=[attachment.pk]))


@pytest.fixture
def attachment(org):
    issue = issue_file(org, files=[pdf("Verslag januari.pdf")])
    return issue.attachments.get()


def test_a_contact_downloads_a_file_of_its_organisation(client, org, attachment):
    response = _download(log_in(client, org.contact), attachment)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Verslag januari.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_types_outside_the_safe_list_go_out_as_bytes(client, org):
    issue = issue_file(
        org, files=[SimpleUploadedFile("data.json", b'{"a": 1}', content_type="application/json")]
    )
    response = _download(log_in(client, org.contact), issue.attachments.get())
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_contact_of_another_client_gets_404(client, other_org, attachment):
    assert _download(log_in(client, other_org.contact), attachment).status_code == 404


def test_an_internal_file_is_404_for_the_client_but_served_to_the_team(client, org):
    issue = issue_file(org)
    services.attachment_add(issue=issue, uploaded_by=org.staff, files=[png()], is_internal=True)
    internal = issue.attachments.get()
    assert _download(log_in(client, org.contact), internal).status_code == 404
    assert _download(log_in(client, org.staff), internal).status_code == 200


def test_staff_outside_the_clients_team_gets_404(client, attachment, db):
    assert _download(log_in(client, StaffFactory()), attachment).status_code == 404


def test_a_file_missing_from_storage_is_404(client, org, attachment):
    attachment.file.delete(save=False)
    assert _download(log_in(client, org.contact), attachment).status_code == 404


def test_anonymous_visitor_is_sent_to_log_in(client, attachment):
    response = _download(client, attachment)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
