"""Paging through several channels, and a channel outage that is not a missed acknowledgement."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from desk.admin.display import event_summary
from oncall.forms import PagingProfileForm
from oncall.models import (
    ChannelHealth,
    Escalation,
    EscalationState,
    OncallSettings,
    Page,
    PagingProfile,
)
from oncall.selectors import check_channels, check_escalations
from oncall.services import Outcome, escalation_step_run, escalation_watchdog
from oncall.services.channels import ops_alert_send
from ops.mail import local_message_record, mailbox_messages
from tests.oncall.conftest import SUNDAY_3AM
from tests.oncall.http import RecordingServer
from tickets.models import EventKind, IssueEvent

SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def http_server():
    server = RecordingServer().start()
    yield server
    server.stop()


@pytest.fixture
def gateway(http_server, settings):
    settings.SMS_GATEWAY_URL = http_server.url("/messages")
    settings.SMS_GATEWAY_KEY = "test-key"
    return http_server


def run(escalation: Escalation, now) -> Outcome:
    return escalation_step_run(escalation_id=escalation.pk, now=now)


def run_until_settled(escalation: Escalation, until) -> list[Outcome]:
    """Run the escalation's step each time it falls due, up to ``until``."""
    outcomes = []
    escalation.refresh_from_db()
    while escalation.due_at is not None and escalation.due_at <= until:
        outcomes.append(run(escalation, escalation.due_at))
        escalation.refresh_from_db()
    return outcomes


def pages_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address] and "X-PAQT-Page" in m.extra_headers]


# -- a channel failure is not a missed acknowledgement ----------------------------------


def test_a_mail_outage_keeps_the_step_on_the_same_person_for_as_long_as_it_lasts(
    file_issue, faulty_mail
):
    faulty_mail.failures = 1000
    escalation = Escalation.objects.get(issue=file_issue())
    outcomes = run_until_settled(escalation, SUNDAY_3AM + 45 * MINUTE)
    assert set(outcomes) == {Outcome.RETRY_LATER}
    # Backoff: a few quick tries, then one a minute.
    assert 40 <= len(outcomes) <= 50
    assert escalation.state == EscalationState.ACTIVE and escalation.step_index == 0
    page = Page.objects.get(escalation=escalation)
    assert page.failed_at is None and page.recipient.username == "eva"


def test_the_wait_for_an_acknowledgement_starts_when_a_page_is_delivered(file_issue, faulty_mail):
    faulty_mail.failures = 10
    escalation = Escalation.objects.get(issue=file_issue())
    run_until_settled(escalation, SUNDAY_3AM + 12 * MINUTE)
    page = Page.objects.get(escalation=escalation, step_index=0)
    assert page.sent_at is not None and page.sent_at > SUNDAY_3AM + 5 * MINUTE
    escalation.refresh_from_db()
    assert escalation.step_index == 1
    assert escalation.due_at == page.sent_at + 10 * MINUTE
    assert [m.to for m in mail.outbox] == [["eva@example.org"]]


def test_after_its_attempts_a_failing_page_makes_the_escalation_undeliverable_until_delivered(
    file_issue, faulty_mail
):
    faulty_mail.failures = 4
    issue = file_issue()
    escalation = Escalation.objects.get(issue=issue)
    for _attempt in range(2):
        run(escalation, Escalation.objects.get(pk=escalation.pk).due_at)
    escalation.refresh_from_db()
    assert escalation.undeliverable_since is None
    run(escalation, escalation.due_at)
    escalation.refresh_from_db()
    assert escalation.undeliverable_since == SUNDAY_3AM + 15 * SECOND
    assert escalation.get_state_label() == "Undeliverable"
    with translation.override("nl"):
        assert escalation.get_state_label() == "Onbestelbaar"
    [event] = IssueEvent.objects.filter(issue=issue, kind=EventKind.ESCALATION_UNDELIVERABLE)
    assert event.data["reason"] == "channels_failing"
    assert "SMTPServerDisconnected" in event.data["error"]
    assert "no channel takes the page" in event_summary(event)
    assert "SMTPServerDisconnected" in event_summary(event)
    run_until_settled(escalation, SUNDAY_3AM + 2 * MINUTE)
    assert escalation.undeliverable_since is None and escalation.step_index == 1
    assert escalation.get_state_label() == "Paging"


