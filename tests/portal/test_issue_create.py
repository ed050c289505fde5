"""Filing an issue in the portal: the priorities offered, the expectation shown, bad input."""

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients.models import Client
from sla.models import PriorityTarget
from tests.factories import AgreementFactory, ClientFactory, ContactFactory, PriorityTargetFactory
from tests.portal.helpers import PDF, PNG, log_in, pdf, png
from tickets.models import Attachment, Issue

NEW = reverse("portal:issue-create")
AMS = ZoneInfo("Europe/Amsterdam")
# A Monday in office hours.
MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=AMS)


@pytest.fixture
def logged_in(client, org):
    return log_in(client, org.contact)


def _form_data(**overrides) -> dict:
    data = {
        "title": "Zaaksysteem geeft een foutmelding",
        "description": "Bij het openen van een zaak verschijnt fout 500.",
        "category": "incident",
        "component": "Zaaksysteem",
        "priority": "P2",
        "submission_token": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def _errors(response) -> dict:
    return response.context["form"].errors


def test_form_offers_the_agreements_levels_in_plain_words(logged_in, org):
    PriorityTarget.objects.filter(agreement=org.agreement, priority="P1").update(
        description="Production down", is_round_the_clock=True, first_response_minutes=30
    )
    PriorityTarget.objects.filter(agreement=org.agreement, priority="P4").delete()
    html = logged_in.get(NEW).content.decode()
    assert 'value="P1"' in html and 'value="P3"' in html
    assert 'value="P4"' not in html
    assert "Production down" in html
    assert "We respond within 30 minutes, day and night (24/7)." in html
    hours = "within business hours (Mon\N{EN DASH}Fri 09:00\N{EN DASH}17:00)"
    assert f"We respond within 4 hours {hours}. We aim to solve it within 2 business days." in html
    assert f"We respond within 8 hours {hours}." in html


def test_a_p1_without_24_7_says_it_counts_in_the_agreements_working_hours_in_dutch(client, org):
    org.agreement.calendar.weekly_hours = {str(d): [["08:30", "17:00"]] for d in range(5)}
    org.agreement.calendar.save(update_fields=["weekly_hours"])
    PriorityTarget.objects.filter(agreement=org.agreement, priority="P1").update(
        first_response_minutes=30
    )
    log_in(client, org.contact, language="nl")

    html = client.get(NEW).content.decode()

    assert "binnen 30 minuten binnen werktijd (ma\N{EN DASH}vr 08:30\N{EN DASH}17:00)" in html


def test_form_shows_the_expected_first_response_before_submitting(client, org, time_machine):
    time_machine.move_to(MONDAY_10, tick=False)
    html = log_in(client, org.contact).get(NEW).content.decode()
    # P3 is chosen by default: 8 business hours from Monday 10:00 is Tuesday 10:00.
    assert "expect our first response by Tuesday 1 December 2026, 10:00" in html
    # Each radio carries its own sentence for the script.
    assert (
        'data-response="Filed now, you can expect our first response by Monday 30 November '
        '2026, 11:00."' in html
    )
    assert 'src="/static/js/portal.js"' in html
    assert "<script>" not in html


def test_filing_creates_the_issue_with_files_and_opens_it(logged_in, org):
    response = logged_in.post(NEW, _form_data(attachments=[png("scherm.png"), pdf("log.pdf")]))
    issue = Issue.objects.get(client=org.client)
    assert response.status_code == 302
    assert response.url == reverse("portal:issue-detail", args=[issue.reference])
    assert issue.requester == org.contact
    assert issue.priority == "P2"
    assert issue.component == "Zaaksysteem"
    assert sorted(Attachment.objects.values_list("original_name", flat=True)) == [
        "log.pdf",
        "scherm.png",
    ]
    page = logged_in.get(response.url).content.decode()
    assert f"filed as {issue.reference}" in page


def test_filing_tells_the_team_by_email(
    logged_in, org, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(NEW, _form_data())
    team = sorted([org.staff.email, org.client.team.lead.email])
    assert sorted(address for m in mailoutbox for address in m.to) == team


def test_a_second_submit_of_the_same_form_files_nothing_and_shows_the_first(logged_in, org):
    data = _form_data()
    first = logged_in.post(NEW, data)
    second = logged_in.post(NEW, data, follow=True)
    issue = Issue.objects.get()
    assert second.redirect_chain == [(first.url, 302)]
    assert f"already filed as {issue.reference}" in second.content.decode()


def test_a_form_without_its_token_is_refused_with_a_message(logged_in, org):
    response = logged_in.post(NEW, _form_data(submission_token=""))
    assert response.status_code == 200
    assert "This form has expired" in response.content.decode()
    assert not Issue.objects.exists()


def test_a_token_of_someone_elses_issue_is_refused(logged_in, client, org):
    data = _form_data()
    logged_in.post(NEW, data)
    log_in(client, org.admin)
    response = client.post(NEW, data)
    assert response.status_code == 200
    assert "can no longer be used" in response.content.decode()
    assert Issue.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required."),
        ({"title": "   "}, "title", "This field is required."),
        ({"title": "x" * 201}, "title", "at most 200 characters"),
        ({"description": ""}, "description", "This field is required."),
        ({"description": "x" * 20001}, "description", "at most 20000 characters"),
        ({"priority": "P9"}, "priority", "Choose one of the priorities your agreement offers."),
        ({"priority": ""}, "priority", "This field is required."),
        ({"category": "gossip"}, "category", "Select a valid choice."),
        ({"component": "x" * 201}, "component", "at most 200 characters"),
    ],
)
def test_bad_input_answers_with_a_message_on_the_field(logged_in, org, overrides, field, message):
    response = logged_in.post(NEW, _form_data(**overrides))
    assert response.status_code == 200
    assert any(message in error for error in _errors(response)[field])
    assert "Please correct the following" in response.content.decode()
    assert not Issue.objects.exists()


