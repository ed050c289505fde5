"""Acknowledging a page: the signed link (single use, expiring, tamper-proof) and the admin."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail, signing

from oncall.models import Escalation, EscalationState, Page
from oncall.services import ACK_SALT, Outcome, escalation_acknowledge, escalation_step_run
from paqt_support.exceptions import ApplicationError
from tests.factories import StaffFactory
from tests.live import unreachable_redis_url
from tests.oncall.conftest import SUNDAY_3AM
from tickets import services as ticket_services
from tickets.models import Channel, EventKind, IssueEvent

MINUTE = timedelta(minutes=1)
LINK = re.compile(r"https?://[^/\s]+(/oncall/acknowledge/[^/\s]+/)")


def link_in(message) -> str:
    return LINK.search(message.body).group(1)


@pytest.fixture
def paged(file_issue):
    """Return the escalation of an issue filed on Sunday 03:00 after Eva was paged."""
    escalation = Escalation.objects.get(issue=file_issue())
    assert escalation_step_run(escalation_id=escalation.pk, now=SUNDAY_3AM) == Outcome.SENT
    return escalation


def test_the_link_shows_a_confirmation_and_a_get_acknowledges_nothing(client, paged):
    response = client.get(link_in(mail.outbox[0]))
    assert response.status_code == 200
    assert paged.issue.reference in response.content.decode()
    assert b'method="post"' in response.content
    paged.refresh_from_db()
    assert paged.state == EscalationState.ACTIVE


def test_posting_the_link_acknowledges_assigns_the_engineer_and_stops_the_paging(
    client, paged, staff
):
    response = client.post(link_in(mail.outbox[0]))
    assert response.status_code == 200
    paged.refresh_from_db()
    assert (paged.state, paged.acknowledged_by, paged.due_at) == (
        EscalationState.ACKNOWLEDGED,
        staff["eva"],
        None,
    )
    issue = paged.issue
    issue.refresh_from_db()
    assert issue.assignee == staff["eva"]
    event = IssueEvent.objects.get(issue=issue, kind=EventKind.ESCALATION_ACKNOWLEDGED)
    assert (event.actor, event.channel, event.data["assigned"]) == (staff["eva"], "email", True)
    assert IssueEvent.objects.filter(issue=issue, kind=EventKind.ASSIGNED).exists()
    assert escalation_step_run(escalation_id=paged.pk, now=SUNDAY_3AM + 10 * MINUTE) == "ended"
    assert len(mail.outbox) == 1


def test_the_link_works_once(client, paged):
    url = link_in(mail.outbox[0])
    assert client.post(url).status_code == 200
    again = client.post(url)
    assert again.status_code == 409
    assert "acknowledged this escalation already" in again.content.decode()
    assert client.get(url).status_code == 409
    assert IssueEvent.objects.filter(kind=EventKind.ESCALATION_ACKNOWLEDGED).count() == 1


def test_an_expired_link_is_refused(client, paged):
    url = link_in(mail.outbox[0])
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=24, seconds=5)):
        response = client.post(url)
    assert response.status_code == 410
    paged.refresh_from_db()
    assert paged.state == EscalationState.ACTIVE


def test_a_tampered_link_is_refused(client, paged):
    url = link_in(mail.outbox[0])
    token = url.rstrip("/").rsplit("/", 1)[1]
    forged = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    assert client.post(f"/oncall/acknowledge/{forged}/").status_code == 400
    paged.refresh_from_db()
    assert paged.state == EscalationState.ACTIVE


def test_a_link_signed_for_someone_else_than_the_page_s_recipient_is_refused(client, paged, staff):
    page = Page.objects.get(escalation=paged)
    token = signing.dumps({"page": page.pk, "user": staff["frank"].pk}, salt=ACK_SALT)
    assert client.post(f"/oncall/acknowledge/{token}/").status_code == 400


def test_a_paged_engineer_outside_the_client_s_team_is_assigned_too(client, paged, staff):
    escalation_step_run(escalation_id=paged.pk, now=SUNDAY_3AM + 10 * MINUTE)
    frank_message = mail.outbox[1]
    assert frank_message.to == ["frank@example.org"]
    assert client.post(link_in(frank_message)).status_code == 200
    issue = paged.issue
    issue.refresh_from_db()
    assert issue.assignee == staff["frank"]


def test_only_a_paged_engineer_outside_the_team_may_be_assigned(paged, staff, team):
    issue = paged.issue
    with pytest.raises(ApplicationError):
        ticket_services.issue_assign(issue=issue, actor=team.lead, assignee=staff["frank"])
    escalation_step_run(escalation_id=paged.pk, now=SUNDAY_3AM + 10 * MINUTE)
    ticket_services.issue_assign(issue=issue, actor=team.lead, assignee=staff["frank"])
    issue.refresh_from_db()
    assert issue.assignee == staff["frank"]


def test_a_late_acknowledgement_after_the_chain_ran_out_still_takes_the_issue(client, paged):
    now = SUNDAY_3AM + 10 * MINUTE
    for _step in range(6):
        escalation_step_run(escalation_id=paged.pk, now=now)
        now += 10 * MINUTE
    paged.refresh_from_db()
    assert paged.state == EscalationState.EXHAUSTED
    assert client.post(link_in(mail.outbox[0])).status_code == 200
    paged.refresh_from_db()
    assert paged.state == EscalationState.ACKNOWLEDGED
    event = IssueEvent.objects.get(kind=EventKind.ESCALATION_ACKNOWLEDGED)
    assert event.data["after_exhausted"] is True


def test_someone_outside_the_team_who_was_not_paged_acknowledges_without_the_issue(paged):
    outsider = StaffFactory(username="olaf")
    escalation_acknowledge(escalation=paged, user=outsider, channel=Channel.ADMIN)
    paged.refresh_from_db()
    assert paged.state == EscalationState.ACKNOWLEDGED
    issue = paged.issue
    issue.refresh_from_db()
    assert issue.assignee is None
    event = IssueEvent.objects.get(kind=EventKind.ESCALATION_ACKNOWLEDGED)
    assert event.data["assigned"] is False
    assert "not on the team" in event.data["not_assigned_because"]


def test_a_client_contact_cannot_acknowledge(paged, contact):
    with pytest.raises(ApplicationError):
        escalation_acknowledge(escalation=paged, user=contact, channel=Channel.ADMIN)


def test_the_page_email_and_the_link_are_logged_as_the_engineers_access_by_email(
    client, paged, staff
):
    from audit.models import AuditAction, AuditChannel, AuditEntry

    sent = AuditEntry.objects.get(action=AuditAction.SEND, object_id=str(paged.issue_id))
    assert (sent.user, sent.channel, sent.detail["page"]) == (
        staff["eva"],
        AuditChannel.EMAIL,
        Page.objects.get(escalation=paged).pk,
    )

    client.post(link_in(mail.outbox[0]), REMOTE_ADDR="203.0.113.9")

    viewed = AuditEntry.objects.get(action=AuditAction.VIEW, object_type="tickets.issue")
    changed = AuditEntry.objects.filter(action=AuditAction.CHANGE, object_type="tickets.issue")
    assert (viewed.user, viewed.channel, viewed.ip_address) == (
        staff["eva"],
        AuditChannel.EMAIL,
        "203.0.113.9",
    )
    assert {(c.user, c.channel) for c in changed} == {(staff["eva"], AuditChannel.EMAIL)}


def test_the_link_acknowledges_while_the_cache_in_redis_is_unreachable(client, paged, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "paqt_support.cache.FailOpenRedisCache",
            "LOCATION": unreachable_redis_url(),
        }
    }
    assert client.post(link_in(mail.outbox[0])).status_code == 200
    paged.refresh_from_db()
    assert paged.state == EscalationState.ACKNOWLEDGED