def test_an_escalation_that_delivered_no_page_never_ends_exhausted(
    file_issue, oncall, admins, django_capture_on_commit_callbacks, staff
):
    # Every step names nobody who can be paged: the chain runs out without a page.
    OncallSettings.objects.update(duty_manager=None)
    for name in ("eva", "frank"):
        staff[name].email = ""
        staff[name].save(update_fields=["email"])
    issue = file_issue()
    escalation = Escalation.objects.get(issue=issue)
    with (
        mock.patch("oncall.services.moves.step_task_queue_at"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        outcomes = run_until_settled(escalation, SUNDAY_3AM + MINUTE)
    assert outcomes[-1] == Outcome.UNDELIVERABLE
    assert Outcome.EXHAUSTED not in outcomes
    assert (escalation.state, escalation.end_reason) == (
        EscalationState.UNDELIVERABLE,
        "undeliverable",
    )
    event = IssueEvent.objects.get(issue=issue, kind=EventKind.ESCALATION_UNDELIVERABLE)
    assert event.data["pages_sent"] == 0
    assert not IssueEvent.objects.filter(issue=issue, kind=EventKind.ESCALATION_EXHAUSTED)
    [alert] = [m for m in mail.outbox if m.to == ["beheer@example.org"]]
    assert "No page delivered" in alert.subject
    assert not check_escalations(now=SUNDAY_3AM + MINUTE).ok


def test_an_escalation_ended_undeliverable_stays_current_and_can_be_acknowledged(
    file_issue, oncall, staff, team
):
    from oncall.selectors import escalation_current
    from oncall.services import escalation_acknowledge
    from tickets.models import Channel

    OncallSettings.objects.update(duty_manager=None)
    for name in ("eva", "frank"):
        staff[name].is_active = False
        staff[name].save(update_fields=["is_active"])
    issue = file_issue()
    escalation = Escalation.objects.get(issue=issue)
    run_until_settled(escalation, SUNDAY_3AM + MINUTE)
    assert escalation.state == EscalationState.UNDELIVERABLE
    assert escalation_current(issue_id=issue.pk) == escalation
    escalation_acknowledge(escalation=escalation, user=team.lead, channel=Channel.ADMIN)
    escalation.refresh_from_db()
    assert escalation.state == EscalationState.ACKNOWLEDGED


def test_the_watchdog_raises_an_undeliverable_escalation_before_it_is_overdue(
    file_issue, faulty_mail, admins, django_capture_on_commit_callbacks
):
    faulty_mail.failures = 1000
    escalation = Escalation.objects.get(issue=file_issue())
    run_until_settled(escalation, SUNDAY_3AM + 20 * SECOND)
    faulty_mail.failures = 0
    with django_capture_on_commit_callbacks(execute=True):
        assert escalation_watchdog(now=SUNDAY_3AM + 30 * SECOND) == 1
        assert escalation_watchdog(now=SUNDAY_3AM + 40 * SECOND) == 1
    [alert] = [m for m in mail.outbox if m.to == ["beheer@example.org"]]
    assert "undeliverable" in alert.subject and escalation.issue.reference in alert.subject
    late = check_escalations(now=SUNDAY_3AM + 30 * SECOND)
    assert not late.ok and late.values["undeliverable"] == 1
    assert "undeliverable" in late.detail


def test_a_refused_address_on_every_channel_gives_the_step_up_after_its_attempts(
    file_issue, faulty_mail
):
    faulty_mail.refuse = {"eva@example.org"}
    escalation = Escalation.objects.get(issue=file_issue())
    outcomes = run_until_settled(escalation, SUNDAY_3AM + 15 * SECOND)
    assert outcomes[:3] == [Outcome.RETRY_LATER, Outcome.RETRY_LATER, Outcome.GIVEN_UP]
    # A refused address says nothing about the mail server.
    assert not ChannelHealth.objects.filter(failing_since__isnull=False).exists()


# -- more than one channel --------------------------------------------------------------


def test_a_step_pages_through_the_chat_webhook_with_a_link_that_acknowledges(
    file_issue, staff, http_server, client
):
    PagingProfile.objects.create(
        user=staff["eva"], channels=["webhook", "email"], webhook_url=http_server.url()
    )
    issue = file_issue()
    escalation = Escalation.objects.get(issue=issue)
    assert run(escalation, SUNDAY_3AM) == Outcome.SENT
    [hook] = http_server.received()
    assert set(hook.body) == {"text"}
    assert issue.reference in hook.body["text"]
    assert mail.outbox == []
    page = Page.objects.get(escalation=escalation)
    assert page.channel == "webhook"
    sent = IssueEvent.objects.get(issue=issue, kind=EventKind.PAGE_SENT)
    assert sent.data["channel"] == "webhook"
    link = re.search(r"https?://[^/\s]+(/oncall/acknowledge/[^/\s]+/)", hook.body["text"])
    assert client.post(link.group(1)).status_code == 200
    escalation.refresh_from_db()
    assert escalation.state == EscalationState.ACKNOWLEDGED


def test_when_email_fails_the_page_goes_through_the_next_channel_at_once(
    file_issue, staff, faulty_mail, http_server
):
    PagingProfile.objects.create(
        user=staff["eva"], channels=["email", "webhook"], webhook_url=http_server.url()
    )
    faulty_mail.failures = 1000
    issue = file_issue()
    escalation = Escalation.objects.get(issue=issue)
    assert run(escalation, SUNDAY_3AM) == Outcome.SENT
    assert len(http_server.received()) == 1
    sent = IssueEvent.objects.get(issue=issue, kind=EventKind.PAGE_SENT)
    assert "SMTPServerDisconnected" in sent.data["failed_channels"]["email"]
    assert ChannelHealth.objects.get(channel="email").failing_since == SUNDAY_3AM


def test_a_refused_webhook_connection_is_retried_and_counts_as_the_channel_failing(
    file_issue, staff, http_server
):
    url = http_server.url()
    http_server.stop()
    PagingProfile.objects.create(user=staff["eva"], channels=["webhook"], webhook_url=url)
    escalation = Escalation.objects.get(issue=file_issue())
    assert run(escalation, SUNDAY_3AM) == Outcome.RETRY_LATER
    assert "unreachable" in Page.objects.get(escalation=escalation).last_error
    assert not check_channels(now=SUNDAY_3AM + SECOND).ok
    http_server.start()
    assert run(escalation, SUNDAY_3AM + 5 * SECOND) == Outcome.SENT
    assert check_channels(now=SUNDAY_3AM + 6 * SECOND).ok


def test_sms_goes_to_the_gateway_in_its_json_shape_with_the_key(file_issue, staff, gateway):
    PagingProfile.objects.create(user=staff["eva"], channels=["sms"], phone="+31612345678")
    issue = file_issue()
    escalation = Escalation.objects.get(issue=issue)
    assert run(escalation, SUNDAY_3AM) == Outcome.SENT
    [sms] = gateway.received("/messages")
    assert sms.headers["Authorization"] == "AccessKey test-key"
    assert sms.body["recipients"] == ["+31612345678"]
    assert issue.reference in sms.body["body"] and "/oncall/acknowledge/" in sms.body["body"]
    page = Page.objects.get(escalation=escalation)
    assert sms.body["reference"] == f"page-{page.pk}"


def test_a_gateway_answering_500_then_200_sends_one_sms_for_the_step(file_issue, staff, gateway):
    PagingProfile.objects.create(user=staff["eva"], channels=["sms"], phone="+31612345678")
    gateway.failures = 5
    escalation = Escalation.objects.get(issue=file_issue())
    outcomes = run_until_settled(escalation, SUNDAY_3AM + 3 * MINUTE)
    assert outcomes.count(Outcome.SENT) == 1 and outcomes[:5] == [Outcome.RETRY_LATER] * 5
    assert len(gateway.received()) == 1
    escalation.refresh_from_db()
    assert escalation.step_index == 1


def test_a_gateway_refusing_the_number_is_permanent_and_gives_the_step_up(
    file_issue, staff, gateway
):
    PagingProfile.objects.create(user=staff["eva"], channels=["sms"], phone="+31612345678")
    gateway.fail_with, gateway.failures = 422, None
    escalation = Escalation.objects.get(issue=file_issue())
    outcomes = run_until_settled(escalation, SUNDAY_3AM + 15 * SECOND)
    assert Outcome.GIVEN_UP in outcomes
    assert Page.objects.get(escalation=escalation, step_index=0).failed_at is not None


def test_without_a_gateway_local_mode_keeps_the_sms_for_the_mailbox(file_issue, staff, settings):
    settings.SMS_GATEWAY_URL = ""
    PagingProfile.objects.create(user=staff["eva"], channels=["sms"], phone="+31612345678")
    issue = file_issue()
    assert run(Escalation.objects.get(issue=issue), SUNDAY_3AM) == Outcome.SENT
    [entry] = mailbox_messages()
    assert (entry.kind, entry.to) == ("sms", "+31612345678")
    assert issue.reference in entry.subject


def test_in_production_sms_without_a_gateway_is_a_failing_channel(file_issue, staff, settings):
    settings.SMS_GATEWAY_URL, settings.IS_PRODUCTION = "", True
    PagingProfile.objects.create(user=staff["eva"], channels=["sms"], phone="+31612345678")
    escalation = Escalation.objects.get(issue=file_issue())
    assert run(escalation, SUNDAY_3AM) == Outcome.RETRY_LATER
    assert "SMS_GATEWAY_URL" in ChannelHealth.objects.get(channel="sms").last_error


# -- the paging profile -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"channels": ""}, "channels", "Choose at least one channel."),
        ({"channels": "email, pigeon"}, "channels", "Unknown channel: pigeon."),
        ({"channels": "email, email"}, "channels", "Name each channel once."),
        ({"channels": "sms, email"}, "phone", "SMS needs a mobile number."),
        ({"channels": "webhook"}, "webhook_url", "The chat webhook needs its address."),
        ({"channels": "sms", "phone": "0612345678"}, "phone", "international form"),
    ],
)
def test_the_paging_profile_form_refuses_what_cannot_page(staff, data, field, message):
    form = PagingProfileForm(data=data, instance=PagingProfile(user=staff["eva"]))
    assert not form.is_valid()
    assert any(message in error for error in form.errors[field])


