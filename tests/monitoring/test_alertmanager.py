"""Alertmanager webhooks open, deduplicate, reopen and resolve issues."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from monitoring.models import MonitoringAlert
from oncall.demo import seed_oncall_demo
from oncall.models import Escalation, OncallSettings
from tests.factories import StaffFactory
from tests.monitoring.conftest import payload
from tickets import services as ticket_services
from tickets.choices import Status
from tickets.models import Channel, Comment, Issue

pytestmark = pytest.mark.django_db

SUNDAY_3AM = datetime(2026, 3, 8, 3, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


def _firing(fingerprint="c1d8e5a3b7f20e41", **labels):
    body = payload("alertmanager_firing")
    body["alerts"][0]["fingerprint"] = fingerprint
    body["alerts"][0]["labels"].update(labels)
    return body


def _resolved(fingerprint="c1d8e5a3b7f20e41"):
    body = payload("alertmanager_resolved")
    body["alerts"][0]["fingerprint"] = fingerprint
    return body


def test_a_firing_alert_opens_an_issue_filed_by_the_clients_monitoring_user(
    post, alertmanager, client_
):
    _source, secret = alertmanager

    response = post("alertmanager", _firing(), secret=secret)

    assert response.status_code == 200
    [result] = response.json()["alerts"]
    assert result["result"] == "opened"
    issue = Issue.objects.get(reference=result["issue"])
    assert issue.client == client_
    assert issue.channel == Channel.MONITORING
    assert issue.requester.username == f"monitoring-{client_.code.lower()}"
    assert issue.requester.client == client_
    assert not issue.requester.has_usable_password()
    assert issue.title == (
        "Burgerportaal answers 5xx to more than 5% of requests (web-1.burgerportaal.internal:8000)"
    )
    assert "12.4% of requests" in issue.description
    assert issue.component == "burgerportaal"
    # severity=critical asks for P1, and the agreement offers it.
    assert issue.priority == "P1"
    assert response["API-Version"] == "1.0.0"


def test_a_priority_the_agreement_lacks_falls_back_to_the_sources_default(
    post, alertmanager, agreement
):
    agreement.targets.filter(priority="P1").delete()

    response = post("alertmanager", _firing(), secret=alertmanager[1])

    assert Issue.objects.get(reference=response.json()["alerts"][0]["issue"]).priority == "P3"


def test_repeats_of_a_firing_alert_add_nothing(post, alertmanager):
    secret = alertmanager[1]
    post("alertmanager", _firing(), secret=secret)

    for _ in range(5):
        response = post("alertmanager", _firing(), secret=secret)

    assert response.json()["alerts"][0]["result"] == "repeated"
    assert Issue.objects.count() == 1
    assert Comment.objects.count() == 0


def test_a_resolved_alert_adds_a_reply_and_resolves_the_issue(post, alertmanager):
    secret = alertmanager[1]
    opened = post("alertmanager", _firing(), secret=secret).json()["alerts"][0]["issue"]

    response = post("alertmanager", _resolved(), secret=secret)

    assert response.json()["alerts"][0] == {
        "fingerprint": "c1d8e5a3b7f20e41",
        "result": "resolved",
        "issue": opened,
    }
    issue = Issue.objects.get(reference=opened)
    assert issue.status == Status.RESOLVED
    [comment] = issue.comments.all()
    assert comment.body.startswith("The alert was resolved at")
    assert not comment.is_internal
    assert issue.events.filter(kind="status_changed", channel=Channel.MONITORING).exists()


def test_without_auto_resolve_the_issue_stays_open(post, alertmanager):
    source, secret = alertmanager
    source.auto_resolve = False
    source.save()
    post("alertmanager", _firing(), secret=secret)

    response = post("alertmanager", _resolved(), secret=secret)

    assert response.json()["alerts"][0]["result"] == "updated"
    issue = Issue.objects.get()
    assert issue.is_open
    assert issue.comments.count() == 1


def test_a_flapping_alert_keeps_to_one_issue(post, alertmanager):
    secret = alertmanager[1]
    for _ in range(25):
        post("alertmanager", _firing(), secret=secret)
        post("alertmanager", _resolved(), secret=secret)

    response = post("alertmanager", _firing(), secret=secret)

    assert response.json()["alerts"][0]["result"] == "reopened"
    issue = Issue.objects.get()
    assert issue.status == Status.IN_PROGRESS
    link = MonitoringAlert.objects.get()
    assert link.fire_count == 26
    assert link.is_firing


def test_after_the_team_closed_the_issue_the_next_firing_opens_a_new_one(post, alertmanager):
    secret = alertmanager[1]
    first = post("alertmanager", _firing(), secret=secret).json()["alerts"][0]["issue"]
    ticket_services.issue_change_status(
        issue=Issue.objects.get(reference=first),
        actor=StaffFactory(),
        status=Status.CLOSED,
    )
    post("alertmanager", _resolved(), secret=secret)

    second = post("alertmanager", _firing(), secret=secret).json()["alerts"][0]

    assert second["result"] == "opened"
    assert second["issue"] != first
    assert MonitoringAlert.objects.filter(is_open=True).get().issue.reference == second["issue"]


def test_alerts_with_different_fingerprints_open_an_issue_each(post, alertmanager):
    body = _firing()
    other = dict(body["alerts"][0], fingerprint="0f0f0f0f0f0f0f0f")
    body["alerts"].append(other)

    response = post("alertmanager", body, secret=alertmanager[1])

    assert [a["result"] for a in response.json()["alerts"]] == ["opened", "opened"]
    assert Issue.objects.count() == 2


def test_an_urgent_alert_out_of_hours_pages_the_on_call_engineer(post, alertmanager):
    seed_oncall_demo(
        staff={name: StaffFactory(username=name) for name in ("eva", "frank", "chantal")}
    )
    OncallSettings.objects.update(office_closed=False)

    with time_machine.travel(SUNDAY_3AM, tick=False):
        response = post("alertmanager", _firing(), secret=alertmanager[1])

    issue = Issue.objects.get(reference=response.json()["alerts"][0]["issue"])
    assert Escalation.objects.filter(issue=issue, state="active").exists()


def test_an_outage_that_comes_back_in_the_night_pages_the_on_call_engineer(post, alertmanager):
    seed_oncall_demo(
        staff={name: StaffFactory(username=name) for name in ("eva", "frank", "chantal")}
    )
    OncallSettings.objects.update(office_closed=False)
    monday = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    with time_machine.travel(monday, tick=False):
        first = post("alertmanager", _firing(), secret=alertmanager[1]).json()["alerts"][0]
        post("alertmanager", _resolved(), secret=alertmanager[1])
    issue = Issue.objects.get(reference=first["issue"])
    assert issue.status == Status.RESOLVED
    assert not Escalation.objects.filter(issue=issue).exists()

    with time_machine.travel(SUNDAY_3AM, tick=False):
        again = post("alertmanager", _firing(), secret=alertmanager[1]).json()["alerts"][0]

    assert again["result"] == "reopened"
    assert Escalation.objects.filter(issue=issue, state="active").exists()


def test_a_payload_that_is_not_alertmanagers_answers_400_and_files_nothing(post, alertmanager):
    body = _firing()
    del body["alerts"][0]["status"]
    body["version"] = "3"

    response = post("alertmanager", body, secret=alertmanager[1])

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    names = {p["name"] for p in response.json()["invalid-params"]}
    assert names == {"version", "alerts[0].status"}
    assert Issue.objects.count() == 0


def test_a_failing_alert_undoes_the_others_of_its_call(post, alertmanager, agreement):
    secret = alertmanager[1]
    post("alertmanager", _firing(), secret=secret)
    # The agreement ends, so no new issue can be filed for the second alert below.
    agreement.valid_until = agreement.valid_from
    agreement.save()
    body = _resolved()
    body["alerts"].append(dict(_firing()["alerts"][0], fingerprint="0f0f0f0f0f0f0f0f"))

    response = post("alertmanager", body, secret=secret)

    assert response.status_code == 400
    assert response.json()["invalid-params"][0]["name"] == "priority"
    assert Issue.objects.get().is_open
    assert Comment.objects.count() == 0
    assert MonitoringAlert.objects.get().is_firing


@pytest.mark.parametrize("secret", [None, "mon_000000000000_guess", "not-even-a-secret"])
def test_an_unknown_or_missing_secret_answers_401(post, alertmanager, secret):
    response = post("alertmanager", _firing(), secret=secret)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == 'Bearer realm="monitoring"'
    assert Issue.objects.count() == 0


def test_a_switched_off_source_is_refused(post, alertmanager):
    source, secret = alertmanager
    source.is_active = False
    source.save()

    assert post("alertmanager", _firing(), secret=secret).status_code == 401


def test_a_sentry_secret_cannot_post_alertmanager_alerts(post, sentry):
    response = post("alertmanager", _firing(), secret=sentry[1])

    assert response.status_code == 403
    assert Issue.objects.count() == 0


def test_an_api_token_is_no_monitoring_secret(post, alertmanager, client_):
    from api.services import api_token_create

    _token, token_secret = api_token_create(user=StaffFactory(), name="x")

    assert post("alertmanager", _firing(), secret=token_secret).status_code == 401


def test_an_alert_of_a_switched_off_client_opens_nothing(post, alertmanager, client_):
    _source, secret = alertmanager
    client_.is_active = False
    client_.save(update_fields=["is_active"])

    response = post("alertmanager", _firing(), secret=secret)

    assert response.status_code == 403
    assert not Issue.objects.exists()
