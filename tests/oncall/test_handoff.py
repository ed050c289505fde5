"""Handoff notices: the engineer going on call hears once what they inherit."""

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from mail.delivery import outbox_deliver, outbox_due
from mail.models import OutboxKind, OutboxMessage
from oncall.models import HandoffNotice
from oncall.services.handoff import handoff_notices_send
from oncall.tasks import handoff_notices_task
from tests.oncall.conftest import SUNDAY_3AM, ams
from tickets.models import Issue

# The demo rota hands off on Mondays at 09:00: Frank becomes primary, Eva secondary.
MONDAY_HANDOFF = ams(2026, 3, 9, 9, 0)
MINUTE = timedelta(minutes=1)


def notices() -> list:
    return [m for m in mail.outbox if "on call" in m.subject]


def test_the_engineers_going_on_call_are_told_the_open_escalations_and_issues_at_risk(
    file_issue, oncall
):
    paged = file_issue(now=SUNDAY_3AM)
    risky = file_issue(now=SUNDAY_3AM)
    Issue.objects.filter(pk=paged.pk).update(sla_warn_at=MONDAY_HANDOFF + 60 * MINUTE)
    Issue.objects.filter(pk=risky.pk).update(
        sla_warn_at=MONDAY_HANDOFF - MINUTE, sla_due_at=MONDAY_HANDOFF + 10 * MINUTE
    )
    mail.outbox.clear()
    assert handoff_notices_send(now=MONDAY_HANDOFF + 2 * MINUTE) == 2
    assert sorted(m.to[0] for m in notices()) == ["eva@example.org", "frank@example.org"]
    [message] = [m for m in notices() if m.to == ["frank@example.org"]]
    assert "2 open escalations, 1 urgent issue at risk" in message.subject
    open_part, risk_part = message.body.split("Urgent issues at risk")
    assert paged.reference in open_part and risky.reference in risk_part
    assert paged.reference not in risk_part


def test_a_shift_gets_its_notice_once_however_often_the_task_runs(file_issue, oncall):
    assert handoff_notices_send(now=MONDAY_HANDOFF) == 2
    assert handoff_notices_send(now=MONDAY_HANDOFF + MINUTE) == 0
    assert len(notices()) == 2
    assert HandoffNotice.objects.filter(sent_at=MONDAY_HANDOFF).count() == 2


def test_no_notice_well_into_a_shift(oncall):
    assert handoff_notices_send(now=MONDAY_HANDOFF + 31 * MINUTE) == 0
    assert notices() == []


def test_a_notice_the_mail_server_refused_is_retried_by_the_outbox_and_not_queued_again(
    oncall, faulty_mail
):
    faulty_mail.failures = 1
    assert handoff_notices_send(now=MONDAY_HANDOFF) == 2
    assert len(notices()) == 1
    assert handoff_notices_send(now=MONDAY_HANDOFF + MINUTE) == 0

    later = timezone.now() + timedelta(hours=1)
    outbox_deliver(message_ids=outbox_due(now=later), now=later)

    assert len(notices()) == 2
    assert OutboxMessage.objects.filter(kind=OutboxKind.HANDOFF_NOTICE).count() == 2


def test_the_handoff_task_reads_the_clock(oncall):
    import time_machine

    with time_machine.travel(MONDAY_HANDOFF + MINUTE, tick=False):
        assert handoff_notices_task.apply().get() == 2