def test_the_paging_profile_form_keeps_the_order_given(staff):
    form = PagingProfileForm(
        data={"channels": "SMS, email", "phone": "+31612345678"},
        instance=PagingProfile(user=staff["eva"]),
    )
    assert form.is_valid(), form.errors
    assert form.save().channels == ["sms", "email"]


def test_the_admin_edits_a_paging_profile(admin_client, staff):
    response = admin_client.post(
        "/admin/oncall/pagingprofile/add/",
        {
            "user": staff["frank"].pk,
            "channels": "webhook, email",
            "webhook_url": "https://chat.example.org/hooks/abc",
            "phone": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PagingProfile.objects.get(user=staff["frank"]).channels == ["webhook", "email"]


# -- alerts that do not depend on the failing channel -----------------------------------


def test_while_email_fails_the_administrators_are_alerted_through_the_other_channels(
    db, settings, http_server, gateway
):
    settings.ADMINS = [("Beheer", "beheer@example.org")]
    settings.OPS_ALERT_WEBHOOK_URL = http_server.url("/ops")
    settings.OPS_ALERT_SMS_NUMBERS = ["+31687654321"]
    ChannelHealth.objects.create(
        channel="email",
        failing_since=SUNDAY_3AM,
        last_failure_at=SUNDAY_3AM,
        last_error="SMTPServerDisconnected",
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: SUNDAY_3AM + MINUTE)
        assert ops_alert_send("Page undeliverable", "CAFG-2026-0001") == ["webhook", "sms"]
    assert mail.outbox == []
    [hook] = http_server.received("/ops")
    assert "Page undeliverable" in hook.body["text"]
    [sms] = gateway.received("/messages")
    assert sms.body["recipients"] == ["+31687654321"]


def test_an_alert_whose_email_fails_now_falls_back_to_the_webhook(
    db, settings, faulty_mail, http_server
):
    settings.ADMINS = [("Beheer", "beheer@example.org")]
    settings.OPS_ALERT_WEBHOOK_URL = http_server.url("/ops")
    faulty_mail.failures = 1
    assert ops_alert_send("Page overdue", "x") == ["webhook"]
    assert ChannelHealth.objects.get(channel="email").failing_since is not None


def test_while_email_works_the_alert_goes_by_email_only(db, settings, http_server):
    settings.ADMINS = [("Beheer", "beheer@example.org")]
    settings.OPS_ALERT_WEBHOOK_URL = http_server.url("/ops")
    assert ops_alert_send("Page overdue", "x") == ["email"]
    assert http_server.received() == []


def test_readyz_names_a_failing_channel_and_keeps_its_error_for_staff(db, client, settings):
    from django.utils import timezone

    settings.READYZ_TOKEN = "monitoring-secret"
    ChannelHealth.objects.create(
        channel="email",
        failing_since=timezone.now() - MINUTE,
        last_failure_at=timezone.now(),
        last_error="SMTPConnectError: smtp.example.org:25 refused",
    )
    anonymous = client.get("/readyz").json()
    assert anonymous["checks"]["paging_channels"] == {"ok": False}
    assert "smtp.example.org" not in str(anonymous)
    detailed = client.get("/readyz", HTTP_AUTHORIZATION="Bearer monitoring-secret").json()
    channels = detailed["checks"]["paging_channels"]
    assert "smtp.example.org" in channels["detail"]
    assert set(channels["failing_channels"]) == {"email"}


def test_the_local_mailbox_page_lists_webhook_and_sms_messages(admin_client, settings):
    settings.EMAIL_BACKEND = "ops.mail.LocalMailboxBackend"
    local_message_record(kind="sms", to="+31612345678", text="Page CAFG-2026-0001 (P1)")
    local_message_record(kind="webhook", to="/dev/webhook/", text="Page CAFG-2026-0002 (P1)")
    page = admin_client.get("/dev/mail/").content.decode()
    assert "CAFG-2026-0001" in page and "+31612345678" in page
    assert "CAFG-2026-0002" in page


def test_in_local_mode_the_dev_webhook_keeps_what_is_posted_for_the_mailbox(client, settings):
    settings.EMAIL_BACKEND = "ops.mail.LocalMailboxBackend"
    response = client.post(
        "/dev/webhook/frank/", data={"text": "Page CAFG-2026-0003"}, content_type="application/json"
    )
    assert response.status_code == 200
    [entry] = mailbox_messages()
    assert (entry.kind, entry.to, entry.text) == ("webhook", "frank", "Page CAFG-2026-0003")


def test_the_dev_webhook_refuses_a_body_that_is_not_json(client, settings):
    settings.EMAIL_BACKEND = "ops.mail.LocalMailboxBackend"
    response = client.post("/dev/webhook/frank/", data="x", content_type="application/json")
    assert response.status_code == 400
    assert mailbox_messages() == []


def test_the_demo_pages_frank_through_the_local_webhook_and_chantal_by_sms(staff, settings):
    from oncall.demo import seed_paging_profiles_demo

    seed_paging_profiles_demo(staff=staff)
    seed_paging_profiles_demo(staff=staff)
    frank = PagingProfile.objects.get(user=staff["frank"])
    assert frank.channels == ["webhook", "email"]
    assert frank.webhook_url == f"{settings.SITE_URL}/dev/webhook/frank/"
    assert PagingProfile.objects.get(user=staff["chantal"]).channels == ["sms", "email"]


def test_an_engineer_sets_their_own_channels_on_their_profile_page(client, staff):
    client.force_login(staff["eva"])
    assert client.get("/oncall/profile/").status_code == 200
    response = client.post("/oncall/profile/", {"channels": "sms", "phone": ""})
    assert "SMS needs a mobile number." in response.content.decode()
    response = client.post("/oncall/profile/", {"channels": "sms, email", "phone": "+31612345678"})
    assert response.status_code == 200
    profile = PagingProfile.objects.get(user=staff["eva"])
    assert (profile.channels, profile.phone) == (["sms", "email"], "+31612345678")


def test_a_contact_cannot_open_the_paging_profile_page(client, contact):
    client.force_login(contact)
    assert client.get("/oncall/profile/").status_code == 302
    assert not PagingProfile.objects.exists()


# -- the promise under any sequence of channel faults -----------------------------------


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(script=st.lists(st.sampled_from(["ok", "down", "refused"]), max_size=30))
def test_no_fault_sequence_skips_a_step_by_an_outage_or_exhausts_without_a_page(
    file_issue, faulty_mail, script
):
    from django.db import transaction

    savepoint = transaction.savepoint()
    try:
        faulty_mail.script = list(script)
        issue = file_issue()
        escalation = Escalation.objects.get(issue=issue)
        run_until_settled(escalation, SUNDAY_3AM + 3 * 60 * MINUTE)
        pages = list(Page.objects.filter(escalation=escalation).order_by("step_index"))
        for page in pages:
            if page.step_index < escalation.step_index:
                # A step left behind was delivered, or refused for good: never an outage.
                assert page.sent_at is not None or "SMTPRecipientsRefused" in page.last_error
        if escalation.state == EscalationState.EXHAUSTED:
            assert any(page.sent_at for page in pages)
        sent = IssueEvent.objects.filter(issue=issue, kind=EventKind.PAGE_SENT).count()
        assert sent == sum(1 for page in pages if page.sent_at)
        if escalation.state == EscalationState.ACTIVE and escalation.undeliverable_since:
            assert escalation.due_at is not None
    finally:
        transaction.savepoint_rollback(savepoint)
        mail.outbox.clear()