def test_a_priority_the_agreement_does_not_offer_is_refused(logged_in, org):
    PriorityTarget.objects.filter(agreement=org.agreement, priority="P1").delete()
    response = logged_in.post(NEW, _form_data(priority="P1"))
    assert _errors(response)["priority"] == ["Choose one of the priorities your agreement offers."]
    assert not Issue.objects.exists()


def test_an_agreement_that_ends_while_the_form_is_open_is_reported_by_the_service(
    logged_in, org, monkeypatch
):
    # The form offered P2; by the time it is sent the service finds no agreement in force.
    monkeypatch.setattr("sla.handlers.agreement_offering", lambda **kwargs: None)
    monkeypatch.setattr("sla.handlers.agreement_applying", lambda **kwargs: None)
    response = logged_in.post(NEW, _form_data())
    assert "no service agreement in force" in _errors(response)["priority"][0]


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 not a pdf"),
            "does not match its file type",
        ),
        (SimpleUploadedFile("photo.png", PDF), "does not match its file type"),
        (SimpleUploadedFile("tool.exe", b"MZ\x90\x00"), "is not a file type we accept"),
        (
            SimpleUploadedFile("page.html", b"<script>alert(1)</script>"),
            "not a file type we accept",
        ),
        (SimpleUploadedFile("empty.png", b""), "The submitted file is empty."),
    ],
)
def test_a_refused_file_is_named_in_the_message(logged_in, org, upload, message):
    response = logged_in.post(NEW, _form_data(attachments=[upload]))
    assert response.status_code == 200
    assert any(message in error for error in _errors(response)["attachments"])
    assert not Issue.objects.exists()
    assert not Attachment.objects.exists()


def test_a_file_over_the_size_limit_is_refused(logged_in, org, settings):
    settings.ATTACHMENT_MAX_BYTES = len(PNG) - 1
    response = logged_in.post(NEW, _form_data(attachments=[png("big.png")]))
    assert "big.png is too large" in _errors(response)["attachments"][0]
    assert not Issue.objects.exists()


def test_more_files_than_allowed_are_refused(logged_in, org, settings):
    settings.ATTACHMENT_MAX_FILES = 2
    files = [png(f"{n}.png") for n in range(3)]
    response = logged_in.post(NEW, _form_data(attachments=files))
    assert _errors(response)["attachments"] == ["You can add at most 2 files at once."]
    assert "Files are not kept when the form has errors" in response.content.decode()
    assert not Issue.objects.exists()


def test_without_an_agreement_in_force_the_page_says_so(client, db):
    contact = ContactFactory(client=ClientFactory(code="NOA"))
    log_in(client, contact)
    for response in (client.get(NEW), client.post(NEW, _form_data())):
        assert response.status_code == 200
        assert "no service agreement in force" in response.content.decode()
    assert not Issue.objects.exists()


def test_an_agreement_without_targets_offers_nothing_and_files_nothing(client, db):
    contact = ContactFactory(client=ClientFactory(code="EMP"))
    AgreementFactory(client=contact.client)
    log_in(client, contact)
    response = client.post(NEW, _form_data(priority="P3"))
    assert response.status_code == 200
    assert not Issue.objects.exists()


def test_form_default_priority_falls_back_when_p3_is_not_offered(client, db):
    contact = ContactFactory(client=ClientFactory(code="ONE"))
    PriorityTargetFactory(agreement=AgreementFactory(client=contact.client), priority="P1")
    log_in(client, contact)
    response = client.get(NEW)
    assert response.status_code == 200
    assert "Choose a priority to see when you can expect our first response." in (
        response.content.decode()
    )


def test_a_contact_files_at_most_the_limit_in_a_period_and_is_told_why(
    logged_in, settings, time_machine
):
    settings.ISSUE_FILING_LIMIT = 3
    time_machine.move_to(MONDAY_10, tick=False)
    filed = [logged_in.post(NEW, _form_data()).status_code for _ in range(3)]

    refused = logged_in.post(NEW, _form_data())

    assert filed == [302, 302, 302]
    assert refused.status_code == 200
    assert _errors(refused)["__all__"] == [
        "You have filed 3 issues in 10 minutes, the most we take. "
        "Wait a few minutes before filing the next, or call us when it is urgent."
    ]
    assert Issue.objects.count() == 3
    time_machine.move_to(datetime(2026, 11, 30, 10, 10, tzinfo=AMS), tick=False)
    assert logged_in.post(NEW, _form_data()).status_code == 302


def test_the_filing_limit_counts_each_contact_apart(client, org, settings, time_machine):
    settings.ISSUE_FILING_LIMIT = 1
    time_machine.move_to(MONDAY_10, tick=False)
    log_in(client, org.contact).post(NEW, _form_data())
    colleague = ContactFactory(client=org.client)

    assert log_in(client, colleague).post(NEW, _form_data()).status_code == 302


def test_a_contact_of_a_switched_off_client_files_nothing(logged_in, org):
    Client.objects.filter(pk=org.client.pk).update(is_active=False)

    response = logged_in.post(NEW, _form_data())

    assert response.status_code == 200
    assert "is switched off: no issues can be filed" in _errors(response)["__all__"][0]
    assert not Issue.objects.exists()
