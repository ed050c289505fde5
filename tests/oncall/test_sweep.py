"""The sweep that finds due steps in the database, the watchdog and the readiness check."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail

from oncall.models import Escalation
from oncall.selectors import check_escalations, escalations_due
from oncall.services import escalation_step_run, escalation_sweep, escalation_watchdog
from oncall.tasks import escalation_step_task, escalation_sweep_task, escalation_watchdog_task
from tests.oncall.conftest import SUNDAY_3AM

MINUTE = timedelta(minutes=1)


@pytest.fixture
def escalation(file_issue):
    return Escalation.objects.get(issue=file_issue())


def test_the_sweep_queues_each_due_escalation_with_its_token(escalation):
    with mock.patch.object(escalation_step_task, "apply_async") as queued:
        assert escalation_sweep(now=SUNDAY_3AM - timedelta(seconds=1)) == 0
        assert escalation_sweep(now=SUNDAY_3AM) == 1
    queued.assert_called_once_with(
        (escalation.pk, str(escalation.token)), {}, countdown=0.0, expires=60.0
    )


def test_a_page_lost_by_the_broker_is_sent_by_the_next_sweep_and_only_once(escalation):
    with time_machine.travel(SUNDAY_3AM + timedelta(seconds=15), tick=False):
        assert escalation_sweep_task.apply().get() == 1
        assert escalation_sweep_task.apply().get() == 0
    assert [m.to for m in mail.outbox] == [["eva@example.org"]]


def test_the_step_task_runs_the_step_named_by_its_token(escalation):
    with time_machine.travel(SUNDAY_3AM, tick=False):
        assert escalation_step_task.apply((escalation.pk, "not-the-token")).get() == "stale"
        assert escalation_step_task.apply((escalation.pk, str(escalation.token))).get() == "sent"
        assert escalation_step_task.apply((escalation.pk, str(escalation.token))).get() == "stale"
    assert len(mail.outbox) == 1


def test_due_escalations_are_read_with_one_query(escalation, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert list(escalations_due(now=SUNDAY_3AM)) == [(escalation.pk, escalation.token)]


def test_the_watchdog_reports_an_overdue_step_in_the_log_and_once_by_email(
    escalation, admins, caplog, django_capture_on_commit_callbacks
):
    assert escalation_watchdog(now=SUNDAY_3AM + MINUTE) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert escalation_watchdog(now=SUNDAY_3AM + 3 * MINUTE) == 1
        assert escalation_watchdog(now=SUNDAY_3AM + 4 * MINUTE) == 1
    [alert] = mail.outbox
    assert alert.to == ["beheer@example.org"]
    assert escalation.issue.reference in alert.subject
    overdue_logs = [r for r in caplog.records if "overdue" in r.getMessage()]
    assert len(overdue_logs) == 2 and all(r.levelname == "ERROR" for r in overdue_logs)


def test_the_watchdog_reports_the_next_step_again_when_it_is_late_too(
    escalation, admins, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        escalation_watchdog(now=SUNDAY_3AM + 3 * MINUTE)
        escalation_step_run(escalation_id=escalation.pk, now=SUNDAY_3AM + 3 * MINUTE)
        escalation_watchdog(now=SUNDAY_3AM + 14 * MINUTE)
        escalation_watchdog(now=SUNDAY_3AM + 16 * MINUTE)
    alerts = [m for m in mail.outbox if m.to == ["beheer@example.org"]]
    assert len(alerts) == 2


def test_the_watchdog_task_reads_the_clock(escalation):
    with time_machine.travel(SUNDAY_3AM + 3 * MINUTE, tick=False):
        assert escalation_watchdog_task.apply().get() == 1


def test_readiness_fails_while_a_step_is_overdue_and_recovers_once_it_is_sent(escalation):
    assert check_escalations(now=SUNDAY_3AM + MINUTE).ok
    late = check_escalations(now=SUNDAY_3AM + 3 * MINUTE)
    assert not late.ok
    assert escalation.issue.reference in late.detail and "180 s late" in late.detail
    escalation_step_run(escalation_id=escalation.pk, now=SUNDAY_3AM + 3 * MINUTE)
    assert check_escalations(now=SUNDAY_3AM + 4 * MINUTE).ok


def test_the_grace_before_a_step_is_overdue_is_a_setting(escalation, settings):
    settings.ONCALL_OVERDUE_SECONDS = 30
    assert not check_escalations(now=SUNDAY_3AM + MINUTE).ok


def test_readiness_reports_a_database_error_instead_of_raising():
    with mock.patch("oncall.selectors.escalations_overdue", side_effect=RuntimeError("down")):
        result = check_escalations(now=SUNDAY_3AM)
    assert (result.ok, result.detail) == (False, "RuntimeError: down")


def test_readyz_reports_an_overdue_page_as_degraded_without_failing(escalation, client, settings):
    from ops.tasks import heartbeat_task

    settings.READYZ_TOKEN = "monitoring-secret"
    with time_machine.travel(SUNDAY_3AM + 3 * MINUTE, tick=False):
        heartbeat_task()
        response = client.get("/readyz", HTTP_AUTHORIZATION="Bearer monitoring-secret")
        anonymous = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    escalations = body["checks"]["escalations"]
    assert escalation.issue.reference in escalations["detail"]
    assert (escalations["overdue_steps"], escalations["oldest_overdue_seconds"]) == (1, 180)
    assert anonymous.json()["checks"]["escalations"] == {"ok": False}
    assert escalation.issue.reference not in anonymous.content.decode()
